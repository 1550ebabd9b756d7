"""DingTalk (钉钉): an enterprise internal robot over HTTP callbacks or Stream mode."""

from __future__ import annotations

from adapters.dingtalk.config import DingTalkSettings
from bot.core.config import build_settings


def build(app, settings: DingTalkSettings | None = None, **kw):
    """The adapter, or None when DINGTALK_APP_KEY / DINGTALK_APP_SECRET are not set."""
    settings = settings or build_settings(DingTalkSettings, "bad DingTalk settings")
    if not settings.configured:
        return None
    from adapters.dingtalk.adapter import DingTalkAdapter

    return DingTalkAdapter(app, settings, **kw)
