"""Scorecards ("how am I doing?") and leaderboards, as data for the handlers to render."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlmodel import Session, select

from bot.core.metrics import ORDER, from_base
from bot.store.tables.sales import Metric, Person, Team
from bot.core.pace import BonusTier, Pace, bonus_tier, compute_pace, competition_rank
from bot.core.periods import Period
from bot.services import leave, roles, stats, targets
from bot.services.boards import BoardRow, board
from bot.services.org import members
from bot.core.workcal import calendar_for

# The metric a bonus is paid on: the first one in this order that has a target. Activity targets
# (calls, talk time) steer the work but pay no bonus.
BONUS_METRICS = (Metric.REVENUE, Metric.DEALS)


@dataclass(frozen=True)
class MetricLine:
    metric: Metric
    actual: Decimal  # display units: money in currency, talk in minutes
    target: Decimal | None
    pace: Pace
    rank: int | None  # in the team, by actual
    of: int


@dataclass(frozen=True)
class Scorecard:
    person: Person
    team: Team | None
    period: Period
    today: date
    lines: list[MetricLine]
    connect_rate: Decimal | None
    avg_deal: Decimal | None
    avg_call_minutes: Decimal | None
    bonus_metric: Metric | None
    bonus: BonusTier | None
    bonus_percent: Decimal | None  # projected % of target the tier is judged on
    days_off: int

    @property
    def targeted(self) -> list[MetricLine]:
        return [line for line in self.lines if line.target is not None]

    @property
    def untargeted(self) -> list[MetricLine]:
        return [line for line in self.lines if line.target is None]


def _ratio(numerator, denominator, places: str = "0.1") -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(Decimal(places))


def team_calendar(team: Team | None, default_tz: str):
    return calendar_for(team.holidays if team else None, team.tz if team else default_tz)


def scorecard(person: Person, team: Team | None, period: Period, *, today: date, tiers: tuple[BonusTier, ...],
              default_tz: str, session: Session) -> Scorecard:
    # Ranked among the people who compete; someone who does not (a manager who does not sell) sees their
    # numbers unranked, and the count is the board's.
    if team is not None:
        _, everyone = ranked_members(team, period, session=session)
    else:
        everyone = {}
    mine = everyone.get(person.id) or stats.person_totals([person.id], period.start, period.end,
                                                           session=session)[person.id]
    if team is None:
        everyone = {person.id: mine}
    goals = targets.targets_for("person", [person.id], period, session=session)
    off = leave.days_off(person.id, period.start, period.end, session=session)
    calendar = team_calendar(team, default_tz)
    lines = []
    for metric in ORDER:
        target = from_base(metric, goals.get((person.id, metric)))
        actual = from_base(metric, mine.get(metric))
        ranked = competition_rank([(pid, Decimal(t.get(metric))) for pid, t in everyone.items()])
        rank = next((r for r, pid, _ in ranked if pid == person.id), None) if person.id in everyone else None
        pace = compute_pace(actual, target, period, today, calendar, off)
        lines.append(MetricLine(metric, actual, target, pace, rank, len(everyone)))
    bonus_line = next((line for m in BONUS_METRICS for line in lines if line.metric is m and line.target), None)
    percent = bonus_line.pace.projected_percent if bonus_line else None
    return Scorecard(
        person=person, team=team, period=period, today=today, lines=lines,
        connect_rate=_ratio(mine.connected * 100, mine.calls),
        avg_deal=_ratio(Decimal(mine.revenue) / 100, mine.deals, "0.01"),
        avg_call_minutes=_ratio(mine.talk, mine.connected),
        bonus_metric=bonus_line.metric if bonus_line else None,
        bonus=bonus_tier(percent, tiers) if bonus_line else None,
        bonus_percent=percent, days_off=len(off))


def ranked_members(team: Team | None, period: Period, *, session: Session) -> tuple[dict[int, Person], dict[int, stats.Totals]]:
    """The members who compete (bot.services.roles), with their totals. `team=None` is the whole company."""
    if team is None:
        team_members = list(session.exec(select(Person).where(Person.team_id.is_not(None))).all())
        totals = stats.person_totals(None, period.start, period.end, everyone=True, session=session)
    else:
        team_members = members(team.id, session=session)
        totals = stats.person_totals(None, period.start, period.end, team_id=team.id, session=session)
    people = {p.id: p for p in team_members if roles.competes(p)}
    return people, {pid: totals[pid] for pid in people}


def leaderboard(team: Team | None, metric: Metric, period: Period, *, by_percent: bool,
                session: Session) -> list[BoardRow]:
    """Every member ranked by the metric, or by per cent of their own target (fair across targets);
    `team=None` ranks the whole company."""
    return board(team.id if team else None, metric, period, by_percent=by_percent, limit=None, me=None,
                 session=session).rows
