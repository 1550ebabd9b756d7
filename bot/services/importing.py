"""`pacebot import` / `pacebot export`: people, targets, activity and deals as CSV or xlsx.

Every row is checked before anything is stored; one bad row (reported with its row number, column
and reason) stops the whole file. Rows are found again by stable keys, so importing the same file
twice changes nothing. Export (bot/services/exporting.py) writes the same columns back.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from pydantic import ValidationError
from sqlmodel import Session

from bot.core.clock import local_today
from bot.store.tables.sales import Person
from bot.core.records import ActivityRecord, DealRecord, PersonRecord, Record, TargetRecord
from bot.services import ingest, org
from bot.services.audit import Actor
from bot.services.plan import COMPANY_ID

COLUMNS = {
    "people": ["external_id", "name", "team", "role", "lang", "accounts"],
    "targets": ["scope", "who", "metric", "period", "value"],
    "activity": ["rep", "day", "dialed", "connected", "talk_minutes"],
    "deals": ["external_id", "rep", "day", "amount", "currency", "customer"],
}
REQUIRED = {"people": {"name"}, "targets": {"scope", "metric", "period", "value"},
            "activity": {"rep", "day", "dialed", "connected"}, "deals": {"external_id", "rep", "day", "amount"}}
MODELS: dict[str, type[Record]] = {"people": PersonRecord, "targets": TargetRecord, "activity": ActivityRecord,
                                   "deals": DealRecord}
KINDS = tuple(COLUMNS)


@dataclass(frozen=True)
class RowError:
    row: int  # as a spreadsheet numbers it: the header is row 1
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.message}"


@dataclass
class Report:
    kind: str
    rows: int = 0
    counts: dict[str, int] = field(default_factory=lambda: {"created": 0, "updated": 0, "unchanged": 0})
    errors: list[RowError] = field(default_factory=list)
    applied: bool = False

    def summary(self, dry_run: bool) -> str:
        if self.errors:
            return f"{len(self.errors)} problem(s) in {self.rows} row(s); nothing was imported."
        verb = "would be" if dry_run else "were"
        c = self.counts
        return (f"{self.rows} {self.kind} row(s) are valid: {c['created']} {verb} created, {c['updated']} "
                f"updated, {c['unchanged']} unchanged.")


class FileError(ValueError):
    """The file itself cannot be read (missing, wrong type, not a table)."""


# -- reading --------------------------------------------------------------------------------------
def read_table(path: Path) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    """The header and (row number, {column: text}) for a .csv or .xlsx file; blank rows are skipped."""
    suffix = path.suffix.lower()
    if not path.is_file():
        raise FileError(f"{path} does not exist")
    if suffix == ".csv":
        with open(path, encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
    elif suffix in (".xlsx", ".xlsm"):
        import openpyxl

        try:
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises several kinds for a file that is not a workbook
            raise FileError(f"{path} is not a readable xlsx workbook ({exc})") from None
        rows = [[_cell(v) for v in row] for row in book.worksheets[0].iter_rows(values_only=True)]
        book.close()
    else:
        raise FileError(f"{path}: use a .csv or .xlsx file")
    if not rows:
        raise FileError(f"{path} is empty")
    header = [str(h or "").strip().lower() for h in rows[0]]

    def body():
        for number, values in enumerate(rows[1:], start=2):
            cells = [str(v if v is not None else "").strip() for v in values]
            if any(cells):
                yield number, {h: (cells[i] if i < len(cells) else "") for i, h in enumerate(header) if h}
    return header, body()


def _cell(value):
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return value


# -- importing ------------------------------------------------------------------------------------
def import_file(app, kind: str, path: Path, *, actor: Actor, dry_run: bool = False) -> Report:
    """Check every row; store them all (in one transaction) only when every row is good and not a dry run.
    Changed targets are recorded in the audit trail as `actor`'s."""
    header, rows = read_table(path)
    report = Report(kind)
    missing = sorted(REQUIRED[kind] - set(header))
    unknown = [h for h in header if h and h not in COLUMNS[kind]]
    report.errors += [RowError(1, c, "required column is missing") for c in missing]
    report.errors += [RowError(1, c, f"unknown column (the columns are {', '.join(COLUMNS[kind])})") for c in unknown]
    if report.errors:
        return report
    now = app.clock()
    today = local_today(now, app.settings.tz)
    with Session(app.db.engine, expire_on_commit=False) as session:
        seen: dict[object, int] = {}
        for number, cells in rows:
            report.rows += 1
            data = {k: v for k, v in cells.items() if v != ""}
            try:
                record = MODELS[kind].model_validate(data, context={"today": today})
            except ValidationError as exc:
                report.errors += [RowError(number, ".".join(str(p) for p in e["loc"]) or "-", _message(e))
                                  for e in exc.errors()]
                continue
            key = _key(kind, record)
            if key in seen:
                report.errors.append(RowError(number, KEY_COLUMN[kind], f"same key as row {seen[key]}"))
                continue
            seen[key] = number
            try:
                status = _store(app, kind, record, actor=actor, now=now, session=session)
            except (ingest.UnknownRef, ValueError) as exc:
                report.errors.append(RowError(number, getattr(exc, "column", KEY_COLUMN[kind]), str(exc)))
                continue
            report.counts[status] += 1
        if report.errors or dry_run:
            session.rollback()
        else:
            session.commit()
            report.applied = True
    return report


