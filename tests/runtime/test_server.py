"""The HTTP front: /healthz readiness, routing by path, and 404s."""

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


def test_healthz_only_when_ready():
    server = HttpServer()
    assert call(server, "/healthz")[0].startswith("503")
    server.ready, server.platforms = True, ["slack"]
    status, body = call(server, "/healthz")
    assert status.startswith("200") and json.loads(body) == {"status": "ok", "platforms": ["slack"]}


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
