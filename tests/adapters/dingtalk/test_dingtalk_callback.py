"""DingTalk HTTP callbacks: signed exactly as DingTalk signs them; forged, stale and unsigned ones are
refused and do nothing; a repeated msgId acts once; group messages only when the robot is @-mentioned."""

from __future__ import annotations

from sqlmodel import select

from adapters.dingtalk import build
from adapters.dingtalk.signing import sign, verify
from bot.store.tables.sales import Account, Activity
from bot.app import build_server
from tests.dingtalk_fake import APP_KEY, APP_SECRET
from tests.dingtalk_support import (dingtalk_sign, dt_settings, fake, make_adapter, message, post,  # noqa: F401
                                    seed, signed_headers, sqlite_app, texts)


def count(app, model):
    with app.db.session() as s:
        return len(s.exec(select(model)).all())


def test_sign_matches_dingtalks_documented_example():
    # Base64(HmacSHA256(secret, timestamp + "\n" + secret)), computed independently with
    # `printf '1577262236757\nthis is secret' | openssl dgst -sha256 -hmac 'this is secret' -binary | base64`.
    assert sign(1577262236757, "this is secret") == "hmPWwU+7lVdm3ZZz0r9tSfx0L4Q26jWOZr9+Gs6EZQM="
    assert verify({"timestamp": "1577262236757", "sign": sign(1577262236757, "s")}, secret="s",
                  now_ms=1577262236757 + 59 * 60 * 1000)
    assert not verify({"timestamp": "1577262236757", "sign": sign(1577262236757, "s")}, secret="s",
                      now_ms=1577262236757 + 61 * 60 * 1000)


def test_signed_callback_is_acknowledged_and_answered(sqlite_app, dt_settings, fake, clock):
    adapter = make_adapter(sqlite_app, dt_settings)
    seed(sqlite_app)
    status, body = post(adapter, message(fake, "log 80 30 2h", clock=clock), signed_headers(clock))
    assert status == 200 and body == {"msgtype": "empty"}
    sqlite_app.background.drain()
    assert count(sqlite_app, Activity) == 1
    replies = fake.to("/robot/sendBySession")
    assert replies and all(r.query["session"] == "zhangwei" for r in replies)
    assert "80" in texts(replies)


def test_forged_stale_and_unsigned_callbacks_do_nothing(sqlite_app, dt_settings, fake, clock):
    adapter = make_adapter(sqlite_app, dt_settings)
    body = message(fake, "log 80 30 2h", clock=clock)
    attempts = [
        {},  # no headers at all
        {"timestamp": signed_headers(clock)["timestamp"]},  # no sign
        signed_headers(clock, secret="not-the-app-secret"),  # forged
        signed_headers(clock, offset_ms=-61 * 60 * 1000),  # over an hour old
        signed_headers(clock, offset_ms=+61 * 60 * 1000),  # from the future
        {"timestamp": "yesterday", "sign": dingtalk_sign("yesterday")},
    ]
    for headers in attempts:
        status, answer = post(adapter, body, headers)
        assert status == 403, headers
    sqlite_app.background.drain()
    assert count(sqlite_app, Activity) == 0 and count(sqlite_app, Account) == 0
    assert fake.sent == []
    # Within the hour, the same request is genuine.
    assert post(adapter, body, signed_headers(clock, offset_ms=-59 * 60 * 1000))[0] == 200
    sqlite_app.background.drain()
    assert count(sqlite_app, Account) == 1


def test_repeated_msg_id_acts_once(sqlite_app, dt_settings, fake, clock):
    adapter = make_adapter(sqlite_app, dt_settings)
    body = message(fake, "won 5000 Acme", msg_id="msgREPEATED", clock=clock)
    for _ in range(3):
        assert post(adapter, body, signed_headers(clock))[0] == 200
    sqlite_app.background.drain()
    # First contact: welcome, then "no team" for the deal; the repeats add nothing.
    assert len(fake.to("/robot/sendBySession")) == 2


def test_group_messages_need_the_robot_mentioned(sqlite_app, dt_settings, fake, clock):
    adapter = make_adapter(sqlite_app, dt_settings)
    ignored = message(fake, "随便聊聊", group="cidGROUP", clock=clock, at_robot=False)
    assert post(adapter, ignored, signed_headers(clock))[0] == 200
    sqlite_app.background.drain()
    assert fake.sent == []
    status, _ = post(adapter, message(fake, "@pacebot\u2005help", group="cidGROUP", clock=clock),
                     signed_headers(clock))
    sqlite_app.background.drain()
    sent = fake.to("/robot/sendBySession")
    assert status == 200 and sent and sent[-1].query["session"] == "cidGROUP"
    assert "log" in texts(sent)  # the help text, so "@pacebot" was not taken for a command


def test_build_needs_key_and_secret_and_mounts_the_callback(sqlite_app, monkeypatch, fake, tmp_path):
    for name in ("DINGTALK_APP_KEY", "DINGTALK_APP_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env
    assert build(sqlite_app) is None
    monkeypatch.setenv("DINGTALK_APP_KEY", APP_KEY)
    assert build(sqlite_app) is None
    monkeypatch.setenv("DINGTALK_APP_SECRET", APP_SECRET)
    monkeypatch.setenv("DINGTALK_API_BASE", fake.url)
    server, adapters = build_server(sqlite_app, ["dingtalk"])
    assert "/dingtalk/callback" in server.routes and adapters[0].settings.api_base == fake.url
    assert sqlite_app.senders["dingtalk"] is adapters[0]
