"""Decrypted WeCom callbacks as neutral `Incoming` messages (pure).

Text carries commands; a menu click's EventKey and a template card button's key carry one. wechatpy
1.8 does not know `template_card_event`, so that one is read from the raw XML."""

from __future__ import annotations

from datetime import datetime, timezone

import xmltodict
from wechatpy.enterprise import parse_message

from bot.chat.messages import Incoming

PLATFORM = "wecom"
# Menu keys an admin may give click menu items (README); any other key is taken as the command itself.
MENU = {"me": "me", "top": "top", "log": "help log", "help": "help", "target": "target"}


def parse(xml: str, *, agent_id: int | None = None) -> Incoming | None:
    """The message in a decrypted callback, or None for what the bot does not act on."""
    raw = xmltodict.parse(xml)["xml"]
    if agent_id is not None and raw.get("AgentID") not in (None, "", str(agent_id)):
        return None  # meant for another app of the corp
    user = raw.get("FromUserName") or ""
    created = _time(raw.get("CreateTime"))
    base = dict(platform=PLATFORM, user_id=user, channel_id=user, is_direct=True, received_at=created)
    if (raw.get("MsgType") or "").lower() == "event":
        event = (raw.get("Event") or "").lower()
        key = (raw.get("EventKey") or "").strip()
        # WeCom's advice: events have no MsgId; sender and CreateTime identify a retried one.
        event_id = f"ev:{user}:{raw.get('CreateTime')}:{event}:{key}"[:191]
        if event == "template_card_event" and key:
            return Incoming(**base, text="", action=key, event_id=event_id,
                            extra={"task_id": raw.get("TaskId"), "response_code": raw.get("ResponseCode")})
        if event == "click" and key:
            return Incoming(**base, text="", action=MENU.get(key.lower(), key), event_id=event_id)
        return None
    message = parse_message(xml)
    if message.type != "text" or not user:
        return None
    return Incoming(**base, text=(message.content or "").strip(), event_id=f"msg:{message.id}")


def _time(value) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(value), timezone.utc)
    except (TypeError, ValueError):
        return None
