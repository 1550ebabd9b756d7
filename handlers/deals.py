"""`won`: a closed deal, the rep's new progress, and the team's congratulation."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from bot.core.errors import UserError
from bot.chat.announcements import deal_announcement
from bot.chat.messages import Reply
from bot.store.tables.sales import Deal, Metric
from bot.core.parsing import ParseError, parse_amount
from bot.core.periods import PeriodKind, period_containing
from bot.chat.router import Ctx, Router
from bot.services import activity, org, scores, stats
from handlers.common import split_trailing_date, undo_buttons


def save_deal(ctx: Ctx, amount: Decimal, customer: str | None, day: date) -> Deal:
    team = ctx.require_team()
    return activity.record_deal(ctx.person, amount, customer, day=day, today=ctx.today,
                                window_days=ctx.app.settings.log_window_days, currency=team.currency,
                                now=ctx.now, batch=ctx.batch, session=ctx.session)


def parse_won(ctx: Ctx, args: str) -> tuple[Decimal, str | None, date | None]:
    """`won 12万 华为 [date]` or `won Acme 50k`: the amount first or last, the rest is the customer."""
    tokens, day = split_trailing_date(ctx, args.split())
    if not tokens:
        raise UserError("missing_args")
    try:
        return parse_amount(tokens[0]), " ".join(tokens[1:]) or None, day
    except ParseError as first:
        if len(tokens) > 1:
            try:
                return parse_amount(tokens[-1]), " ".join(tokens[:-1]), day
            except ParseError:
                pass
        raise first


def won_command(ctx: Ctx) -> list[Reply]:
    amount, customer, day = parse_won(ctx, ctx.args)
    deal = save_deal(ctx, amount, customer, day or ctx.today)
    answer = ctx.reply("deal_saved", deal=deal, amount=amount, currency=deal.currency)
    answer.buttons = undo_buttons(ctx)
    return [answer, *announce_and_progress(ctx, deal)]


def announce_and_progress(ctx: Ctx, deal: Deal, *, with_progress: bool = True) -> list[Reply]:
    """The rep's month after this deal, and the announcement to the team's channel."""
    team = ctx.require_team()
    month = period_containing(PeriodKind.MONTH, ctx.today)
    replies = []
    if with_progress:
        card = scores.scorecard(ctx.person, team, month, today=ctx.today, tiers=ctx.app.settings.tiers,
                                default_tz=ctx.app.settings.tz, session=ctx.session)
        replies.append(ctx.reply("deal_progress", card=card, currency=team.currency,
                                 revenue=_line(card, Metric.REVENUE), deals=_line(card, Metric.DEALS)))
    replies.append(deal_announcement(ctx.app.i18n, ctx.person, team, deal, today=ctx.today, session=ctx.session))
    return replies


def _line(card, metric):
    return next(line for line in card.lines if line.metric is metric)


def register(router: Router) -> None:
    router.command("won", won_command, "成交", "签单", "签约", "开单", "出单", "deal", "closed", "win")
