"""The durable inbox: recording before the ack, claims with a lease, reclaiming a dead worker's task, and
a re-run that neither handles twice nor answers twice. On SQLite and PostgreSQL, with a fixed clock."""

from __future__ import annotations

import io
import threading
from dataclasses import replace

import pytest
from sqlalchemy import update
from sqlmodel import select

from adapters.console.adapter import ConsoleAdapter
from bot.services.demo import DEMO_REP, load_demo
from bot.runtime.inbox import MAX_ATTEMPTS, Inbox, Runner, worker_name
from bot.chat.messages import Incoming
from bot.store.tables.sales import Deal
from bot.store.tables.inbox import InboxStatus, InboxTask
from bot.store.tables.schedule import OutboxMessage, OutboxStatus
from bot.delivery.outbox import Outbox
from bot.chat.tasks import Deliver, HandleMessage, OpenLogModal, SubmitForm, TaskHandlers, decode, encode, marked

LEASE = 60.0


def msg(text: str, event_id: str | None = "ev-1", user: str = DEMO_REP) -> Incoming:
    return Incoming(platform="console", user_id=user, text=text, channel_id=f"dm-{user}", event_id=event_id)


@pytest.fixture
def inbox(db, clock):
    return Inbox(db, clock, lease=LEASE, worker="test:1:")


def rows(db) -> list[InboxTask]:
    with db.session() as session:
        return session.exec(select(InboxTask).order_by(InboxTask.id)).all()


# -- the table: put, claim, lease ---------------------------------------------------------------------
def test_a_platform_retry_adds_no_second_task(inbox, db):
    assert inbox.put(HandleMessage(msg("me", "Ev1"))) is not None
    assert inbox.put(HandleMessage(msg("me", "Ev1"))) is None  # the same event delivered again
    assert inbox.put(HandleMessage(msg("me", None))) is not None  # no event id: always new
    assert inbox.put(HandleMessage(msg("me", None))) is not None
    assert [r.status for r in rows(db)] == [InboxStatus.PENDING] * 3


def test_claim_takes_each_task_once_and_done_ends_it(inbox, clock):
    first = inbox.put(HandleMessage(msg("me", "Ev1")))
    second = inbox.put(HandleMessage(msg("help", "Ev2")))
    a, b = inbox.claim("w:1:a"), inbox.claim("w:2:a")
    assert (a.id, b.id) == (first, second)  # oldest first, and never one task to two claimants
    assert (a.status, a.claimed_by, a.claimed_at, a.attempts) == (InboxStatus.CLAIMED, "w:1:a", clock(), 1)
    assert inbox.claim("w:3:a") is None
    inbox.done(a.id)
    clock.advance(seconds=LEASE + 1)
    again = inbox.claim("w:3:a")
    assert again.id == second  # a done task is never claimed again; a lapsed claim is
    assert inbox.claim("w:3:a") is None


def test_a_claim_is_kept_for_its_lease_then_taken_again(inbox, clock):
    row_id = inbox.put(HandleMessage(msg("me")))
    assert inbox.claim("dead:7:").id == row_id
    clock.advance(seconds=LEASE - 1)
    assert inbox.claim("alive:8:") is None  # the claimant may still be working on it
    clock.advance(seconds=2)
    row = inbox.claim("alive:8:")
    assert (row.id, row.claimed_by, row.attempts) == (row_id, "alive:8:", 2)


def test_a_worker_known_dead_gives_its_tasks_back_at_once(inbox):
    mine = inbox.put(HandleMessage(msg("me", "Ev1")))
    other = inbox.put(HandleMessage(msg("me", "Ev2")))
    assert inbox.claim(worker_name(4242) + "1").id == mine
    assert inbox.claim(worker_name(42) + "1").id == other
    assert inbox.release_claims_of(worker_name(4242)) == 1  # 42's claim is not 4242's
    assert inbox.claim("next:1:").id == mine


def test_a_task_that_keeps_killing_its_workers_is_set_aside(inbox, clock, db):
    inbox.put(HandleMessage(msg("me")))
    for _ in range(MAX_ATTEMPTS):
        assert inbox.claim("doomed:1:") is not None
        clock.advance(seconds=LEASE + 1)
    assert inbox.claim("doomed:1:") is None
    assert rows(db)[0].status == InboxStatus.FAILED


