"""Target planning: split a team's or the company's target down the org and down the calendar.

A proposal holds the inputs and each unit's total (integers in the metric's base unit); the per-period
targets are expanded from it deterministically (bot/core/split.py), shown, and written only on
confirmation. Proposals live in the database, so a confirmation after a restart still works.

The company is a target scope of its own: `scope="company"`, `scope_id=0` (one company per database).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path

import yaml
from sqlmodel import Session, select

from bot.core.errors import UserError
from bot.core.metrics import from_base
from bot.store.tables.sales import Metric, Person, Team
from bot.store.tables.plan import PlanProposal
from bot.core.periods import Period, PeriodKind, period_from_label
from bot.services import audit, roles, stats, targets
from bot.services.audit import Actor
from bot.core.split import CalendarPlan, allocate_calendar, apportion, calendar_split, period_totals
from bot.core.workcal import WorkCalendar

COMPANY_ID = 0
METHODS = ("even", "share", "weights")
SEASONAL_FILE = Path(__file__).resolve().parents[2] / "templates" / "seasonal.yaml"


@lru_cache(maxsize=1)
def seasonal_profiles() -> dict[str, list[Decimal]]:
    with open(SEASONAL_FILE, encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    profiles = {}
    for name, weights in data.items():
        if len(weights) != 12 or any(Decimal(str(w)) < 0 for w in weights):
            raise ValueError(f"seasonal profile {name!r} needs twelve non-negative weights")
        profiles[str(name).lower()] = [Decimal(str(w)) for w in weights]
    return profiles


@dataclass
class Unit:
    """A team (under the company) or a rep (under a team) and the part of the total it gets."""

    scope: str  # "team" | "person"
    id: int
    name: str
    total: int
    parent: str  # key of the parent unit: "company:0" or "team:<id>"
    pinned: bool = False  # set by `plan adjust`: kept when siblings rebalance

    @property
    def key(self) -> str:
        return f"{self.scope}:{self.id}"


@dataclass
class Proposal:
    scope: str  # "company" | "team"
    scope_id: int
    name: str
    metric: str
    period: str  # canonical label, e.g. "2027" or "2027-Q1"
    total: int
    method: str  # "even" | "share" | "weights"
    calendar: str  # "workdays" | "seasonal"
    profile: str | None
    depth: str  # finest period kind produced
    units: list[Unit] = field(default_factory=list)
    no_history: bool = False  # "share" found nothing last period and split evenly

    @property
    def key(self) -> str:
        return f"{self.scope}:{self.scope_id}"

    def children(self, parent_key: str | None = None) -> list[Unit]:
        parent_key = parent_key or self.key
        return [u for u in self.units if u.parent == parent_key]

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Proposal:
        data = json.loads(text)
        data["units"] = [Unit(**u) for u in data["units"]]
        return cls(**data)

    def calendar_plan(self, calendar: WorkCalendar) -> CalendarPlan:
        profile = seasonal_profiles()[self.profile or "default"] if self.calendar == "seasonal" else None
        return CalendarPlan(calendar, PeriodKind(self.depth), profile)


def reps_of(team_id: int, *, session: Session) -> list[Person]:
    """The people a team's target is split among: those who compete (reps and managers who sell), by name
    then id (a stable order)."""
    rows = session.exec(select(Person).where(Person.team_id == team_id, roles.COMPETES)).all()
    return sorted(rows, key=lambda p: (p.name.lower(), p.id))


def teams_with_reps(*, session: Session) -> list[Team]:
    teams = session.exec(select(Team)).all()
    return sorted((t for t in teams if reps_of(t.id, session=session)), key=lambda t: (t.name.lower(), t.id))


def _history(people: list[int], metric: Metric, period: Period, *, session: Session) -> dict[int, int]:
    prev = period.previous()
    totals = stats.person_totals(people, prev.start, prev.end, session=session)
    return {pid: totals[pid].get(metric) for pid in people}


def propose(scope: str, subject: Team | None, metric: Metric, period: Period, total: int, *, method: str,
            weights: dict[str, Decimal] | None, calendar: str, profile: str | None, depth: PeriodKind,
            session: Session) -> Proposal:
    """Split `total` among the subject's teams (company) or reps (team), and each team's among its reps."""
    if total <= 0:
        raise UserError("target_not_positive", text=str(total))
    if calendar == "seasonal" and (profile or "default") not in seasonal_profiles():
        raise UserError("plan_bad_profile", text=profile, name=", ".join(sorted(seasonal_profiles())))
    if ORDER_INDEX[depth] <= ORDER_INDEX[period.kind]:
        depth = period.kind
    proposal = Proposal(scope=scope, scope_id=COMPANY_ID if scope == "company" else subject.id,
                        name=subject.name if subject else "", metric=metric.value, period=period.label,
                        total=total, method=method, calendar=calendar, profile=profile, depth=depth.value)
    if scope == "company":
        teams = teams_with_reps(session=session)
        if not teams:
            raise UserError("plan_no_units")
        team_reps = {t.id: reps_of(t.id, session=session) for t in teams}
        history = _history([p.id for reps in team_reps.values() for p in reps], metric, period, session=session)
        team_history = {t.id: sum(history[p.id] for p in team_reps[t.id]) for t in teams}
        tops = _split(proposal, total, [(t.id, t.name) for t in teams], team_history, weights, "team")
        for team, unit in zip(teams, tops):
            reps = team_reps[team.id]
            proposal.units += _split(proposal, unit.total, [(p.id, p.name) for p in reps],
                                     {p.id: history[p.id] for p in reps}, None, "person", parent=unit.key)
        proposal.units = tops + proposal.units
    else:
        reps = reps_of(subject.id, session=session)
        if not reps:
            raise UserError("plan_no_units")
        history = _history([p.id for p in reps], metric, period, session=session)
        proposal.units = _split(proposal, total, [(p.id, p.name) for p in reps], history, weights, "person")
    return proposal


ORDER_INDEX = {PeriodKind.YEAR: 0, PeriodKind.QUARTER: 1, PeriodKind.MONTH: 2, PeriodKind.WEEK: 3}


def _split(proposal: Proposal, total: int, items: list[tuple[int, str]], history: dict[int, int],
           weights: dict[str, Decimal] | None, scope: str, parent: str | None = None) -> list[Unit]:
    if proposal.method == "weights" and weights is not None:
        by_name = {k.strip().lower(): v for k, v in weights.items()}
        unknown = sorted(set(by_name) - {name.lower() for _, name in items})
        if unknown:
            raise UserError("plan_unknown_unit", text=", ".join(unknown))
        missing = [name for _, name in items if name.lower() not in by_name]
        if missing:
            raise UserError("plan_weights_missing", text=", ".join(missing))
        shares = [by_name[name.lower()] for _, name in items]
    elif proposal.method == "share":
        shares = [history.get(i, 0) for i, _ in items]
        if not any(shares):
            proposal.no_history = True
    else:
        shares = [1] * len(items)
    parts = apportion(total, shares)
    return [Unit(scope, i, name, part, parent or proposal.key) for (i, name), part in zip(items, parts)]


def adjust(proposal: Proposal, name: str, *, percent: Decimal | None = None, value: int | None = None) -> Unit:
    """Give one unit a new total (a % of its parent's or an amount); unpinned siblings share the rest."""
    matches = [u for u in proposal.units if u.name.lower() == name.strip().lower()]
    if not matches:
        raise UserError("plan_unknown_unit", text=name)
    unit = matches[0]
    parent_total = proposal.total if unit.parent == proposal.key else next(
        u.total for u in proposal.units if u.key == unit.parent)
    if percent is not None:
        if not 0 <= percent <= 100:
            raise UserError("plan_bad_share", text=f"{percent}%")
        value = int((Decimal(parent_total) * percent / 100).quantize(Decimal(1), ROUND_HALF_UP))
    siblings = [u for u in proposal.units if u.parent == unit.parent and u is not unit]
    free = [u for u in siblings if not u.pinned]
    room = parent_total - sum(u.total for u in siblings if u.pinned)
    if value is None or value < 0 or value > room or (not free and value != room):
        raise UserError("plan_bad_share", text=str(value))
    unit.total, unit.pinned = value, True
    for sibling, part in zip(free, apportion(room - value, [u.total for u in free])):
        sibling.total = part
    for changed in [unit, *free]:
        _resplit_children(proposal, changed)
    return unit


def _resplit_children(proposal: Proposal, unit: Unit) -> None:
    kids = proposal.children(unit.key)
    if not kids:
        return
    for kid, part in zip(kids, apportion(unit.total, [k.total for k in kids])):
        kid.total = part


def expand(proposal: Proposal, calendar: WorkCalendar) -> dict[str, dict[Period, int]]:
    """Every unit's target for every period of the plan, keyed "company:0", "team:3", "person:7"."""
    period = period_from_label(proposal.period)
    plan = proposal.calendar_plan(calendar)
    parts = {proposal.key: calendar_split(proposal.total, period, plan)}
    parents = [proposal.key]
    while parents:
        next_parents = []
        for parent in parents:
            kids = proposal.children(parent)
            if kids:
                parts.update(allocate_calendar({k.key: k.total for k in kids}, parts[parent], period, plan))
                next_parents += [k.key for k in kids]
        parents = next_parents
    return {key: period_totals(unit_parts) for key, unit_parts in parts.items()}


def save(author: Person, proposal: Proposal, *, now: datetime, session: Session) -> PlanProposal:
    """Store a new pending proposal for its author, replacing the one they had pending."""
    old = pending(author.id, session=session)
    if old is not None:
        old.status, old.updated_at = "cancelled", now
        session.add(old)
    row = PlanProposal(author_id=author.id, payload=proposal.to_json(), created_at=now, updated_at=now)
    session.add(row)
    session.flush()
    return row


def pending(author_id: int, *, session: Session) -> PlanProposal | None:
    return session.exec(select(PlanProposal).where(PlanProposal.author_id == author_id,
                                                   PlanProposal.status == "pending")
                        .order_by(PlanProposal.id.desc())).first()


def update(row: PlanProposal, proposal: Proposal, *, now: datetime, session: Session) -> None:
    row.payload, row.updated_at = proposal.to_json(), now
    session.add(row)


def apply(row: PlanProposal, calendar: WorkCalendar, *, actor: Actor, now: datetime, session: Session) -> int:
    """Write every target of the proposal and record the split as one "plan.split" entry; returns how many
    (unit, period) targets were set."""
    proposal = Proposal.from_json(row.payload)
    metric = Metric(proposal.metric)
    count = 0
    for key, values in expand(proposal, calendar).items():
        scope, scope_id = key.split(":")
        for period, value in values.items():
            targets.write_target(scope, int(scope_id), metric, period, value, set_by=actor.person_id, now=now,
                                 session=session)
            count += 1
    row.status, row.updated_at = "applied", now
    session.add(row)
    subject = "company" if proposal.scope == "company" else audit.scope_subject(
        proposal.scope, proposal.scope_id, session=session)
    audit.record(session, actor=actor, action="plan.split",
                 subject=f"{subject} · {metric.value} {proposal.period}",
                 after={"total": from_base(metric, proposal.total), "method": proposal.method,
                        "calendar": proposal.calendar, "targets": count,
                        "units": {u.name: from_base(metric, u.total) for u in proposal.units}}, now=now)
    return count


def cancel(row: PlanProposal, *, now: datetime, session: Session) -> None:
    row.status, row.updated_at = "cancelled", now
    session.add(row)
