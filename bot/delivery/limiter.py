"""One rate limiter for every platform, held in the database so that every process shares it.

A bucket is what a platform counts a limit on (a Slack channel, a WeCom member or group robot, a
DingTalk robot, a Slack response_url's five uses). Its limits are sliding windows ("20 a minute",
"1,000 an hour"): `acquire` counts a send in `sendlog` when every window has room, else says when
there will be. When a platform itself says "wait" (a 429, DingTalk's 130101 ten-minute block),
`block` holds the whole bucket back for every process (`sendrate.next_at`).

The bucket's `sendrate` row is the lock: `SELECT ... FOR UPDATE` on PostgreSQL; on SQLite an UPDATE
of it takes the database's write lock first. Check and count therefore happen as one step, and two
processes can never both take a bucket's last place in a window.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, insert, update
from sqlmodel import select

from bot.store.db import Database, insert_ignore
from bot.store.tables.schedule import SendLog, SendRate

EPOCH = datetime(2000, 1, 1, tzinfo=timezone.utc)
KEY_LENGTH = 128  # the bucket column's width; longer keys (a robot's webhook URL) are hashed
KEEP = timedelta(days=1)  # longer than any platform's window: older sends count for nothing
ONE_OFF = "response_url:"  # buckets used for one command only, forgotten once their sends are


@dataclass(frozen=True)
class Window:
    """At most `limit` sends in any `seconds`."""

    limit: int
    seconds: float


@dataclass(frozen=True)
class Bucket:
    """One platform budget; `cost` is how many platform messages this send will make."""

    platform: str
    key: str
    windows: tuple[Window, ...] = ()
    cost: int = 1

    @property
    def stored_key(self) -> str:
        if len(self.key) <= KEY_LENGTH:
            return self.key
        return self.key[:60] + "#" + hashlib.sha256(self.key.encode()).hexdigest()


def every(seconds: float) -> tuple[Window, ...]:
    """One send per `seconds` (Slack's about-once-a-second per channel); none when 0."""
    return (Window(1, seconds),) if seconds > 0 else ()


def free_at(stamps: Sequence[datetime], windows: Sequence[Window], cost: int, now: datetime) -> datetime | None:
    """When `cost` more sends fit in every window, given earlier sends' times (oldest first); None: now."""
    free = now
    for window in windows:
        length = timedelta(seconds=window.seconds)
        inside = [t for t in stamps if t > now - length]
        over = len(inside) + min(cost, window.limit) - window.limit
        if over > 0:  # the `over` oldest must leave the window first
            free = max(free, inside[over - 1] + length)
    return None if free <= now else free


class Limiter:
    """The shared limiter over `sendrate` and `sendlog`."""

    def __init__(self, db: Database, clock: Callable[[], datetime]):
        self.db, self.clock = db, clock

    def acquire(self, bucket: Bucket) -> datetime | None:
        """Take room for one send now (None), or say when to try again (nothing is taken then)."""
        now = self.clock()
        key = bucket.stored_key
        with self.db.session() as session:
            blocked = self._lock(session, bucket.platform, key)
            if blocked > now:
                return blocked
            if not bucket.windows:
                return None
            horizon = now - timedelta(seconds=max(w.seconds for w in bucket.windows))
            mine = (SendLog.platform == bucket.platform, SendLog.bucket == key)
            session.execute(delete(SendLog).where(*mine, SendLog.at <= horizon))
            stamps = list(session.exec(select(SendLog.at).where(*mine, SendLog.at > horizon)
                                       .order_by(SendLog.at)).all())
            later = free_at(stamps, bucket.windows, bucket.cost, now)
            if later is not None:
                return later
            session.execute(insert(SendLog), [dict(platform=bucket.platform, bucket=key, at=now)] * bucket.cost)
            return None

    def block(self, bucket: Bucket, until: datetime) -> None:
        """The platform said: nothing more to this bucket before `until`, from any process."""
        key = bucket.stored_key
        with self.db.session() as session:
            self._ensure(session, bucket.platform, key)
            session.execute(update(SendRate).where(
                SendRate.platform == bucket.platform, SendRate.bucket == key, SendRate.next_at < until)
                .values(next_at=until))

    def blocked_until(self, bucket: Bucket) -> datetime | None:
        with self.db.session() as session:
            row = session.get(SendRate, (bucket.platform, bucket.stored_key))
        return row.next_at if row is not None and row.next_at > self.clock() else None

    def prune(self) -> int:
        """Forget sends older than any window, and one-off buckets with none left; returns rows removed."""
        cutoff = self.clock() - KEEP
        with self.db.session() as session:
            removed = session.execute(delete(SendLog).where(SendLog.at < cutoff)).rowcount
            used = select(SendLog.id).where(SendLog.platform == SendRate.platform, SendLog.bucket == SendRate.bucket)
            removed += session.execute(delete(SendRate).where(
                SendRate.bucket.startswith(ONE_OFF), SendRate.next_at < cutoff, ~used.exists())).rowcount
        return removed

    def _lock(self, session, platform: str, key: str) -> datetime:
        """Lock the bucket's row (made if new) for this transaction; returns its `next_at`. On SQLite the
        first write of the transaction takes the database's write lock, which serialises the rest."""
        where = (SendRate.platform == platform, SendRate.bucket == key)
        for _ in range(3):  # `prune` may remove a one-off bucket's row between our insert and our lock
            self._ensure(session, platform, key)
            if self.db.dialect == "postgresql":
                found = session.exec(select(SendRate.next_at).where(*where).with_for_update()).first()
            else:
                session.execute(update(SendRate).where(*where).values(next_at=SendRate.next_at))
                found = session.exec(select(SendRate.next_at).where(*where)).first()
            if found is not None:
                return found
        raise RuntimeError(f"rate bucket {platform}:{key} vanished while being locked")

    def _ensure(self, session, platform: str, key: str) -> None:
        session.execute(insert_ignore(self.db.dialect, SendRate,
                                      dict(platform=platform, bucket=key, next_at=EPOCH), "platform", "bucket"))
