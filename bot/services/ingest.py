"""Storing rows from import files and the ingest API: find or create by a stable key, change nothing
when the row is the same, and say what happened ("created", "updated" or "unchanged")."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import func
from sqlmodel import Session, select

from bot.core.metrics import to_base
from bot.store.tables.sales import Account, Activity, Deal, Metric, Person, Role, Target, Team
from bot.store.tables.plan import ExternalRef
from bot.core.periods import Period, period_from_label
from bot.core.records import ActivityRecord, DealRecord, PersonRecord, TargetRecord
from bot.services import org, roles, targets
from bot.services.audit import Actor

NATIVE_DEAL = "pacebot:"  # export names deals that have no CRM id "pacebot:<id>", so they re-import as themselves


class UnknownRef(ValueError):
    """A reference in a row that names nothing (or several things)."""


def find_ref(kind: str, external_id: str, *, session: Session) -> ExternalRef | None:
    return session.exec(select(ExternalRef).where(ExternalRef.kind == kind,
                                                  ExternalRef.external_id == external_id)).first()


def resolve_person(ref: str, *, session: Session) -> Person:
    """A person by external id, `platform:account`, or exact (case-insensitive) unique name."""
    ref = ref.strip()
    found = find_ref("person", ref, session=session)
    if found is not None:
        return session.get(Person, found.ref_id)
    if ":" in ref:
        platform, account = ref.split(":", 1)
        person = org.find_account(platform.strip().lower(), account.strip(), session=session)
        if person is not None:
            return person
    matches = session.exec(select(Person).where(func.lower(Person.name) == ref.lower())).all()
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise UnknownRef(f"{len(matches)} people are called {ref!r}; use their external_id or platform:account")
    raise UnknownRef(f"no person {ref!r} (import people first, or use platform:account)")


def person_ref(person: Person, *, session: Session) -> str:
    """How exports name a person: their external id, else their first account."""
    ref = session.exec(select(ExternalRef).where(ExternalRef.kind == "person", ExternalRef.ref_id == person.id)
                       .order_by(ExternalRef.id)).first()
    if ref is not None:
        return ref.external_id
    accounts = org.accounts_of(person.id, session=session)
    if accounts:
        platform = sorted(accounts)[0]
        return f"{platform}:{accounts[platform]}"
    return person.name


def _status(row, values: dict) -> str:
    changed = {k: v for k, v in values.items() if getattr(row, k) != v}
    for key, value in changed.items():
        setattr(row, key, value)
    return "updated" if changed else "unchanged"


def upsert_activity(person: Person, rec: ActivityRecord, *, now: datetime, session: Session) -> tuple[Activity, str]:
    row = session.exec(select(Activity).where(Activity.person_id == person.id, Activity.day == rec.day)).first()
    values = {"dialed": rec.dialed, "connected": rec.connected, "talk_minutes": rec.talk_minutes}
    if row is None:
        row = Activity(person_id=person.id, day=rec.day, updated_at=now, **values)
        status = "created"
    else:
        status = _status(row, values)
        if status == "unchanged":
            return row, status
        row.updated_at = now
    session.add(row)
    session.flush()
    return row, status


def find_deal(external_id: str, *, session: Session) -> Deal | None:
    ref = find_ref("deal", external_id, session=session)
    if ref is not None:
        return session.get(Deal, ref.ref_id)
    if external_id.startswith(NATIVE_DEAL) and external_id[len(NATIVE_DEAL):].isdigit():
        return session.get(Deal, int(external_id[len(NATIVE_DEAL):]))
    return None


def upsert_deal(person: Person, rec: DealRecord, *, default_currency: str, now: datetime,
                session: Session) -> tuple[Deal, str]:
    values = {"person_id": person.id, "team_id": person.team_id, "day": rec.day,
              "amount_cents": int(rec.amount * 100), "currency": rec.currency or default_currency,
              "customer": rec.customer or None, "voided": False}
    deal = find_deal(rec.external_id, session=session)
    if deal is not None:
        status = _status(deal, values)
        session.add(deal)
        session.flush()
        return deal, status
    deal = Deal(created_at=now, **values)
    session.add(deal)
    session.flush()
    session.add(ExternalRef(kind="deal", external_id=rec.external_id, ref_id=deal.id))
    session.flush()
    return deal, "created"


def deal_external_id(deal: Deal, *, session: Session) -> str:
    ref = session.exec(select(ExternalRef).where(ExternalRef.kind == "deal", ExternalRef.ref_id == deal.id)).first()
    return ref.external_id if ref else f"{NATIVE_DEAL}{deal.id}"


def find_person(rec: PersonRecord, *, session: Session) -> Person | None:
    if rec.external_id:
        ref = find_ref("person", rec.external_id, session=session)
        return session.get(Person, ref.ref_id) if ref else None
    for item in (rec.accounts or "").split():
        platform, account = item.split(":", 1)
        person = org.find_account(platform.lower(), account, session=session)
        if person is not None:
            return person
    return None


def upsert_person(rec: PersonRecord, team: Team | None, *, lang: str, actor: Actor, now: datetime,
                  session: Session) -> tuple[Person, str]:
    person = find_person(rec, session=session)
    role = Role(rec.role)
    values = {"name": rec.name, "lang": rec.lang or lang}
    if person is None:
        person = Person(created_at=now, role=role, team_id=team.id if team else None, **values)
        session.add(person)
        session.flush()
        if rec.external_id:
            session.add(ExternalRef(kind="person", external_id=rec.external_id, ref_id=person.id))
        status = "created"
    else:
        status = _status(person, values)
        moved = org.move_person(person, team, actor=actor, now=now, session=session)
        # A manager who sells stays one when the file says "manager".
        promoted = person.role != role and roles.set_role(person, role, sells=bool(person.sells), actor=actor,
                                                           now=now, session=session)
        status = "updated" if moved or promoted else status
    for item in (rec.accounts or "").split():
        platform, account = item.split(":", 1)
        existing = session.exec(select(Account).where(Account.platform == platform.lower(),
                                                      Account.account_id == account)).first()
        if existing is None or existing.person_id != person.id:
            org.link_account(person, platform.lower(), account, session=session)
            status = "updated" if status == "unchanged" else status
    session.add(person)
    session.flush()
    return person, status


def target_value(rec: TargetRecord) -> int:
    metric = Metric(rec.metric)
    if metric is not Metric.REVENUE and rec.value != rec.value.to_integral_value():
        raise ValueError(f"{rec.metric} is a whole number, not {rec.value}")
    if metric is Metric.REVENUE and rec.value.as_tuple().exponent < -2:
        raise ValueError("revenue has at most 2 decimals")
    return to_base(metric, Decimal(rec.value))


def target_period(rec: TargetRecord) -> Period:
    return period_from_label(rec.period)


def upsert_target(scope: str, scope_id: int, rec: TargetRecord, *, actor: Actor, now: datetime,
                  session: Session) -> str:
    metric, period, value = Metric(rec.metric), target_period(rec), target_value(rec)
    existing = session.exec(select(Target).where(
        Target.scope == scope, Target.scope_id == scope_id, Target.metric == metric.value,
        Target.period_kind == period.kind.value, Target.period_start == period.start)).first()
    if existing is not None and existing.value == value:
        return "unchanged"
    targets.set_target(scope, scope_id, metric, period, value, actor=actor, now=now, session=session)
    return "created" if existing is None else "updated"
