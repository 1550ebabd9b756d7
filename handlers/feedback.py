"""`feedback`: a rep contests a target with a reason; the team's managers are told and answer with
`reply N text`; every message stays in the thread."""

from __future__ import annotations

from sqlmodel import select

from bot.core.errors import UserError
from bot.chat.messages import Reply, Target
from bot.store.tables.sales import Person, Role
from bot.store.tables.forms import TargetFeedback
from bot.chat.router import Ctx
from bot.services import org


def feedback_command(ctx: Ctx) -> list[Reply]:
    text = ctx.args.strip()
    if not text:
        return [thread_list(ctx)]
    team = ctx.require_team()
    managers = [m for m in org.managers_of(team.id, session=ctx.session) if m.id != ctx.person.id]
    if not managers:
        return [Reply(text=ctx.t("feedback.nobody"), lang=ctx.lang)]
    row = TargetFeedback(person_id=ctx.person.id, author_id=ctx.person.id, text=text, created_at=ctx.now)
    ctx.session.add(row)
    ctx.session.flush()
    replies = [Reply(text=ctx.t("feedback.sent", count=row.id), lang=ctx.lang)]
    for m in managers:
        replies.append(_to(ctx, m, "feedback.to_manager", row.id, text))
    return replies


def thread_list(ctx: Ctx) -> Reply:
    """The person's own threads (a manager's: the team's), oldest message first, the last ten."""
    from bot.chat.i18n import escape_md

    query = select(TargetFeedback).where(TargetFeedback.parent_id.is_(None))
    if ctx.is_admin:
        pass  # every thread
    elif ctx.person.role == Role.REP or ctx.person.team_id is None:
        query = query.where(TargetFeedback.person_id == ctx.person.id)
    else:
        query = query.join(Person, Person.id == TargetFeedback.person_id).where(Person.team_id == ctx.person.team_id)
    threads = ctx.session.exec(query.order_by(TargetFeedback.id.desc()).limit(10)).all()
    if not threads:
        raise UserError("feedback_text")
    lines = [ctx.t("feedback.title")]
    for thread in reversed(threads):
        owner = ctx.session.get(Person, thread.person_id)
        lines.append(ctx.t("feedback.line", count=thread.id, name=escape_md(owner.name), text=escape_md(thread.text)))
        answers = ctx.session.exec(select(TargetFeedback).where(TargetFeedback.parent_id == thread.id)
                                   .order_by(TargetFeedback.id)).all()
        for answer in answers:
            author = ctx.session.get(Person, answer.author_id)
            lines.append(ctx.t("feedback.reply_line", name=escape_md(author.name), text=escape_md(answer.text)))
    return Reply(text="\n".join(lines), lang=ctx.lang)


def reply_command(ctx: Ctx) -> list[Reply]:
    number, _, text = ctx.args.strip().partition(" ")
    thread = ctx.session.get(TargetFeedback, int(number)) if number.isdigit() else None
    if thread is not None and thread.parent_id is not None:
        thread = ctx.session.get(TargetFeedback, thread.parent_id)
    owner = ctx.session.get(Person, thread.person_id) if thread else None
    allowed = owner is not None and (owner.id == ctx.person.id or ctx.is_admin or (
        ctx.person.role == Role.MANAGER and ctx.person.team_id == owner.team_id))
    if not allowed:
        raise UserError("feedback_thread", text=number or "?")
    if not text.strip():
        raise UserError("feedback_text")
    ctx.session.add(TargetFeedback(parent_id=thread.id, person_id=owner.id, author_id=ctx.person.id,
                                   text=text.strip(), created_at=ctx.now))
    # Everyone in the thread but the author hears it: the rep, and the team's managers.
    people = {owner.id: owner}
    if owner.team_id is not None:
        people.update({m.id: m for m in org.managers_of(owner.team_id, session=ctx.session)})
    authors = ctx.session.exec(select(TargetFeedback.author_id).where(TargetFeedback.parent_id == thread.id)).all()
    for pid in authors:
        people.setdefault(pid, ctx.session.get(Person, pid))
    replies = [Reply(text=ctx.t("feedback.replied", count=thread.id), lang=ctx.lang)]
    replies += [_to(ctx, p, "feedback.reply_in", thread.id, text.strip()) for pid, p in people.items()
                if pid != ctx.person.id]
    return replies


def _to(ctx: Ctx, person: Person, key: str, thread_id: int, text: str) -> Reply:
    from bot.chat.i18n import escape_md

    body = ctx.app.i18n.t(person.lang, key, name=escape_md(ctx.person.name), count=thread_id, text=escape_md(text))
    return Reply(text=body, target=Target.person(person.id), lang=person.lang, kind="feedback")


def register(router) -> None:
    router.command("feedback", feedback_command, "反馈", "申诉")
    router.command("reply", reply_command, "回复")
