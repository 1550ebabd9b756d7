"""Whole DingTalk flows on SQLite and PostgreSQL: the directory synced (twice), the team's group set
up, a day logged, a deal won and announced (group robot, then a custom robot), 我的业绩 and 排行榜."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.app import App
from bot.app import main
from bot.store.tables.sales import Account, Person, Role, Team
from tests.conftest import make_settings
from tests.dingtalk_fake import APP_KEY, APP_SECRET, ROBOT_SECRET
from tests.dingtalk_support import Person as Talker
from tests.dingtalk_support import dt_settings, fake, make_adapter, texts  # noqa: F401

ROOT = [{"dept_id": 100, "name": "华东一部", "parent_id": 1}, {"dept_id": 200, "name": "华南二部", "parent_id": 1}]
USERS = {
    100: [{"userid": "zhaomin", "name": "赵敏", "leader": True}, {"userid": "zhangwei", "name": "张伟", "leader": False},
          {"userid": "wangfang", "name": "王芳", "leader": False}],
    200: [{"userid": "liqiang", "name": "李强", "leader": True}, {"userid": "zhangwei", "name": "张伟", "leader": False}],
    101: [],
}


@pytest.fixture
def dt_app(db, clock):
    return App(make_settings(PACEBOT_DATABASE_URL=db.url, PACEBOT_LANG="zh", PACEBOT_ADMINS="dingtalk:boss"),
               db=db, clock=clock)


@pytest.fixture
def env(monkeypatch, tmp_path, db, fake):
    monkeypatch.chdir(tmp_path)
    for key, value in {"PACEBOT_DATABASE_URL": db.url, "PACEBOT_LANG": "zh", "DINGTALK_APP_KEY": APP_KEY,
                       "DINGTALK_APP_SECRET": APP_SECRET, "DINGTALK_API_BASE": fake.url,
                       "DINGTALK_OAPI_BASE": fake.url, "DINGTALK_ALLOWED_HOSTS": "127.0.0.1"}.items():
        monkeypatch.setenv(key, value)


def directory(fake):
    fake.departments = {1: list(ROOT), 100: [{"dept_id": 101, "name": "华东一部-电销组", "parent_id": 100}]}
    fake.users = {k: list(v) for k, v in USERS.items()}


def snapshot(app):
    with app.db.session() as s:
        people = sorted((p.name, p.role.value, p.team_id) for p in s.exec(select(Person)).all())
        teams = sorted((t.id, t.name) for t in s.exec(select(Team)).all())
        accounts = sorted((a.platform, a.account_id) for a in s.exec(select(Account)).all())
    return people, teams, accounts


def test_sync_twice_changes_nothing_the_second_time(env, dt_app, fake, capsys):
    directory(fake)
    assert main(["sync", "dingtalk"]) == 0
    assert "新建团队 2 个，新增成员 4 人" in capsys.readouterr().out
    people, teams, accounts = snapshot(dt_app)
    assert [name for _, name in teams] == ["华东一部", "华南二部"]  # the empty sub-department is no team
    east, south = (tid for tid, _ in teams)
    assert people == sorted([("赵敏", "manager", east), ("张伟", "rep", east), ("王芳", "rep", east),
                             ("李强", "manager", south)])
    assert ("dingtalk", "zhangwei") in accounts and len(accounts) == 4
    first = snapshot(dt_app)
    fake.expire_tokens()  # a token revoked between runs is fetched again
    assert main(["sync", "dingtalk"]) == 0
    assert "没有变化" in capsys.readouterr().out
    assert snapshot(dt_app) == first and fake.oapi_tokens_issued == 2
    # A department renamed in DingTalk renames its team; a new member joins it.
    fake.departments[1][1] = {"dept_id": 200, "name": "华南大区", "parent_id": 1}
    fake.users[200].append({"userid": "chenjing", "name": "陈静", "leader": False})
    assert main(["sync", "dingtalk"]) == 0
    assert "团队改名 1 个，新增成员 1 人" in capsys.readouterr().out
    assert ("华南大区" in [name for _, name in snapshot(dt_app)[1]])


def test_sales_day_on_dingtalk(env, dt_app, dt_settings, fake, clock, capsys):
    directory(fake)
    assert main(["sync", "dingtalk"]) == 0
    adapter = make_adapter(dt_app, dt_settings)
    manager_in_group = Talker(dt_app, adapter, fake, clock, "zhaomin", "赵敏", group="cidEAST", title="华东战报群")
    zhang = Talker(dt_app, adapter, fake, clock, "zhangwei", "张伟")
    wang_in_group = Talker(dt_app, adapter, fake, clock, "wangfang", "王芳", group="cidEAST", title="华东战报群")

    assert "华东战报群" in texts(manager_in_group.say("团队 频道"))
    assert "销售额目标已设为 **¥500,000**" in texts(Talker(dt_app, adapter, fake, clock, "zhaomin", "赵敏").say(
        "目标 张伟 销售额 50万 本月"))

    out = zhang.say("记录 80 30 2小时")
    assert "已记录今天：外呼 **80** 通，接通 **30** 通" in texts(out)
    assert out[0].path == "/robot/sendBySession" and out[0].query["session"] == "zhangwei"

    out = zhang.say("成交 12万 华为")
    answer = [s for s in out if s.path == "/robot/sendBySession"]
    assert answer[0].body["msgtype"] == "actionCard"
    assert any("撤销" in b["title"] for b in answer[0].body["actionCard"]["btns"])
    group = [s for s in out if s.path == "/v1.0/robot/groupMessages/send"]
    assert len(group) == 1 and group[0].body["openConversationId"] == "cidEAST"
    assert "喜报" in group[0].msg_param["text"] and "华为" in group[0].msg_param["text"]

    out = texts(zhang.say("我的业绩"))
    assert "¥120,000 / ¥500,000" in out
    out = wang_in_group.say("排行榜")
    assert out[0].query["session"] == "cidEAST" and "🥇 张伟" in texts(out)

    # The team switches its announcements to a custom group robot with a signing secret.
    assert main(["dingtalk", "webhook", "华东一部", fake.robot_webhook, ROBOT_SECRET]) == 0
    assert "自定义群机器人" in capsys.readouterr().out
    out = zhang.say("成交 3万 中兴")
    robot = [s for s in out if s.path == "/robot/send"]
    assert len(robot) == 1 and "中兴" in robot[0].body["markdown"]["text"]
    assert robot[0].body["at"]["atUserIds"] == ["zhangwei"]
    assert not [s for s in out if s.path == "/v1.0/robot/groupMessages/send"]


def test_roles_from_chat_survive_a_sync(env, dt_app, fake):
    directory(fake)
    assert main(["sync", "dingtalk"]) == 0
    with dt_app.db.session() as s:
        wang = s.exec(select(Person).where(Person.name == "王芳")).one()
        wang.role = Role.MANAGER
        s.add(wang)
    assert main(["sync", "dingtalk"]) == 0
    with dt_app.db.session() as s:
        assert s.exec(select(Person).where(Person.name == "王芳")).one().role is Role.MANAGER


def test_sync_with_wrong_credentials_says_so(env, monkeypatch, fake, capsys):
    directory(fake)
    monkeypatch.setenv("DINGTALK_APP_SECRET", "wrong")
    assert main(["sync", "dingtalk"]) == 1
    assert "钉钉通讯录同步失败" in capsys.readouterr().err
    monkeypatch.delenv("DINGTALK_APP_KEY")
    with pytest.raises(SystemExit):
        main(["sync", "dingtalk"])
    assert "DINGTALK_APP_KEY" in capsys.readouterr().err
