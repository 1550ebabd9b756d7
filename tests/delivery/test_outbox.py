"""The outbox: exactly once across workers and crashes, retries with backoff, shared rate limits,
urgent before bulk, and bursts to one channel merged into one message."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from bot.app import App
from bot.store.db import Database
from bot.delivery.errors import SendError
from bot.chat.messages import Priority, Reply, Target
from bot.store.tables.schedule import OutboxMessage
from tests.conftest import make_settings
from tests.schedule_helpers import RecordingSender, make_org

ROOT = Path(__file__).resolve().parents[2]


def rows(app) -> list[OutboxMessage]:
    with app.db.session() as s:
        return list(s.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all())


def dm(person_id: int, n: int, **kw) -> Reply:
    return Reply(text=f"message {n}", target=Target.person(person_id), kind="notice", key=f"test:{n}:p{person_id}", **kw)


@pytest.fixture
def sender(app, clock):
    s = RecordingSender("slack", clock)
    app.add_sender(s)
    return s


def test_a_key_is_posted_and_sent_once(app, sender):
    o = make_org(app)
    reply = dm(o.reps["Ann"], 1)
    assert app.outbox.post([reply]) == 1
    assert app.outbox.post([reply]) == 0  # a second run of the same job adds nothing
    assert app.outbox.dispatch() == 1
    assert app.outbox.dispatch() == 0
    assert sender.texts == ["message 1"]
    assert [r.status for r in rows(app)] == ["sent"]


def test_announcements_from_chat_go_through_the_outbox(app, sender, chat):
    make_org(app)
    from bot.services import org

    with app.db.session() as s:
        ann = org.find_account("slack", "U-ANN", session=s)
        org.link_account(ann, "console", "ann", session=s)
    out = chat("ann").say("won 12000 Acme")
    assert "12,000" in out
    assert len(sender.sent) == 1 and sender.sent[0][0].id == "C-SALES"
    assert sender.sent[0][1].priority is Priority.URGENT
    assert [(r.status, r.key.split("|")[0]) for r in rows(app) if r.kind == "announcement"] == [("sent", "deal:1")]
    assert {r.status for r in rows(app)} == {"sent"}  # the answers to Ann went through it too


@pytest.mark.postgres
def test_two_workers_on_postgres_deliver_each_message_exactly_once(request, clock):
    url = request.getfixturevalue("pg_database")
    from tests.conftest import _empty_pg

    _empty_pg(url)
    apps = [App(make_settings(PACEBOT_DATABASE_URL=url), db=Database(url), clock=clock) for _ in range(2)]
    sender = RecordingSender("slack", clock)
    for a in apps:
        a.add_sender(sender)
    o = make_org(apps[0], reps=[f"R{i}" for i in range(30)])
    replies = [dm(pid, n) for n, pid in enumerate(o.reps.values())]
    # Both processes post the same messages (two schedulers by mistake): still one row per key.
    apps[0].outbox.post(replies)
    apps[1].outbox.post(replies)
    barrier = threading.Barrier(2)
    counts = []

    def work(a):
        barrier.wait()
        total = 0
        while True:
            sent = a.outbox.dispatch(limit=5)
            total += sent
            if not sent and not any(r.status == "pending" for r in rows(a)):
                break
        counts.append(total)

    threads = [threading.Thread(target=work, args=(a,)) for a in apps]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    keys = [reply.key for _, reply, _ in sender.sent]
    assert len(keys) == 30 and len(set(keys)) == 30
    assert sum(counts) == 30
    assert {r.status for r in rows(apps[0])} == {"sent"}
    for a in apps:
        a.db.dispose()


CRASHING_WORKER = """
import os, sys
from datetime import datetime
from bot.app import App
from bot.store.db import Database
from tests.conftest import make_settings

url, now, log = sys.argv[1], datetime.fromisoformat(sys.argv[2]), sys.argv[3]

class DiesAfterSending:
    platform = "slack"
    calls = 0
    def send(self, address, reply, origin):
        with open(log, "a") as fh:
            fh.write(reply.key + "\\n")  # the platform got it...
        DiesAfterSending.calls += 1
        if DiesAfterSending.calls == 2:
            os._exit(9)  # ...and the process is killed before it can mark it sent

