"""The audit trail through the console: targets set and plans confirmed show to admins, in their language,
and nobody else may read it."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.store.tables.audit import AuditEntry
from bot.store.tables.sales import Person


@pytest.fixture
def team(chat):
    admin = chat("admin", name="Ada Admin", lang="en")
    people = {key: chat(key, name=name, lang=lang) for key, name, lang in
              (("mgr", "Grace Hill", "en"), ("alice", "Alice Chen", "en"), ("wei", "张伟", "zh"))}
    for person in people.values():
        person.say("help")
    admin.say("team create East Asia/Shanghai")
    for name in ("Grace Hill", "Alice Chen", "张伟"):
        admin.say(f'team add "{name}" East')
    admin.say('team manager "Grace Hill"')
    return dict(people, admin=admin)


def entries(app):
    """Entries after the fixture's setup (its team moves and role change are tested in test_roles)."""
    with app.db.session() as s:
        return list(s.exec(select(AuditEntry).where(AuditEntry.action.not_in(("team.move", "role.set")))
                           .order_by(AuditEntry.id)).all())


def test_targets_and_confirmed_plans_show_in_the_admins_audit(team, app):
    with app.db.session() as s:
        alice = s.exec(select(Person).where(Person.name == "Alice Chen")).one()
        grace = s.exec(select(Person).where(Person.name == "Grace Hill")).one()
    team["mgr"].say('target "Alice Chen" revenue 500k month')
    team["mgr"].say('target "Alice Chen" revenue 600k month')
    team["mgr"].say("plan calls 9000 2026-Q4")
    assert [e.action for e in entries(app)] == ["target.set", "target.set"]  # a proposal changes nothing
    team["mgr"].say("plan confirm")  # the manager's approval of the split writes the targets
    rows = entries(app)
    assert [(e.action, e.actor_id, e.actor) for e in rows] == [("target.set", grace.id, "console:Grace Hill")] * 2 + [
        ("plan.split", grace.id, "console:Grace Hill")]
    assert rows[0].subject == f"person #{alice.id} Alice Chen · revenue 2026-11"

    out = team["admin"].say("audit")
    assert "Audit trail" in out and "Asia/Shanghai" in out
    assert f"2026-11-26 10:00 · console:Grace Hill · target set · person #{alice.id} Alice Chen · revenue 2026-11: " \
           "500000 → 600000" in out
    assert f"target set · person #{alice.id} Alice Chen · revenue 2026-11: 500000" in out
    assert "plan confirmed · team #" in out and "East · calls 2026-Q4" in out and '"targets": ' in out
    assert out.index("plan confirmed") < out.index("600000")  # newest first


def test_audit_since_a_number_of_days_in_either_language(team, app, clock):
    team["mgr"].say('target "Alice Chen" calls 1600 2026-12')
    clock.advance(days=10)
    team["mgr"].say('target "Alice Chen" calls 1800 2026-12')
    out = team["admin"].say("audit 7d")
    assert "since 7d (latest 1," in out and "calls 2026-12: 1600 → 1800" in out  # not the first setting
    team["admin"].say("lang zh")
    out = team["admin"].say("审计 7天")
    assert "审计日志 · 自 7天（最近 1 条" in out and "设置目标" in out and "1600 → 1800" in out
    assert "没有记录到改动" in team["admin"].say("审计 2027-01-01")
    assert "不是我能识别的起点" in team["admin"].say("审计 上周")


def test_only_admins_may_read_the_audit(team):
    assert "Only an admin can do that" in team["alice"].say("audit")
    assert "只有管理员可以这样做" in team["wei"].say("审计")
    out = team["mgr"].say("audit")
    assert "Only an admin can do that" in out and "Audit trail" not in out
