"""WeCom (企业微信) as a self-built app: `build(app)` gives the adapter, or None when WeCom is not
configured (no WECOM_* settings)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.wecom.settings import WeComSettings, load_wecom_settings

if TYPE_CHECKING:
    from bot.app import App


def build(app: App, settings: WeComSettings | None = None, **kwargs):
    """The adapter; raises SettingsError on a half-done set-up. (bot/app.py wires the `企微群` command to
    its group chats.)"""
    from adapters.wecom.adapter import WeComAdapter

    settings = settings or load_wecom_settings()
    if settings is None:
        return None
    return WeComAdapter(app, settings, **kwargs)
