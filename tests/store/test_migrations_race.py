"""Any number of processes may migrate at once: three `pacebot db upgrade` started together on an empty
PostgreSQL database all come up, and the schema is at every head once (the advisory lock in
`Database.upgrade`). Without the lock, the losers die with UniqueViolation or DuplicateTable."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory


from bot.store.db import Database
from tests.conftest import fresh_pg

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


@pytest.fixture
def empty_pg():
    with fresh_pg("pacebot_race") as url:
        yield url


def test_three_processes_upgrading_an_empty_database_at_once_all_come_up(empty_pg):
    env = {**os.environ, "PACEBOT_DATABASE_URL": empty_pg, "PYTHONPATH": str(ROOT)}
    # Each says it is ready (imports done), then waits for the same start line, so that their migrations
    # overlap rather than follow one another.
    line = ROOT / f".race-{uuid.uuid4().hex[:8]}"
    script = ("import os, sys, time\n"
              "from bot.app import main\n"
              f"open({str(line)!r} + '.' + str(os.getpid()), 'w').close()\n"
              f"while not os.path.exists({str(line)!r}): time.sleep(0.01)\n"
              "sys.exit(main(['db', 'upgrade']))\n")
    procs = [subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True) for _ in range(3)]
    ready = [Path(f"{line}.{p.pid}") for p in procs]
    try:
        deadline = time.monotonic() + 60
        while not all(r.exists() for r in ready) and time.monotonic() < deadline:
            time.sleep(0.05)  # a bounded wait for three interpreters to start, not a timing assertion
        line.touch()
        results = [(p.wait(timeout=120), p.stdout.read()) for p in procs]
    finally:
        for path in (line, *ready):
            path.unlink(missing_ok=True)
        for p in procs:
            if p.poll() is None:
                p.kill()
    assert [code for code, _ in results] == [0, 0, 0], "\n".join(out for _, out in results)
    db = Database(empty_pg)
    try:
        heads = ScriptDirectory.from_config(db.alembic_config()).get_heads()
        assert db.current_revision() == ",".join(sorted(heads))
        assert "0013_inbox" in heads
    finally:
        db.dispose()
