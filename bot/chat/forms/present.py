"""What a form looks like in chat, in one person's language: a question, the review, a submission
for the manager. Plain data for the templates (`form_*.md.j2`)."""

from __future__ import annotations

from bot.services.forms.answers import show_value
from bot.services.forms.definition import FormDef, Question
from bot.services.forms.store import answers, numbers


def number_rows(app, lang: str, shown: dict, fields: list[str]) -> list[tuple[str, str]]:
    return [(app.i18n.t(lang, f"form.number.{f}"), shown[f]) for f in fields if f in shown]


def question_context(app, lang: str, form: FormDef, row, index: int) -> dict:
    q: Question = form.questions[index]
    given = answers(row).get(q.id)
    fields = q.show or (form.prefill if index == 0 else [])  # all numbers with the first question only
    return dict(form_title=form.title.get(lang), period=row.period, index=index + 1, total=len(form.questions),
                title=q.title.get(lang), help=q.help.get(lang) if q.help else None, qtype=q.type,
                required=q.required, options=[o.label.get(lang) for o in q.options],
                numbers=number_rows(app, lang, numbers(row), fields),
                previous=show_value(q, given["value"], lang) if given and given.get("value") is not None else None,
                intro=form.intro.get(lang) if form.intro and index == 0 and not answers(row) else None)


def answer_rows(form: FormDef, data: dict, lang: str) -> list[tuple[int, str, str]]:
    return [(i + 1, q.title.get(lang), show_value(q, (data.get(q.id) or {}).get("value"), lang))
            for i, q in enumerate(form.questions)]


def changes(form: FormDef, before: dict, after: dict, lang: str) -> list[tuple[str, str, str]]:
    result = []
    for q in form.questions:
        old, new = (before.get(q.id) or {}).get("value"), (after.get(q.id) or {}).get("value")
        if old != new:
            result.append((q.title.get(lang), show_value(q, old, lang), show_value(q, new, lang)))
    return result
