"""`top`: the team's ranking by a metric or by per cent of target."""

from __future__ import annotations

from bot.core.errors import UserError
from bot.chat.messages import Reply, Target
from bot.core.metrics import ALIASES
from bot.store.tables.sales import Metric
from bot.core.periods import PeriodKind, parse_period
from bot.chat.router import Ctx, Router
from bot.services.boards import board

PERCENT_WORDS = {"%", "pct", "percent", "attainment", "完成率", "百分比", "达成率"}
COMPANY_WORDS = {"company", "all", "everyone", "全公司", "公司", "全部"}


def parse_top_args(ctx: Ctx, args: str):
    metric, by_percent, company, rest = Metric.REVENUE, False, False, []
    for token in args.split():
        word = token.lower()
        if word in ALIASES:
            metric = ALIASES[word]
        elif word in PERCENT_WORDS:
            by_percent = True
        elif word in COMPANY_WORDS:
            company = True
        else:
            rest.append(token)
    return metric, by_percent, company, parse_period(" ".join(rest), ctx.today, default=PeriodKind.MONTH)


def top_command(ctx: Ctx) -> list[Reply]:
    team = ctx.require_team()
    metric, by_percent, company, period = parse_top_args(ctx, ctx.args)
    ranking = board(None if company else team.id, metric, period, by_percent=by_percent,
                    limit=ctx.app.settings.leaderboard_rows, me=ctx.person.id, session=ctx.session)
    shown, mine, total = ranking.rows, ranking.mine, ranking.total
    in_group = not ctx.incoming.is_direct
    outside = mine is not None and mine not in shown
    title = ctx.t("top.title", team=ctx.t("top.company") if company else team.name, metric=ctx.t(f"metric.{metric.value}"), period=period.label)
    answer = ctx.reply("leaderboard", rows=shown, me=ctx.person.id, metric=metric.value, by_percent=by_percent,
                      currency=team.currency, own=mine if (outside and not in_group) else None,
                      total=total)
    answer.title = title
    replies = [answer]
    if in_group and mine is not None:
        # A group sees the top rows only; everyone sees their own rank privately.
        replies.append(ctx.reply("own_rank", row=mine, total=total, metric=metric.value, currency=team.currency,
                                 by_percent=by_percent, title=title, target=Target.person(ctx.person.id)))
    if not total:
        raise UserError("team_empty", team=team.name)
    return replies


def register(router: Router) -> None:
    router.command("top", top_command, "排行榜", "排行", "排名", "榜单", "leaderboard", "rank")
