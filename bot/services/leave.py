"""Days off: they leave the pace maths and no reminder is sent on them."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session, select

from bot.core.errors import UserError
from bot.store.tables.sales import Leave

MAX_LEAVE_DAYS = 366


def add_leave(person_id: int, start: date, end: date, *, session: Session) -> Leave:
    if end < start:
        raise UserError("bad_range", text=f"{start}..{end}")
    if (end - start).days + 1 > MAX_LEAVE_DAYS:
        raise UserError("leave_too_long", days=MAX_LEAVE_DAYS)
    row = Leave(person_id=person_id, start=start, end=end)
    session.add(row)
    session.flush()
    return row


def cancel_leave(person_id: int, start: date, end: date, *, session: Session) -> int:
    """Remove the days start..end from the person's leave; returns how many leave days went."""
    removed = 0
    for row in _overlapping(person_id, start, end, session=session):
        lo, hi = max(row.start, start), min(row.end, end)
        removed += (hi - lo).days + 1
        if row.start < start:
            session.add(Leave(person_id=person_id, start=row.start, end=start - timedelta(days=1)))
        if row.end > end:
            session.add(Leave(person_id=person_id, start=end + timedelta(days=1), end=row.end))
        session.delete(row)
    session.flush()
    return removed


def days_off(person_id: int, start: date, end: date, *, session: Session) -> set[date]:
    days: set[date] = set()
    for row in _overlapping(person_id, start, end, session=session):
        day = max(row.start, start)
        while day <= min(row.end, end):
            days.add(day)
            day += timedelta(days=1)
    return days


def upcoming(person_id: int, since: date, *, session: Session) -> list[Leave]:
    return list(session.exec(select(Leave).where(Leave.person_id == person_id, Leave.end >= since)
                             .order_by(Leave.start)).all())


def _overlapping(person_id: int, start: date, end: date, *, session: Session) -> list[Leave]:
    return list(session.exec(select(Leave).where(Leave.person_id == person_id, Leave.start <= end,
                                                 Leave.end >= start)).all())
