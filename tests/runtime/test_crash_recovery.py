"""Inbound work survives a crash: two real `pacebot serve` processes on one PostgreSQL database, 50
signed slash commands spread over both, and every answer worker killed with kill -9 right after the
acks. Every command is answered at its response_url, exactly once, except an answer that was on the wire
at the kill: that one is sent again (on record in its outbox row) rather than lost.

What was acked is on record in the inbox before the ack; the pools put a dead worker's claimed tasks back
in line and start new workers; the router's event ids and kept replies make each re-run answer once.
The waits are bounded polls for other processes, not timing assertions.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.core.clock import system_clock
from bot.runtime.inbox import Inbox
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_workspace import SECRET
from tests.runtime.test_serve_workers import ROOT, TOKEN, USER, answers, children, free_port, healthy, slash, stop, until

pytestmark = [pytest.mark.slow]
COMMANDS = 50


def start_serve(db_url: str, fake: FakeSlack, port: int) -> subprocess.Popen:
    env = {**os.environ, "PACEBOT_DATABASE_URL": db_url, "PACEBOT_LANG": "en", "PACEBOT_WORKERS": "1",
           "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": fake.api_url,
           "SLACK_SEND_INTERVAL": "0", "PACEBOT_INBOX_LEASE": "20", "PACEBOT_SCHEDULER": "0"}
    for name in ("SLACK_APP_TOKEN", "WECOM_CORP_ID", "DINGTALK_APP_KEY", "PACEBOT_ADMINS"):
        env.pop(name, None)
    return subprocess.Popen([sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def state(url: str) -> str:
    """The inbox and outbox rows, for a failure to explain itself."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        inbox = conn.execute(text("SELECT id, status, attempts, claimed_by, last_error, left(payload, 0) "
                                  "FROM inbox WHERE status <> 'done' ORDER BY id")).all()
        outbox = conn.execute(text("SELECT id, key, status, attempts, claimed_by, last_error FROM outbox "
                                   "WHERE status <> 'sent' ORDER BY id")).all()
    engine.dispose()
    return "inbox not done: " + repr(inbox) + "\noutbox not sent: " + repr(outbox)


def resent(url: str) -> int:
    from sqlalchemy import create_engine, text

    from bot.delivery.outbox import RESENT

    engine = create_engine(url)
    with engine.connect() as conn:
        found = conn.execute(text("SELECT count(*) FROM outbox WHERE last_error = :r"), {"r": RESENT}).scalar()
    engine.dispose()
    return found


@pytest.mark.postgres
def test_every_acked_command_is_answered_once_after_the_workers_are_killed(request):
    from tests.conftest import Database, _empty_pg

    url = request.getfixturevalue("pg_database")
    _empty_pg(url)
    fake = FakeSlack(TOKEN)
    fake.add_user(USER, "Li Lei", locale="en-US")
    ports = [free_port(), free_port()]
    serves = [start_serve(url, fake, port) for port in ports]
    try:
        for port, proc in zip(ports, serves):
            until(lambda: healthy(port) or proc.poll() is not None, "/healthz", timeout=90)
            assert proc.poll() is None
        workers = [w for proc in serves for w in children(proc.pid)]
        assert len(workers) == 2
        # Meet the bot first, so that each command below has one answer (no welcome).
        assert slash(ports[0], "help", fake.response_url("hello"))[0] == 200
        until(lambda: answers(fake, "hello"), "the first answer")

        def send(n: int) -> int:
            return slash(ports[n % 2], "me", fake.response_url(f"cmd{n}"))[0]

        with ThreadPoolExecutor(8) as pool:
            assert list(pool.map(send, range(COMMANDS))) == [200] * COMMANDS
        for pid in workers:  # right after the acks, wherever the workers are
            os.kill(pid, signal.SIGKILL)
        inbox = Inbox(Database(url), system_clock)
        assert inbox.backlog() > 0  # the kill found acked work to lose

        try:
            until(lambda: all(answers(fake, f"cmd{n}") for n in range(COMMANDS)), "every answer", timeout=120)
        except AssertionError:
            missing = [n for n in range(COMMANDS) if not answers(fake, f"cmd{n}")]
            raise AssertionError(f"no answer for commands {missing}:\n{state(url)}") from None
        until(lambda: inbox.backlog() == 0, "the inbox to empty", timeout=60)
        counts = {n: len(answers(fake, f"cmd{n}")) for n in range(COMMANDS)}
        # Exactly once, but for an answer that was on the wire when its worker was killed: that one is
        # sent again rather than lost, and the row says so.
        assert all(1 <= c <= 2 for c in counts.values()), counts
        assert sum(counts.values()) - COMMANDS <= resent(url), (counts, state(url))
        assert all(not set(workers) & set(children(proc.pid)) for proc in serves)  # replaced
    finally:
        stop(*serves)
        fake.close()
