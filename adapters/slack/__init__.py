"""Slack: Events API, slash command, buttons, modal and App Home, over HTTP (`/slack/events`) and Socket Mode."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .settings import SlackSettings, load_slack_settings

if TYPE_CHECKING:
    from bot.app import App


def build(app: App, settings: SlackSettings | None = None):
    """The adapter, or None when SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are not set."""
    settings = settings or load_slack_settings()
    if not settings.configured:
        return None
    from .adapter import SlackAdapter

    return SlackAdapter(app, settings)
