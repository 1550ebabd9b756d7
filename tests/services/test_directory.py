"""The one directory sync, the same scenarios for WeCom and DingTalk: `pacebot sync <platform>` against
the platform's local fake, on SQLite and PostgreSQL. Admins are never written (their rights come from PACEBOT_ADMINS), department
leaders manage their team, same-named departments get their parent's name in front, a member who left
is taken off their team, a second run changes nothing, and links made before the one link table
(`wecom_department`, `dingtalk_department`) survive its migration."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import inspect, text
from sqlmodel import select

from bot.app import main
from bot.store.db import Database
from bot.store.tables.sales import Account, Person, Team
from bot.store.tables.directory import DirectoryLink

# One company, described once: (id, name, parent id); the root (1) is the company itself.
DEPARTMENTS = [(2, "华东", 1), (3, "华南", 1), (4, "一组", 2), (5, "一组", 3), (6, "空部门", 1)]
# (userid, name, departments with the main one first, departments they lead)
MEMBERS = [("boss", "老板", [2], []), ("zhaomin", "赵敏", [2], [2]), ("zhangwei", "张伟", [4], []),
           ("wangfang", "王芳", [4, 5], []), ("lisi", "李四", [4], [4]), ("liuyang", "刘洋", [5], [])]


class WeCom:
    """The company on the local WeCom API: departments with `parentid`, members with `status`."""

    name = "wecom"

    def __init__(self, clock):
        from tests.wecom_fake import FakeWeComAPI, wecom_env

        self.api = FakeWeComAPI()
        self.env = wecom_env(self.api)

    def load(self, departments=DEPARTMENTS, members=MEMBERS) -> None:
        self.api.departments = [{"id": 1, "name": "星河科技", "parentid": 0, "department_leader": []}] + [
            {"id": d, "name": n, "parentid": p, "department_leader": []} for d, n, p in departments]
        self.api.users = [{"userid": u, "name": n, "department": list(ds), "main_department": ds[0],
                           "is_leader_in_dept": [int(d in leads) for d in ds], "status": 1}
                          for u, n, ds, leads in members]

    def leave(self, userid: str) -> None:
        next(u for u in self.api.users if u["userid"] == userid)["status"] = 5  # left the company

    def rename(self, dept_id: int, name: str) -> None:
        next(d for d in self.api.departments if d["id"] == dept_id)["name"] = name

    def close(self) -> None:
        self.api.close()


class DingTalk:
    """The company on the local DingTalk API: sub-departments per parent, members per department."""

    name = "dingtalk"

    def __init__(self, clock):
        from tests.dingtalk_fake import APP_KEY, APP_SECRET, FakeDingTalk

        self.api = FakeDingTalk(clock)
        self.env = {"DINGTALK_APP_KEY": APP_KEY, "DINGTALK_APP_SECRET": APP_SECRET,
                    "DINGTALK_API_BASE": self.api.url, "DINGTALK_OAPI_BASE": self.api.url}

    def load(self, departments=DEPARTMENTS, members=MEMBERS) -> None:
        self.api.departments = {}
        for d, n, p in departments:
            self.api.departments.setdefault(p, []).append({"dept_id": d, "name": n, "parent_id": p})
        self.api.users = {}
        for u, n, ds, leads in members:  # DingTalk has no main department: the first one read
            for d in ds:
                self.api.users.setdefault(d, []).append({"userid": u, "name": n, "leader": d in leads})

    def leave(self, userid: str) -> None:
        for people in self.api.users.values():  # DingTalk simply stops listing someone who left
            people[:] = [u for u in people if u["userid"] != userid]

    def rename(self, dept_id: int, name: str) -> None:
        for depts in self.api.departments.values():
            for d in depts:
                if d["dept_id"] == dept_id:
                    d["name"] = name

    def close(self) -> None:
        self.api.close()


@pytest.fixture(params=[WeCom, DingTalk], ids=["wecom", "dingtalk"])
def platform(request, clock):
    p = request.param(clock)
    yield p
    p.close()


def use(monkeypatch, tmp_path, platform, url: str, admins: str = "") -> None:
    monkeypatch.chdir(tmp_path)  # no .env from the working directory
    for key, value in {**platform.env, "PACEBOT_DATABASE_URL": url, "PACEBOT_LANG": "zh",
                       "PACEBOT_ADMINS": admins or f"{platform.name}:boss"}.items():
        monkeypatch.setenv(key, value)


def sync(platform, capsys) -> str:
    assert main(["sync", platform.name]) == 0
    return capsys.readouterr().out


def snapshot(db):
    """Teams, and each person as (name, role, team name), by platform account."""
    with db.session() as s:
        teams = {t.id: t.name for t in s.exec(select(Team)).all()}
        people = {a.account_id: (p.name, p.role.value, teams.get(p.team_id)) for a, p in s.exec(
            select(Account, Person).join(Person, Person.id == Account.person_id)).all()}
        links = sorted((link.platform, link.external_id, teams[link.local_id])
                       for link in s.exec(select(DirectoryLink)).all())
    return sorted(teams.values()), people, links


def test_first_sync_teams_people_leaders_and_same_named_departments(db, platform, monkeypatch, tmp_path,
                                                                         capsys):
    platform.load()
    use(monkeypatch, tmp_path, platform, db.url)
    sync(platform, capsys)
    teams, people, links = snapshot(db)
    # Only departments someone calls home become teams; the two 一组 carry their parent's name.
    assert teams == ["华东", "华东/一组", "华南/一组"]
    assert people == {"boss": ("老板", "rep", "华东"), "zhaomin": ("赵敏", "manager", "华东"),
                      "zhangwei": ("张伟", "rep", "华东/一组"), "wangfang": ("王芳", "rep", "华东/一组"),
                      "lisi": ("李四", "manager", "华东/一组"), "liuyang": ("刘洋", "rep", "华南/一组")}
    assert links == [(platform.name, "2", "华东"), (platform.name, "4", "华东/一组"), (platform.name, "5", "华南/一组")]


def test_second_sync_changes_nothing_then_a_rename_and_a_leaver(db, platform, monkeypatch, tmp_path, capsys):
    platform.load()
    use(monkeypatch, tmp_path, platform, db.url)
    sync(platform, capsys)
    once = snapshot(db)
    out = sync(platform, capsys)
    assert snapshot(db) == once
    assert ("没有变化" in out) if platform.name == "dingtalk" else ("新建团队：0 个" in out and "更新成员：0 名" in out)

    platform.rename(2, "华东大区")
    platform.leave("zhangwei")
    out = sync(platform, capsys)
    teams, people, _ = snapshot(db)
    assert teams == ["华东大区", "华东大区/一组", "华南/一组"]  # renamed (with the 一组 under it), none added
    assert people["zhangwei"] == ("张伟", "rep", None)  # left: off the team, still on record
    assert people["boss"] == ("老板", "rep", "华东大区")
    assert ("移出团队 1 人" in out) if platform.name == "dingtalk" else ("移出团队：1 名" in out)
    assert sync(platform, capsys) and snapshot(db)[1] == people


def test_a_hand_made_team_is_linked_and_chat_roles_survive(db, platform, monkeypatch, tmp_path, capsys, clock):
    from bot.store.tables.sales import Role
    from bot.services import org

    with db.session() as s:
        org.create_team("华南/一组", tz="Asia/Shanghai", currency="CNY", lang="zh", now=clock(), session=s)
    platform.load()
    use(monkeypatch, tmp_path, platform, db.url)
    sync(platform, capsys)
    with db.session() as s:
        team = org.team_by_name("华南/一组", session=s)
        assert s.get(DirectoryLink, (platform.name, "department", "5")).local_id == team.id
        assert len(s.exec(select(Team)).all()) == 3
        liu = org.find_account(platform.name, "liuyang", session=s)
        liu.role = Role.MANAGER  # made a manager in chat
        s.add(liu)
    sync(platform, capsys)
    assert snapshot(db)[1]["liuyang"] == ("刘洋", "manager", "华南/一组")


def test_a_second_platform_keeps_its_own_links(db, monkeypatch, tmp_path, capsys, clock):
    """WeCom and DingTalk name the same departments: each platform's link is its own, the teams shared."""
    first, second = WeCom(clock), DingTalk(clock)
    try:
        for p in (first, second):
            p.load()
            use(monkeypatch, tmp_path, p, db.url)
            sync(p, capsys)
        teams, _, links = snapshot(db)
        assert teams == ["华东", "华东/一组", "华南/一组"]
        assert [link for link in links if link[0] == "dingtalk"] == [
            ("dingtalk", "2", "华东"), ("dingtalk", "4", "华东/一组"), ("dingtalk", "5", "华南/一组")]
    finally:
        first.close()
        second.close()


