"""`coach` / `辅导`: the rep's weakest funnel step against the team median and what to train."""

from __future__ import annotations

from bot.core.errors import UserError
from bot.chat.messages import Reply
from bot.store.tables.sales import Role
from bot.core.periods import PeriodKind, parse_period
from bot.chat.router import Ctx, Router
from bot.services import coaching, org
from handlers.common import tokens as split_args

TEAM_WORDS = {"team", "all", "团队", "全队", "所有人"}


def coach_command(ctx: Ctx) -> list[Reply]:
    team = ctx.require_team()
    args = split_args(ctx.args)
    subject, by_manager = ctx.person, False
    if args and args[0].lower() in TEAM_WORDS:
        ctx.require_role(Role.MANAGER)
        args, by_manager, subject = args[1:], True, None
    elif args:
        try:
            parse_period(" ".join(args), ctx.today)
        except ValueError:  # not a period, so a person's name: managers only
            ctx.require_role(Role.MANAGER)
            subject = org.find_person(args.pop(0), platform=ctx.incoming.platform, session=ctx.session)
            if subject.team_id != team.id and not ctx.is_admin:
                raise UserError("not_your_team")
            by_manager = True
    period = parse_period(" ".join(args), ctx.today, default=PeriodKind.MONTH)
    hints = coaching.team_hints(org.get_team(subject.team_id, session=ctx.session) if subject else team, period,
                                ctx.lang, session=ctx.session)
    if subject is not None:
        mine = [h for h in hints if h.person_id == subject.id]
        # A manager who does not sell asking `coach` wants the team's view.
        if not mine and not ctx.args.strip() and ctx.person.role != Role.REP:
            mine, by_manager = hints, True
        hints = mine
    if not hints:
        raise UserError("coach_no_data", period=period.label)
    return [ctx.reply("coach_hint", hints=hints, period=period.label, by_manager=by_manager,
                      currency=team.currency)]


def register(router: Router) -> None:
    router.command("coach", coach_command, "辅导", "coaching", "教练")
