"""`log` (a rep's calling day, by positional numbers or an ordinary sentence) and `undo`."""

from __future__ import annotations

from bot.core.errors import UserError
from bot.chat.messages import Reply
from bot.core.parsing import parse_count, parse_duration
from bot.core.sentence import ParsedSentence, parse_sentence
from bot.chat.router import Ctx, Router
from bot.services import activity
from handlers.common import split_trailing_date
from handlers.deals import announce_and_progress, save_deal


def parse_positional(ctx: Ctx, args: str) -> ParsedSentence | None:
    """`log 80 32 2h15m [date]`: dialed, connected, talk; None if the args are not of that form."""
    tokens, day = split_trailing_date(ctx, args.split())
    for token in tokens:
        if token.startswith("-") and token[1:2].isdigit():
            raise UserError("negative", text=token)
    if not tokens or len(tokens) > 3 or not tokens[0].replace(",", "").isdigit():
        return None
    parsed = ParsedSentence(dialed=parse_count(tokens[0]), day=day)
    if len(tokens) > 1:
        parsed.connected = parse_count(tokens[1])
    if len(tokens) > 2:
        parsed.talk_minutes = parse_duration(tokens[2], bare="minutes")
    return parsed


def apply(ctx: Ctx, parsed: ParsedSentence, *, source_text: str) -> list[Reply]:
    """Store what a log or a sentence said (the day, then its deals) and answer with what was understood."""
    if ctx.person.team_id is None:
        raise UserError("no_team")
    window = ctx.app.settings.log_window_days
    day = parsed.day or ctx.today
    result = None
    if parsed.dialed is not None or parsed.connected is not None or parsed.talk_minutes is not None:
        result = activity.log_day(ctx.person, day, dialed=parsed.dialed, connected=parsed.connected,
                                  talk_minutes=parsed.talk_minutes, today=ctx.today, window_days=window,
                                  now=ctx.now, batch=ctx.batch, session=ctx.session)
    deals = [save_deal(ctx, d.amount, d.customer, day) for d in parsed.deals]
    if result is None and not deals:
        raise UserError("log_nothing")
    reply = ctx.reply("logged", result=result, deals=deals, day=day, is_today=day == ctx.today,
                      currency=ctx.require_team().currency, changed=result.changed() if result else [],
                      connect_rate=_rate(result))
    from handlers.common import undo_buttons

    reply.buttons = undo_buttons(ctx)
    replies = [reply]
    for deal in deals:
        replies.extend(announce_and_progress(ctx, deal, with_progress=deal is deals[-1]))
    return replies


def _rate(result):
    if result is None or not result.after["dialed"]:
        return None
    return result.after["connected"] * 100 / result.after["dialed"]


def log_command(ctx: Ctx) -> list[Reply]:
    args = ctx.args.strip()
    if not args:
        raise UserError("missing_args")
    parsed = parse_positional(ctx, args) or parse_sentence(args, ctx.today)
    return apply(ctx, parsed, source_text=args)


def undo_command(ctx: Ctx) -> list[Reply]:
    changes = activity.undo_last(ctx.person, now=ctx.now, session=ctx.session)
    kinds = {c.kind for c in changes}
    return [ctx.reply("undone", activity="activity" in kinds, deals=sum(c.kind == "deal" for c in changes))]


def register(router: Router) -> None:
    router.command("log", log_command, "记录", "日报", "打卡", "l")
    router.command("undo", undo_command, "撤销", "撤回", "取消")
