"""`target`: managers set a rep's or a team's goal; anyone lists their own."""

from __future__ import annotations

from bot.core.errors import UserError
from bot.chat.messages import Reply
from bot.core.metrics import ORDER, from_base, parse_metric, parse_metric_value
from bot.store.tables.sales import Metric, Person, Role, Team
from bot.core.periods import PeriodKind, parse_period
from bot.chat.router import Ctx, Router
from bot.services import org, targets
from handlers.common import actor, tokens as split_args

TEAM_WORDS = {"team", "团队", "全队", "本队", "小组"}


def resolve_scope(ctx: Ctx, who: str) -> tuple[str, Person | Team]:
    """`team`, `team:Name` or a person; a manager may only reach their own team."""
    low = who.lower()
    if low in TEAM_WORDS:
        return "team", ctx.require_team()
    if low.startswith(("team:", "团队:", "团队：")):
        name = who.split(":", 1)[-1].split("：", 1)[-1]
        team = org.team_by_name(name, session=ctx.session)
        if team is None:
            raise UserError("team_unknown", team=name)
        scope = ("team", team)
    else:
        scope = ("person", org.find_person(who, platform=ctx.incoming.platform, session=ctx.session))
    team_id = scope[1].id if scope[0] == "team" else scope[1].team_id
    if not ctx.is_admin and team_id != ctx.person.team_id:
        raise UserError("not_your_team")
    return scope


def target_command(ctx: Ctx) -> list[Reply]:
    tokens = split_args(ctx.args)
    if len(tokens) <= 1:
        return list_targets(ctx, " ".join(tokens))
    ctx.require_role(Role.MANAGER)
    if len(tokens) < 3:
        raise UserError("missing_args")
    scope, subject = resolve_scope(ctx, tokens[0])
    metric = parse_metric(tokens[1])
    value = parse_metric_value(metric, tokens[2])
    period = parse_period(" ".join(tokens[3:]), ctx.today, default=PeriodKind.MONTH)
    _, previous = targets.set_target(scope, subject.id, metric, period, value, actor=actor(ctx),
                                     now=ctx.now, session=ctx.session)
    team = ctx.require_team() if scope == "person" and subject.team_id is None else (
        subject if scope == "team" else org.get_team(subject.team_id, session=ctx.session))
    return [ctx.reply("target_set", who=subject.name, is_team=scope == "team", metric=metric.value,
                      value=from_base(metric, value), previous=from_base(metric, previous), period=period.label,
                      currency=team.currency if team else ctx.app.settings.currency)]


def list_targets(ctx: Ctx, period_text: str) -> list[Reply]:
    team = ctx.require_team()
    period = parse_period(period_text, ctx.today, default=PeriodKind.MONTH)
    mine = targets.targets_for("person", [ctx.person.id], period, session=ctx.session)
    team_goals = targets.targets_for("team", [team.id], period, session=ctx.session)
    rows = [(m.value, from_base(m, mine.get((ctx.person.id, m))), from_base(m, team_goals.get((team.id, m))))
            for m in ORDER]
    reps = []
    if ctx.person.role == Role.MANAGER or ctx.is_admin:
        people = org.members(team.id, session=ctx.session)
        goals = targets.targets_for("person", [p.id for p in people], period, session=ctx.session)
        reps = [(p.name, [(m.value, from_base(m, goals.get((p.id, m)))) for m in ORDER if (p.id, m) in goals])
                for p in people]
    return [ctx.reply("targets", rows=rows, period=period.label, team=team.name, currency=team.currency,
                      reps=reps, revenue=Metric.REVENUE.value)]


def register(router: Router) -> None:
    router.command("target", target_command, "目标", "targets", "goal", "指标")
