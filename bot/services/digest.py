"""The weekly digest for managers, as data: the team's week against target, each rep's line, who is
behind and by how much, who logged nothing on working days, the deals, and the daily series the chart
draws."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func
from sqlmodel import Session, select

from bot.core.metrics import ORDER, from_base
from bot.store.tables.sales import Activity, Deal, Metric, Team
from bot.core.pace import compute_pace
from bot.core.periods import Period, PeriodKind, period_containing
from bot.services import leave, roles, stats, targets
from bot.services.org import members
from bot.services.scores import team_calendar
from bot.core.workcal import WorkCalendar, workdays_between

_TENTH = Decimal("0.1")


@dataclass(frozen=True)
class WeekLine:
    """One metric of one rep (or the team) over the week."""

    metric: Metric
    actual: Decimal  # display units
    target: Decimal | None
    percent: Decimal | None
    status: str  # compute_pace's status at the week's end
    shortfall: Decimal | None  # how far under target, when behind
    previous: Decimal  # the week before
    change: Decimal | None  # per cent against the week before; None when it was 0


@dataclass
class RepWeek:
    person_id: int
    name: str
    lines: list[WeekLine]
    missing_days: list[date] = field(default_factory=list)  # working days with nothing logged

    def line(self, metric: Metric) -> WeekLine:
        return next(x for x in self.lines if x.metric is metric)


@dataclass
class Digest:
    team: Team
    week: Period
    team_lines: list[WeekLine]
    reps: list[RepWeek]
    behind: list[tuple[str, list[WeekLine]]]  # (name, metrics finished under target), the furthest behind first
    missing: list[RepWeek]
    deals: list[tuple[str, Deal, Decimal]]  # (rep, deal, amount), oldest first
    days: list[date]
    daily_revenue: list[Decimal]
    daily_calls: list[int]
    pace_revenue: list[Decimal] | None  # cumulative revenue the team target asked for, day by day


class TargetCache:
    """Every target of one scope's ids for the periods a week needs, read once per period, not once per
    person and metric (the digest asked hundreds of times per team)."""

    def __init__(self, scope: str, ids: list[int], *, session: Session):
        self.scope, self.ids, self.session = scope, ids, session
        self._by_period: dict[Period, dict] = {}

    def get(self, scope_id: int, metric: Metric, period: Period) -> int | None:
        if period not in self._by_period:
            self._by_period[period] = targets.targets_for(self.scope, self.ids, period, session=self.session)
        return self._by_period[period].get((scope_id, metric))


def week_target(scope: str, scope_id: int, metric: Metric, week: Period, calendar: WorkCalendar, *,
                session: Session, cache: TargetCache | None = None) -> Decimal | None:
    """A week target in base units: the week's own, else each overlapping month's target split by
    working days (a week's share of a month is its working days in that month over the month's)."""
    cache = cache or TargetCache(scope, [scope_id], session=session)
    own = cache.get(scope_id, metric, week)
    if own is not None:
        return Decimal(own)
    total, found = Decimal(0), False
    for month in {period_containing(PeriodKind.MONTH, week.start), period_containing(PeriodKind.MONTH, week.end)}:
        goal = cache.get(scope_id, metric, month)
        if goal is None:
            continue
        found = True
        month_days = len(workdays_between(calendar, month.start, month.end))
        in_week = len(workdays_between(calendar, max(month.start, week.start), min(month.end, week.end)))
        if month_days:
            total += Decimal(goal) * in_week / month_days
    return total if found else None


def _line(metric: Metric, actual: int, previous: int, target: Decimal | None, week: Period,
          calendar: WorkCalendar, off: set[date]) -> WeekLine:
    shown = from_base(metric, actual)
    goal = None if target is None else (target / 100 if metric is Metric.REVENUE else target)
    pace = compute_pace(shown, goal, week, week.end, calendar, off)
    change = None
    if previous:
        change = (Decimal(actual - previous) * 100 / previous).quantize(_TENTH, ROUND_HALF_UP)
    shortfall = -pace.ahead if pace.status == "behind" else None
    goal_shown = None if goal is None else goal.quantize(Decimal("0.01"), ROUND_HALF_UP).normalize()
    return WeekLine(metric, shown, goal_shown, pace.percent, pace.status, shortfall,
                    from_base(metric, previous), change)


def build_digest(team: Team, week: Period, *, default_tz: str, session: Session) -> Digest:
    calendar = team_calendar(team, default_tz)
    people = [p for p in members(team.id, session=session)]
    ids = [p.id for p in people]
    now_totals = stats.person_totals(ids, week.start, week.end, session=session)
    before = week.previous()
    prev_totals = stats.person_totals(ids, before.start, before.end, session=session)
    reps = [p for p in people if roles.competes(p)]
    logged = _logged_days(ids, week, session=session)
    person_goals = TargetCache("person", ids, session=session)
    rep_weeks, behind = [], []
    for person in reps:
        off = leave.days_off(person.id, week.start, week.end, session=session)
        lines = [_line(m, now_totals[person.id].get(m), prev_totals[person.id].get(m),
                       week_target("person", person.id, m, week, calendar, session=session, cache=person_goals),
                       week, calendar, off)
                 for m in ORDER]
        missing = [d for d in workdays_between(calendar, week.start, week.end, off)
                   if d not in logged.get(person.id, set())]
        rep = RepWeek(person.id, person.name, lines, missing)
        rep_weeks.append(rep)
        late = [line for line in lines if line.status == "behind"]
        if late:
            behind.append((person.name, late))
    team_now = _sum(now_totals.values())
    team_prev = _sum(prev_totals.values())
    team_lines = []
    for metric in ORDER:
        goal = week_target("team", team.id, metric, week, calendar, session=session)
        if goal is None:
            goals = [week_target("person", p.id, metric, week, calendar, session=session, cache=person_goals)
                     for p in reps]
            goal = sum((g for g in goals if g is not None), Decimal(0)) if any(g is not None for g in goals) else None
        team_lines.append(_line(metric, team_now.get(metric), team_prev.get(metric), goal, week, calendar, set()))
    names = {p.id: p.name for p in people}
    deals = [(names.get(d.person_id, "?"), d, Decimal(d.amount_cents) / 100) for d in reversed(
        stats.team_deals(team.id, week.start, week.end, session=session, limit=100))]
    days = [week.start + timedelta(days=i) for i in range(7)]
    revenue, calls = _daily(ids, week, session=session)
    revenue_line = next(x for x in team_lines if x.metric is Metric.REVENUE)
    pace = None
    if revenue_line.target:
        workdays = set(workdays_between(calendar, week.start, week.end))
        per_day = revenue_line.target / len(workdays) if workdays else Decimal(0)
        pace, running = [], Decimal(0)
        for day in days:
            running += per_day if day in workdays else 0
            pace.append(running.quantize(Decimal("0.01")))
    behind.sort(key=lambda item: min(line.percent for line in item[1]))
    return Digest(team=team, week=week, team_lines=team_lines, reps=rep_weeks, behind=behind,
                  missing=[r for r in rep_weeks if r.missing_days], deals=deals, days=days,
                  daily_revenue=[revenue.get(d, Decimal(0)) for d in days],
                  daily_calls=[calls.get(d, 0) for d in days], pace_revenue=pace)


def _sum(totals) -> stats.Totals:
    result = stats.Totals()
    for t in totals:
        result = result.add(t)
    return result


def _logged_days(ids: list[int], week: Period, *, session: Session) -> dict[int, set[date]]:
    """Days each person logged anything: an activity row or a deal."""
    found: dict[int, set[date]] = {}
    if not ids:
        return found
    for pid, day in session.exec(select(Activity.person_id, Activity.day).where(
            Activity.person_id.in_(ids), Activity.day >= week.start, Activity.day <= week.end)).all():
        found.setdefault(pid, set()).add(day)
    for pid, day in session.exec(select(Deal.person_id, Deal.day).where(
            Deal.person_id.in_(ids), Deal.day >= week.start, Deal.day <= week.end,
            Deal.voided == False)).all():  # noqa: E712
        found.setdefault(pid, set()).add(day)
    return found


def _daily(ids: list[int], week: Period, *, session: Session) -> tuple[dict[date, Decimal], dict[date, int]]:
    revenue: dict[date, Decimal] = {}
    calls: dict[date, int] = {}
    if not ids:
        return revenue, calls
    for day, cents in session.exec(select(Deal.day, func.sum(Deal.amount_cents)).where(
            Deal.person_id.in_(ids), Deal.day >= week.start, Deal.day <= week.end,
            Deal.voided == False).group_by(Deal.day)).all():  # noqa: E712
        revenue[day] = Decimal(int(cents or 0)) / 100
    for day, dialed in session.exec(select(Activity.day, func.sum(Activity.dialed)).where(
            Activity.person_id.in_(ids), Activity.day >= week.start, Activity.day <= week.end)
            .group_by(Activity.day)).all():
        calls[day] = int(dialed or 0)
    return revenue, calls
