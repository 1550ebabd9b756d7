"""Roles mean what they say, through the console: admin rights come from PACEBOT_ADMINS at each message
and are never written; moving someone out of another team needs an admin or that team's manager; a
manager may also sell (ranked, counted, nudged) or step back; `me` and `top` rank the same people."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import text
from sqlmodel import select

from adapters.console.adapter import ConsoleAdapter
from bot.app import App
from bot.services import org
from bot.store.tables.sales import Person, Role, Team
from tests.conftest import Chat, make_settings


def console_chat(app, user: str, **kw) -> Chat:
    return Chat(ConsoleAdapter(app, "nobody", out=io.StringIO()), user, **kw)


def person(app, account: str) -> Person:
    with app.db.session() as s:
        return org.find_account("console", account, session=s)


@pytest.fixture
def company(app, chat):
    """Two teams, East (manager Mia, reps Ann and Bo) and West (manager Wu, rep Wen), and Tao without a
    team; the admin (PACEBOT_ADMINS=console:admin) set it up."""
    admin = chat("admin", name="Admin", lang="en")
    people = {"admin": admin}
    for account, name in (("mia", "Mia"), ("ann", "Ann"), ("bo", "Bo"), ("wu", "Wu"), ("wen", "Wen"),
                          ("tao", "Tao")):
        people[account] = chat(account, name=name, lang="en")
        people[account].say("help")  # registers them
    assert "created" in admin.say("team create East").lower()
    admin.say("team create West")
    for account, team in (("mia", "East"), ("ann", "East"), ("bo", "East"), ("wu", "West"), ("wen", "West")):
        assert team in admin.say(f"team add @{account} {team}")
    admin.say("team manager @mia")
    admin.say("team manager @wu")
    return people


def team_of(app, account: str) -> str | None:
    p = person(app, account)
    with app.db.session() as s:
        team = s.get(Team, p.team_id) if p.team_id else None
        return team.name if team else None


def test_no_one_is_ever_written_as_admin(app, company):
    with app.db.session() as s:
        stored = {row[0] for row in s.execute(text("SELECT DISTINCT role FROM person")).all()}
    assert stored <= {"rep", "manager"}
    assert person(app, "admin").role == Role.REP


def test_admin_rights_follow_the_setting_and_the_person_keeps_their_role(app, db, clock, company):
    company["admin"].say("team add @admin East")
    company["admin"].say("team manager @admin")
    assert "Ann is now also slack:U1" in company["admin"].say("team link @ann slack:U1")
    # Taken off PACEBOT_ADMINS: no admin rights from the next message on, still East's manager.
    later = App(make_settings(PACEBOT_DATABASE_URL=db.url, PACEBOT_ADMINS=""), db=db, clock=clock)
    admin = console_chat(later, "admin", name="Admin", lang="en")
    assert "Only an admin can do that" in admin.say("team link @ann slack:U2")
    assert "You can only do that for your own team" in admin.say("team manager @wen")
    assert person(later, "admin").role == Role.MANAGER
    with later.db.session() as s:
        assert [p.name for p in org.managers_of(person(later, "admin").team_id, session=s)] == ["Admin", "Mia"]
    # ... so they still hear their team's target feedback.
    out = console_chat(later, "ann", name="Ann", lang="en").say("feedback the target is too high")
    assert out.count("the target is too high") >= 2  # Ann's confirmation plus the managers' copies


def test_a_manager_cannot_pull_someone_out_of_another_team(app, company):
    mia = company["mia"]
    out = mia.say("team add @wen East")
    assert "Wen is in West" in out and "Only an admin or a manager of West" in out
    assert team_of(app, "wen") == "West"
    out = mia.say("team add @wu East")  # West's manager: their dashboard page would be Mia's
    assert "Only an admin or a manager of West" in out
    assert team_of(app, "wu") == "West" and person(app, "wu").role == Role.MANAGER


def test_a_manager_brings_in_people_without_a_team_and_sends_their_own_anywhere(app, company):
    assert "East" in company["mia"].say("team add @tao")
    assert team_of(app, "tao") == "East"
    assert "West" in company["mia"].say("team add @bo West")  # East's manager sends Bo to West
    assert team_of(app, "bo") == "West"
    assert "East" in company["wu"].say("team add @wen East")  # West's manager lets Wen go
    assert team_of(app, "wen") == "East"


def test_a_manager_cannot_move_themselves_or_another_manager_into_another_team(app, company):
    company["admin"].say("team manager @ann")
    out = company["mia"].say("team add @mia West")
    assert "only an admin can move a manager to West" in out
    assert "only an admin can move a manager to West" in company["mia"].say("team add @ann West")
    assert team_of(app, "mia") == "East" and team_of(app, "ann") == "East"
    assert "West" in company["admin"].say("team add @mia West")  # an admin may
    assert team_of(app, "mia") == "West"


def test_the_chinese_refusal_names_the_team(app, company):
    mia = console_chat(app, "mia", name="Mia", lang="zh")
    mia.say("lang zh")
    out = mia.say("团队 添加 @wen East")
    assert "Wen 属于 West" in out and "只有管理员或 West 的经理" in out


def board_names(out: str) -> list[str]:
    return re.findall(r"(Mia|Ann|Bo)\b", out)


def test_a_manager_who_sells_is_ranked_and_can_step_back(app, company):
    mia, ann, bo = company["mia"], company["ann"], company["bo"]
    mia.say("log 90 30 1h")
    ann.say("log 50 20 1h")
    bo.say("log 40 10 1h")
    top = ann.say("top calls")
    assert "Mia" not in top and "Ann" in top  # a manager who does not sell is not ranked, numbers or not
    assert "of 2" in ann.say("me") and "#" not in mia.say("me").split("Calls")[1].split("\n")[0]

    out = company["admin"].say("team manager @mia sells")
    assert "also sells" in out
    assert person(app, "mia").sells and person(app, "mia").role == Role.MANAGER
    top = ann.say("top calls")
    assert top.index("Mia") < top.index("Ann") < top.index("Bo")
    assert "#1 of 3" in mia.say("me") and "#2 of 3" in ann.say("me")

    assert "Managers are not ranked" in mia.say("team manager @mia")  # manages only again
    assert "Mia" not in ann.say("top calls") and "of 2" in bo.say("me")

    assert "Mia is a rep of East again" in mia.say("team manager @mia off")
    assert person(app, "mia").role == Role.REP
    assert "of 3" in bo.say("me")
    assert "Only managers can do that" in mia.say("team add @tao")


def test_manager_settings_in_chinese_and_a_bad_one(app, company):
    out = company["admin"].say("team manager @mia boss")
    assert "is not a manager setting" in out and "team manager NAME sells (manages and sells)" in out
    admin = console_chat(app, "admin", name="Admin", lang="zh")
    admin.say("lang zh")
    assert "同时也做销售" in admin.say("团队 经理 @mia 销售")
    assert person(app, "mia").sells
    assert "已改回" in admin.say("团队 经理 @mia 取消")
    assert person(app, "mia").role == Role.REP
    out = admin.say("团队 经理 @mia 老大")
    assert "不是经理设置" in out and "团队 经理 姓名 销售（管理并销售）" in out
    assert person(app, "mia").role == Role.REP


def test_nudges_and_digest_count_the_same_people_as_the_boards(app, company, clock):
    from bot.schedule import jobs
    from bot.services.digest import build_digest
    from bot.core.periods import PeriodKind, period_containing
    from datetime import date

    company["admin"].say("team manager @mia sells")
    east = company["ann"].say("team")
    assert "Mia (manager, sells)" in east
    with app.db.session() as s:
        team = org.team_by_name("East", session=s)
        week = period_containing(PeriodKind.WEEK, date(2026, 11, 30))
        digest = build_digest(team, week, default_tz="Asia/Shanghai", session=s)
    assert sorted(r.name for r in digest.reps) == ["Ann", "Bo", "Mia"]
    assert jobs.nudge(app, team, clock(), force=True) == 3  # nobody logged today: Ann, Bo and Mia
    company["admin"].say("team manager @mia")
    with app.db.session() as s:
        assert sorted(r.name for r in build_digest(team, week, default_tz="Asia/Shanghai", session=s).reps) == [
            "Ann", "Bo"]


def test_the_migration_makes_stored_admins_managers_and_keeps_sellers_ranked(empty_db):
    db = empty_db
    db.upgrade("0014_directory")
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO team (id, name, tz, currency, lang, created_at) "
                          "VALUES (1, 'East', 'Asia/Shanghai', 'CNY', 'en', '2026-11-01 00:00:00')"))
        for pid, name, role in ((1, "Old admin", "admin"), (2, "Selling lead", "manager"), (3, "Lead", "manager"),
                                (4, "Rep", "rep")):
            conn.execute(text("INSERT INTO person (id, name, lang, role, team_id, created_at) "
                              "VALUES (:id, :name, 'en', :role, 1, '2026-11-01 00:00:00')"),
                         {"id": pid, "name": name, "role": role})
        conn.execute(text("INSERT INTO activity (person_id, day, dialed, connected, talk_minutes, updated_at) "
                          "VALUES (2, '2026-11-02', 5, 1, 3, '2026-11-02 00:00:00')"))
    db.upgrade()
    with db.session() as s:
        got = {p.name: (p.role.value, p.sells) for p in s.exec(select(Person)).all()}
    assert got == {"Old admin": ("manager", False), "Selling lead": ("manager", True), "Lead": ("manager", False),
                   "Rep": ("rep", False)}


def test_role_changes_and_team_moves_are_in_the_audit_trail(app, company):
    company["mia"].say("team manager @ann sells")
    company["mia"].say("team add @bo West")
    assert "Wen is in West" in company["mia"].say("team add @wen East")  # refused: leaves no entry
    out = company["admin"].say("audit")
    lines = out.splitlines()
    ann = next(line for line in lines if "role changed" in line and "Ann" in line)
    assert "console:Mia" in ann and "manager" in ann
    bo = next(line for line in lines if "team move" in line and "Bo" in line)
    assert "East" in bo and "West" in bo
    assert not [line for line in lines if "team move" in line and "Wen" in line and "East" in line.split("Wen")[1]]
    from bot.store.tables.audit import AuditEntry
    with app.db.session() as s:
        wen = [e for e in s.exec(select(AuditEntry)).all() if "Wen" in e.subject]
    assert [e.action for e in wen] == ["team.move"]  # only the admin's setup move into West


def test_help_lists_audit_for_admins_only(app, company):
    assert "audit · audit 7d: who changed what" in company["admin"].say("help")
    assert "audit 7d" not in company["mia"].say("help")
    assert "audit 7d" not in company["ann"].say("help")
