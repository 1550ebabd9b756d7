"""Review forms in chat: `report` starts, resumes or edits the due form; while a form is open it takes
the person's messages (answers, `back`, `skip`, `pause`, `review`, `submit`, `cancel`)."""

from __future__ import annotations

from bot.core.errors import UserError
from bot.services.forms import store
from bot.services.forms.answers import AnswerError, check_answer
from bot.services.forms.definition import get_form
from bot.chat.forms.present import answer_rows, question_context
from bot.chat.forms.submit import submit
from bot.chat.messages import Reply
from bot.core.parsing import fold
from bot.chat.router import Ctx, Router

BACK = {"back", "上一题", "上一步", "返回"}
SKIP = {"skip", "跳过"}
PAUSE = {"pause", "暂停", "稍后", "later"}
REVIEW = {"review", "预览", "检查", "查看"}
SUBMIT = {"submit", "提交", "send", "发送"}
CANCEL = {"cancel", "取消", "放弃"}
BY_WORD = {"周报": "week", "述职": "month"}


def report_command(ctx: Ctx) -> list[Reply]:
    team = ctx.require_team()
    due = store.due(ctx.person, team, ctx.now, ctx.app.settings.tz, session=ctx.session)
    wanted = ctx.args.strip().lower()
    said = (ctx.incoming.action or ctx.incoming.text or "").strip()
    if said.startswith(tuple(BY_WORD)):  # 周报 asks for the weekly form, 述职 for the monthly one
        due = [d for d in due if d[0].schedule.period == BY_WORD[said[:2]]]
    if wanted:
        due = [d for d in due if wanted in (d[0].id, d[0].title.en.lower(), d[0].title.zh)]
    if not due:
        raise UserError("form_nothing_due")
    # Unfinished first, then not started, then a submission to edit.
    form, t, row = store.pick(due)
    row = store.start(ctx.person, team, form, t, now=ctx.now, today=ctx.today, settings=ctx.app.settings,
                      session=ctx.session)
    return [_prompt(ctx, form, row)]


def forms_command(ctx: Ctx) -> list[Reply]:
    """Managers: `forms` lists the forms and this period's count; `forms on|off <form>` assigns one."""
    from bot.services.forms.definition import all_forms
    from bot.services.forms.timing import current, timing
    from bot.store.tables.sales import Role

    ctx.require_role(Role.MANAGER)
    team = ctx.require_team()
    word, _, name = ctx.args.strip().partition(" ")
    forms = all_forms()
    if word.lower() in ("on", "off", "开", "关"):
        if name.strip() not in forms:
            raise UserError("form_unknown", text=name.strip() or "?")
        store.assign(team.id, name.strip(), on=word.lower() in ("on", "开"), now=ctx.now, session=ctx.session)
    on = {form.id: since for form, since in store.assignments(team.id, session=ctx.session)}
    lines = []
    for form in forms.values():
        title = form.title.get(ctx.lang)
        if form.id not in on:
            lines.append(ctx.t("form.list_off", name=title, text=form.id))
            continue
        t = current(form, team, ctx.now, ctx.app.settings.tz)
        if t.deadline < on[form.id]:  # assigned after this period's deadline: the next one is the first
            t = timing(form, t.period.next(), team, ctx.app.settings.tz)
            lines.append(ctx.t("form.list_next", name=title, text=form.id, period=t.label,
                               day=t.opens.strftime("%Y-%m-%d %H:%M")))
            continue
        done = [r for r in store.sessions_for(team.id, form.id, t.label, session=ctx.session).values()
                if r.submitted_at is not None]
        lines.append(ctx.t("form.list_on", name=title, text=form.id, period=t.label, count=len(done),
                           day=t.deadline.strftime("%Y-%m-%d %H:%M")))
    return [Reply(text="\n".join(lines), lang=ctx.lang)]


