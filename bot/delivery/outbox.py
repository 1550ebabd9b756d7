"""The outbox: the one path of every outbound message. Answers to the person who spoke, announcements,
private messages and scheduled messages are all database rows with an idempotency key, sent by
whichever dispatcher claims them first; an answer is claimed and sent at once by the very call that
posted it (`deliver`), so it waits for no poll.

A row keeps its visibility: `private` rows have a direct address (one person), whatever route the
adapter takes to them (Slack's ephemeral response_url, chat.postEphemeral, a DM). It also keeps its
origin, the message it answers, with that message's one-time reply channel (Slack response_url,
DingTalk sessionWebhook and expiry), so a retry answers in place as the first try would have. A
private answer is delivered privately or not at all; then the row says why (`failed`, `last_error`).

Exactly once, and the window that remains:
- `post` inserts one row per address with `ON CONFLICT (key) DO NOTHING`: a job run twice (two
  schedulers, a restart, `pacebot job run`) adds nothing the first run added.
- A dispatcher claims a row (`FOR UPDATE SKIP LOCKED` on PostgreSQL, a guarded UPDATE on SQLite), takes
  room in the shared limiter (`bot.delivery.limiter`), then records the attempt (status `sending`, committed)
  *before* calling the platform, and marks it `sent` after. A row found `claimed` after the lease was
  never attempted and goes back to `pending`; a row found `sending` after the lease belonged to a
  process that died between the platform call and the mark. Whether the platform got it is unknown, so
  it is not resent blindly: it becomes `unknown`, `pacebot outbox` lists it and `pacebot outbox resend
  ID` sends it again on a person's word. That window (one message per dead process, for the duration of
  one HTTP call) is the price of never sending twice; no platform we serve lets us ask "did message K
  arrive?" in general.
  One exception: when a worker pool *saw* its process die (`release_claims_of`), that process's
  mid-send answers to the person who asked go again at once (for an answer, twice beats never), while
  its announcements and other messages become `unknown`, never doubled where others see them.
- A `SendError` means the platform did not take it: retried after the platform's `retry_after` (which
  also holds back the row's whole rate bucket, for every process) or with exponential backoff; `failed`
  when permanent or after `max_attempts`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import asdict
from datetime import datetime, timedelta

from sqlalchemy import case, or_, update
from sqlmodel import select

from bot.core.claimant import process_prefix
from bot.store.db import Database, insert_ignore
from bot.delivery.addressing import Address, Sender
from bot.delivery.errors import SendError
from bot.delivery.limiter import Bucket, Limiter, Window, every
from bot.chat.messages import Button, Incoming, Mention, Priority, Reply, Target, TargetKind
from bot.store.tables.schedule import OutboxMessage, OutboxStatus as S

log = logging.getLogger(__name__)

RESENT = "its process died during the send; sent again, since an answer must not be lost"

# Limits for senders that do not name their own bucket (`Sender.rate_bucket`), per `rate_bucket()`.
DEFAULT_RULES: dict[str, tuple[Window, ...]] = {
    "slack": every(1.0),  # about one message a second per channel
    "dingtalk": (Window(20, 60),),  # 20 a minute per robot
    "wecom": (Window(30, 60), Window(1000, 3600)),  # per member
}
RETRY_NOW_ROUNDS = 3  # how often `deliver` tries again at once when a platform said "retry after 0"
PRUNE_EVERY = timedelta(minutes=10)  # how often a dispatcher clears the limiter's old sends

Resolver = Callable[[Reply, "Incoming | None"], list[Address]]


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


def origin_to_json(origin: Incoming) -> str:
    data = asdict(origin)
    data["received_at"] = origin.received_at.isoformat() if origin.received_at else None
    return json.dumps(data, ensure_ascii=False, default=str)


def origin_from_json(text: str) -> Incoming:
    data = json.loads(text)
    if data.get("received_at"):
        data["received_at"] = datetime.fromisoformat(data["received_at"])
    return Incoming(**data)


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
    """Posting rows and dispatching them; one per process, any number of processes.

    Collaborators, explicit: the database, the clock, the senders of this process by platform (a live
    mapping: adapters added later are seen), and `resolve(reply, origin)`, which says where a reply goes.
    """

    def __init__(self, db: Database, clock: Callable[[], datetime], senders: Mapping[str, Sender],
                 resolve: Resolver, *, limiter: Limiter | None = None, max_attempts: int = 6,
                 backoff: float = 30.0, max_backoff: float = 3600.0, lease: float = 300.0,
                 merge_limit: int = 10, rules: Mapping[str, tuple[Window, ...]] | None = None,
                 worker: str | None = None):
        self.db, self.clock, self.senders, self.resolve = db, clock, senders, resolve
        self.limiter = limiter or Limiter(db, clock)
        self.max_attempts, self.backoff, self.max_backoff = max_attempts, backoff, max_backoff
        self.lease, self.merge_limit = timedelta(seconds=lease), merge_limit
        self.rules = dict(DEFAULT_RULES if rules is None else rules)
        self.worker = worker or f"{process_prefix()}{uuid.uuid4().hex[:6]}"
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._pruned_at: datetime | None = None

    # -- posting ----------------------------------------------------------------------------------
    def post(self, replies: list[Reply], origin: Incoming | None = None, *, not_before: datetime | None = None,
             expires_at: datetime | None = None) -> int:
        """One row per reply and address; rows whose key exists already are skipped. Returns rows added."""
        added = self._post(replies, origin, not_before=not_before, expires_at=expires_at)
        self._wake.set()
        return len(added)

    def deliver(self, replies: list[Reply], origin: Incoming | None = None) -> int:
        """Post the replies and send them now, in this thread, answers first: the rows are inserted
        already claimed by this call, so an answer waits for no poll and no other dispatcher. Returns how
        many went out now; what could not go yet (a limit, a platform's "later") stays for the dispatcher."""
        answers = [r for r in replies if r.target.kind is TargetKind.ORIGIN]
        others = [r for r in replies if r.target.kind is not TargetKind.ORIGIN]
        rows = self._post(answers + others, origin, claim=True)
        sent = sum(self._deliver(row) for row in rows)
        if sent < len(rows):  # a platform that said "retry after 0" gets its few more tries now
            sent += self.dispatch_ids(self._due([row.id for row in rows]), rounds=RETRY_NOW_ROUNDS - 1)
            self._wake.set()  # what could not go yet is the dispatcher's now
        return sent

    def _post(self, replies: list[Reply], origin: Incoming | None, *, not_before: datetime | None = None,
              expires_at: datetime | None = None, claim: bool = False) -> list[OutboxMessage]:
        """Insert the rows that are new (in order); `claim`: already claimed by this dispatcher."""
        now = self.clock()
        rows = []
        for reply in replies:
            payload = reply_to_json(reply)
            # Only an answer needs its origin: the one-time reply channel, the thread, the command.
            answered = origin_to_json(origin) if origin is not None and reply.target.kind is TargetKind.ORIGIN \
                else None
            for address in self.resolve(reply, origin):
                rows.append(dict(key=outbox_key(reply.key, address), platform=address.platform,
                                 address_id=address.id, is_direct=address.is_direct, label=address.label,
                                 private=address.is_direct, origin=answered,
                                 kind=reply.kind, priority=int(reply.priority), payload=payload,
                                 status=S.CLAIMED if claim else S.PENDING, attempts=0,
                                 not_before=not_before or now, expires_at=expires_at, created_at=now,
                                 claimed_by=self.worker if claim else None, claimed_at=now if claim else None))
        added: list[OutboxMessage] = []
        if not rows:
            return added
        with self.db.session() as session:
            for row in rows:  # one statement per row: RETURNING says whether it was new
                stmt = insert_ignore(self.db.dialect, OutboxMessage, row, "key").returning(OutboxMessage.id)
                found = session.execute(stmt).scalars().all()
                added.extend(OutboxMessage(id=row_id, **row) for row_id in found)
                if claim and not found:
                    # Posted before by a run that died before sending it (its claim was released): this
                    # run sends it now. A row attempted, sent or held back by a limit is left as it is.
                    taken = session.execute(update(OutboxMessage).where(
                        OutboxMessage.key == row["key"], OutboxMessage.status == S.PENDING,
                        or_(OutboxMessage.attempts == 0, OutboxMessage.last_error == RESENT),
                        OutboxMessage.not_before <= now)
                        .values(status=S.CLAIMED, claimed_by=self.worker, claimed_at=now)
                        .returning(OutboxMessage.id)).scalars().all()
                    added.extend(session.get(OutboxMessage, row_id) for row_id in taken)
        return added

    # -- dispatching ------------------------------------------------------------------------------
    def dispatch(self, limit: int = 100) -> int:
        """Send what is due, most urgent first; returns how many messages went out."""
        self.recover()
        now = self.clock()
        if self._pruned_at is None or now - self._pruned_at >= PRUNE_EVERY:
            self._pruned_at = now
            self.limiter.prune()
        sent = 0
        for _ in range(limit):
            row = self._claim_next()
            if row is None:
                break
            sent += self._deliver(row)
        return sent

    def dispatch_ids(self, ids: list[int], *, rounds: int = RETRY_NOW_ROUNDS) -> int:
        """Send these rows now, in this order, when due; a row a platform wants again at once ("retry
        after 0") is tried again a few times. Rows another dispatcher took are left to it."""
        sent = 0
        for _ in range(rounds):
            for row_id in ids:
                row = self._claim_id(row_id)
                if row is not None:
                    sent += self._deliver(row)
            ids = self._due(ids)
            if not ids:
                break
        return sent

    def recover(self) -> None:
        """Rows whose dispatcher died: never attempted → pending again; mid-send → unknown."""
        now = self.clock()
        stale = now - self.lease
        with self.db.session() as session:
            session.execute(update(OutboxMessage).where(
                OutboxMessage.status == S.CLAIMED, OutboxMessage.claimed_at < stale)
                .values(status=S.PENDING, claimed_by=None))
            lost = session.execute(update(OutboxMessage).where(
                OutboxMessage.status == S.SENDING, OutboxMessage.claimed_at < stale)
                .values(status=S.UNKNOWN, last_error="dispatcher died during the send; not resent")).rowcount
        if lost:
            log.error("%d outbox message(s) were mid-send when their process died: see `pacebot outbox`", lost)

    def release_claims_of(self, prefix: str) -> int:
        """A process is known dead (its pool saw it exit): the rows it claimed and never attempted are
        pending again now, not after the lease. Of the rows it was sending, an answer to the person who
        asked goes again (for an answer, twice beats never: see the README), and anything else is
        `unknown` at once, never posted twice where others see it. Returns the rows due again."""
        mine = OutboxMessage.claimed_by.startswith(prefix, autoescape=True)
        with self.db.session() as session:
            due = session.execute(update(OutboxMessage).where(mine, OutboxMessage.status == S.CLAIMED)
                                  .values(status=S.PENDING, claimed_by=None)).rowcount
            due += session.execute(update(OutboxMessage).where(
                mine, OutboxMessage.status == S.SENDING, OutboxMessage.origin.is_not(None))
                .values(status=S.PENDING, claimed_by=None, last_error=RESENT)).rowcount
            lost = session.execute(update(OutboxMessage).where(mine, OutboxMessage.status == S.SENDING)
                                   .values(status=S.UNKNOWN, claimed_by=None,
                                           last_error="its process died during the send; not resent")).rowcount
        if lost:
            log.error("%d outbox message(s) were mid-send when their process died: see `pacebot outbox`", lost)
        return due

    def resend(self, row_id: int) -> bool:
        """Put an unknown or failed message back in the queue (an operator's decision)."""
        with self.db.session() as session:
            return bool(session.execute(update(OutboxMessage).where(
                OutboxMessage.id == row_id, OutboxMessage.status.in_((S.UNKNOWN, S.FAILED, S.EXPIRED)))
                .values(status=S.PENDING, not_before=self.clock(), attempts=0)).rowcount)

    def _claim_next(self) -> OutboxMessage | None:
        now = self.clock()
        due = (select(OutboxMessage).where(OutboxMessage.status == S.PENDING, OutboxMessage.not_before <= now)
               .order_by(OutboxMessage.priority, OutboxMessage.id))
        with self.db.session() as session:
            if self.db.dialect == "postgresql":
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

    def _claim_id(self, row_id: int) -> OutboxMessage | None:
        now = self.clock()
        with self.db.session() as session:
            claimed = session.execute(update(OutboxMessage).where(
                OutboxMessage.id == row_id, OutboxMessage.status == S.PENDING, OutboxMessage.not_before <= now)
                .values(status=S.CLAIMED, claimed_by=self.worker, claimed_at=now)).rowcount
            return session.get(OutboxMessage, row_id) if claimed else None

    def _due(self, ids: list[int]) -> list[int]:
        if not ids:
            return []
        with self.db.session() as session:
            return list(session.exec(select(OutboxMessage.id).where(
                OutboxMessage.id.in_(ids), OutboxMessage.status == S.PENDING,
                OutboxMessage.not_before <= self.clock()).order_by(OutboxMessage.id)).all())

    def _guarded_claim(self, session, ids: list[int], now: datetime) -> int:
        return session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids),
                                                           OutboxMessage.status == S.PENDING)
                               .values(status=S.CLAIMED, claimed_by=self.worker, claimed_at=now)).rowcount

    def bucket(self, sender: Sender, address: Address, reply: Reply, origin: Incoming | None) -> Bucket | None:
        """The rate bucket this send counts against: the sender's own word, else the default rules."""
        named = getattr(sender, "rate_bucket", None)
        if named is not None:
            return named(address, reply, origin)
        windows = self.rules.get(address.platform)
        return Bucket(address.platform, rate_bucket(address), windows) if windows else None

    def _deliver(self, row: OutboxMessage) -> int:
        now = self.clock()
        if row.expires_at is not None and now >= row.expires_at:
            self._set([row.id], status=S.EXPIRED, last_error="expired before it could be sent")
            return 0
        if row.private and not row.is_direct:  # cannot happen by construction; never risk it
            self._set([row.id], status=S.FAILED, last_error="private, but addressed to a channel: not sent")
            return 0
        sender = self.senders.get(row.platform)
        if sender is None:  # another process may have this platform; look again later, no attempt spent
            self._set([row.id], status=S.PENDING, not_before=now + timedelta(seconds=60), claimed_by=None)
            return 0
        address = Address(row.platform, row.address_id, row.is_direct, row.label)
        origin = origin_from_json(row.origin) if row.origin else None
        first = reply_from_json(row.payload)
        try:
            bucket = self.bucket(sender, address, first, origin)
        except Exception as exc:  # an adapter bug (rendering, say): on record, not retried in a loop
            log.exception("outbox message %s: its rate bucket could not be worked out", row.id)
            self._failed([row], SendError(f"{type(exc).__name__}: {exc}", permanent=True), None, now)
            return 0
        if bucket is not None:
            free_at = self.limiter.acquire(bucket)
            if free_at is not None:
                # Waiting for the bucket's turn; announcements piling up here get merged when it comes.
                self._set([row.id], status=S.PENDING, not_before=free_at, claimed_by=None)
                return 0
        start = row.parts_sent or 0  # a reply in several messages goes on from the first that did not go
        rows = [row] + ([] if start else self._claim_mergeable(row, now))
        replies = [first] + [reply_from_json(r.payload) for r in rows[1:]]
        reply = merge_replies(replies) if len(rows) > 1 else first
        ids = [r.id for r in rows]
        # The attempt is on record before the platform hears of it (see the module docstring).
        with self.db.session() as session:
            session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids))
                            .values(status=S.SENDING, attempts=OutboxMessage.attempts + 1, claimed_at=now))
        try:
            if start:
                sender.send(address, reply, origin, start_part=start)
            else:
                sender.send(address, reply, origin)
        except SendError as exc:
            self._failed(rows, exc, bucket, now)
            return 0
        except Exception as exc:  # an adapter bug: the platform call most likely did not happen
            log.exception("sending outbox message %s failed", row.id)
            self._failed(rows, SendError(f"{type(exc).__name__}: {exc}"), bucket, now)
            return 0
        done = self.clock()
        # A resend after a crash stays on record as one (`pacebot outbox`, the crash test).
        self._set([row.id], status=S.SENT, sent_at=done,
                  last_error=case((OutboxMessage.last_error == RESENT, RESENT), else_=None))
        if len(rows) > 1:
            self._set(ids[1:], status=S.MERGED, sent_at=done, merged_into=row.id)
        return 1

    def _failed(self, rows: list[OutboxMessage], exc: SendError, bucket: Bucket | None, now: datetime) -> None:
        attempts = max(r.attempts for r in rows) + 1
        error = str(exc)[:1000]
        if getattr(exc, "parts_sent", 0) and len(rows) == 1:
            # Part of a long reply went: the retry starts after it, so nobody reads a part twice.
            self._set([rows[0].id], parts_sent=max(rows[0].parts_sent or 0, exc.parts_sent))
        if exc.permanent or attempts >= self.max_attempts:
            log.error("outbox message %s failed for good after %d attempt(s): %s", rows[0].id, attempts, error)
            self._set([r.id for r in rows], status=S.FAILED, last_error=error)
            return
        if exc.retry_after is not None:
            wait = exc.retry_after
            if bucket is not None:
                # The platform said how long the whole bucket must wait: every process holds back.
                self.limiter.block(bucket, now + timedelta(seconds=exc.retry_after))
        else:
            wait = min(self.max_backoff, self.backoff * 2 ** (attempts - 1))
        self._set([r.id for r in rows], status=S.PENDING, not_before=now + timedelta(seconds=wait),
                  claimed_by=None, last_error=error)

    def _claim_mergeable(self, row: OutboxMessage, now: datetime) -> list[OutboxMessage]:
        """Other due announcements to the same channel, claimed to go out in this one message."""
        if row.kind != "announcement" or row.is_direct or row.origin or reply_from_json(row.payload).image:
            return []
        query = (select(OutboxMessage).where(
            OutboxMessage.status == S.PENDING, OutboxMessage.platform == row.platform,
            OutboxMessage.address_id == row.address_id, OutboxMessage.kind == "announcement",
            OutboxMessage.is_direct == False, OutboxMessage.origin.is_(None),  # noqa: E712
            OutboxMessage.not_before <= now)
            .order_by(OutboxMessage.id).limit(self.merge_limit - 1))
        with self.db.session() as session:
            if self.db.dialect == "postgresql":
                query = query.with_for_update(skip_locked=True)
            candidates = [r for r in session.exec(query).all() if not reply_from_json(r.payload).image]
            taken = [r for r in candidates if self._guarded_claim(session, [r.id], now) == 1]
        return taken

    def _set(self, ids: list[int], **values) -> None:
        with self.db.session() as session:
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
