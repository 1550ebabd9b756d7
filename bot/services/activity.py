"""Logging a rep's calling day, recording deals, and undoing the last message's changes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlmodel import Session, select

from bot.core.errors import UserError
from bot.store.tables.sales import Activity, Change, Deal, Person

MAX_TALK_MINUTES = 24 * 60
FIELDS = ("dialed", "connected", "talk_minutes")
UNDO_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class LogResult:
    day: date
    before: dict[str, int] | None  # None: the day was not logged before
    after: dict[str, int]

    def changed(self) -> list[tuple[str, int, int]]:
        """(field, old, new) for each field this log changed."""
        if self.before is None:
            return []
        return [(f, self.before[f], self.after[f]) for f in FIELDS if self.before[f] != self.after[f]]


def check_day(day: date, *, today: date, window_days: int) -> None:
    """A day may be logged from `window_days` ago up to today, never in the future."""
    if day > today:
        raise UserError("future_day", day=day.isoformat())
    if (today - day).days > window_days:
        raise UserError("too_old", day=day.isoformat(), days=window_days)


def log_day(person: Person, day: date, *, dialed: int | None = None, connected: int | None = None,
            talk_minutes: int | None = None, today: date, window_days: int, now: datetime, batch: str,
            session: Session) -> LogResult:
    """Set the given fields of the person's day; fields not given keep what was logged before."""
    if dialed is None and connected is None and talk_minutes is None:
        raise UserError("log_nothing")
    check_day(day, today=today, window_days=window_days)
    row = session.exec(select(Activity).where(Activity.person_id == person.id, Activity.day == day)).first()
    before = {f: getattr(row, f) for f in FIELDS} if row else None
    after = dict(before or {f: 0 for f in FIELDS})
    for name, value in (("dialed", dialed), ("connected", connected), ("talk_minutes", talk_minutes)):
        if value is not None:
            if value < 0:
                raise UserError("negative", text=str(value))
            after[name] = value
    if after["connected"] > after["dialed"]:
        raise UserError("connected_over_dialed", connected=after["connected"], dialed=after["dialed"])
    if after["talk_minutes"] > MAX_TALK_MINUTES:
        raise UserError("talk_over_day", minutes=after["talk_minutes"])
    if row is None:
        row = Activity(person_id=person.id, day=day, updated_at=now, **after)
    else:
        for name, value in after.items():
            setattr(row, name, value)
        row.updated_at = now
    session.add(row)
    session.flush()
    session.add(Change(person_id=person.id, batch=batch, kind="activity", ref_id=row.id,
                       before=json.dumps(before) if before else None, created_at=now))
    return LogResult(day=day, before=before, after=after)


def record_deal(person: Person, amount: Decimal, customer: str | None, *, day: date, today: date,
                window_days: int, currency: str, now: datetime, batch: str, session: Session) -> Deal:
    if amount <= 0:
        raise UserError("amount_not_positive", text=str(amount))
    if customer is not None and len(customer) > 200:
        raise UserError("customer_too_long")
    check_day(day, today=today, window_days=window_days)
    deal = Deal(person_id=person.id, team_id=person.team_id, day=day, amount_cents=int(amount * 100),
                currency=currency, customer=(customer or None), created_at=now)
    session.add(deal)
    session.flush()
    session.add(Change(person_id=person.id, batch=batch, kind="deal", ref_id=deal.id, created_at=now))
    return deal


def undo_last(person: Person, *, now: datetime, session: Session) -> list[Change]:
    """Revert every change of the person's latest message, if made within the last 24 hours."""
    latest = session.exec(
        select(Change).where(Change.person_id == person.id, Change.undone == False)  # noqa: E712
        .order_by(Change.id.desc())
    ).first()
    if latest is None or now - latest.created_at > UNDO_WINDOW:
        raise UserError("nothing_to_undo")
    changes = session.exec(select(Change).where(Change.batch == latest.batch, Change.undone == False)  # noqa: E712
                           .order_by(Change.id.desc())).all()
    for change in changes:
        if change.kind == "activity":
            row = session.get(Activity, change.ref_id)
            if row is not None and change.before is None:
                session.delete(row)
            elif row is not None:
                for name, value in json.loads(change.before).items():
                    setattr(row, name, value)
                row.updated_at = now
                session.add(row)
        elif change.kind == "deal":
            deal = session.get(Deal, change.ref_id)
            if deal is not None:
                deal.voided = True
                session.add(deal)
        change.undone = True
        session.add(change)
    session.flush()
    return list(changes)


def activity_on(person_id: int, day: date, *, session: Session) -> Activity | None:
    return session.exec(select(Activity).where(Activity.person_id == person_id, Activity.day == day)).first()