def test_the_migration_keeps_links_made_by_the_old_tables(empty_db, platform, monkeypatch, tmp_path, capsys):
    db = empty_db
    db.upgrade("0004_wecom")
    db.upgrade("0005_dingtalk")
    with db.engine.begin() as conn:
        for team_id, name in ((1, "华东老名字"), (2, "华东-钉钉")):
            conn.execute(text("INSERT INTO team (id, name, tz, currency, lang, created_at) "
                              "VALUES (:id, :name, 'Asia/Shanghai', 'CNY', 'zh', '2026-11-01 00:00:00')"),
                         {"id": team_id, "name": name})
        if db.dialect == "postgresql":
            conn.execute(text("SELECT setval('team_id_seq', 2)"))
        conn.execute(text("INSERT INTO wecom_department (dept_id, team_id, name) VALUES (2, 1, '华东老名字')"))
        conn.execute(text("INSERT INTO dingtalk_department (dept_id, team_id) VALUES (2, 2)"))
    db.upgrade()
    assert not {"wecom_department", "dingtalk_department"} & set(inspect(db.engine).get_table_names())
    with db.session() as s:
        assert sorted((link.platform, link.kind, link.external_id, link.local_id)
                      for link in s.exec(select(DirectoryLink)).all()) == [
            ("dingtalk", "department", "2", 2), ("wecom", "department", "2", 1)]

    platform.load()
    use(monkeypatch, tmp_path, platform, db.url)
    sync(platform, capsys)
    with db.session() as s:
        linked = s.get(Team, 1 if platform.name == "wecom" else 2)
        assert linked.name == "华东"  # the linked team was renamed, not a new 华东 made beside it
        assert len(s.exec(select(Team)).all()) == 4  # the other platform's team, 华东/一组, 华南/一组


def test_the_migration_goes_back_down(tmp_path, sqlite_template):
    """Downgrading 0014 puts the links back into the platforms' own tables."""
    from alembic import command

    path = tmp_path / "down.db"
    shutil.copy(sqlite_template, path)
    db = Database(f"sqlite:///{path}")
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO team (id, name, tz, currency, lang, created_at) "
                          "VALUES (7, '华东', 'Asia/Shanghai', 'CNY', 'zh', '2026-11-01 00:00:00')"))
        conn.execute(text("INSERT INTO directorylink VALUES ('wecom', 'department', '2', 7), "
                          "('dingtalk', 'department', '20', 7)"))
        cfg = db.alembic_config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0005_dingtalk")
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT dept_id, team_id, name FROM wecom_department")).all() == [(2, 7, "华东")]
        assert conn.execute(text("SELECT dept_id, team_id FROM dingtalk_department")).all() == [(20, 7)]
        assert not inspect(conn).has_table("directorylink")
    db.dispose()
