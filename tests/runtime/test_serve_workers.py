"""`pacebot serve` as it runs for real: a process that acknowledges and worker processes that answer.

The bot runs as a subprocess against the local Slack stand-in; requests are signed as Slack signs them.
The waits below are for another process to get somewhere (bounded polls), not timing assertions.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

from bot.app import App, build_worker_app
from bot.core.clock import system_clock
from bot.runtime.inbox import Inbox
from bot.chat.tasks import Deliver, HandleMessage, decode, encode
from bot.runtime.workers import WorkerPool
from tests.conftest import make_settings
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_workspace import SECRET, sign

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "xoxb-test-token"
USER = "U0WORK001"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def until(check, what: str, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting for {what}")


def children(pid: int) -> list[int]:
    """Worker processes of `pid` (multiprocessing's spawned children), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid and b"spawn_main" in cmdline:
            found.append(int(entry.name))
    return found


def gone(pid: int) -> bool:
    try:
        return "zombie" in Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True


def slash(port: int, text: str, response_url: str) -> tuple[int, bytes]:
    body = urlencode({"token": "unused", "team_id": "T0PACE01", "channel_id": "D0WORK001",
                      "channel_name": "directmessage", "user_id": USER, "user_name": "li.lei", "command": "/pace",
                      "text": text, "api_app_id": "A0PACE0001", "response_url": response_url,
                      "trigger_id": f"{time.time_ns()}.work"})
    ts = int(time.time())
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("POST", "/slack/events", body, {"Content-Type": "application/x-www-form-urlencoded",
                                                 "X-Slack-Request-Timestamp": str(ts),
                                                 "X-Slack-Signature": sign(body, ts)})
    response = conn.getresponse()
    result = response.status, response.read()
    conn.close()
    return result


def healthy(port: int) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        conn.request("GET", "/healthz")
        ok = conn.getresponse().status == 200
        conn.close()
        return ok
    except OSError:
        return False


def stop(*procs: subprocess.Popen) -> None:
    """SIGTERM to every process still running, then wait for each (killed after 40 s)."""
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def answers(fake: FakeSlack, name: str) -> list[dict]:
    return [c.args for c in fake.sent("response_url") if c.path.endswith("/" + name)]


def test_serve_acks_in_one_process_and_answers_in_a_worker_that_is_replaced_when_it_dies(db):
    fake = FakeSlack(TOKEN)
    fake.add_user(USER, "Li Lei", locale="en-US")
    port = free_port()
    env = {**os.environ, "PACEBOT_DATABASE_URL": db.url, "PACEBOT_LANG": "zh", "PACEBOT_WORKERS": "1",
           "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": fake.api_url,
           "SLACK_SEND_INTERVAL": "0"}
    for name in ("SLACK_APP_TOKEN", "WECOM_CORP_ID", "DINGTALK_APP_KEY", "PACEBOT_ADMINS"):
        env.pop(name, None)
    proc = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        until(lambda: healthy(port) or proc.poll() is not None, "/healthz", timeout=60)
        assert proc.poll() is None, proc.stdout.read()
        workers = children(proc.pid)
        assert len(workers) == 1

        status, body = slash(port, "help", fake.response_url("first"))
        assert (status, body) == (200, b"")  # the ack: empty, at once
        answer = until(lambda: answers(fake, "first"), "the answer to help")[0]
        # A first message: the welcome, in the English and the name users.info gave the worker.
        assert "Hi Li Lei" in answer["text"]

        os.kill(workers[0], signal.SIGKILL)  # a worker dies: another takes its place
        replaced = until(lambda: [p for p in children(proc.pid) if p != workers[0]], "a new worker")
        assert len(replaced) == 1
        assert slash(port, "me", fake.response_url("second"))[0] == 200
        until(lambda: answers(fake, "second"), "the answer from the new worker")

        # A worker that hangs: acks go on regardless, and a stop still ends everything (after the wait for
        # its tasks, the stuck worker is killed); what was acked meanwhile is still in the inbox for the
        # next start. (It hangs idle: on SQLite a process stopped inside a write holds the whole file.)
        inbox = Inbox(db, system_clock)
        until(lambda: inbox.backlog() == 0, "the worker to finish its tasks")
        os.kill(replaced[0], signal.SIGSTOP)
        for n in range(150):  # more wake-ups than its pipe holds: writing them must not block
            assert slash(port, "me", fake.response_url(f"stuck{n}")) == (200, b"")
        proc.send_signal(signal.SIGTERM)  # docker stop / systemd
        assert proc.wait(timeout=40) == 0
        until(lambda: not children(proc.pid) and gone(replaced[0]), "the workers to stop", timeout=15)
        assert inbox.backlog() == 150
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        fake.close()


def test_only_typed_task_messages_can_be_handed_to_a_worker(app):
    pool = WorkerPool(app, 1, build=build_worker_app)  # not started: nothing is spawned
    with pytest.raises(TypeError, match="not a task message"):
        pool.submit(print)
    assert app.inbox.backlog() == 0


def test_what_is_handed_to_a_worker_survives_the_trip(app):
    """Tasks cross to a worker as JSON in the inbox: a message, and the replies a deal causes (the
    announcement the ingest API hands over), arrive whole."""
    from bot.services.demo import DEMO_REP, load_demo
    from bot.chat.messages import Incoming

    load_demo(app)
    incoming = Incoming(platform="console", user_id=DEMO_REP, text="won 5k Acme", channel_id="dm",
                        extra={"response_url": "https://hooks.slack.com/x", "trigger_id": "1.2"})
    replies = app.handle(incoming)
    assert any(r.target.kind.value != "origin" for r in replies)  # the team's congratulation is among them
    for task in (HandleMessage(incoming), Deliver(replies)):
        assert decode(*encode(task)) == task
