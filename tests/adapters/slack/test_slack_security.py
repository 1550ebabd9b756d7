"""Every request is verified by bolt: unsigned, forged, tampered and stale ones are refused and do
nothing; a replayed one (same signed body, inside the window) is accepted once and acted on once."""

from __future__ import annotations

import json
import time

import pytest
from sqlmodel import select

from bot.store.tables.sales import Account, InboundEvent
from tests.fakes.slack_workspace import (  # noqa: F401
    REP, fake_slack, sign, slack, slack_app,
)


def nothing_done(slack):
    slack.app.background.drain()
    assert [c.method for c in slack.fake.sent()] == ["auth.test"]
    with slack.app.db.session() as session:
        assert session.exec(select(Account)).all() == []
        assert session.exec(select(InboundEvent)).all() == []


@pytest.mark.parametrize("how", ["unsigned", "forged", "tampered", "stale", "future", "garbage"])
def test_bad_requests_are_refused_and_do_nothing(slack, how):
    body = slack.command_body(REP, "log 80 32 2h")
    now = int(time.time())
    if how == "unsigned":
        result = slack.post(body, "application/x-www-form-urlencoded", signed=False)
    elif how == "forged":
        result = slack.post(body, "application/x-www-form-urlencoded",
                            signature=sign(body, now, secret="not-the-signing-secret"))
    elif how == "tampered":
        signature = sign(body, now)
        result = slack.post(body.replace("log+80", "log+99"), "application/x-www-form-urlencoded",
                            timestamp=now, signature=signature)
    elif how == "stale":  # correctly signed, six minutes ago: outside Slack's five-minute window
        result = slack.post(body, "application/x-www-form-urlencoded", timestamp=now - 360)
    elif how == "future":
        result = slack.post(body, "application/x-www-form-urlencoded", timestamp=now + 360)
    else:
        result = slack.post(body, "application/x-www-form-urlencoded", signature="v0=deadbeef")
    assert result[0] == 401
    nothing_done(slack)


def test_replayed_request_is_acted_on_once(slack):
    body = slack.command_body(REP, "help")
    now = int(time.time())
    signature = sign(body, now)
    for _ in range(3):
        assert slack.post(body, "application/x-www-form-urlencoded", timestamp=now, signature=signature)[0] == 200
    slack.app.background.drain()
    answers = slack.fake.sent("response_url")
    assert len(answers) == 2  # the welcome and the help, once
    with slack.app.db.session() as session:
        assert len(session.exec(select(InboundEvent)).all()) == 1


def test_replayed_event_with_a_new_retry_header_is_acted_on_once(slack):
    body = slack.event_body({"type": "message", "user": REP, "text": "log 80 32 2h", "ts": "1.2",
                             "channel": "D0REP0001", "event_ts": "1.2", "channel_type": "im"},
                            event_id="Ev0REPLAY01")
    for retry in (None, 1, 2, 3):
        assert slack.post(body, "application/json", retry_num=retry)[0] == 200
    slack.app.background.drain()
    assert len(slack.fake.messages("D0REP0001")) == 2  # welcome + the answer


def test_url_verification_is_answered_when_signed(slack):
    body = json.dumps({"token": "legacy", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
                       "type": "url_verification"})
    status, _, out = slack.post(body, "application/json")
    assert status == 200 and json.loads(out)["challenge"].startswith("3eZbrw1a")
    assert slack.post(body, "application/json", signed=False)[0] == 401


def test_bots_own_messages_and_other_subtypes_are_ignored(slack):
    slack.event({"type": "message", "subtype": "bot_message", "bot_id": "B0PACE01", "text": "hi",
                 "ts": "1.3", "channel": "D0REP0001", "event_ts": "1.3", "channel_type": "im"})
    slack.event({"type": "message", "subtype": "message_changed", "channel": "D0REP0001", "ts": "1.4",
                 "event_ts": "1.4", "channel_type": "im", "message": {"user": REP, "text": "log 1 1 1"}})
    slack.app.background.drain()
    assert [c.method for c in slack.fake.sent()] == ["auth.test"]
