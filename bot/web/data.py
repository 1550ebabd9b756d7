"""What the dashboard pages show, as plain data: the TV board, the team table and a rep's history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func
from sqlmodel import Session, select

from bot.core.metrics import ORDER, from_base
from bot.store.tables.sales import Activity, Deal, Metric, Person, Team
from bot.core.pace import Pace, compute_pace, competition_rank
from bot.core.periods import Period, PeriodKind, period_containing
from bot.services import leave, stats, targets
from bot.services.scores import ranked_members, team_calendar


@dataclass(frozen=True)
class BoardEntry:
    rank: int
    person_id: int
    name: str
    value: Decimal  # display units
    target: Decimal | None
    percent: Decimal | None  # of the month's target
    expected_percent: Decimal | None  # where the calendar says they should be by today
    status: str


@dataclass(frozen=True)
class TickerDeal:
    id: int
    name: str
    amount: Decimal
    currency: str
    customer: str | None
    day: date


@dataclass
class Board:
    team: Team
    metric: Metric
    today: date
    month: Period
    today_rows: list[BoardEntry] = field(default_factory=list)
    month_rows: list[BoardEntry] = field(default_factory=list)
    deals: list[TickerDeal] = field(default_factory=list)
    team_value: Decimal = Decimal(0)
    team_target: Decimal | None = None


def _expected_percent(pace: Pace) -> Decimal | None:
    if pace.target is None or not pace.workdays_total:
        return None
    return (Decimal(pace.workdays_elapsed) * 100 / pace.workdays_total).quantize(Decimal("0.1"))


def board(team: Team, metric: Metric, *, today: date, default_tz: str, session: Session) -> Board:
    month = period_containing(PeriodKind.MONTH, today)
    people, totals = ranked_members(team, month, session=session)
    day_totals = stats.person_totals(list(people), today, today, session=session)
    goals = targets.targets_for("person", list(people), month, session=session)
    calendar = team_calendar(team, default_tz)
    result = Board(team=team, metric=metric, today=today, month=month)
    for rank, pid, value in competition_rank([(pid, from_base(metric, day_totals[pid].get(metric)))
                                              for pid in people]):
        result.today_rows.append(BoardEntry(rank, pid, people[pid].name, value, None, None, None, "no_target"))
    for rank, pid, value in competition_rank([(pid, from_base(metric, t.get(metric))) for pid, t in totals.items()]):
        target = from_base(metric, goals.get((pid, metric)))
        off = leave.days_off(pid, month.start, month.end, session=session)
        pace = compute_pace(value, target, month, today, calendar, off)
        result.month_rows.append(BoardEntry(rank, pid, people[pid].name, value, target, pace.percent,
                                            _expected_percent(pace), pace.status))
    result.team_value = sum((row.value for row in result.month_rows), Decimal(0))
    team_goal = targets.targets_for("team", [team.id], month, session=session).get((team.id, metric))
    result.team_target = from_base(metric, team_goal)
    result.deals = ticker(team, month.start, today, session=session)
    return result


def ticker(team: Team, start: date, end: date, *, session: Session, limit: int = 12) -> list[TickerDeal]:
    deals = stats.team_deals(team.id, start, end, session=session, limit=limit)
    names = _names({d.person_id for d in deals}, session=session)
    return [TickerDeal(d.id, names.get(d.person_id, "?"), Decimal(d.amount_cents) / 100, d.currency, d.customer, d.day)
            for d in deals]


def _names(ids: set[int], *, session: Session) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.exec(select(Person.id, Person.name).where(Person.id.in_(ids))).all())


def last_deal_id(team_id: int, *, session: Session) -> int:
    value = session.exec(select(func.max(Deal.id)).where(Deal.team_id == team_id)).one()
    return int(value or 0)


def deals_after(team_id: int, after_id: int, *, session: Session, limit: int = 20) -> list[TickerDeal]:
    """Deals won since `after_id`, oldest first (what the board has not celebrated yet)."""
    rows = session.exec(select(Deal).where(Deal.team_id == team_id, Deal.id > after_id,
                                           Deal.voided == False)  # noqa: E712
                        .order_by(Deal.id).limit(limit)).all()
    names = _names({d.person_id for d in rows}, session=session)
    return [TickerDeal(d.id, names.get(d.person_id, "?"), Decimal(d.amount_cents) / 100, d.currency, d.customer, d.day)
            for d in rows]


# -- the manager's table ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Cell:
    actual: Decimal
    target: Decimal | None
    pace: Pace


@dataclass(frozen=True)
class TeamRow:
    person: Person
    cells: dict[Metric, Cell]


def team_table(team: Team, period: Period, *, today: date, default_tz: str, session: Session) -> list[TeamRow]:
    people, totals = ranked_members(team, period, session=session)
    goals = targets.targets_for("person", list(people), period, session=session)
    calendar = team_calendar(team, default_tz)
    rows = []
    for pid, person in people.items():
        off = leave.days_off(pid, period.start, period.end, session=session)
        cells = {}
        for metric in ORDER:
            actual = from_base(metric, totals[pid].get(metric))
            target = from_base(metric, goals.get((pid, metric)))
            cells[metric] = Cell(actual, target, compute_pace(actual, target, period, today, calendar, off))
        rows.append(TeamRow(person, cells))
    return rows




# -- one rep's history -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Day:
    day: date
    dialed: int
    connected: int
    talk: int
    deals: int
    revenue: Decimal


def history(person_id: int, start: date, end: date, *, session: Session) -> list[Day]:
    acts = {a.day: a for a in session.exec(select(Activity).where(
        Activity.person_id == person_id, Activity.day >= start, Activity.day <= end)).all()}
    won: dict[date, list[int]] = {}
    for d in session.exec(select(Deal).where(Deal.person_id == person_id, Deal.day >= start, Deal.day <= end,
                                             Deal.voided == False)).all():  # noqa: E712
        won.setdefault(d.day, []).append(d.amount_cents)
    days, day = [], start
    while day <= end:
        a = acts.get(day)
        cents = won.get(day, [])
        days.append(Day(day, a.dialed if a else 0, a.connected if a else 0, a.talk_minutes if a else 0,
                        len(cents), Decimal(sum(cents)) / 100))
        day += timedelta(days=1)
    return days