app = App(make_settings(PACEBOT_DATABASE_URL=url), db=Database(url), clock=lambda: now)
app.add_sender(DiesAfterSending())
app.outbox.dispatch()
"""


def test_a_kill_between_send_and_mark_is_not_resent(app, sender, clock, tmp_path):
    o = make_org(app)
    replies = [dm(pid, n) for n, pid in enumerate(o.reps.values())]  # a digest run: three messages
    app.outbox.post(replies)
    app.db.dispose()
    log = tmp_path / "platform.log"
    proc = subprocess.run([sys.executable, "-c", CRASHING_WORKER, app.db.url, clock().isoformat(), str(log)],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 9, proc.stderr
    went_out = log.read_text().split()
    assert len(went_out) == 2  # the first was marked sent; the second went out, then the kill
    statuses = [r.status for r in rows(app)]
    assert statuses == ["sent", "sending", "pending"]
    # The job runs again after the restart: nothing new is added.
    assert app.outbox.post(replies) == 0
    app.outbox.dispatch()
    assert sender.texts == ["message 2"]  # only what never went out
    clock.advance(seconds=app.outbox.lease.total_seconds() + 1)
    app.outbox.dispatch()
    assert [r.status for r in rows(app)] == ["sent", "unknown", "sent"]
    assert sender.texts == ["message 2"]  # the uncertain one is not resent blindly...
    assert app.outbox.resend(rows(app)[1].id)  # ...only when a person says so
    app.outbox.dispatch()
    assert sender.texts == ["message 2", "message 1"]


def test_rate_limited_and_server_errors_are_retried_with_backoff(app, sender, clock):
    o = make_org(app)
    sender.fail_next(SendError("ratelimited", retry_after=120), SendError("HTTP 503"))
    app.outbox.post([dm(o.reps["Ann"], 1)])
    assert app.outbox.dispatch() == 0
    row = rows(app)[0]
    assert row.status == "pending" and row.not_before == clock() + timedelta(seconds=120)
    clock.advance(seconds=119)
    assert app.outbox.dispatch() == 0 and sender.sent == []
    clock.advance(seconds=1)
    assert app.outbox.dispatch() == 0  # the 503
    row = rows(app)[0]
    assert row.attempts == 2 and row.not_before == clock() + timedelta(seconds=app.outbox.backoff * 2)
    clock.advance(seconds=app.outbox.backoff * 2)
    assert app.outbox.dispatch() == 1 and sender.texts == ["message 1"]


def test_a_message_that_keeps_failing_is_marked_failed_and_listed(app, sender, clock, capsys, monkeypatch):
    o = make_org(app)
    sender.fail_next(*[SendError("HTTP 500")] * app.outbox.max_attempts, to="U-ANN")
    sender.fail_next(SendError("channel_not_found", permanent=True), to="U-BOB")
    app.outbox.post([dm(o.reps["Ann"], 1), dm(o.reps["Bob"], 2)])
    for _ in range(app.outbox.max_attempts + 1):
        app.outbox.dispatch()
        clock.advance(seconds=app.outbox.max_backoff)
    assert [r.status for r in rows(app)] == ["failed", "failed"]
    assert rows(app)[0].attempts == app.outbox.max_attempts and rows(app)[1].attempts == 1
    assert sender.sent == []
    from bot.app import main

    monkeypatch.setenv("PACEBOT_DATABASE_URL", app.db.url)
    monkeypatch.chdir(ROOT / "tests")  # no .env file here
    assert main(["outbox"]) == 0
    out = capsys.readouterr().out
    assert "2 failed" in out and "channel_not_found" in out and "HTTP 500" in out


def test_send_rates_hold_across_processes_under_a_burst(app, clock, settings):
    """DingTalk allows 20 messages a minute per robot: two processes with a burst of 30 never exceed it."""
    o = make_org(app, platform="dingtalk")
    other = App(settings, db=Database(app.db.url), clock=clock)
    sender = RecordingSender("dingtalk", clock)
    app.add_sender(sender)
    other.add_sender(sender)
    app.outbox.post([Reply(text=f"n{i}", target=Target.team(o.team_id), kind="notice", key=f"burst:{i}")
                     for i in range(30)])
    for _ in range(120):  # two minutes in one-second steps, both processes dispatching
        app.outbox.dispatch()
        other.outbox.dispatch()
        clock.advance(seconds=1)
    times = [at for _, _, at in sender.sent]
    assert len(times) == 30 and times[20] - times[0] == timedelta(minutes=1)  # one every 3 s
    for i, start in enumerate(times):
        assert sum(1 for t in times[i:] if t < start + timedelta(minutes=1)) <= 20
    other.db.dispose()


def test_urgent_goes_before_bulk(app, sender):
    o = make_org(app)
    app.outbox.post([dm(o.reps["Ann"], n, priority=Priority.BULK) for n in range(3)])
    app.outbox.post([dm(o.reps["Bob"], 9, priority=Priority.URGENT)])
    app.outbox.dispatch(limit=1)
    assert sender.texts == ["message 9"]


def test_a_burst_of_announcements_to_one_channel_is_merged(app, sender, clock):
    o = make_org(app)
    post = lambda n: app.outbox.post([Reply(text=f"deal {n}", target=Target.team(o.team_id),  # noqa: E731
                                            kind="announcement", key=f"deal:{n}")])
    post(1)
    assert app.outbox.dispatch() == 1
    for n in range(2, 7):  # five more within the same second: Slack's channel limit is about 1/s
        post(n)
        app.outbox.dispatch()
    assert sender.texts == ["deal 1"]
    clock.advance(seconds=1)
    assert app.outbox.dispatch() == 1
    assert len(sender.sent) == 2
    merged = sender.sent[1][1]
    assert [s for s in merged.sections()] == [f"deal {n}" for n in range(2, 7)]
    statuses = [r.status for r in rows(app)]
    assert statuses == ["sent", "sent", "merged", "merged", "merged", "merged"]


@pytest.mark.postgres
def test_two_workers_merge_a_channel_burst_without_losing_or_repeating_one(request, clock):
    url = request.getfixturevalue("pg_database")
    from tests.conftest import _empty_pg

    _empty_pg(url)
    apps = [App(make_settings(PACEBOT_DATABASE_URL=url), db=Database(url), clock=clock) for _ in range(2)]
    sender = RecordingSender("slack", clock)
    for a in apps:
        a.add_sender(sender)
    o = make_org(apps[0], reps=())
    apps[0].outbox.post([Reply(text=f"deal {n}", target=Target.team(o.team_id), kind="announcement",
                               key=f"deal:{n}") for n in range(25)])
    for _ in range(10):  # both workers at once each second, as two serve processes would
        threads = [threading.Thread(target=a.outbox.dispatch) for a in apps]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        clock.advance(seconds=1)
    sections = [s for _, reply, _ in sender.sent for s in reply.sections()]
    assert sorted(sections) == sorted(f"deal {n}" for n in range(25))  # each exactly once
    assert len(sender.sent) <= 4  # merged (up to ten per message), not 25 messages a second apart
    times = [at for _, _, at in sender.sent]
    assert all(b - a >= timedelta(seconds=1) for a, b in zip(times, times[1:]))  # Slack's 1/s per channel
    for a in apps:
        a.db.dispose()


def test_an_answer_the_platform_refused_for_now_waits_in_the_outbox(app, clock):
    """A reply to the person who spoke goes straight back; when the platform says 'later', the outbox
    sends it once the wait is over, instead of dropping it."""
    from bot.delivery.addressing import Address
    from bot.delivery.errors import SendError
    from bot.chat.messages import Incoming, Reply

    class Flaky:
        platform = "flaky"

        def __init__(self):
            self.calls, self.sent = 0, []

        def send(self, address, reply, origin):
            self.calls += 1
            if self.calls == 1:
                raise SendError("rate limited", retry_after=30)
            self.sent.append((address, reply.text))

    flaky = Flaky()
    app.add_sender(flaky)
    origin = Incoming(platform="flaky", user_id="u1", text="me", channel_id="C1", is_direct=False)
    app.deliver([Reply(text="your score")], origin=origin)
    assert flaky.sent == []
    app.outbox.dispatch()
    assert flaky.sent == []  # not before the platform's Retry-After
    clock.advance(seconds=31)
    app.outbox.dispatch()
    assert flaky.sent == [(Address("flaky", "C1", False, None), "your score")]
