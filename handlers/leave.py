"""`away`: days off, which leave the pace maths and get no reminders."""

from __future__ import annotations

from bot.core.errors import UserError
from bot.chat.messages import Reply
from bot.core.parsing import parse_date_range
from bot.chat.router import Ctx, Router
from bot.services import leave

CANCEL_WORDS = {"cancel", "clear", "remove", "取消", "撤销", "删除"}


def away_command(ctx: Ctx) -> list[Reply]:
    args = ctx.args.strip()
    if not args or args.lower() in {"list", "列表", "查看"}:
        since = ctx.today.replace(day=1)  # this month's days off still shape this month's pace
        return [ctx.reply("away_list", rows=leave.upcoming(ctx.person.id, since, session=ctx.session))]
    word, _, rest = args.partition(" ")
    if word.lower() in CANCEL_WORDS:
        if not rest.strip():
            raise UserError("missing_args")
        start, end = parse_date_range(rest.strip(), ctx.today)
        removed = leave.cancel_leave(ctx.person.id, start, end, session=ctx.session)
        return [ctx.reply("away_cancelled", start=start, end=end, days=removed)]
    start, end = parse_date_range(args, ctx.today)
    if (ctx.today - end).days > ctx.app.settings.log_window_days:
        raise UserError("too_old", day=end.isoformat(), days=ctx.app.settings.log_window_days)
    leave.add_leave(ctx.person.id, start, end, session=ctx.session)
    return [ctx.reply("away_added", start=start, end=end, days=(end - start).days + 1)]


def register(router: Router) -> None:
    router.command("away", away_command, "请假", "休假", "leave", "off", "vacation")
