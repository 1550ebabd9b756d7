"""The durable inbox: what `pacebot serve` acknowledges to a platform is a row here before the ack, and
workers (threads of this process, or worker processes) claim the rows and run them.

- `put` inserts one row per task with `ON CONFLICT (key) DO NOTHING`: a platform's retry of an event it
  already delivered adds nothing.
- A worker claims a row (`FOR UPDATE SKIP LOCKED` on PostgreSQL, a guarded UPDATE on SQLite, as the
  outbox does), runs it through the dispatch table (`bot.chat.tasks.TaskHandlers`) and marks it done.
- A row whose claimant died stays `claimed`; when its lease runs out (or at once, when the worker pool
  saw that process die) it is claimed again and run once more. That is safe: the router records each
  event's id in the transaction of the handler's changes (a re-run after that commit handles nothing
  again) together with its replies, kept until the task is done (a re-run of a message handled but not
  yet answered sends those; one that was answered sends nothing).
  What remains is the width of one HTTP call: a worker killed after the platform took the answer and
  before the task's mark answers twice. The outbox has the mirror image of that window and resolves it
  the other way (`unknown`, not resent); for an answer the person is waiting for, twice beats never.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import and_, delete, or_, update
from sqlmodel import select

from bot.chat import tasks as T
from bot.core.claimant import process_prefix
from bot.store.db import insert_ignore
from bot.store.tables.inbox import InboxStatus as S, InboxTask

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5  # runs of one task whose workers all died: then it is a poison task, set aside
KEEP_DONE = timedelta(days=2)  # done rows kept this long (a platform retries for minutes, not days)
PRUNE_EVERY = 600.0  # seconds between two clean-ups by one process's runner


def worker_name(pid: int | None = None) -> str:
    """`host:pid:`, the prefix of every claimant name of one process (see `release_claims_of`)."""
    return process_prefix(pid)


class Inbox:
    """Table access: put, claim (with lease), finish. One per process, any number of processes."""

    def __init__(self, db, clock, *, lease: float = 60.0, worker: str | None = None):
        self.db, self.clock = db, clock
        self.lease = timedelta(seconds=lease)
        self.worker = worker or worker_name()

    # -- the serving side ------------------------------------------------------------------------
    def put(self, task) -> int | None:
        """Record a task; returns its row id, or None when its key was recorded before (a retry)."""
        kind, payload = T.encode(task)
        now = self.clock()
        row = dict(key=T.task_key(task), kind=kind, payload=payload, status=S.PENDING, attempts=0,
                   not_before=now, created_at=now)
        with self.db.session() as session:
            stmt = insert_ignore(self.db.dialect, InboxTask, row, "key").returning(InboxTask.id)
            found = session.execute(stmt).scalar()
        return found

    # -- the worker side -------------------------------------------------------------------------
    def claim(self, name: str | None = None) -> InboxTask | None:
        """The oldest due task, or one whose claimant's lease ran out; marked claimed by `name`."""
        name = name or self.worker
        now = self.clock()
        claimable = or_(InboxTask.status == S.PENDING,
                        and_(InboxTask.status == S.CLAIMED, InboxTask.claimed_at < now - self.lease))
        due = select(InboxTask).where(claimable, InboxTask.not_before <= now).order_by(InboxTask.id)
        with self.db.session() as session:
            if self.db.dialect == "postgresql":
                rows = session.exec(due.limit(1).with_for_update(skip_locked=True)).all()
            else:
                rows = session.exec(due.limit(5)).all()
            for row in rows:
                if row.attempts >= MAX_ATTEMPTS:
                    self._set(session, row.id, status=S.FAILED, claimed_by=None,
                              last_error=f"its worker died {row.attempts} times running it; set aside")
                    log.error("inbox task %s (%s) killed its worker %d times; set aside", row.id, row.kind,
                              row.attempts)
                    continue
                # On PostgreSQL the row is locked; on SQLite the WHERE makes this one UPDATE the claim.
                got = session.execute(update(InboxTask).where(InboxTask.id == row.id, claimable).values(
                    status=S.CLAIMED, claimed_by=name[:64], claimed_at=now, attempts=InboxTask.attempts + 1)
                    .execution_options(synchronize_session=False)).rowcount
                if got == 1:
                    row.status, row.claimed_by, row.claimed_at, row.attempts = S.CLAIMED, name, now, row.attempts + 1
                    return row
        return None

    def done(self, row_id: int) -> None:
        with self.db.session() as session:
            self._set(session, row_id, status=S.DONE, done_at=self.clock(), last_error=None)

    def failed(self, row_id: int, error: str) -> None:
        with self.db.session() as session:
            self._set(session, row_id, status=S.FAILED, done_at=self.clock(), last_error=error[:1000])

    def release_claims_of(self, prefix: str) -> int:
        """A worker process is known dead: its claimed tasks are due again now, not after the lease."""
        with self.db.session() as session:
            return session.execute(update(InboxTask).where(
                InboxTask.status == S.CLAIMED, InboxTask.claimed_by.startswith(prefix, autoescape=True))
                .values(status=S.PENDING, claimed_by=None)).rowcount

    def prune(self) -> int:
        """Forget done tasks older than KEEP_DONE."""
        with self.db.session() as session:
            return session.execute(delete(InboxTask).where(
                InboxTask.status == S.DONE, InboxTask.done_at < self.clock() - KEEP_DONE)).rowcount

    def backlog(self) -> int:
        """Tasks not finished yet (pending or claimed)."""
        from sqlalchemy import func

        with self.db.session() as session:
            return session.exec(select(func.count()).select_from(InboxTask).where(
                InboxTask.status.in_((S.PENDING, S.CLAIMED)))).one()

    @staticmethod
    def _set(session, row_id: int, **values) -> None:
        session.execute(update(InboxTask).where(InboxTask.id == row_id).values(**values))

    # -- running --------------------------------------------------------------------------------
    def run_one(self, handlers: T.TaskHandlers, name: str | None = None) -> InboxTask | None:
        """Claim one task and run it; the row, or None when nothing was due."""
        row = self.claim(name)
        if row is None:
            return None
        try:
            task = T.marked(T.decode(row.kind, row.payload), row.id)
            handlers.run(task)
        except Exception as exc:
            log.exception("inbox task %s (%s) failed", row.id, row.kind)
            self.failed(row.id, f"{type(exc).__name__}: {exc}")
            return row
        self.done(row.id)
        return row


