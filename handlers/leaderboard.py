"""`top`: the team's ranking by a metric or by per cent of target."""

from __future__ import annotations

from bot.errors import UserError
from bot.messages import Reply, Target
from bot.metrics import ALIASES
from bot.models import Metric
from bot.periods import PeriodKind, parse_period
from bot.router import Ctx, Router
from bot.services import scores

PERCENT_WORDS = {"%", "pct", "percent", "attainment", "完成率", "百分比", "达成率"}


def parse_top_args(ctx: Ctx, args: str):
    metric, by_percent, rest = Metric.REVENUE, False, []
    for token in args.split():
        word = token.lower()
        if word in ALIASES:
            metric = ALIASES[word]
        elif word in PERCENT_WORDS:
            by_percent = True
        else:
            rest.append(token)
    return metric, by_percent, parse_period(" ".join(rest), ctx.today, default=PeriodKind.MONTH)


def top_command(ctx: Ctx) -> list[Reply]:
    team = ctx.require_team()
    metric, by_percent, period = parse_top_args(ctx, ctx.args)
    rows = scores.leaderboard(team, metric, period, by_percent=by_percent, session=ctx.session)
    limit = ctx.app.settings.leaderboard_rows
    shown = rows[:limit]
    mine = next((row for row in rows if row.person_id == ctx.person.id), None)
    in_group = not ctx.incoming.is_direct
    outside = mine is not None and mine not in shown
    title = ctx.t("top.title", team=team.name, metric=ctx.t(f"metric.{metric.value}"), period=period.label)
    board = ctx.reply("leaderboard", rows=shown, me=ctx.person.id, metric=metric.value, by_percent=by_percent,
                      currency=team.currency, own=mine if (outside and not in_group) else None,
                      total=len(rows))
    board.title = title
    replies = [board]
    if in_group and mine is not None:
        # A group sees the top rows only; everyone sees their own rank privately.
        replies.append(ctx.reply("own_rank", row=mine, total=len(rows), metric=metric.value, currency=team.currency,
                                 by_percent=by_percent, title=title, target=Target.person(ctx.person.id)))
    if not rows:
        raise UserError("team_empty", team=team.name)
    return replies


def register(router: Router) -> None:
    router.command("top", top_command, "排行榜", "排行", "排名", "榜单", "leaderboard", "rank")
