"""`pacebot export`: people, targets, activity and deals in the columns `pacebot import` reads."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlmodel import Session, select

from bot.services.importing import COLUMNS, FileError
from bot.core.metrics import from_base
from bot.store.tables.sales import Activity, Deal, Metric, Person, Target, Team
from bot.core.periods import PeriodKind, period_containing
from bot.services import ingest, org


def export_rows(app, kind: str) -> list[dict[str, object]]:
    with app.db.session() as session:
        return list(EXPORTERS[kind](session))


def _people(session: Session):
    for person in session.exec(select(Person).order_by(Person.id)).all():
        ref = ingest.person_ref(person, session=session)
        accounts = org.accounts_of(person.id, session=session)
        team = org.get_team(person.team_id, session=session)
        external = ref if ingest.find_ref("person", ref, session=session) else ""
        yield {"external_id": external, "name": person.name, "team": team.name if team else "",
               "role": person.role.value, "lang": person.lang,
               "accounts": " ".join(f"{p}:{a}" for p, a in sorted(accounts.items()))}


def _targets(session: Session):
    rows = session.exec(select(Target).order_by(Target.scope, Target.scope_id, Target.metric,
                                                Target.period_kind, Target.period_start)).all()
    for t in rows:
        if t.scope == "team":
            team = session.get(Team, t.scope_id)
            who = team.name if team else ""
        elif t.scope == "person":
            person = session.get(Person, t.scope_id)
            who = ingest.person_ref(person, session=session) if person else ""
        else:
            who = ""
        period = period_containing(PeriodKind(t.period_kind), t.period_start)
        yield {"scope": t.scope, "who": who, "metric": t.metric, "period": period.label,
               "value": from_base(Metric(t.metric), t.value)}


def _activity(session: Session):
    for row in session.exec(select(Activity).order_by(Activity.person_id, Activity.day)).all():
        person = session.get(Person, row.person_id)
        yield {"rep": ingest.person_ref(person, session=session), "day": row.day, "dialed": row.dialed,
               "connected": row.connected, "talk_minutes": row.talk_minutes}


def _deals(session: Session):
    deals = session.exec(select(Deal).where(Deal.voided == False).order_by(Deal.id)).all()  # noqa: E712
    for deal in deals:
        person = session.get(Person, deal.person_id)
        yield {"external_id": ingest.deal_external_id(deal, session=session),
               "rep": ingest.person_ref(person, session=session), "day": deal.day,
               "amount": Decimal(deal.amount_cents) / 100, "currency": deal.currency, "customer": deal.customer or ""}


EXPORTERS = {"people": _people, "targets": _targets, "activity": _activity, "deals": _deals}


def export_file(app, kind: str, path: Path) -> int:
    """Write every row of `kind` to a .csv or .xlsx file; returns how many."""
    rows = export_rows(app, kind)
    columns = COLUMNS[kind]
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with open(path, "w", encoding="utf-8-sig", newline="") as fh:  # the BOM lets Excel read Chinese
            writer = csv.DictWriter(fh, fieldnames=columns)
            writer.writeheader()
            for row in rows:
                writer.writerow({k: _text(v) for k, v in row.items()})
    elif suffix == ".xlsx":
        import openpyxl

        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = kind
        sheet.append(columns)
        for row in rows:
            sheet.append([_xlsx(row[c]) for c in columns])
        book.save(path)
    else:
        raise FileError(f"{path}: use a .csv or .xlsx file")
    return len(rows)


def _text(value) -> str:
    if isinstance(value, Decimal):
        return f"{value.normalize():f}" if value == value.to_integral_value() else f"{value:f}"
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


def _xlsx(value):
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value
