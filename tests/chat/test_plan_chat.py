"""Target planning through the console: propose, adjust, confirm or cancel, and confirm after a restart."""

from __future__ import annotations

import io
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from sqlmodel import select

from bot.app import App
from bot.store.tables.sales import Deal, Person, Target
from bot.store.tables.plan import PlanProposal
from tests.conftest import Chat


@pytest.fixture
def team(chat, app):
    admin = chat("admin", name="Ada Admin", lang="en")
    people = {key: chat(key, name=name, lang="en") for key, name in
              (("mgr", "Grace Hill"), ("alice", "Alice Chen"), ("ben", "Ben Carter"), ("cy", "Cy Young"))}
    for person in people.values():
        person.say("help")
    admin.say("team create East Asia/Shanghai")
    for name in ("Grace Hill", "Alice Chen", "Ben Carter", "Cy Young"):
        admin.say(f'team add "{name}" East')
    admin.say('team manager "Grace Hill"')
    return dict(people, admin=admin)


def targets(app, **where):
    with app.db.session() as s:
        stmt = select(Target)
        for key, value in where.items():
            stmt = stmt.where(getattr(Target, key) == value)
        return list(s.exec(stmt).all())


def ids(app):
    with app.db.session() as s:
        return {p.name: p.id for p in s.exec(select(Person)).all()}


def test_propose_then_confirm_writes_targets_that_add_up(team, app):
    out = team["mgr"].say("plan revenue 1m 2026-Q4 even to-week")
    assert "Proposed split · East · revenue 2026-Q4: ¥1,000,000" in out
    assert "Alice Chen: ¥333,333.34 (33.3%)" in out and "Ben Carter: ¥333,333.33" in out
    assert "2026-10: ¥290,322.58" in out  # 18 of Q4's 62 working days in China
    assert "[1] Confirm  [2] Cancel" in out
    assert targets(app) == []  # nothing is written before the confirmation
    out = team["mgr"].say("1")  # the Confirm button
    assert "Applied: " in out and "East · revenue 2026-Q4" in out
    rows = targets(app, metric="revenue")
    team_rows = {(r.period_kind, r.period_start): r.value for r in rows if r.scope == "team"}
    assert team_rows[("quarter", date(2026, 10, 1))] == 100_000_000
    person_ids = set(ids(app)[n] for n in ("Alice Chen", "Ben Carter", "Cy Young"))
    for (kind, start), value in team_rows.items():
        reps = [r.value for r in rows if r.scope == "person" and r.period_kind == kind and r.period_start == start]
        assert len(reps) == 3 and sum(reps) == value, (kind, start)
    for pid in person_ids:
        mine = [r for r in rows if r.scope == "person" and r.scope_id == pid]
        quarter = next(r.value for r in mine if r.period_kind == "quarter")
        assert sum(r.value for r in mine if r.period_kind == "month") == quarter
        assert sum(r.value for r in mine if r.period_kind == "week") == quarter
    assert "no proposed split" in team["mgr"].say("plan confirm")  # applied once, not twice


def test_adjust_one_rep_and_the_rest_rebalance(team, app):
    team["mgr"].say("plan calls 9000 2026-Q4")
    out = team["mgr"].say('plan adjust "Alice Chen" 50%')
    assert "Alice Chen: 4,500 (50%) 📌" in out and "Ben Carter: 2,250 (25%)" in out and "Cy Young: 2,250" in out
    out = team["mgr"].say('plan adjust "Ben Carter" 4000')
    assert "Alice Chen: 4,500" in out and "Ben Carter: 4,000" in out and "Cy Young: 500" in out
    assert "doesn't fit" in team["mgr"].say('plan adjust "Cy Young" 60%').replace("does not", "doesn't")
    assert "not in this split" in team["mgr"].say('plan adjust "Nobody" 10%')
    team["mgr"].say("plan confirm")
    values = {t.scope_id: t.value for t in targets(app, scope="person", period_kind="quarter")}
    names = ids(app)
    assert values == {names["Alice Chen"]: 4500, names["Ben Carter"]: 4000, names["Cy Young"]: 500}


def test_cancel_writes_nothing(team, app):
    team["mgr"].say("plan deals 30 2026-Q4")
    assert "Dropped" in team["mgr"].say("plan cancel")
    assert targets(app) == []
    assert "no proposed split" in team["mgr"].say("plan confirm")


