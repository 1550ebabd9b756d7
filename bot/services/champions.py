"""Monthly champions per metric (ties share a place) and the hall of fame that keeps them."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import delete
from sqlmodel import Session, select

from bot.core.metrics import ORDER, from_base
from bot.store.tables.sales import Metric, Person, Team
from bot.store.tables.schedule import Champion
from bot.core.pace import competition_rank
from bot.core.periods import Period
from bot.services.scores import ranked_members

PLACES = 3  # the champion and two runner-up places


@dataclass(frozen=True)
class Placing:
    place: int
    person_id: int
    name: str
    value: Decimal  # display units


@dataclass(frozen=True)
class MetricChampions:
    metric: Metric
    placings: list[Placing]  # places 1..PLACES; ties share a place, as in 1, 1, 3

    @property
    def champions(self) -> list[Placing]:
        return [p for p in self.placings if p.place == 1]

    @property
    def runners_up(self) -> list[Placing]:
        return [p for p in self.placings if p.place > 1]


def compute(team: Team, month: Period, *, session: Session) -> list[MetricChampions]:
    """Per metric, everyone placed 1st to 3rd by the month's total; nobody with nothing is placed."""
    people, totals = ranked_members(team, month, session=session)
    result = []
    for metric in ORDER:
        scored = [(pid, Decimal(t.get(metric))) for pid, t in totals.items() if t.get(metric) > 0]
        placings = [Placing(rank, pid, people[pid].name, from_base(metric, int(value)))
                    for rank, pid, value in competition_rank(scored) if rank <= PLACES]
        if placings:
            result.append(MetricChampions(metric, placings))
    return result


def record(team: Team, month: Period, board: list[MetricChampions], *, session: Session) -> None:
    """Store the month in the hall of fame, replacing what an earlier run stored for it."""
    session.execute(delete(Champion).where(Champion.team_id == team.id, Champion.month == month.label))
    for entry in board:
        for p in entry.placings:
            value = int(p.value * 100) if entry.metric is Metric.REVENUE else int(p.value)
            session.add(Champion(team_id=team.id, month=month.label, metric=entry.metric.value, place=p.place,
                                 person_id=p.person_id, value=value))
    session.flush()


def hall_of_fame(team_id: int, *, months: int = 6, only: str | None = None,
                 session: Session) -> list[tuple[str, list[MetricChampions]]]:
    """The latest `months` months (or the one labelled `only`), newest first."""
    query = select(Champion, Person.name).join(Person, Person.id == Champion.person_id).where(
        Champion.team_id == team_id)
    if only:
        query = query.where(Champion.month == only)
    rows = session.exec(query.order_by(Champion.month.desc(), Champion.place, Person.name)).all()
    by_month: dict[str, dict[Metric, list[Placing]]] = {}
    for row, name in rows:
        metric = Metric(row.metric)
        by_month.setdefault(row.month, {}).setdefault(metric, []).append(
            Placing(row.place, row.person_id, name, from_base(metric, row.value)))
    result = []
    for label in sorted(by_month, reverse=True)[:months]:
        boards = by_month[label]
        result.append((label, [MetricChampions(m, boards[m]) for m in ORDER if m in boards]))
    return result
