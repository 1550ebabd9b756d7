"""The HTTP front: /healthz and /readyz, routing by path, and 404s (readiness in depth: test_health.py)."""

from __future__ import annotations

import io
import json

from bot.runtime.server import HttpServer


def call(server, path):
    seen = {}

    def start_response(status, headers):
        seen["status"] = status

    body = b"".join(server({"PATH_INFO": path, "REQUEST_METHOD": "GET", "wsgi.input": io.BytesIO()}, start_response))
    return seen["status"], body


def test_healthz_always_and_readyz_only_when_ready():
    server = HttpServer()
    server.platforms = ["slack"]
    status, body = call(server, "/healthz")  # alive, even while starting
    assert status.startswith("200") and json.loads(body) == {"status": "ok", "platforms": ["slack"]}
    status, body = call(server, "/readyz")
    assert status.startswith("503") and json.loads(body)["reason"] == "starting"
    server.ready = True
    assert call(server, "/readyz")[0].startswith("200")


def test_routes_and_prefixes():
    server = HttpServer()

    def hello(environ, start_response):
        start_response("200 OK", [])
        return [environ["PATH_INFO"].encode()]

    server.mount("/slack/events", hello)
    server.mount_prefix("/api/v1/", hello)
    assert call(server, "/slack/events") == ("200 OK", b"/slack/events")
    assert call(server, "/api/v1/deals") == ("200 OK", b"/api/v1/deals")
    assert call(server, "/nope")[0].startswith("404")
