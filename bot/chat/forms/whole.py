"""A form filled in all at once (a Slack modal) rather than question by question: which form is due
for an account, and checking and submitting every answer together, by the same rules as chat."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.clock import local_today
from bot.services.forms import store
from bot.services.forms.answers import AnswerError, check_answer
from bot.services.forms.definition import FormDef, get_form
from bot.chat.forms.submit import submit
from bot.chat.messages import Reply, Target
from bot.services import org


@dataclass
class OpenForm:
    form: FormDef
    period: str
    lang: str
    answers: dict  # {qid: {"raw", "value"}} given so far (or submitted, when editing)
    numbers: dict  # the prefilled numbers, as shown


def open_due(app, platform: str, account_id: str) -> OpenForm | None:
    """Start (or reopen) the person's due form without taking over their chat; None: nothing due."""
    now = app.clock()
    with app.db.session() as session:
        person = org.find_account(platform, account_id, session=session)
        team = org.get_team(person.team_id, session=session) if person else None
        if team is None:
            return None
        due = store.due(person, team, now, app.settings.tz, session=session)
        if not due:
            return None
        form, t, row = store.pick(due)
        was = row.status if row else None
        row = store.start(person, team, form, t, now=now, today=local_today(now, team.tz), settings=app.settings,
                          session=session)
        row.status = store.SUBMITTED if was == store.SUBMITTED else store.PAUSED  # chat stays free
        session.add(row)
        return OpenForm(form, row.period, person.lang, store.answers(row), store.numbers(row))


def check_all(app, platform: str, account_id: str, form_id: str, raw: dict[str, str | None]) -> dict[str, str]:
    """{question id: what is wrong}, in the person's language; empty when every answer fits."""
    form = get_form(form_id)
    with app.db.session() as session:
        person = org.find_account(platform, account_id, session=session)
        lang = person.lang if person else app.settings.lang
    if form is None:
        return {}
    errors = {}
    for q in form.questions:
        text = (raw.get(q.id) or "").strip()
        if not text:
            if q.required:
                errors[q.id] = app.i18n.t(lang, "form.error.empty")
            continue
        try:
            check_answer(q, text, lang)
        except AnswerError as exc:
            errors[q.id] = app.i18n.t(lang, f"form.error.{exc.code}", **exc.params)
    return errors


def submit_all(app, platform: str, account_id: str, form_id: str, period: str,
               raw: dict[str, str | None]) -> list[Reply]:
    """Store every answer as given and submit; the confirmation for the person and the managers'
    copies, ready for `app.deliver`. Answers that do not fit (checked before) are not stored."""
    form = get_form(form_id)
    now = app.clock()
    with app.db.session() as session:
        person = org.find_account(platform, account_id, session=session)
        row = store.find(person.id, form_id, period, session=session) if person and form else None
        if row is None:
            return []
        for q in form.questions:
            text = (raw.get(q.id) or "").strip()
            try:
                value = check_answer(q, text, person.lang) if text else None
            except AnswerError:
                continue
            store.set_answer(row, q.id, text or None, value)
        if store.missing_required(form, row):
            return []
        row.position = len(form.questions)
        team = org.get_team(person.team_id, session=session)
        key, params, to_managers = submit(app, person, team, form, row, now, session=session)
        confirmation = Reply(text=app.i18n.t(person.lang, key, **params), target=Target.person(person.id),
                             lang=person.lang, kind="form",
                             key=f"form-done:{form.id}:{period}:person-{person.id}:{now.isoformat()}")
        return [confirmation, *to_managers]
