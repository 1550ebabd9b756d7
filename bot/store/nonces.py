"""One-time keys of signed callbacks (WeCom's timestamp+nonce, DingTalk's timestamp+sign), recorded in the
database so that every process refuses the second use. They are rows of InboundEvent under a `kind`
of their own (not a platform name, so the router's dedupe never meets them)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete

from bot.store.db import Database, insert_ignore
from bot.store.tables.sales import InboundEvent


def first_use(db: Database, kind: str, key: str, *, now: datetime, keep: timedelta) -> bool:
    """True the first time `key` is seen for `kind`, False ever after (within `keep`). Keys older than
    `keep` are pruned: the caller's replay window must already refuse them."""
    row = dict(platform=kind, event_id=key[:191], received_at=now)
    stmt = insert_ignore(db.dialect, InboundEvent, row, "platform", "event_id").returning(InboundEvent.event_id)
    with db.session() as session:  # RETURNING, not rowcount: psycopg reports -1 for this statement
        taken = session.execute(stmt).scalar() is not None
    if taken:
        with db.session() as session:
            session.execute(delete(InboundEvent).where(
                InboundEvent.platform == kind, InboundEvent.received_at < now - keep))
    return taken