def test_pending_proposal_survives_a_restart(team, app, settings, db, clock):
    team["mgr"].say('plan revenue 600k 2026-Q4 weights "Alice Chen"=3 "Ben Carter"=2 "Cy Young"=1')
    from adapters.console.adapter import ConsoleAdapter

    with app.db.session() as s:
        assert [r.status for r in s.exec(select(PlanProposal)).all()] == ["pending"]
    restarted = App(settings, db=db, clock=clock)
    manager = Chat(ConsoleAdapter(restarted, "mgr", out=io.StringIO()), "mgr")
    assert "Alice Chen: ¥300,000 (50%)" in manager.say("plan")
    assert "Applied" in manager.say("plan confirm")
    values = {t.scope_id: t.value for t in targets(app, scope="person", period_kind="quarter")}
    assert sorted(values.values()) == [10_000_000, 20_000_000, 30_000_000]
    with app.db.session() as s:
        assert [r.status for r in s.exec(select(PlanProposal)).all()] == ["applied"]


def test_by_last_period_share_and_chinese_syntax(team, app, chat):
    names = ids(app)
    now = datetime(2026, 9, 1, tzinfo=timezone.utc)
    with app.db.session() as s:
        for name, cents in (("Alice Chen", 300_000), ("Ben Carter", 100_000)):
            s.add(Deal(person_id=names[name], day=date(2026, 8, 3), amount_cents=cents, created_at=now))
    manager = chat("mgr")
    manager.say("lang zh")
    out = manager.say("分解 销售额 8万 2026-Q4 按上期占比")
    assert "按上期占比" in out and "Alice Chen：¥60,000（75%）" in out and "Cy Young：¥0（0%）" in out
    assert "已生效" in manager.say("分解 确认")


def test_only_managers_plan_and_only_admins_plan_the_company(team):
    assert "Only managers can do that" in team["alice"].say("plan revenue 1m 2026-Q4")
    assert "Only managers can do that" in team["alice"].say("plan confirm")
    assert "Only an admin can do that" in team["mgr"].say("plan company revenue 1m 2026-Q4")
    out = team["admin"].say("plan company revenue 1m 2026-Q4 to-quarter")
    assert "the company" in out and "↳ Alice Chen" in out


def test_bad_input_gets_a_clear_message(team):
    mgr = team["mgr"]
    assert "not a metric" in mgr.say("plan unicorns 5 2026-Q4")
    assert "year, a quarter or a month" in mgr.say("plan calls 500 2026-W49")
    assert "Write it like this" in mgr.say("plan revenue")
    assert "seasonal profile" in mgr.say("plan revenue 1m 2026-Q4 seasonal:nope")


def test_company_plan_adds_up_at_every_level_and_period(team, app, chat):
    from bot.store.tables.sales import Metric
    from bot.core.periods import PeriodKind, period_from_label
    from bot.services import plan as plans
    from bot.core.workcal import CHINA

    chat("dan", name="Dan West", lang="en").say("help")
    team["admin"].say("team create West")
    team["admin"].say('team add "Dan West" West')
    with app.db.session() as s:
        proposal = plans.propose("company", None, Metric.REVENUE, period_from_label("2026-Q4"), 100_000_007,
                                 method="even", weights=None, calendar="seasonal", profile="retail",
                                 depth=PeriodKind.WEEK, session=s)
    plans.adjust(proposal, "West", percent=Decimal("12.5"))
    plans.adjust(proposal, "Ben Carter", value=50_000_000)
    again = plans.Proposal.from_json(proposal.to_json())
    assert again == proposal
    values = plans.expand(again, CHINA)
    assert plans.expand(again, CHINA) == values  # deterministic
    company = values["company:0"]
    teams = [u for u in again.units if u.scope == "team"]
    assert sorted(u.name for u in teams) == ["East", "West"]
    for period, value in company.items():
        assert sum(values[t.key][period] for t in teams) == value, period.label
        for t in teams:
            assert sum(values[r.key][period] for r in again.children(t.key)) == values[t.key][period]
    west = next(t for t in teams if t.name == "West")
    assert west.total == 12_500_001 and values["person:" + str(again.children(west.key)[0].id)][
        period_from_label("2026-Q4")] == west.total
