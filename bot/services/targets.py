"""Targets for a person or a team, per metric and period."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from bot.core.metrics import from_base
from bot.store.tables.sales import Metric, Target
from bot.core.periods import Period
from bot.services import audit
from bot.services.audit import Actor


def set_target(scope: str, scope_id: int, metric: Metric, period: Period, value: int, *, actor: Actor,
               now: datetime, session: Session) -> tuple[Target, int | None]:
    """Create or replace a target and record it ("target.set"); returns it and the value it replaced."""
    row, previous = write_target(scope, scope_id, metric, period, value, set_by=actor.person_id, now=now,
                                 session=session)
    if previous != value:
        audit.record(session, actor=actor, action="target.set",
                     subject=f"{audit.scope_subject(scope, scope_id, session=session)} · {metric.value} {period.label}",
                     before=None if previous is None else from_base(metric, previous),
                     after=from_base(metric, value), now=now)
    return row, previous


def write_target(scope: str, scope_id: int, metric: Metric, period: Period, value: int, *, set_by: int | None,
                 now: datetime, session: Session) -> tuple[Target, int | None]:
    """Create or replace a target without an audit entry: for callers that record the change as a whole
    (a confirmed plan is one "plan.split") and for demo data."""
    row = session.exec(select(Target).where(
        Target.scope == scope, Target.scope_id == scope_id, Target.metric == metric.value,
        Target.period_kind == period.kind.value, Target.period_start == period.start)).first()
    previous = row.value if row else None
    if row is None:
        row = Target(scope=scope, scope_id=scope_id, metric=metric.value, period_kind=period.kind.value,
                     period_start=period.start, value=value, updated_at=now)
    row.value, row.set_by, row.updated_at = value, set_by, now
    session.add(row)
    session.flush()
    return row, previous


def targets_for(scope: str, scope_ids: list[int] | None, period: Period, *,
                session: Session) -> dict[tuple[int, Metric], int]:
    """{(scope id, metric): value in base units} for the exact period; `scope_ids=None` means all."""
    if scope_ids is not None and not scope_ids:
        return {}
    stmt = select(Target).where(Target.scope == scope, Target.period_kind == period.kind.value,
                                Target.period_start == period.start)
    if scope_ids is not None:
        stmt = stmt.where(Target.scope_id.in_(scope_ids))
    rows = session.exec(stmt).all()
    return {(row.scope_id, Metric(row.metric)): row.value for row in rows}
