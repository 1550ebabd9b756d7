"""Submitting a form session (from chat or a Slack modal): mark it, late or not, and tell the
managers, with what changed when it is an edit."""

from __future__ import annotations

import json
from datetime import datetime

from bot.services.forms import store
from bot.chat.forms.present import answer_rows, changes, number_rows
from bot.services.forms.timing import by_label
from bot.chat.messages import Reply, Target
from bot.services import org


def submit(app, person, team, form, row, now: datetime, *, session) -> tuple[str, dict, list[Reply]]:
    """(the person's confirmation key, its params, the managers' replies). Call only with every
    required question answered."""
    if row.submitted is not None and row.submitted == row.answers:
        row.status = store.SUBMITTED
        session.add(row)
        return "form.unchanged", {}, []
    before = json.loads(row.submitted) if row.submitted else None
    t = by_label(form, row.period, team, app.settings.tz)
    if before is not None and t is not None and now >= t.closes:  # the period closed: the submission stands
        row.answers, row.status, row.editing = row.submitted, store.SUBMITTED, False
        session.add(row)
        return "form.closed", {}, []
    first = row.submitted_at is None
    row.status, row.submitted, row.submitted_at, row.editing = store.SUBMITTED, row.answers, now, False
    if first:
        row.late = t is not None and now > t.deadline
    session.add(row)
    key = "form.submitted_late" if row.late and first else "form.submitted"
    params = {"day": t.closes.strftime("%Y-%m-%d %H:%M") if t else row.period}
    return key, params, to_managers(app, person, form, row, before, session=session)


def to_managers(app, person, form, row, before: dict | None, *, session) -> list[Reply]:
    """The submission (or what changed in it) privately to each manager of the person's team."""
    if person.team_id is None:
        return []
    after = store.answers(row)
    out = []
    for manager in org.managers_of(person.team_id, session=session):
        if manager.id == person.id:
            continue
        lang = manager.lang
        text = app.i18n.render(lang, "form_submission", name=person.name, form_title=form.title.get(lang),
                               period=row.period, late=row.late, edited=before is not None,
                               numbers=number_rows(app, lang, store.numbers(row), form.prefill),
                               rows=answer_rows(form, after, lang),
                               changes=changes(form, before, after, lang) if before is not None else [])
        stamp = row.submitted_at.strftime("%Y%m%dT%H%M%S")
        out.append(Reply(text=text, target=Target.person(manager.id), lang=lang, kind="form",
                         key=f"form:{form.id}:{row.period}:person-{person.id}:to-{manager.id}:{stamp}"))
    return out
