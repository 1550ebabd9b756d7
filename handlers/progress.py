"""`me`: progress, pace, projection, gap per remaining working day, rank and bonus tier."""

from __future__ import annotations

from bot.chat.messages import Button, Reply
from bot.core.periods import PeriodKind, parse_period
from bot.chat.router import Ctx, Router
from bot.services import scores


def me_command(ctx: Ctx) -> list[Reply]:
    team = ctx.require_team()
    period = parse_period(ctx.args, ctx.today, default=PeriodKind.MONTH)
    card = scores.scorecard(ctx.person, team, period, today=ctx.today, tiers=ctx.app.settings.tiers,
                            default_tz=ctx.app.settings.tz, session=ctx.session)
    reply = ctx.reply("scorecard", card=card, currency=team.currency)
    reply.title = ctx.t("scorecard.title", name=ctx.person.name, period=period.label)
    reply.buttons = [Button(ctx.t(f"button.{kind}"), f"me {kind}") for kind in ("week", "month", "quarter")
                     if kind != period.kind.value] + [Button(ctx.t("button.top"), "top")]
    return [reply]


def register(router: Router) -> None:
    router.command("me", me_command, "我的业绩", "业绩", "我的", "进度", "score", "stats", "status", "how")
