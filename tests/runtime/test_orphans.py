"""Child processes die with their parent: after a `kill -9` of the process that owns them, the chart
pool's drawing processes and the answer worker processes are gone too (bounded polls of /proc)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_workspace import SECRET
from tests.runtime.test_serve_workers import children, free_port, gone, healthy, until

ROOT = Path(__file__).resolve().parents[2]

# A process that owns a chart pool: it draws once (so that the drawing processes exist), says so, and waits.
CHART_OWNER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from bot.schedule.chart import ChartPool

    pool = ChartPool(workers=2)
    pool.draw_week(Path(sys.argv[1]), title="w", day_labels=["1", "2"], revenue=[1, 2], calls=[3, 4],
                   pace=None, labels={"revenue": "r", "calls": "c", "pace": "p"})
    print("drawn", flush=True)
    time.sleep(600)
""")



def reap(parent, kids: list[int]) -> None:
    """Whatever a failed test left running: the parent and each of its children."""
    if parent.poll() is None:
        parent.kill()
    for pid in kids:
        if not gone(pid):
            os.kill(pid, signal.SIGKILL)

def kill_and_wait(parent: subprocess.Popen, kids: list[int]) -> None:
    parent.kill()  # SIGKILL: no atexit, no finally, no pool shutdown
    parent.wait()
    until(lambda: all(gone(pid) for pid in kids), f"the children {kids} of a killed process to end", timeout=10)


@pytest.mark.slow
def test_chart_processes_die_with_the_process_that_owns_the_pool(tmp_path):
    owner = subprocess.Popen([sys.executable, "-c", CHART_OWNER, str(tmp_path / "c.png")], cwd=ROOT,
                             stdout=subprocess.PIPE, text=True)
    kids: list[int] = []
    try:
        assert owner.stdout.readline().strip() == "drawn"
        assert (tmp_path / "c.png").exists()
        kids = children(owner.pid)
        assert kids  # the drawing processes
        kill_and_wait(owner, kids)
    finally:
        reap(owner, kids)


# A process that starts a grandchild with the portable watch instead of prctl, prints its pid, and waits.
WATCHED = textwrap.dedent("""
    import subprocess, sys, time
    child = subprocess.Popen([sys.executable, "-c", "import os, time; from bot.core.lifeline import die_with_parent; "
                              "print(die_with_parent(os.getppid(), check_every=0.1, prctl=False), flush=True); "
                              "time.sleep(600)"], stdout=subprocess.PIPE, text=True)
    print(child.pid, child.stdout.readline().strip(), flush=True)
    time.sleep(600)
""")


@pytest.mark.slow
def test_without_prctl_a_child_sees_its_parent_gone_and_ends():
    owner = subprocess.Popen([sys.executable, "-c", WATCHED], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    kid = None
    try:
        pid, how = owner.stdout.readline().split()
        kid = int(pid)
        assert how == "watch" and not gone(kid)
        kill_and_wait(owner, [kid])
    finally:
        if owner.poll() is None:
            owner.kill()
        if kid is not None and not gone(kid):
            os.kill(kid, signal.SIGKILL)


@pytest.mark.slow
def test_answer_workers_die_with_the_serving_process_even_when_stuck(tmp_path):
    """A stopped worker (as one stuck in a long call) never reaches its own look at the parent; the kernel's
    signal reaches it regardless."""
    fake = FakeSlack("xoxb-test-token")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "WECOM_", "DINGTALK_"))}
    env.update({"PACEBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}", "PACEBOT_WORKERS": "1",
                "SLACK_BOT_TOKEN": "xoxb-test-token", "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_API_URL": fake.api_url})
    proc = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    kids: list[int] = []
    try:
        until(lambda: healthy(port) or proc.poll() is not None, "/healthz", timeout=60)
        assert proc.poll() is None
        kids = children(proc.pid)
        assert len(kids) == 1
        os.kill(kids[0], signal.SIGSTOP)
        kill_and_wait(proc, kids)
    finally:
        reap(proc, kids)
        fake.close()
