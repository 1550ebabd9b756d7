"""Leaderboards ranked inside the database: one query per board, whatever the company's size.

Only the rows shown (and the asker's own) come back to Python, so a company-wide board over ten
thousand reps costs one aggregate over the period (served by covering indexes), not ten thousand
objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Numeric, and_, case, cast, func, literal, or_, select
from sqlmodel import Session

from bot.core.metrics import from_base
from bot.store.tables.sales import Activity, Deal, Metric, Person, Target
from bot.services import roles
from bot.core.periods import Period

ACTIVITY_COLUMNS = {Metric.CALLS: Activity.dialed, Metric.CONNECTED: Activity.connected,
                    Metric.TALK: Activity.talk_minutes}


@dataclass(frozen=True)
class BoardRow:
    rank: int | None  # None: no target, when ranking by per cent
    person_id: int
    name: str
    value: Decimal
    percent: Decimal | None


@dataclass(frozen=True)
class Board:
    rows: list[BoardRow]  # the top rows, in rank order
    mine: BoardRow | None  # the asker's row, also when outside the top rows
    total: int  # how many people are ranked


def _sums(metric: Metric, period: Period, people):
    """person_id, value: the metric summed over the period for the people in the `people` subquery."""
    if metric in ACTIVITY_COLUMNS:
        column = ACTIVITY_COLUMNS[metric]
        return (select(Activity.person_id.label("person_id"), func.sum(column).label("value"))
                .where(Activity.day >= period.start, Activity.day <= period.end, Activity.person_id.in_(people))
                .group_by(Activity.person_id).subquery())
    measure = func.count(Deal.id) if metric is Metric.DEALS else func.sum(Deal.amount_cents)
    return (select(Deal.person_id.label("person_id"), measure.label("value"))
            .where(Deal.day >= period.start, Deal.day <= period.end, Deal.voided == False,  # noqa: E712
                   Deal.person_id.in_(people))
            .group_by(Deal.person_id).subquery())


def board(team_id: int | None, metric: Metric, period: Period, *, by_percent: bool, limit: int | None,
          me: int | None, session: Session) -> Board:
    """The team's (or, with `team_id=None`, the company's) ranking of the people who compete (reps and
    managers who sell, bot.services.roles). Ties share a rank (1, 2, 2, 4)."""
    in_scope = Person.team_id == team_id if team_id is not None else Person.team_id.is_not(None)
    people = select(Person.id).where(in_scope)
    sums = _sums(metric, period, people)
    value = func.coalesce(sums.c.value, 0)
    goal = Target.value
    percent = cast(value, Numeric) * 100 / goal
    order = percent.desc() if by_percent else value.desc()
    ranked_ok = goal.is_not(None) & (goal > 0) if by_percent else literal(True)
    rank = case((ranked_ok, func.rank().over(order_by=(case((ranked_ok, 0), else_=1), order))), else_=None)
    inner = (
        select(Person.id.label("id"), Person.name.label("name"), value.label("value"), goal.label("goal"),
               rank.label("rank"), func.count().over().label("total"),
               func.row_number().over(order_by=(case((ranked_ok, 0), else_=1), order, Person.name, Person.id))
               .label("position"))
        .select_from(Person)
        .outerjoin(sums, sums.c.person_id == Person.id)
        .outerjoin(Target, and_(Target.scope == "person", Target.scope_id == Person.id,
                                Target.metric == metric.value, Target.period_kind == period.kind.value,
                                Target.period_start == period.start))
        .where(in_scope, roles.COMPETES)
    ).subquery()
    stmt = select(inner).order_by(inner.c.position)
    if limit is not None:
        stmt = stmt.where(or_(inner.c.position <= limit, inner.c.id == (me if me is not None else -1)))
    rows, mine, total = [], None, 0
    for rec in session.exec(stmt).all():
        total = rec.total
        row = BoardRow(rank=int(rec.rank) if rec.rank is not None else None, person_id=rec.id, name=rec.name,
                       value=from_base(metric, int(rec.value)),
                       percent=(Decimal(int(rec.value)) * 100 / rec.goal).quantize(Decimal("0.1")) if rec.goal else None)
        if limit is None or rec.position <= limit:
            rows.append(row)
        if rec.id == me:
            mine = row
    return Board(rows=rows, mine=mine, total=total)
