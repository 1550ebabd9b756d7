"""/healthz says the process is alive; /readyz checks the database, each platform connection, the worker
pool, and reports whether this process holds the scheduler, answering 503 with the reason when one is
down."""

from __future__ import annotations

import io
import json
import os
import signal
import threading
import time

import pytest

from bot.app import App
from bot.store.db import Database
from bot.app import build_server, build_worker_app
from bot.runtime.server import Check, scheduler_check
from tests.conftest import make_settings
from tests.dingtalk_fake import APP_KEY, APP_SECRET, ROBOT_CODE
from tests.dingtalk_support import fake  # noqa: F401
from tests.fakes.slack_workspace import SECRET, fake_slack  # noqa: F401


def get(server, path: str) -> tuple[int, dict]:
    seen = {}

    def start_response(status, headers):
        seen["status"] = int(status.split()[0])

    body = b"".join(server({"PATH_INFO": path, "REQUEST_METHOD": "GET", "wsgi.input": io.BytesIO()}, start_response))
    return seen["status"], json.loads(body)


def serving(app, platforms=()):
    server, adapters = build_server(app, list(platforms))
    server.checks.append(Check("workers", app.background.alive))
    server.ready = True
    return server, adapters


def test_ready_when_the_database_answers(app):
    server, _ = serving(app)
    status, body = get(server, "/readyz")
    assert status == 200 and body["status"] == "ready"
    assert body["checks"]["database"] == {"ok": True, "detail": app.db.dialect}
    assert body["checks"]["workers"]["ok"] is True


@pytest.mark.parametrize("url", ["sqlite:////nonexistent-dir/pacebot.db",
                                 "postgresql+psycopg://postgres@127.0.0.1:1/pacebot"])
def test_an_unreachable_database_is_503_with_the_reason_while_healthz_stays_200(url, clock):
    db = Database(url)
    app = App(make_settings(PACEBOT_DATABASE_URL=url), db=db, clock=clock)
    server, _ = serving(app)
    status, body = get(server, "/readyz")
    assert status == 503 and body["status"] == "unavailable"
    assert body["reason"].startswith("database: unreachable")
    assert get(server, "/healthz")[0] == 200  # alive all the same: a restart would not bring the database back
    db.dispose()


def test_slack_socket_mode_not_connected_is_503(app, fake_slack, monkeypatch):  # noqa: F811
    for name, value in {"SLACK_BOT_TOKEN": fake_slack.token, "SLACK_SIGNING_SECRET": SECRET,
                        "SLACK_API_URL": fake_slack.api_url, "SLACK_APP_TOKEN": "xapp-1-A0PACE0001-1-abc"}.items():
        monkeypatch.setenv(name, value)
    server, _ = serving(app, ["slack"])
    status, body = get(server, "/readyz")
    assert status == 503 and body["reason"] == "slack: Socket Mode is not connected"
    monkeypatch.setenv("SLACK_APP_TOKEN", "")  # events over HTTP: nothing to be connected
    server, _ = serving(App(app.settings, db=app.db, clock=app.clock), ["slack"])
    assert get(server, "/readyz")[0] == 200


def test_dingtalk_stream_is_ready_only_while_connected(app, fake, monkeypatch):  # noqa: F811
    from websockets.sync.server import serve

    def gateway(ws):
        for _ in ws:  # a gateway that keeps the connection and says nothing
            pass

    ws_server = serve(gateway, "127.0.0.1", 0)
    threading.Thread(target=ws_server.serve_forever, daemon=True).start()
    fake.ws_endpoint = f"ws://127.0.0.1:{ws_server.socket.getsockname()[1]}"
    for name, value in {"DINGTALK_APP_KEY": APP_KEY, "DINGTALK_APP_SECRET": APP_SECRET,
                        "DINGTALK_ROBOT_CODE": ROBOT_CODE, "DINGTALK_API_BASE": fake.url,
                        "DINGTALK_OAPI_BASE": fake.url, "DINGTALK_STREAM": "1"}.items():
        monkeypatch.setenv(name, value)
    server, (adapter,) = serving(app, ["dingtalk"])
    try:
        status, body = get(server, "/readyz")
        assert status == 503 and body["reason"] == "dingtalk: DingTalk Stream is not connected"
        adapter.start()
        deadline = time.monotonic() + 20
        while get(server, "/readyz")[0] != 200 and time.monotonic() < deadline:
            time.sleep(0.05)  # a bounded wait for the connection, not a timing assertion
        status, body = get(server, "/readyz")
        assert status == 200 and body["checks"]["dingtalk"]["detail"] == "DingTalk Stream connected"
    finally:
        adapter.stop()
        ws_server.shutdown()
    assert get(server, "/readyz")[0] == 503


def test_the_scheduler_is_reported_and_not_holding_it_is_no_failure(app):
    server, _ = serving(app)
    server.checks.append(Check("scheduler", lambda: scheduler_check(app), required=False))
    status, body = get(server, "/readyz")
    assert status == 200
    assert body["checks"]["scheduler"] == {"ok": True, "detail": "not run by this process", "required": False}

    from bot.schedule.scheduler import SchedulerService

    app.scheduler = SchedulerService(app)  # not started: standing by
    assert get(server, "/readyz")[1]["checks"]["scheduler"]["detail"].startswith("not held by this process")
    app.scheduler.start()
    try:
        assert app.scheduler.leading.wait(30)
        status, body = get(server, "/readyz")
        assert status == 200 and body["checks"]["scheduler"]["detail"] == "held by this process"
    finally:
        app.scheduler.stop()


@pytest.mark.slow
def test_a_dead_worker_is_503_with_its_pid(app, db):
    from bot.runtime.workers import WorkerPool

    pool = WorkerPool(app, 1, build=build_worker_app, respawn_pause=3600)  # no replacement during this test
    pool.start()
    app.background = pool
    server, _ = serving(app)
    try:
        assert get(server, "/readyz")[0] == 200
        pid, = pool.pids()
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while get(server, "/readyz")[0] == 200 and time.monotonic() < deadline:
            time.sleep(0.05)  # a bounded wait for the kernel to reap it, not a timing assertion
        status, body = get(server, "/readyz")
        assert status == 503
        assert body["reason"] == f"workers: answer worker(s) {pid} not running (0/1 alive)"
    finally:
        pool.shutdown(timeout=5)
