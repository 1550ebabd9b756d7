"""WeCom (企业微信) as a self-built app: `build(app)` gives the adapter, or None when WeCom is not
configured (no WECOM_* settings)."""

from __future__ import annotations

from bot.app import App

from adapters.wecom.settings import WeComSettings, load_wecom_settings


def build(app: App, settings: WeComSettings | None = None, **kwargs):
    """The adapter, with the `企微群` command wired to WeCom's group chats; raises SettingsError on a
    half-done set-up."""
    from adapters.wecom.adapter import WeComAdapter
    from adapters.wecom.groupchats import WeComGroupChats
    from handlers import wecom_group

    settings = settings or load_wecom_settings()
    if settings is None:
        return None
    adapter = WeComAdapter(app, settings, **kwargs)
    if "wecomgroup" not in app.router.commands:
        wecom_group.register(app.router, WeComGroupChats(adapter))
    return adapter
