"""Slack payloads (as bolt hands them over, already verified) to neutral `Incoming` events (pure)."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

from bot.chat.messages import Incoming

PLATFORM = "slack"


def _is_dm(channel_id: str | None, channel_type: str | None = None) -> bool:
    return channel_type == "im" or (channel_id or "").startswith("D")


def _event_time(body: dict) -> datetime | None:
    stamp = body.get("event_time")
    return datetime.fromtimestamp(int(stamp), timezone.utc) if stamp else None


def strip_mention(text: str, bot_user_id: str | None) -> str:
    """`<@UBOT> log 80 32` → `log 80 32`; other people's mentions stay (e.g. `team add <@U123>`)."""
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(\|[^>]*)?>", " ", text)
    return " ".join(text.split())


def parse_event(body: dict, bot_user_id: str | None) -> Incoming | None:
    """An Events API envelope (`event_callback`): app_mention, message.im or app_home_opened."""
    event = body.get("event") or {}
    kind, user = event.get("type"), event.get("user")
    if not user or event.get("bot_id"):
        return None
    common = dict(platform=PLATFORM, user_id=user, event_id=body.get("event_id"), received_at=_event_time(body),
                  extra={"team_id": body.get("team_id")})
    if kind == "app_home_opened":
        if event.get("tab") != "home":
            return None
        common["extra"]["home"] = True
        return Incoming(text="me", channel_id=user, is_direct=True, **common)
    if kind == "message" and (event.get("subtype") or event.get("channel_type") != "im"):
        return None
    if kind not in ("app_mention", "message"):
        return None
    channel = event.get("channel", "")
    if kind == "app_mention" and event.get("thread_ts"):
        common["extra"]["thread_ts"] = event["thread_ts"]
    return Incoming(text=strip_mention(event.get("text", ""), bot_user_id), channel_id=channel,
                    is_direct=_is_dm(channel, event.get("channel_type")), **common)


def parse_command(body: dict) -> Incoming:
    """A slash command (`/pace log 80 32 2h`), as bolt parsed its form-encoded body."""
    channel = body.get("channel_id", "")
    name = body.get("channel_name")
    direct = _is_dm(channel) or name in ("directmessage", "mpdm")
    return Incoming(platform=PLATFORM, user_id=body["user_id"], text=" ".join(body.get("text", "").split()),
                    channel_id=channel, channel_name=None if direct else name, is_direct=direct,
                    event_id=f"command:{body['trigger_id']}" if body.get("trigger_id") else None,
                    user_name=body.get("user_name"),
                    extra={"response_url": body.get("response_url"), "trigger_id": body.get("trigger_id"),
                           "command": body.get("command"), "team_id": body.get("team_id")})


def parse_action(body: dict) -> Incoming | None:
    """A button click (`block_actions`) whose value is a command, in a message or on the Home tab."""
    actions = body.get("actions") or []
    if not actions or not actions[0].get("value"):
        return None
    user = body["user"]["id"]
    extra: dict[str, Any] = {"trigger_id": body.get("trigger_id"), "team_id": (body.get("team") or {}).get("id")}
    view = body.get("view") or {}
    channel = (body.get("channel") or {}).get("id")
    if channel:
        direct = _is_dm(channel)
        if not direct:  # in a channel only the person who clicked sees the answer; in a DM, just post
            extra["response_url"] = body.get("response_url")
    else:  # on the Home tab or in a modal: answer in the person's direct messages
        channel, direct = user, True
        extra["home"] = view.get("type") == "home"
    return Incoming(platform=PLATFORM, user_id=user, text=actions[0]["value"], action=actions[0]["value"],
                    channel_id=channel, is_direct=direct,
                    event_id=f"action:{body['trigger_id']}" if body.get("trigger_id") else None,
                    user_name=body["user"].get("username") or body["user"].get("name"), extra=extra)


def view_values(view: dict) -> dict[str, str | None]:
    """A submitted modal's inputs as {block_id: text}, whatever element held them."""
    values: dict[str, str | None] = {}
    for block_id, actions in ((view.get("state") or {}).get("values") or {}).items():
        for element in actions.values():
            value = element.get("value")
            if value is None:
                value = element.get("selected_date") or (element.get("selected_option") or {}).get("value")
            values[block_id] = value.strip() if isinstance(value, str) and value.strip() else None
    return values
