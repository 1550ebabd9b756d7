"""The forms job, run every few minutes per team (`PACEBOT_FORMS_CRON`): when a period's form opens
each rep is asked, at each reminder time those who have not submitted are reminded, and at the deadline
each manager gets one summary. Outbox keys make every message go once, however often the job runs;
nobody on leave that day is asked or reminded."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from bot.services.forms import store
from bot.services.forms.answers import show_value
from bot.services.forms.definition import FormDef
from bot.services.forms.numbers import prefill
from bot.services.forms.timing import Timing, current
from bot.chat.messages import Button, Reply, Target
from bot.store.tables.sales import Team
from bot.services import leave, org, roles

STANDOUT_FIELDS = ("revenue_percent", "revenue", "calls", "connect_rate")


def forms_tick(app, team: Team, now: datetime, *, force: bool = False) -> int:
    added = 0
    with app.db.session() as session:
        forms = store.assignments(team.id, session=session)
    for form, since in forms:
        t = current(form, team, now, app.settings.tz)
        if now >= t.closes or t.deadline < since:  # closed, or past its deadline when the team got the form
            continue
        if now < t.deadline:
            added += ask_and_remind(app, team, form, t, now)
        else:
            added += deadline_summary(app, team, form, t, now)
    return added


def _fmt(when: datetime, tz: str) -> str:
    return when.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")


def ask_and_remind(app, team: Team, form: FormDef, t: Timing, now: datetime) -> int:
    """The opening ask, and the latest reminder that is due, to reps who have not submitted."""
    today = now.astimezone(ZoneInfo(team.tz)).date()
    passed = [i for i, when in enumerate(t.reminders) if when <= now]
    replies = []
    with app.db.session() as session:
        rows = store.sessions_for(team.id, form.id, t.label, session=session)
        for person in org.members(team.id, session=session):
            if not roles.competes(person) or leave.days_off(person.id, today, today, session=session):
                continue
            row = rows.get(person.id)
            if row is not None and row.status == store.SUBMITTED:
                continue
            lang = person.lang
            params = dict(name=form.title.get(lang), period=t.label, day=_fmt(t.deadline, team.tz))
            base = f"{form.id}:{t.label}:person-{person.id}"
            fill = [Button(app.i18n.t(lang, "form.button.fill"), "report", "primary")]  # Slack: opens the modal
            if row is None:
                replies.append(Reply(text=app.i18n.t(lang, "form.ask", **params), target=Target.person(person.id),
                                     lang=lang, kind="form", buttons=fill, key=f"form-ask:{base}"))
            if passed:
                replies.append(Reply(text=app.i18n.t(lang, "form.remind", **params),
                                     target=Target.person(person.id), lang=lang, kind="form", buttons=fill,
                                     key=f"form-remind-{passed[-1]}:{base}"))
    return app.outbox.post(replies)


def deadline_summary(app, team: Team, form: FormDef, t: Timing, now: datetime) -> int:
    """One message per manager: who submitted (late or not), who did not, who was away, the answers
    side by side, and the numbers that stood out."""
    today = t.deadline.astimezone(ZoneInfo(team.tz)).date()
    with app.db.session() as session:
        managers = org.managers_of(team.id, session=session)
        if not managers:
            return 0
        reps = [p for p in org.members(team.id, session=session) if roles.competes(p)]
        rows = store.sessions_for(team.id, form.id, t.label, session=session)
        away = {p.id for p in reps if leave.days_off(p.id, today, today, session=session)}
        figures = {p.id: prefill(p, team, t.period, list(STANDOUT_FIELDS), today=today, settings=app.settings,
                                 session=session) for p in reps}
    done = [p for p in reps if p.id in rows and rows[p.id].submitted_at is not None]
    replies = []
    for manager in managers:
        lang = manager.lang
        questions = []
        for q in form.questions:
            answers = [(p.name, show_value(q, (store.answers_submitted(rows[p.id]).get(q.id) or {}).get("value"), lang))
                       for p in done]
            questions.append((q.title.get(lang), answers))
        text = app.i18n.render(
            lang, "form_summary", form_title=form.title.get(lang), period=t.label,
            submitted=[(p.name, rows[p.id].late) for p in done],
            missing=[p.name for p in reps if p not in done and p.id not in away],
            away=[p.name for p in reps if p not in done and p.id in away],
            questions=questions, standouts=standouts(app, lang, [p for p in reps if p.id not in away], figures))
        replies.append(Reply(text=text, target=Target.person(manager.id), lang=lang, kind="form",
                             title=app.i18n.t(lang, "form.summary_title", name=form.title.get(lang), period=t.label),
                             key=f"form-summary:{form.id}:{t.label}:team-{team.id}:person-{manager.id}"))
    return app.outbox.post(replies)


def standouts(app, lang: str, reps, figures) -> list[tuple[str, str, str, str, str]]:
    """(number, best rep, their value, lowest rep, their value) where the reps differ."""
    result = []
    for field in STANDOUT_FIELDS:
        values = []
        for p in reps:
            try:
                values.append((Decimal(figures[p.id]["_raw"][field]), p))
            except (KeyError, InvalidOperation):
                continue
        if len(values) < 2:
            continue
        values.sort(key=lambda v: v[0])
        (low, lp), (high, hp) = values[0], values[-1]
        if high == low:
            continue
        result.append((app.i18n.t(lang, f"form.number.{field}"), hp.name, figures[hp.id][field], lp.name,
                       figures[lp.id][field]))
    return result