KEY_COLUMN = {"people": "external_id", "targets": "who", "activity": "rep", "deals": "external_id"}


def _message(error: dict) -> str:
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "missing":
        return "required, but empty"
    return message


def _key(kind: str, record) -> object:
    if kind == "people":
        return record.external_id or tuple((record.accounts or "").split()[:1]) or record.name
    if kind == "targets":
        return (record.scope, (record.who or "").lower(), record.metric, record.period)
    if kind == "activity":
        return (record.rep.lower(), record.day)
    return record.external_id


class ColumnError(ValueError):
    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column = column


def _store(app, kind: str, record, *, actor: Actor, now: datetime, session: Session) -> str:
    if kind == "people":
        if not record.external_id and not record.accounts:
            raise ColumnError("external_id", "give an external_id or at least one account")
        team = None
        if record.team:
            team = org.team_by_name(record.team, session=session) or org.create_team(
                record.team, tz=app.settings.tz, currency=app.settings.currency, lang=app.settings.lang, now=now,
                session=session)
        return ingest.upsert_person(record, team, lang=app.settings.lang, actor=actor, now=now, session=session)[1]
    if kind == "targets":
        scope_id = _target_scope(record, session=session)
        try:
            return ingest.upsert_target(record.scope, scope_id, record, actor=actor, now=now, session=session)
        except ValueError as exc:
            raise ColumnError("value", str(exc)) from None
    person = _rep(record.rep, session=session)
    if kind == "activity":
        return ingest.upsert_activity(person, record, now=now, session=session)[1]
    team = org.get_team(person.team_id, session=session)
    currency = team.currency if team else app.settings.currency
    return ingest.upsert_deal(person, record, default_currency=currency, now=now, session=session)[1]


def _rep(ref: str, *, session: Session) -> Person:
    try:
        return ingest.resolve_person(ref, session=session)
    except ingest.UnknownRef as exc:
        raise ColumnError("rep", str(exc)) from None


def _target_scope(record: TargetRecord, *, session: Session) -> int:
    if record.scope == "company":
        if record.who:
            raise ColumnError("who", "leave who empty for a company target")
        return COMPANY_ID
    if not record.who:
        raise ColumnError("who", f"name the {record.scope}")
    if record.scope == "team":
        team = org.team_by_name(record.who, session=session)
        if team is None:
            raise ColumnError("who", f"no team {record.who!r}")
        return team.id
    try:
        return ingest.resolve_person(record.who, session=session).id
    except ingest.UnknownRef as exc:
        raise ColumnError("who", str(exc)) from None