class Runner:
    """Threads that claim and run tasks until stopped; woken at once by `wake` (set by whoever put a
    task), and every `poll` seconds regardless (tasks put by other processes, expired leases)."""

    def __init__(self, inbox: Inbox, handlers: T.TaskHandlers, *, threads: int = 4, poll: float = 1.0,
                 wake=None, halt=None, name: str = "pacebot-inbox"):
        self.inbox, self.handlers, self.threads, self.poll = inbox, handlers, threads, poll
        self.wake = wake if wake is not None else threading.Event()
        self.halt = halt if halt is not None else threading.Event()
        self.name = name
        self._threads: list[threading.Thread] = []
        self.on_done: Callable[[int], None] | None = None
        self._prune_lock = threading.Lock()
        self._pruned = time.monotonic()

    def start(self) -> None:
        for n in range(self.threads):
            thread = threading.Thread(target=self._loop, name=f"{self.name}-{n}", daemon=True)
            thread.start()
            self._threads.append(thread)

    @property
    def started(self) -> bool:
        return bool(self._threads)

    def _loop(self) -> None:
        name = f"{self.inbox.worker}{threading.get_ident() % 100000}"
        while not self.halt.is_set():
            try:
                row = self.inbox.run_one(self.handlers, name)
            except Exception:  # the database went away for a moment: try again after the poll
                log.exception("claiming an inbox task failed")
                row = None
            if row is not None:
                if self.on_done is not None:
                    self.on_done(row.id)
                continue
            self._maybe_prune()
            self.wake.wait(self.poll)
            self.wake.clear()

    def _maybe_prune(self) -> None:
        """Now and then, while idle, one thread forgets old done tasks."""
        now = time.monotonic()
        with self._prune_lock:
            if now - self._pruned < PRUNE_EVERY:
                return
            self._pruned = now
        try:
            self.inbox.prune()
        except Exception:
            log.exception("pruning the inbox failed")

    def stop(self, timeout: float = 10.0) -> None:
        self.halt.set()
        self.wake.set()
        for thread in self._threads:
            thread.join(timeout)
