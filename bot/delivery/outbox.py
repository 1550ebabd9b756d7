"""The outbox: every announcement, private message and scheduled message is a database row with an
idempotency key, sent by whichever process's dispatcher claims it first.

Exactly once, and the window that remains:
- `post` inserts one row per address with `ON CONFLICT (key) DO NOTHING`: a job run twice (two
  schedulers, a restart, `pacebot job run`) adds nothing the first run added.
- A dispatcher claims a row (`FOR UPDATE SKIP LOCKED` on PostgreSQL, a guarded UPDATE on SQLite), then
  records the attempt (status `sending`, committed) *before* calling the platform, and marks it `sent`
  after. A row found `claimed` after the lease was never attempted and goes back to `pending`; a row
  found `sending` after the lease belonged to a process that died between the platform call and the
  mark. Whether the platform got it is unknown, so it is not resent blindly: it becomes `unknown`,
  `pacebot outbox` lists it and `pacebot outbox resend ID` sends it again on a person's word. That
  window (one message per dead process, for the duration of one HTTP call) is the price of never
  sending twice; no platform we serve lets us ask "did message K arrive?" in general.
- A `SendError` means the platform did not take it: retried with exponential backoff (at least the
  platform's retry_after), `failed` when permanent or after `max_attempts`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import threading
import uuid
from dataclasses import asdict
from datetime import datetime, timedelta, timezone

from sqlalchemy import insert, update
from sqlmodel import select

from bot.delivery.addressing import Address
from bot.delivery.errors import SendError
from bot.chat.messages import Button, Incoming, Mention, Priority, Reply, Target, TargetKind
from bot.store.tables.schedule import OutboxMessage, OutboxStatus as S, SendRate

log = logging.getLogger(__name__)

# Seconds between two messages to one rate bucket, kept across processes in `sendrate`. Per-minute
# limits are spread evenly so that no minute window ever holds more than the platform allows.
RATE_INTERVALS = {
    "slack": 1.0,  # about one message a second per channel
    "dingtalk": 3.0,  # 20 a minute per robot
    "wecom": 2.0,  # 30 a minute per member
}
EPOCH = datetime(2000, 1, 1, tzinfo=timezone.utc)


def rate_bucket(address: Address) -> str:
    """What a platform counts a limit on: the channel (Slack), the robot (DingTalk: a group's robot,
    or the app's robot for private messages), the member or chat (WeCom)."""
    if address.platform == "dingtalk" and address.is_direct:
        return "app"
    return address.id


def reply_to_json(reply: Reply) -> str:
    data = asdict(reply)
    data["target"] = {"kind": reply.target.kind.value, "id": reply.target.id}
    data["priority"] = int(reply.priority)
    return json.dumps(data, ensure_ascii=False)


def reply_from_json(text: str) -> Reply:
    data = json.loads(text)
    data["target"] = Target(TargetKind(data["target"]["kind"]), data["target"]["id"])
    data["buttons"] = [Button(**b) for b in data["buttons"]]
    data["mentions"] = [Mention(**m) for m in data["mentions"]]
    data["priority"] = Priority(data["priority"])
    return Reply(**data)


def merge_replies(replies: list[Reply]) -> Reply:
    """Several announcements to one channel as one message, sections apart, newest last."""
    first = replies[0]
    parts = [(f"**{r.title}**\n{r.text}" if r.title else r.text) for r in replies]
    mentions = [m for r in replies for m in r.mentions]
    return Reply(text="\n---\n".join(parts), target=first.target, mentions=mentions, lang=first.lang,
                 kind=first.kind, priority=min(r.priority for r in replies), key=first.key,
                 channel_label=first.channel_label)


def outbox_key(reply_key: str | None, address: Address) -> str:
    key = f"{reply_key or uuid.uuid4()}|{address.platform}:{address.id}"
    if len(key) > 191:  # keep it unique and within the column
        key = key[:150] + "#" + hashlib.sha256(key.encode()).hexdigest()[:32]
    return key


class Outbox:
    """Posting rows and dispatching them; one per process, any number of processes."""

    def __init__(self, app, *, max_attempts: int = 6, backoff: float = 30.0, max_backoff: float = 3600.0,
                 lease: float = 300.0, merge_limit: int = 10, intervals: dict[str, float] | None = None,
                 worker: str | None = None):
        self.app = app
        self.max_attempts, self.backoff, self.max_backoff = max_attempts, backoff, max_backoff
        self.lease, self.merge_limit = timedelta(seconds=lease), merge_limit
        self.intervals = dict(RATE_INTERVALS if intervals is None else intervals)
        self.worker = worker or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    # -- posting ----------------------------------------------------------------------------------
    def post(self, replies: list[Reply], origin: Incoming | None = None, *, not_before: datetime | None = None,
             expires_at: datetime | None = None) -> int:
        """One row per reply and address; rows whose key exists already are skipped. Returns rows added."""
        now = self.app.clock()
        rows = []
        for reply in replies:
            payload = reply_to_json(reply)
            for address in self.app.addresses(reply, origin):
                rows.append(dict(key=outbox_key(reply.key, address), platform=address.platform,
                                 address_id=address.id, is_direct=address.is_direct, label=address.label,
                                 kind=reply.kind, priority=int(reply.priority), payload=payload,
                                 status=S.PENDING, attempts=0, not_before=not_before or now,
                                 expires_at=expires_at, created_at=now))
        if not rows:
            return 0
        added = 0
        with self.app.db.session() as session:
            for row in rows:  # one statement per row: RETURNING says whether it was new
                stmt = _insert_ignore(self.app.db.dialect, OutboxMessage, row, "key").returning(OutboxMessage.id)
                added += len(session.execute(stmt).all())
        self._wake.set()
        return added

    # -- dispatching ------------------------------------------------------------------------------
    def dispatch(self, limit: int = 100) -> int:
        """Send what is due, most urgent first; returns how many messages went out."""
        self.recover()
        sent = 0
        for _ in range(limit):
            row = self._claim_next()
            if row is None:
                break
            sent += self._deliver(row)
        return sent

    def recover(self) -> None:
        """Rows whose dispatcher died: never attempted → pending again; mid-send → unknown."""
        now = self.app.clock()
        stale = now - self.lease
        with self.app.db.session() as session:
            session.execute(update(OutboxMessage).where(
                OutboxMessage.status == S.CLAIMED, OutboxMessage.claimed_at < stale)
                .values(status=S.PENDING, claimed_by=None))
            lost = session.execute(update(OutboxMessage).where(
                OutboxMessage.status == S.SENDING, OutboxMessage.claimed_at < stale)
                .values(status=S.UNKNOWN, last_error="dispatcher died during the send; not resent")).rowcount
        if lost:
            log.error("%d outbox message(s) were mid-send when their process died: see `pacebot outbox`", lost)

    def resend(self, row_id: int) -> bool:
        """Put an unknown or failed message back in the queue (an operator's decision)."""
        with self.app.db.session() as session:
            return bool(session.execute(update(OutboxMessage).where(
                OutboxMessage.id == row_id, OutboxMessage.status.in_((S.UNKNOWN, S.FAILED, S.EXPIRED)))
                .values(status=S.PENDING, not_before=self.app.clock(), attempts=0)).rowcount)

    def _claim_next(self) -> OutboxMessage | None:
        now = self.app.clock()
        due = (select(OutboxMessage).where(OutboxMessage.status == S.PENDING, OutboxMessage.not_before <= now)
               .order_by(OutboxMessage.priority, OutboxMessage.id))
        with self.app.db.session() as session:
            if self.app.db.dialect == "postgresql":
                row = session.exec(due.limit(1).with_for_update(skip_locked=True)).first()
                if row is None:
                    return None
                row.status, row.claimed_by, row.claimed_at = S.CLAIMED, self.worker, now
                session.add(row)
                return row
            for row in session.exec(due.limit(5)).all():
                if self._guarded_claim(session, [row.id], now) == 1:
                    row.status, row.claimed_by, row.claimed_at = S.CLAIMED, self.worker, now
                    return row
        return None

    def _guarded_claim(self, session, ids: list[int], now: datetime) -> int:
        return session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids),
                                                           OutboxMessage.status == S.PENDING)
                               .values(status=S.CLAIMED, claimed_by=self.worker, claimed_at=now)).rowcount

    def _deliver(self, row: OutboxMessage) -> int:
        now = self.app.clock()
        if row.expires_at is not None and now >= row.expires_at:
            self._set([row.id], status=S.EXPIRED, last_error="expired before it could be sent")
            return 0
        sender = self.app.senders.get(row.platform)
        if sender is None:  # another process may have this platform; look again later, no attempt spent
            self._set([row.id], status=S.PENDING, not_before=now + timedelta(seconds=60), claimed_by=None)
            return 0
        address = Address(row.platform, row.address_id, row.is_direct, row.label)
        interval = self.intervals.get(row.platform)
        if interval:
            free_at = self._take_slot(address, interval, now)
            if free_at is not None:
                # Waiting for the channel's turn; announcements piling up here get merged when it comes.
                self._set([row.id], status=S.PENDING, not_before=free_at, claimed_by=None)
                return 0
        rows = [row] + self._claim_mergeable(row, now)
        replies = [reply_from_json(r.payload) for r in rows]
        reply = merge_replies(replies) if len(rows) > 1 else replies[0]
        ids = [r.id for r in rows]
        # The attempt is on record before the platform hears of it (see the module docstring).
        with self.app.db.session() as session:
            session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids))
                            .values(status=S.SENDING, attempts=OutboxMessage.attempts + 1, claimed_at=now))
        try:
            sender.send(address, reply, None)
        except SendError as exc:
            self._failed(rows, exc, address, now)
            return 0
        except Exception as exc:  # an adapter bug: the platform call most likely did not happen
            log.exception("sending outbox message %s failed", row.id)
            self._failed(rows, SendError(f"{type(exc).__name__}: {exc}"), address, now)
            return 0
        done = self.app.clock()
        self._set([row.id], status=S.SENT, sent_at=done, last_error=None)
        if len(rows) > 1:
            self._set(ids[1:], status=S.MERGED, sent_at=done, merged_into=row.id)
        return 1

    def _failed(self, rows: list[OutboxMessage], exc: SendError, address: Address, now: datetime) -> None:
        attempts = max(r.attempts for r in rows) + 1
        error = str(exc)[:1000]
        if exc.permanent or attempts >= self.max_attempts:
            log.error("outbox message %s failed for good after %d attempt(s): %s", rows[0].id, attempts, error)
            self._set([r.id for r in rows], status=S.FAILED, last_error=error)
            return
        wait = max(exc.retry_after or 0.0, min(self.max_backoff, self.backoff * 2 ** (attempts - 1)))
        retry_at = now + timedelta(seconds=wait)
        self._set([r.id for r in rows], status=S.PENDING, not_before=retry_at, claimed_by=None, last_error=error)
        if exc.retry_after and self.intervals.get(address.platform):
            # The platform said how long the whole bucket must wait: every process holds back.
            with self.app.db.session() as session:
                session.execute(update(SendRate).where(
                    SendRate.platform == address.platform, SendRate.bucket == rate_bucket(address))
                    .values(next_at=now + timedelta(seconds=exc.retry_after)))

    def _claim_mergeable(self, row: OutboxMessage, now: datetime) -> list[OutboxMessage]:
        """Other due announcements to the same channel, claimed to go out in this one message."""
        if row.kind != "announcement" or row.is_direct or reply_from_json(row.payload).image:
            return []
        query = (select(OutboxMessage).where(
            OutboxMessage.status == S.PENDING, OutboxMessage.platform == row.platform,
            OutboxMessage.address_id == row.address_id, OutboxMessage.kind == "announcement",
            OutboxMessage.is_direct == False, OutboxMessage.not_before <= now)  # noqa: E712
            .order_by(OutboxMessage.id).limit(self.merge_limit - 1))
        with self.app.db.session() as session:
            if self.app.db.dialect == "postgresql":
                query = query.with_for_update(skip_locked=True)
            candidates = [r for r in session.exec(query).all() if not reply_from_json(r.payload).image]
            taken = [r for r in candidates if self._guarded_claim(session, [r.id], now) == 1]
        return taken

    def _take_slot(self, address: Address, interval: float, now: datetime) -> datetime | None:
        """Reserve the bucket's next send; None when reserved, else when it will be free. A guarded UPDATE
        is atomic on both databases (PostgreSQL re-checks the WHERE after a concurrent update)."""
        bucket = rate_bucket(address)
        with self.app.db.session() as session:
            session.execute(_insert_ignore(self.app.db.dialect, SendRate,
                                           dict(platform=address.platform, bucket=bucket, next_at=EPOCH),
                                           "platform", "bucket"))
        with self.app.db.session() as session:
            got = session.execute(update(SendRate).where(
                SendRate.platform == address.platform, SendRate.bucket == bucket, SendRate.next_at <= now)
                .values(next_at=now + timedelta(seconds=interval))).rowcount
            if got:
                return None
            return session.get(SendRate, (address.platform, bucket)).next_at

    def _set(self, ids: list[int], **values) -> None:
        with self.app.db.session() as session:
            session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids)).values(**values))

    # -- the background loop in `pacebot serve` ---------------------------------------------------
    def start(self, poll: float = 1.0) -> None:
        def loop() -> None:
            while not self._stop.is_set():
                try:
                    self.dispatch()
                except Exception:
                    log.exception("outbox dispatch failed; trying again")
                self._wake.wait(poll)
                self._wake.clear()

        self._thread = threading.Thread(target=loop, name="pacebot-outbox", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)


def _insert_ignore(dialect: str, model, values: dict, *conflict: str):
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    else:  # pragma: no cover - we support these two
        return insert(model).values(**values)
    return dialect_insert(model).values(**values).on_conflict_do_nothing(index_elements=list(conflict))
