"""`plan` / `分解`: split a team's or the company's target down the org and the calendar.

`plan revenue 6m 2027 by-share` proposes; `plan adjust "Alice Chen" 30%` moves one share and the rest
rebalance; `plan confirm` writes every target, `plan cancel` drops the proposal. The proposal waits in
the database, so it can be confirmed after a restart.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from bot.core.errors import UserError
from bot.chat.messages import Button, Reply
from bot.core.metrics import from_base, parse_metric, parse_metric_value
from bot.store.tables.sales import Metric, Role, Team
from bot.core.periods import PeriodKind, parse_period, period_from_label
from bot.chat.router import Ctx, Router
from bot.services import org
from bot.services import plan as plans
from bot.services.scores import team_calendar
from bot.core.split import sub_periods
from bot.core.workcal import calendar_for
from handlers.common import actor, tokens as split_args

WORDS = {
    "company": "company", "公司": "company", "全公司": "company",
    "team": "team", "团队": "team", "本队": "team",
    "even": "even", "evenly": "even", "平均": "even", "均分": "even",
    "by-share": "share", "share": "share", "按上期占比": "share", "按占比": "share", "上期占比": "share",
    "weights": "weights", "by-weight": "weights", "by-weights": "weights", "按权重": "weights", "权重": "weights",
    "workdays": "workdays", "by-workdays": "workdays", "按工作日": "workdays", "工作日": "workdays",
    "seasonal": "seasonal", "按季节": "seasonal", "季节": "seasonal", "按季节性": "seasonal",
    "to-quarter": "quarter", "quarters": "quarter", "到季度": "quarter", "按季度": "quarter",
    "to-month": "month", "months": "month", "到月": "month", "按月": "month",
    "to-week": "week", "weeks": "week", "到周": "week", "按周": "week",
}
NEXT_LEVEL = {PeriodKind.YEAR: PeriodKind.QUARTER, PeriodKind.QUARTER: PeriodKind.MONTH,
              PeriodKind.MONTH: PeriodKind.WEEK}
ACTIONS = {"confirm": "confirm", "yes": "confirm", "ok": "confirm", "确认": "confirm", "确定": "confirm",
           "cancel": "cancel", "no": "cancel", "取消": "cancel", "放弃": "cancel",
           "adjust": "adjust", "调整": "adjust", "show": "show", "查看": "show"}


def plan_command(ctx: Ctx) -> list[Reply]:
    tokens = split_args(ctx.args)
    action = ACTIONS.get(tokens[0].lower()) if tokens else "show"
    if action == "show":
        row = _pending(ctx)
        return [_show(ctx, plans.Proposal.from_json(row.payload))]
    if action == "confirm":
        row = _pending(ctx)
        proposal = plans.Proposal.from_json(row.payload)
        count = plans.apply(row, _calendar(ctx, proposal), actor=actor(ctx), now=ctx.now, session=ctx.session)
        return [Reply(text=ctx.t("plan.applied", count=count, team=_who(ctx, proposal),
                                 metric=ctx.t(f"metric.{proposal.metric}"), period=proposal.period), lang=ctx.lang)]
    if action == "cancel":
        plans.cancel(_pending(ctx), now=ctx.now, session=ctx.session)
        return [Reply(text=ctx.t("plan.cancelled"), lang=ctx.lang)]
    if action == "adjust":
        return _adjust(ctx, tokens[1:])
    return _propose(ctx, tokens)


def _pending(ctx: Ctx):
    ctx.require_role(Role.MANAGER)
    row = plans.pending(ctx.person.id, session=ctx.session)
    if row is None:
        raise UserError("plan_nothing_pending")
    return row


def _propose(ctx: Ctx, tokens: list[str]) -> list[Reply]:
    ctx.require_role(Role.MANAGER)
    scope, subject = "team", None
    if tokens and WORDS.get(tokens[0].lower()) in ("company", "team"):
        scope = WORDS[tokens.pop(0).lower()]
    elif tokens and tokens[0].lower().startswith(("team:", "团队:", "团队：")):
        name = tokens.pop(0).split(":", 1)[-1].split("：", 1)[-1]
        subject = org.team_by_name(name, session=ctx.session)
        if subject is None:
            raise UserError("team_unknown", team=name)
    if len(tokens) < 2:
        raise UserError("missing_args")
    if scope == "company":
        ctx.require_admin()
    else:
        subject = subject or ctx.require_team()
        if not ctx.is_admin and subject.id != ctx.person.team_id:
            raise UserError("not_your_team")
    metric = parse_metric(tokens[0])
    total = parse_metric_value(metric, tokens[1])
    method, calendar, profile, depth, weights, rest = "even", "workdays", None, None, {}, []
    for token in tokens[2:]:
        word, _, arg = token.partition(":")
        kind = WORDS.get(word.lower()) or WORDS.get(token.lower())
        if kind in ("even", "share", "weights"):
            method = kind
        elif kind in ("workdays", "seasonal"):
            calendar, profile = kind, (arg.strip().lower() or None) if kind == "seasonal" else None
        elif kind in ("quarter", "month", "week"):
            depth = PeriodKind(kind)
        elif "=" in token:
            name, _, value = token.rpartition("=")
            weights[name] = _decimal(value, token)
            method = "weights"
        else:
            rest.append(token)
    if method == "weights" and not weights:
        raise UserError("plan_weights_missing", text="")
    period = parse_period(" ".join(rest), ctx.today, default=PeriodKind.YEAR)
    if period.kind is PeriodKind.WEEK:
        raise UserError("plan_bad_period", text=period.label)
    depth = depth or (PeriodKind.WEEK if period.kind is PeriodKind.MONTH else PeriodKind.MONTH)
    proposal = plans.propose(scope, subject, metric, period, total, method=method, weights=weights or None,
                             calendar=calendar, profile=profile, depth=depth, session=ctx.session)
    plans.save(ctx.person, proposal, now=ctx.now, session=ctx.session)
    return [_show(ctx, proposal)]


def _decimal(text: str, token: str) -> Decimal:
    try:
        value = Decimal(text.strip().rstrip("%％"))
    except InvalidOperation:
        raise UserError("plan_bad_weight", text=token) from None
    if value < 0 or not value.is_finite():
        raise UserError("plan_bad_weight", text=token)
    return value


def _adjust(ctx: Ctx, args: list[str]) -> list[Reply]:
    row = _pending(ctx)
    if len(args) != 2:
        raise UserError("missing_args")
    proposal = plans.Proposal.from_json(row.payload)
    name, amount = args
    if amount.endswith(("%", "％")):
        plans.adjust(proposal, name, percent=_decimal(amount, amount))
    else:
        plans.adjust(proposal, name, value=parse_metric_value(Metric(proposal.metric), amount))
    plans.update(row, proposal, now=ctx.now, session=ctx.session)
    return [_show(ctx, proposal)]


def _calendar(ctx: Ctx, proposal: plans.Proposal):
    if proposal.scope == "company":
        return calendar_for(None, ctx.app.settings.tz)
    return team_calendar(org.get_team(proposal.scope_id, session=ctx.session), ctx.app.settings.tz)


def _currency(ctx: Ctx, proposal: plans.Proposal) -> str:
    team = org.get_team(proposal.scope_id, session=ctx.session) if proposal.scope == "team" else None
    return team.currency if isinstance(team, Team) else ctx.app.settings.currency


def _who(ctx: Ctx, proposal: plans.Proposal) -> str:
    return ctx.t("plan.company") if proposal.scope == "company" else proposal.name


def _show(ctx: Ctx, proposal: plans.Proposal) -> Reply:
    metric = Metric(proposal.metric)
    values = plans.expand(proposal, _calendar(ctx, proposal))
    period = period_from_label(proposal.period)
    top = values[proposal.key]

    def row(unit, parent_total):
        pct = Decimal(unit.total) * 100 / parent_total if parent_total else Decimal(0)
        return {"name": unit.name, "value": from_base(metric, unit.total), "pct": pct, "pinned": unit.pinned,
                "kids": [row(k, unit.total) for k in proposal.children(unit.key)]}

    below = NEXT_LEVEL.get(period.kind)
    calendar_rows = [(p.label, from_base(metric, top[p])) for p in sub_periods(period, below)
                     if p in top] if below else []
    text = ctx.render("plan_proposal", who=_who(ctx, proposal), metric=metric.value, period=proposal.period,
                      total=from_base(metric, proposal.total), currency=_currency(ctx, proposal),
                      method=proposal.method, calendar=proposal.calendar, profile=proposal.profile or "default",
                      depth=proposal.depth, rows=[row(u, proposal.total) for u in proposal.children()],
                      calendar_rows=calendar_rows, count=sum(len(v) for v in values.values()),
                      no_history=proposal.no_history)
    return Reply(text=text, lang=ctx.lang, buttons=[
        Button(ctx.t("plan.button.confirm"), "plan confirm", "primary"),
        Button(ctx.t("plan.button.cancel"), "plan cancel", "danger")])


def register(router: Router) -> None:
    router.command("plan", plan_command, "分解", "目标分解", "规划", "planning")
