"""First use of a one-time key (a callback's nonce or signature), shared by every process through the
database: on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlmodel import select

from bot.store.nonces import first_use
from bot.store.tables.sales import InboundEvent

T0 = datetime(2026, 12, 4, 9, 0, tzinfo=timezone.utc)
KEEP = timedelta(hours=2)


def keys(db) -> set[tuple[str, str]]:
    with db.session() as s:
        return {(e.platform, e.event_id) for e in s.exec(select(InboundEvent)).all()}


def test_a_key_is_taken_once_per_kind(db):
    assert first_use(db, "dingtalk-replay", "1733302800000:abc=", now=T0, keep=KEEP)
    assert not first_use(db, "dingtalk-replay", "1733302800000:abc=", now=T0 + timedelta(minutes=59), keep=KEEP)
    assert first_use(db, "wecom-nonce", "1733302800000:abc=", now=T0, keep=KEEP)  # another kind
    assert keys(db) == {("dingtalk-replay", "1733302800000:abc="), ("wecom-nonce", "1733302800000:abc=")}


def test_keys_older_than_keep_are_pruned_and_others_stay(db):
    assert first_use(db, "dingtalk-replay", "old", now=T0, keep=KEEP)
    assert first_use(db, "wecom-nonce", "old", now=T0, keep=KEEP)
    assert first_use(db, "dingtalk-replay", "new", now=T0 + KEEP + timedelta(seconds=1), keep=KEEP)
    assert keys(db) == {("dingtalk-replay", "new"), ("wecom-nonce", "old")}