def intercept(ctx: Ctx) -> list[Reply] | None:
    text = (ctx.incoming.action or ctx.incoming.text or "").strip()
    if not text or not ctx.incoming.is_direct:  # a form is filled in the private chat only
        return None
    if ctx.incoming.extra.get("home"):  # opening Slack's Home tab is no answer
        return None
    if ctx.incoming.action and ctx.app.router.match(text)[0] is not None:
        return None  # a button of another message (`log 0`, `report`) runs its command; the form waits
    row = store.active(ctx.person.id, session=ctx.session)
    if row is None:
        return None
    form = get_form(row.form)
    if form is None:  # the file was removed: let the person go
        row.status = store.PAUSED
        ctx.session.add(row)
        return None
    word = fold(text).strip().lower().lstrip("/")
    row.updated_at = ctx.now
    ctx.session.add(row)
    n = len(form.questions)
    if word in PAUSE:
        row.status = store.PAUSED
        return [_say(ctx, "form.paused")]
    if word in CANCEL:
        return [_cancel(ctx, row)]
    if word in BACK:
        row.position, row.editing = max(0, min(row.position, n) - 1), False
        return [_prompt(ctx, form, row)]
    if word in REVIEW:
        row.position, row.editing = n, False
        return [_prompt(ctx, form, row)]
    if word in SUBMIT:
        return _submit(ctx, form, row)
    if row.position >= n:  # the review: a question's number opens it again
        if word.isdigit() and 1 <= int(word) <= n:
            row.position, row.editing = int(word) - 1, True
            return [_prompt(ctx, form, row)]
        return [_error(ctx, "form.error.review", form, row, count=n)]
    question = form.questions[row.position]
    if word in SKIP:
        if question.required:
            return [_error(ctx, "form.error.required", form, row)]
        store.set_answer(row, question.id, None, None)
    else:
        try:
            value = check_answer(question, text, ctx.lang)
        except AnswerError as exc:
            return [_error(ctx, f"form.error.{exc.code}", form, row, **exc.params)]
        store.set_answer(row, question.id, text, value)
    row.position = n if row.editing else row.position + 1
    row.editing = False if row.position >= n else row.editing
    return [_prompt(ctx, form, row)]


def _say(ctx: Ctx, key: str, **params) -> Reply:
    return Reply(text=ctx.t(key, **params), lang=ctx.lang)


def _prompt(ctx: Ctx, form, row) -> Reply:
    if row.position >= len(form.questions):
        return ctx.reply("form_review", form_title=form.title.get(ctx.lang), period=row.period,
                         rows=answer_rows(form, store.answers(row), ctx.lang), editing=row.submitted is not None,
                         missing=store.missing_required(form, row))
    return ctx.reply("form_question", **question_context(ctx.app, ctx.lang, form, row, row.position))


def _error(ctx: Ctx, key: str, form, row, **params) -> Reply:
    """What is wrong, then the same question again; earlier answers stay as they were."""
    problem = ctx.t(key, **params)
    return Reply(text=f"⚠️ {problem}\n---\n{_prompt(ctx, form, row).text}", kind="error", lang=ctx.lang)


def _cancel(ctx: Ctx, row) -> Reply:
    if row.submitted is not None:  # editing a submission: keep what was sent
        row.answers, row.status, row.editing = row.submitted, store.SUBMITTED, False
        ctx.session.add(row)
        return _say(ctx, "form.edit_cancelled")
    ctx.session.delete(row)
    return _say(ctx, "form.cancelled")


def _submit(ctx: Ctx, form, row) -> list[Reply]:
    missing = store.missing_required(form, row)
    if missing:
        row.position, row.editing = missing[0] - 1, False
        return [_error(ctx, "form.error.missing", form, row, text=", ".join(map(str, missing)))]
    key, params, to_managers = submit(ctx.app, ctx.person, ctx.team, form, row, ctx.now, session=ctx.session)
    return [_say(ctx, key, **params), *to_managers]


def register(router: Router) -> None:
    from handlers import feedback

    router.intercept(intercept)
    feedback.register(router)
    router.command("forms", forms_command, "表单管理")
    router.command("report", report_command, "汇报", "周报", "述职", "form", "表单")
