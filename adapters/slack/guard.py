"""What a request to `/slack/events` must look like before bolt reads it: bolt parses the body before it
checks the signature and raises on shapes Slack never sends (a JSON array or string, invalid UTF-8, a
float timestamp, a string where an object belongs), which would be a 500. Such requests get a 4xx with
the reason here, and nothing else is touched; what passes goes to bolt with its body unchanged.

`SHAPE` lists the fields bolt and our listeners read, with the types Slack sends them in; fields not
listed are not looked at."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable
from urllib.parse import parse_qsl

from bot.core.payloads import NULL, OPT, BadPayload, Each, load_object, misshapen

ID = (str, {"id": OPT})  # "user": "U1" or {"id": "U1", ...}


STATE = {"values": Each(Each({"value": (str, NULL), "selected_date": (str, NULL),
                                 "selected_option": (NULL, {"value": str})}))}
MESSAGE = {"type": str, "user": OPT, "ts": OPT, "thread_ts": OPT, "text": str, "bot_id": OPT, "subtype": OPT}
SHAPE = {
    "type": str, "token": str, "team_id": str, "user_id": str, "channel_id": str, "channel_name": str,
    "user_name": str, "enterprise_id": (str, NULL), "api_app_id": str, "trigger_id": str, "command": str,
    "text": str, "response_url": str, "event_id": str, "event_time": int, "challenge": str,
    "context_team_id": (str, NULL), "context_enterprise_id": (str, NULL), "is_enterprise_install": (bool, str),
    "user": (str, {"id": str, "username": str, "name": str, "team_id": str}),
    "team": (str, NULL, {"id": str, "domain": str}), "enterprise": (str, NULL, {"id": str}),
    "channel": (str, {"id": OPT, "name": OPT}),
    "authorizations": [{"enterprise_id": (str, NULL), "team_id": (str, NULL), "user_id": str, "is_bot": bool,
                        "is_enterprise_install": bool}],
    "actions": [{"action_id": str, "block_id": OPT, "type": OPT, "value": OPT, "action_ts": OPT}],
    "container": {"type": OPT, "channel_id": OPT, "message_ts": OPT, "view_id": OPT, "thread_ts": OPT},
    "message": MESSAGE,
    "view": {"id": str, "type": OPT, "callback_id": OPT, "private_metadata": OPT, "hash": OPT, "team_id": OPT,
             "state": STATE},
    "event": {**MESSAGE, "user": (*ID, NULL), "channel": ID, "channel_type": OPT, "event_ts": OPT, "team": OPT,
              "tab": OPT, "message": MESSAGE, "view": {"id": OPT, "type": OPT}},
}
# What Slack always sends with each kind, and our listeners rely on.
REQUIRED = {"block_actions": (("user", "id"),),
            "view_submission": (("user", "id"), ("view", "id"), ("view", "type"))}


def guarded(bolt_handler: Callable) -> Callable:
    """A WSGI app that refuses malformed requests and hands the rest to `bolt_handler`."""

    def app(environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD", "GET").upper() != "POST":
            return bolt_handler(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)  # the server checked and bounded it
        body = environ["wsgi.input"].read(length) if length else b""
        refusal = _refusal(environ, body)
        if refusal is not None:
            status, reason = refusal
            data = json.dumps({"error": reason}).encode()
            start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
            return [data]
        environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(body), str(len(body))
        return bolt_handler(environ, start_response)

    return app


def _refusal(environ: dict, body: bytes) -> tuple[str, str] | None:
    timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP")
    # isascii: "²" is a digit to str.isdigit() but not to int(); int() refuses over 4,300 digits.
    if timestamp is not None and not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        return "401 Unauthorized", "X-Slack-Request-Timestamp must be whole seconds"
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "400 Bad Request", "the body is not UTF-8"
    try:
        payload = _payload(environ, text)
    except BadPayload as exc:
        return "400 Bad Request", str(exc)
    problem = misshapen(payload, SHAPE) or _missing(payload)
    return ("400 Bad Request", problem) if problem else None


def _payload(environ: dict, text: str) -> dict:
    """The same choice as bolt's parse_body: JSON when it says so or looks like it, else a form whose
    `payload` field (interactions) holds JSON, else the form itself (slash commands)."""
    if not text:
        return {}
    if environ.get("CONTENT_TYPE") == "application/json" or text.startswith("{"):
        return load_object(text)
    form = dict(parse_qsl(text, keep_blank_values=True))
    if "payload" in text and "payload" in form:
        return load_object(form["payload"])
    return form


def _missing(payload: dict) -> str | None:
    if "command" in payload and not payload.get("user_id"):
        return "a slash command needs user_id"
    if "event" in payload and not payload["event"].get("type"):  # bolt reads event.type unchecked
        return "event needs type"
    for path in REQUIRED.get(payload.get("type"), ()):
        node = payload
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        if not node:
            return f"{payload['type']} needs {'.'.join(path)}"
    return None
