"""`champions`: the team's hall of fame of monthly champions (announced by the scheduler)."""

from __future__ import annotations

from bot.chat.messages import Reply
from bot.core.periods import PeriodError, PeriodKind, parse_period
from bot.chat.router import Ctx, Router
from bot.services import champions


def champions_command(ctx: Ctx) -> list[Reply]:
    team = ctx.require_team()
    only = None
    if ctx.args.strip():
        period = parse_period(ctx.args, ctx.today, default=PeriodKind.MONTH)
        if period.kind is not PeriodKind.MONTH:
            raise PeriodError(ctx.args)
        only = period.label
    months = champions.hall_of_fame(team.id, only=only, session=ctx.session)
    if not months:
        return [Reply(text=ctx.t("champions.none"), lang=ctx.lang)]
    return [ctx.reply("hall_of_fame", team=team.name, months=months, currency=team.currency)]


def register(router: Router) -> None:
    router.command("champions", champions_command, "冠军榜", "冠军", "hall", "halloffame", "fame")
