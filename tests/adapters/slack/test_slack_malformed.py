"""Requests Slack never sends, signed or not, get a 4xx with the reason (never a 500) and do nothing:
odd timestamps, bodies that are no JSON object, too deep, not UTF-8, wrong types, missing fields."""

from __future__ import annotations

import io
import json
import time
from urllib.parse import quote

import pytest

from tests.adapters.slack.test_slack_security import nothing_done
from tests.fakes.slack_workspace import REP, SECRET, fake_slack, sign, slack, slack_app  # noqa: F401

JSON, FORM = "application/json", "application/x-www-form-urlencoded"


def interaction(payload) -> str:
    return "payload=" + quote(json.dumps(payload))


CASES = {
    "json array": ("[1, 2]", JSON, 400, "the body must be a JSON object, not an array"),
    "json string": ('"event_callback"', JSON, 400, "the body must be a JSON object, not a string"),
    "deep nesting": ('{"a":' * 3000 + "1" + "}" * 3000, JSON, 400, "nested deeper than 64 levels"),
    "array payload": ("payload=%5B1%5D", FORM, 400, "the body must be a JSON object, not an array"),
    "event is a string": ('{"type": "event_callback", "event": "message"}', JSON, 400, "event must be an object"),
    "user is a number": ('{"type": "event_callback", "event": {"type": "message", "user": 5, "text": "me"}}', JSON,
                         400, "event.user must be a string or an object"),
    "authorizations": ('{"type": "event_callback", "authorizations": "x", "event": {"type": "message"}}', JSON, 400,
                       "authorizations must be an array"),
    "command without user_id": ("token=x&command=%2Fpace&text=help&trigger_id=1.2", FORM, 400,
                                "a slash command needs user_id"),
    "click without user": (interaction({"type": "block_actions", "actions": [{"action_id": "pace_cmd_0",
                                                                             "value": "me"}]}), FORM, 400,
                           "block_actions needs user.id"),
    "modal without user": (interaction({"type": "view_submission", "view": {"id": "V1", "callback_id": "pace_log"}}),
                           FORM, 400, "view_submission needs user.id"),
}


@pytest.mark.parametrize("signed", [True, False], ids=["signed", "unsigned"])
@pytest.mark.parametrize("case", CASES)
def test_malformed_bodies_get_400_and_do_nothing(slack, case, signed):
    body, content_type, status, reason = CASES[case]
    got, _, out = slack.post(body, content_type, signed=signed)
    assert got == status and reason in json.loads(out)["error"]
    nothing_done(slack)


def test_invalid_utf8_gets_400(slack):
    environ_body = b'{"type": "event_callback", "x": "\xff"}'
    now = str(int(time.time()))
    seen = {}
    signature = sign(environ_body.decode("latin-1"), now)  # placeholder: bolt never gets this far
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/slack/events", "QUERY_STRING": "", "SERVER_NAME": "x",
               "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "https",
               "wsgi.input": io.BytesIO(environ_body), "CONTENT_TYPE": JSON, "CONTENT_LENGTH": str(len(environ_body)),
               "HTTP_X_SLACK_REQUEST_TIMESTAMP": now, "HTTP_X_SLACK_SIGNATURE": signature}
    out = b"".join(slack.server(environ, lambda status, headers: seen.update(status=status)))
    assert seen["status"].startswith("400") and json.loads(out)["error"] == "the body is not UTF-8"
    nothing_done(slack)


@pytest.mark.parametrize("timestamp", ["1764122400.5", "soon", "", "²", " 1764122400", "1" * 5000])
def test_a_timestamp_that_is_not_whole_seconds_gets_401(slack, timestamp):
    body = slack.command_body(REP, "help")
    got, _, out = slack.post(body, FORM, timestamp=timestamp, signature=sign(body, timestamp))
    assert got == 401
    nothing_done(slack)


@pytest.mark.parametrize("body, reason", [
    ('{"type": "event_callback", "event": {"user": "U1"}}', "event needs type"),
    ('payload=' + quote(json.dumps({"type": "view_submission", "user": {"id": REP}, "view": {"id": "V1"}})),
     "view_submission needs view.type"),
])
def test_fields_bolt_reads_unchecked_are_required(slack, body, reason):
    got, _, out = slack.post(body, JSON if body.startswith("{") else FORM)
    assert got == 400 and json.loads(out)["error"] == reason
    nothing_done(slack)
