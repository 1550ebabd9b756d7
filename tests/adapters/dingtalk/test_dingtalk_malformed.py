"""Callbacks DingTalk never sends, correctly signed, get a 400 with the reason (never a 500) and do
nothing: fields of the wrong JSON type, missing fields, arrays, invalid UTF-8, deep nesting; and a
timestamp that is no plain number is refused as unsigned."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from bot.store.tables.sales import Account, InboundEvent
from tests.dingtalk_support import (dingtalk_sign, dt_settings, fake, make_adapter, message, post,  # noqa: F401
                                    signed_headers, sqlite_app)


def nothing_done(app, fake):
    app.background.drain()
    assert fake.sent == []
    with app.db.session() as s:
        assert s.exec(select(Account)).all() == [] and s.exec(select(InboundEvent)).all() == []


def shapes(fake, clock):
    good = message(fake, "help", clock=clock)
    return {
        "text is a string": dict(good, text="help"),
        "content is a number": dict(good, text={"content": 5}),
        "conversationType is a number": dict(good, conversationType=1),
        "atUsers is an object": dict(good, atUsers={"dingtalkId": "x"}),
        "expiry is a string": dict(good, sessionWebhookExpiredTime="soon"),
        "text missing": {k: v for k, v in good.items() if k != "text"},
        "richText without content": dict(good, msgtype="richText"),
        "hostingContext without its fields": dict(good, hostingContext={}),
    }


REASONS = {
    "text is a string": "text must be an object", "content is a number": "text.content must be a string or null",
    "conversationType is a number": "conversationType must be a string", "atUsers is an object":
    "atUsers must be an array", "expiry is a string": "sessionWebhookExpiredTime must be a number",
    "text missing": "a text message needs text", "richText without content": "a richText message needs content",
}


@pytest.mark.parametrize("shape", list(REASONS) + ["hostingContext without its fields"])
def test_wrong_types_and_missing_fields_get_400(sqlite_app, dt_settings, fake, clock, shape):
    adapter = make_adapter(sqlite_app, dt_settings)
    status, body = post(adapter, shapes(fake, clock)[shape], signed_headers(clock))
    if shape in REASONS:
        assert status == 400 and body["error"] == REASONS[shape]
        nothing_done(sqlite_app, fake)
    else:  # fields we never read are not looked at
        assert status == 200


@pytest.mark.parametrize("raw, reason", [
    (b"[1, 2]", "the body must be a JSON object, not an array"),
    (b'"help"', "the body must be a JSON object, not a string"),
    (b'{"msgtype": "text", "text": {"content": "\xff"}}', "the body is not UTF-8"),
    (b'{"a":' * 5000 + b"1" + b"}" * 5000, "nested deeper than 64 levels"),
])
def test_bodies_that_are_no_json_object_get_400(sqlite_app, dt_settings, fake, clock, raw, reason):
    adapter = make_adapter(sqlite_app, dt_settings)
    status, body = post(adapter, raw, signed_headers(clock))
    assert status == 400 and reason in body["error"]
    nothing_done(sqlite_app, fake)


@pytest.mark.parametrize("timestamp", ["１７６４", "²", "12.5", "-1", "1" * 5000])
def test_a_timestamp_that_is_no_plain_number_is_refused(sqlite_app, dt_settings, fake, clock, timestamp):
    adapter = make_adapter(sqlite_app, dt_settings)
    status, _ = post(adapter, message(fake, "help", clock=clock), {"timestamp": timestamp,
                                                                    "sign": dingtalk_sign(timestamp)})
    assert status == 403
    nothing_done(sqlite_app, fake)
