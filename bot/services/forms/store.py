"""Form sessions in the database: start or resume one, read and write its answers, and who is due."""

from __future__ import annotations

import json
from datetime import datetime

from sqlmodel import Session, select

from bot.services.forms.definition import FormDef, all_forms
from bot.services.forms.numbers import prefill
from bot.services.forms.timing import Timing, current
from bot.store.tables.sales import Person, Team
from bot.store.tables.forms import FormAssignment, FormSession

OPEN, PAUSED, SUBMITTED = "open", "paused", "submitted"


def assign(team_id: int, form: str, *, on: bool, now: datetime, session: Session) -> None:
    row = session.exec(select(FormAssignment).where(FormAssignment.team_id == team_id,
                                                    FormAssignment.form == form)).first()
    if on and row is None:
        session.add(FormAssignment(team_id=team_id, form=form, since=now))
    elif not on and row is not None:
        session.delete(row)
    session.flush()


def teams_with_forms(*, session: Session) -> set[int]:
    return set(session.exec(select(FormAssignment.team_id)).all())


def assigned(team_id: int | None, *, session: Session) -> list[FormDef]:
    return [form for form, _ in assignments(team_id, session=session)]


def assignments(team_id: int | None, *, session: Session) -> list[tuple[FormDef, datetime]]:
    """The team's forms with when each was assigned (a period already past its deadline then is not
    asked for)."""
    if team_id is None:
        return []
    forms = all_forms()
    rows = session.exec(select(FormAssignment).where(FormAssignment.team_id == team_id)
                        .order_by(FormAssignment.id)).all()
    return [(forms[r.form], r.since) for r in rows if r.form in forms]


def find(person_id: int, form: str, period: str, *, session: Session) -> FormSession | None:
    return session.exec(select(FormSession).where(FormSession.person_id == person_id, FormSession.form == form,
                                                  FormSession.period == period)).first()


def active(person_id: int, *, session: Session) -> FormSession | None:
    """The session taking this person's messages, if any."""
    return session.exec(select(FormSession).where(FormSession.person_id == person_id,
                                                  FormSession.status == OPEN)).first()


def due(person: Person, team: Team | None, now: datetime, default_tz: str, *,
        session: Session) -> list[tuple[FormDef, Timing, FormSession | None]]:
    """Each assigned form's open period with the person's session for it (None: not started)."""
    result = []
    for form, since in assignments(team.id if team else None, session=session):
        t = current(form, team, now, default_tz)
        if since <= t.deadline and now < t.closes:
            result.append((form, t, find(person.id, form.id, t.label, session=session)))
    return result


def pick(due: list[tuple[FormDef, Timing, FormSession | None]]) -> tuple[FormDef, Timing, FormSession | None]:
    """Which due form `report` opens: an unfinished one, then one not started, then a submission to edit."""
    rank = {PAUSED: 0, OPEN: 0, None: 1, SUBMITTED: 2}
    return sorted(due, key=lambda d: rank[d[2].status if d[2] else None])[0]


def start(person: Person, team: Team | None, form: FormDef, t: Timing, *, now: datetime, today, settings,
          session: Session) -> FormSession:
    # Only one session takes messages at a time: another open one is paused, its answers kept.
    for other in session.exec(select(FormSession).where(FormSession.person_id == person.id,
                                                        FormSession.status == OPEN)).all():
        other.status = PAUSED
        session.add(other)
    row = find(person.id, form.id, t.label, session=session)
    if row is None:
        numbers = prefill(person, team, t.period, form.prefill, today=today, settings=settings, session=session)
        row = FormSession(person_id=person.id, team_id=team.id if team else None, form=form.id, period=t.label,
                          numbers=json.dumps(numbers, ensure_ascii=False), started_at=now, updated_at=now)
    elif row.status == SUBMITTED:
        row.position, row.editing = len(form.questions), False  # editing a submission starts at the review
    row.status = OPEN
    row.updated_at = now
    session.add(row)
    session.flush()
    return row


def answers(row: FormSession) -> dict[str, dict]:
    return json.loads(row.answers or "{}")


def answers_submitted(row: FormSession) -> dict[str, dict]:
    """What the manager was sent: the last submission, not an edit in progress."""
    return json.loads(row.submitted or "{}")


def numbers(row: FormSession) -> dict:
    return json.loads(row.numbers or "{}")


def set_answer(row: FormSession, qid: str, raw: str | None, value) -> None:
    data = answers(row)
    data[qid] = {"raw": raw, "value": value}
    row.answers = json.dumps(data, ensure_ascii=False)


def missing_required(form: FormDef, row: FormSession) -> list[int]:
    """1-based numbers of required questions without an answer."""
    data = answers(row)
    return [i + 1 for i, q in enumerate(form.questions)
            if q.required and (data.get(q.id) or {}).get("value") is None]


def sessions_for(team_id: int | None, form: str, period: str, *, session: Session) -> dict[int, FormSession]:
    query = select(FormSession).where(FormSession.form == form, FormSession.period == period)
    if team_id is not None:
        query = query.where(FormSession.team_id == team_id)
    return {row.person_id: row for row in session.exec(query).all()}