def test_concurrent_claimants_never_share_a_task(inbox):
    ids = {inbox.put(HandleMessage(msg("me", f"Ev{n}"))) for n in range(30)}
    taken: list[int] = []
    lock = threading.Lock()

    def claimant(n: int) -> None:
        while (row := inbox.claim(f"w:{n}:")) is not None:
            with lock:
                taken.append(row.id)

    threads = [threading.Thread(target=claimant, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(taken) == sorted(ids)


# -- typed tasks ----------------------------------------------------------------------------------------
def test_tasks_are_typed_messages_that_survive_json(clock):
    incoming = replace(msg("log", "command:1.2"), received_at=clock(), extra={"trigger_id": "1.2", "n": [1, 2]},
                       values={"a": "b"})
    for task in (HandleMessage(incoming), OpenLogModal(incoming), Deliver([]),
                 SubmitForm("slack", "U1", "weekly", "2026-W48", {"q1": "yes"}, event_id="form:V1")):
        assert decode(*encode(task)) == task
    with pytest.raises(TypeError, match="not a task message"):
        encode(("app", "process", (incoming,)))  # what workers were handed before: a method by name


def test_the_dispatch_table_prefers_the_platforms_own_handler():
    handlers, ran = TaskHandlers(), []
    handlers.register(HandleMessage, lambda t: ran.append("default"))
    handlers.register(HandleMessage, lambda t: ran.append("slack"), "slack")
    handlers.run(HandleMessage(replace(msg("me"), platform="slack")))
    handlers.run(HandleMessage(msg("me")))
    assert ran == ["slack", "default"]
    with pytest.raises(LookupError):
        handlers.run(OpenLogModal(msg("log")))


# -- running: once, whatever the crash -----------------------------------------------------------------
@pytest.fixture
def bot(app):
    load_demo(app)
    out = io.StringIO()
    ConsoleAdapter(app, DEMO_REP, out=out)
    return app, out


def deals(app) -> int:
    with app.db.session() as session:
        return len(session.exec(select(Deal)).all())


def test_submitted_work_is_on_record_and_runs_in_the_background(bot):
    app, out = bot
    row_id = app.background.submit(HandleMessage(msg("help", "Ev-bg")))
    app.background.drain()
    assert row_id is not None and "me" in out.getvalue()
    assert [r.status for r in rows(app.db)] == [InboxStatus.DONE]


def test_a_rerun_of_a_task_whose_worker_died_after_answering_answers_nothing(bot, clock):
    app, out = bot
    before = deals(app)
    app.inbox.put(HandleMessage(msg("won 5k Acme", "Ev-won")))
    task = app.inbox.claim("doomed:1:")
    app.tasks.run(marked(decode(task.kind, task.payload), task.id))  # answered, then died before the mark
    answered = out.getvalue()
    assert "Acme" in answered and deals(app) == before + 1
    clock.advance(seconds=app.settings.inbox_lease + 1)
    rerun = app.inbox.run_one(app.tasks)
    assert rerun.id == task.id and rerun.attempts == 2
    assert out.getvalue() == answered  # no second answer
    assert deals(app) == before + 1


def test_a_rerun_of_a_task_handled_but_not_answered_sends_the_answer_once(bot, clock):
    """The worker died between the handler's commit and the answer: the re-run handles nothing again
    (the deal is logged once) and sends what the first run made."""
    app, out = bot
    before = deals(app)
    incoming = msg("won 5k Acme", "Ev-half")
    app.inbox.put(HandleMessage(incoming))
    first = marked(HandleMessage(incoming), app.inbox.claim("doomed:1:").id).incoming
    made = app.handle(first)  # handled and committed; the process died before delivering
    assert deals(app) == before + 1 and out.getvalue() == ""
    clock.advance(seconds=app.settings.inbox_lease + 1)
    app.inbox.run_one(app.tasks)
    assert deals(app) == before + 1
    answer = out.getvalue()
    assert made and answer.count("已记录成交") == 1 and answer.count("喜报") == 1  # the answer, the announcement
    clock.advance(seconds=app.settings.inbox_lease + 1)
    app.inbox.put(HandleMessage(incoming))  # nothing new: the task is done
    assert app.inbox.run_one(app.tasks) is None
    assert out.getvalue() == answer


def test_a_rerun_that_sends_kept_replies_again_announces_once(bot, clock):
    """A kill after the platform took the answer but before it was recorded as answered: the re-run sends
    the kept replies again (the one window left, the width of an HTTP call), but an announcement is an
    outbox row with an idempotency key, so there is no second one."""
    app, out = bot
    incoming = msg("won 5k Acme", "Ev-late")
    app.inbox.put(HandleMessage(incoming))
    first = marked(HandleMessage(incoming), app.inbox.claim("doomed:1:").id).incoming
    app.deliver(app.handle(first), origin=first)  # delivered; died before the task was marked
    clock.advance(seconds=app.settings.inbox_lease + 1)
    app.inbox.run_one(app.tasks)
    assert out.getvalue().count("喜报") == 1


def test_a_rerun_after_a_kill_between_posting_and_sending_the_answer_sends_it_at_once(bot, clock):
    """The worker had put its answer in the outbox, claimed by itself, and died before sending it: once the
    pool has released the dead process's claims, the re-run sends that same row now (not after the
    outbox's lease), and only once. Seen in CI with two serve processes and kill -9."""
    app, out = bot
    incoming = msg("won 5k Acme", "Ev-posted")
    app.inbox.put(HandleMessage(incoming))
    first = marked(HandleMessage(incoming), app.inbox.claim("doomed:1:").id).incoming
    doomed = Outbox(app.db, clock, app.senders, app.outbox.resolve, worker="doomed:1:x")
    doomed._post(app.handle(first), first, claim=True)  # its rows, claimed by it; then kill -9
    assert out.getvalue() == ""
    assert app.outbox.release_claims_of("doomed:1:") >= 1
    assert app.inbox.release_claims_of("doomed:1:") == 1
    app.inbox.run_one(app.tasks)
    assert out.getvalue().count("已记录成交") == 1 and out.getvalue().count("喜报") == 1
    with app.db.session() as session:
        assert {r.status for r in session.exec(select(OutboxMessage)).all()} == {OutboxStatus.SENT}


def test_a_process_seen_dying_mid_send_has_its_answer_sent_again_and_its_announcement_set_unknown(bot, clock):
    """Killed during the platform call: whether the platform took it cannot be known. The person's answer
    goes again (twice beats never); the team's announcement is never posted twice."""
    app, out = bot
    incoming = msg("won 5k Acme", "Ev-mid")
    app.inbox.put(HandleMessage(incoming))
    first = marked(HandleMessage(incoming), app.inbox.claim("doomed:1:").id).incoming
    doomed = Outbox(app.db, clock, app.senders, app.outbox.resolve, worker="doomed:1:x")
    posted = doomed._post(app.handle(first), first, claim=True)
    with app.db.session() as session:  # both were on the wire when the process was killed
        session.execute(update(OutboxMessage).where(OutboxMessage.id.in_([r.id for r in posted]))
                        .values(status=OutboxStatus.SENDING, attempts=1))
    app.outbox.release_claims_of("doomed:1:")
    app.inbox.release_claims_of("doomed:1:")
    app.inbox.run_one(app.tasks)
    assert out.getvalue().count("已记录成交") == 1 and "喜报" not in out.getvalue()
    with app.db.session() as session:
        by_target = {r.origin is not None: r.status for r in session.exec(select(OutboxMessage)).all()}
    assert by_target == {True: OutboxStatus.SENT, False: OutboxStatus.UNKNOWN}


def test_a_platforms_retry_outside_the_inbox_never_gets_kept_replies(bot, clock):
    app, out = bot
    incoming = msg("won 5k Acme", "Ev-kept")
    app.inbox.put(HandleMessage(incoming))
    assert app.handle(marked(HandleMessage(incoming), app.inbox.claim("doomed:1:").id).incoming)
    assert app.handle(incoming) == []  # the same event, delivered again straight to the router


def test_a_rerun_after_a_crash_before_the_commit_does_the_work_once(bot, clock):
    app, out = bot
    before = deals(app)
    app.inbox.put(HandleMessage(msg("won 5k Acme", "Ev-early")))
    app.inbox.claim("doomed:1:")  # claimed, then killed before the handler committed anything
    clock.advance(seconds=app.settings.inbox_lease + 1)
    app.inbox.run_one(app.tasks)
    assert deals(app) == before + 1 and "Acme" in out.getvalue()


def test_a_wake_up_runs_a_task_at_once_without_waiting_for_the_poll(bot):
    app, out = bot
    runner = Runner(app.inbox, app.tasks, threads=1, poll=3600)  # a poll that never comes in this test
    done = threading.Event()
    runner.on_done = lambda row_id: done.set()
    runner.start()
    try:
        app.inbox.put(HandleMessage(msg("help", "Ev-wake")))
        runner.wake.set()
        assert done.wait(30)
    finally:
        runner.stop()
    assert "me" in out.getvalue()


def test_old_done_tasks_are_forgotten_and_unfinished_ones_kept(inbox, clock, db):
    inbox.put(HandleMessage(msg("me", "Ev-old")))
    inbox.done(inbox.claim().id)
    inbox.put(HandleMessage(msg("me", "Ev-waiting")))
    clock.advance(days=3)
    assert inbox.prune() == 1
    assert [r.key for r in rows(db)] == ["HandleMessage:console:Ev-waiting"]
