"""Replies go only to DingTalk's hosts (here the fake's, allowed by DINGTALK_ALLOWED_HOSTS): a callback
whose sessionWebhook points elsewhere is answered through the robot OpenAPI, and the other host hears
nothing."""

from __future__ import annotations

import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from adapters.dingtalk.hosts import allowed
from tests.dingtalk_support import (dt_settings, fake, make_adapter, message, post,  # noqa: F401
                                    seed, signed_headers, sqlite_app, texts)


@pytest.fixture
def stranger():
    """A listener on another loopback address: what it receives would have left for a foreign host."""
    heard: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            heard.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

    server = ThreadingHTTPServer(("127.0.0.2", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    server.heard = heard
    server.url = f"http://127.0.0.2:{server.server_address[1]}"
    yield server
    server.shutdown()
    server.server_close()


def test_a_foreign_session_webhook_gets_nothing_and_the_answer_goes_by_the_api(
        sqlite_app, dt_settings, fake, stranger, clock, caplog):
    adapter = make_adapter(sqlite_app, dt_settings)
    seed(sqlite_app)
    body = message(fake, "log 80 30 2h", user="zhangwei", clock=clock)
    body["sessionWebhook"] = f"{stranger.url}/robot/sendBySession?session=leak-me"
    with caplog.at_level(logging.WARNING):
        assert post(adapter, body, signed_headers(clock))[0] == 200
        sqlite_app.background.drain()
    assert stranger.heard == []
    assert fake.to("/robot/sendBySession") == []
    answers = fake.to("/v1.0/robot/oToMessages/batchSend")
    assert answers and all(a.body["userIds"] == ["zhangwei"] for a in answers)
    assert "80" in texts(answers)
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("127.0.0.2" in w for w in warned) and not any("leak-me" in w for w in warned)


def test_a_foreign_group_session_webhook_goes_to_the_group_by_the_api(
        sqlite_app, dt_settings, fake, stranger, clock):
    adapter = make_adapter(sqlite_app, dt_settings)
    seed(sqlite_app)
    body = message(fake, "@pacebot help", user="zhangwei", group="cidGROUP", clock=clock)
    body["sessionWebhook"] = f"{stranger.url}/robot/sendBySession?session=g"
    assert post(adapter, body, signed_headers(clock))[0] == 200
    sqlite_app.background.drain()
    assert stranger.heard == []
    assert [a.body["openConversationId"] for a in fake.to("/v1.0/robot/groupMessages/send")] == ["cidGROUP"]


@pytest.mark.parametrize("url, ok", [
    ("https://oapi.dingtalk.com/robot/sendBySession?session=x", True),
    ("https://OAPI.DingTalk.com/robot/sendBySession?session=x", True),
    ("https://api.dingtalk.com/v1.0/robot", True),
    ("https://oapi.dingtalk.com.evil.example/robot", False),
    ("https://oapi.dingtalk.com@evil.example/robot", False),
    ("https://evil.example/?https://oapi.dingtalk.com", False),
    ("ftp://oapi.dingtalk.com/robot", False),
    ("", False),
    (None, False),
])
def test_only_dingtalks_hosts_are_allowed_by_default(url, ok):
    assert allowed(url, ("oapi.dingtalk.com", "api.dingtalk.com")) is ok
