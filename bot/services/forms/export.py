"""`pacebot forms export FORM PERIOD FILE`: one row per rep of the teams that fill the form, with the
numbers they saw and their submitted answers, as CSV (UTF-8 with BOM, for Excel) or xlsx."""

from __future__ import annotations

import csv
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import select

from bot.services.forms import store
from bot.services.forms.answers import show_value
from bot.services.forms.definition import FormDef
from bot.services.importing import FileError
from bot.store.tables.sales import Person, Team
from bot.services import roles
from bot.store.tables.forms import FormAssignment


def export_rows(app, form: FormDef, period: str, *, team_id: int | None = None, lang: str | None = None):
    lang = lang or app.settings.lang
    columns = (["team", "person", "status", "late", "submitted_at"] + list(form.prefill)
               + [q.id for q in form.questions])
    rows = []
    with app.db.session() as session:
        query = (select(Team).join(FormAssignment, FormAssignment.team_id == Team.id)
                 .where(FormAssignment.form == form.id))
        if team_id is not None:
            query = query.where(Team.id == team_id)
        for team in session.exec(query.order_by(Team.name)).all():
            sessions = store.sessions_for(team.id, form.id, period, session=session)
            people = session.exec(select(Person).where(Person.team_id == team.id, roles.COMPETES)
                                  .order_by(Person.name)).all()
            for person in people:
                row = sessions.get(person.id)
                done = row is not None and row.submitted_at is not None
                status = "submitted" if done else ("started" if row is not None else "missing")
                shown = store.numbers(row) if row is not None else {}
                given = store.answers_submitted(row) if done else {}
                line = {"team": team.name, "person": person.name, "status": status,
                        "late": "yes" if done and row.late else "",
                        "submitted_at": row.submitted_at.astimezone(ZoneInfo(team.tz)).strftime("%Y-%m-%d %H:%M")
                        if done else ""}
                line.update({f: shown.get(f, "") for f in form.prefill})
                for q in form.questions:
                    value = (given.get(q.id) or {}).get("value")
                    line[q.id] = "" if value is None else show_value(q, value, lang)
                rows.append(line)
    return columns, rows


def export_answers(app, form: FormDef, period: str, path: Path, *, team_id: int | None = None) -> int:
    columns, rows = export_rows(app, form, period, team_id=team_id)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with open(path, "w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=columns)
            writer.writeheader()
            writer.writerows(rows)
    elif suffix == ".xlsx":
        import openpyxl

        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = f"{form.id} {period}"[:31]
        sheet.append(columns)
        sheet.append([""] * 5 + [""] * len(form.prefill) + [q.title.get(app.settings.lang) for q in form.questions])
        for row in rows:
            sheet.append([row[c] for c in columns])
        book.save(path)
    else:
        raise FileError(f"{path}: use a .csv or .xlsx file")
    return len(rows)
