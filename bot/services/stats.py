"""Aggregates of activity and deals over a date range, in one query per table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, select

from bot.store.tables.sales import Activity, Deal, Metric, Person


@dataclass
class Totals:
    """One person's (or a team's) sums over a period, in base units (revenue in cents)."""

    calls: int = 0
    connected: int = 0
    talk: int = 0
    deals: int = 0
    revenue: int = 0

    def get(self, metric: Metric) -> int:
        return getattr(self, metric.value)

    def add(self, other: "Totals") -> "Totals":
        return Totals(*(getattr(self, m.value) + getattr(other, m.value) for m in Metric))


def person_totals(person_ids: list[int] | None, start: date, end: date, *, team_id: int | None = None,
                  everyone: bool = False, session: Session) -> dict[int, Totals]:
    """Totals per person: for the given people, every member of `team_id`, or every person in a team
    (`everyone`). People in scope with nothing logged get zeros."""
    if team_id is not None or everyone:
        scope = select(Person.id).where(Person.team_id == team_id if team_id is not None else Person.team_id.is_not(None))
        ids = list(session.exec(scope).all())
        in_scope = Activity.person_id.in_(scope)  # a subquery: no list of ten thousand ids in the SQL
        deal_scope = Deal.person_id.in_(scope)
    else:
        ids = list(person_ids or [])
        in_scope, deal_scope = Activity.person_id.in_(ids), Deal.person_id.in_(ids)
    result = {pid: Totals() for pid in ids}
    if not ids:
        return result
    acts = session.exec(
        select(Activity.person_id, func.sum(Activity.dialed), func.sum(Activity.connected),
               func.sum(Activity.talk_minutes))
        .where(in_scope, Activity.day >= start, Activity.day <= end)
        .group_by(Activity.person_id)).all()
    for pid, dialed, connected, talk in acts:
        t = result[pid]
        t.calls, t.connected, t.talk = int(dialed or 0), int(connected or 0), int(talk or 0)
    deals = session.exec(
        select(Deal.person_id, func.count(Deal.id), func.sum(Deal.amount_cents))
        .where(deal_scope, Deal.day >= start, Deal.day <= end, Deal.voided == False)  # noqa: E712
        .group_by(Deal.person_id)).all()
    for pid, count, cents in deals:
        result[pid].deals, result[pid].revenue = int(count), int(cents or 0)
    return result


def team_deals(team_id: int, start: date, end: date, *, session: Session, limit: int = 50) -> list[Deal]:
    return list(session.exec(
        select(Deal).join(Person, Person.id == Deal.person_id)
        .where(Person.team_id == team_id, Deal.day >= start, Deal.day <= end, Deal.voided == False)  # noqa: E712
        .order_by(Deal.day.desc(), Deal.id.desc()).limit(limit)).all())
