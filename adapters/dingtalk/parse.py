"""A robot message (HTTP callback body or Stream callback data, the same JSON) into an `Incoming`."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from adapters.dingtalk.hosts import on_dingtalk

from bot.chat.messages import Incoming
from bot.core.payloads import OPT, BadPayload, misshapen

PLATFORM = "dingtalk"
DIRECT, GROUP = "1", "2"
# In a group the text may still begin with the @-names (the robot's, others'), each followed by a space
# or DingTalk's U+2005.
_LEADING_AT = re.compile(r"^(?:\s*@[^\s\u2005]+[\s\u2005]*)+")
# The fields read here, with the types DingTalk sends; the SDK's reader gets only these (it raises on
# others it reads, such as hostingContext, that we never use).
SHAPE = {"msgtype": str, "text": {"content": OPT}, "content": {"richText": [{"text": OPT}]},
         "conversationType": str, "conversationId": OPT, "conversationTitle": OPT, "senderStaffId": OPT,
         "senderId": OPT, "senderNick": OPT, "msgId": OPT, "sessionWebhook": OPT, "sessionWebhookExpiredTime": int,
         "isInAtList": bool, "atUsers": [{"dingtalkId": OPT, "staffId": OPT}], "robotCode": OPT, "createAt": int}
NEEDS = {"text": "text", "richText": "content"}  # a message of this msgtype carries this field


def check(payload) -> dict:
    """The payload's fields that `parse` reads, or BadPayload saying which one is wrong."""
    if not isinstance(payload, dict):
        raise BadPayload("the body must be a JSON object")
    problem = misshapen(payload, SHAPE)
    needs = None if problem else NEEDS.get(payload.get("msgtype"))
    if needs and needs not in payload:
        problem = f"a {payload['msgtype']} message needs {needs}"
    if problem:
        raise BadPayload(problem)
    return {key: value for key, value in payload.items() if key in SHAPE}


def parse(payload: dict, *, now: datetime, api_base: str, allowed_hosts: Iterable[str]) -> Incoming | None:
    """None for what carries no command: pictures, files, group messages not addressed to the robot. A
    sessionWebhook off `allowed_hosts` is dropped (the reply then takes the OpenAPI). BadPayload for
    fields of the wrong type."""
    from adapters.dingtalk.sdk import load_sdk

    msg = load_sdk(api_base).ChatbotMessage.from_dict(check(payload))
    if msg.message_type == "text" and msg.text is not None:
        text = msg.text.content or ""
    elif msg.message_type == "richText" and msg.rich_text_content is not None:
        text = " ".join(part for part in msg.get_text_list() or [] if part)
    else:
        return None
    direct = msg.conversation_type == DIRECT
    if not direct:
        if msg.is_in_at_list is False:
            return None
        text = _LEADING_AT.sub("", text)
    user = msg.sender_staff_id or msg.sender_id
    if not user:
        return None
    return Incoming(
        platform=PLATFORM, user_id=user, text=text.replace("\u2005", " ").strip(),
        channel_id=user if direct else msg.conversation_id, is_direct=direct,
        event_id=msg.message_id, user_name=msg.sender_nick,
        channel_name=None if direct else msg.conversation_title, received_at=now,
        extra={"session_webhook": on_dingtalk(msg.session_webhook, allowed_hosts, "sessionWebhook"),
               "session_webhook_expires_ms": msg.session_webhook_expired_time,
               "robot_code": msg.robot_code})
