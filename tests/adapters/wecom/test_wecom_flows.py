"""Whole WeCom conversations in Chinese, through the real WSGI path: encrypted callbacks in, the bot's
messages recorded by the local WeCom API; directory sync by the CLI, twice."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.store.tables.sales import Activity, Deal, InboundEvent, Person, Team
from bot.app import build_server
from tests.conftest import make_settings
from tests.wecom_fake import ROBOT_KEY, FakeWeComAPI, sample_directory, sim, wecom_env


@pytest.fixture
def settings(db):
    return make_settings(PACEBOT_DATABASE_URL=db.url, PACEBOT_LANG="zh", PACEBOT_ADMINS="wecom:boss")


@pytest.fixture
def api():
    fake = FakeWeComAPI()
    sample_directory(fake)
    yield fake
    fake.close()


@pytest.fixture
def wecom(app, api, monkeypatch):
    for key, value in wecom_env(api).items():
        monkeypatch.setenv(key, value)
    server, adapters = build_server(app, ["wecom"])
    assert server.platforms == ["wecom"]
    return sim(api, server, app.clock, adapters[0])


@pytest.fixture
def synced(app, wecom):
    from adapters.wecom.directory import PLATFORM, read_directory, to_records
    from bot.services import directory

    with app.db.session() as session:
        report = directory.sync(PLATFORM, *to_records(*read_directory(wecom.adapter.contacts)),
                                defaults=directory.Defaults.from_settings(app.settings), now=app.clock(),
                                session=session)
    assert report.counts["teams_created"] == 3 and report.counts["people_created"] == 6
    return wecom


def say(wecom, app, user, text, msg_id):
    assert wecom.callbacks.text(user, text, msg_id) == "200 OK"
    app.background.drain()
    return "\n".join(wecom.api.texts(touser=user)).replace("**", "")


def test_log_deal_announce_score_and_leaderboard_in_chinese(app, synced):
    wecom, api = synced, synced.api
    # The manager has the app create the team's group chat (a self-built app cannot hear group chats).
    out = say(wecom, app, "zhaomin", "企微群 创建", 1)
    assert "华东一部 的播报以后发到企业微信的「华东一部」" in out
    (created,) = api.sent("appchat/create")
    assert created["name"] == "华东一部" and created["owner"] == "zhaomin"
    assert created["userlist"] == ["wangfang", "zhangwei", "zhaomin"]
    chat_id = next(iter(api.chats))

    out = say(wecom, app, "zhangwei", "打了80个电话，接通32，通话2h15m，签了一单12万", 2)
    assert "已记录今天：外呼 80 通，接通 32 通（接通率 40%），通话 2小时15分钟" in out
    assert "成交：¥120,000" in out
    cards = [b["template_card"] for b in api.sent("message/send") if b["msgtype"] == "template_card"]
    assert cards and {"text": "撤销", "style": 3, "key": "undo"} in cards[0]["button_list"]
    assert all(b["agentid"] == 1000002 for b in api.sent("message/send"))
    (announcement,) = api.sent("appchat/send")
    assert announcement["chatid"] == chat_id and announcement["msgtype"] == "markdown"
    assert "🎉 喜报！**张伟** 刚刚成交 **¥120,000**！" in announcement["markdown"]["content"]

    out = say(wecom, app, "zhangwei", "成交 38万 华为", 3)
    assert "已记录成交：¥380,000，客户 华为" in out
    app.clock.advance(seconds=5)  # the outbox paces announcements to one group chat
    app.outbox.dispatch()
    assert "刚刚拿下 **华为**，成交 **¥380,000**" in api.sent("appchat/send")[-1]["markdown"]["content"]

    out = say(wecom, app, "zhangwei", "我的业绩", 4)
    assert "销售额：¥500,000" in out and "（未设目标）" in out
    last = api.sent("message/send")[-2:]  # too long for a card: markdown, then the buttons
    assert last[0]["msgtype"] == "markdown" and len(last[0]["markdown"]["content"].encode()) <= 2048
    assert [b["key"] for b in last[1]["template_card"]["button_list"]] == ["me week", "me quarter", "top"]

    say(wecom, app, "wangfang", "记录 60 20 1小时", 5)
    out = say(wecom, app, "wangfang", "排行榜", 6)
    assert "🥇 张伟" in out and "王芳 ← 你" in out

    with app.db.session() as s:
        assert len(s.exec(select(Deal)).all()) == 2 and len(s.exec(select(Activity)).all()) == 2


def test_a_group_chat_wecom_refuses_says_why(app, synced):
    synced.api.fail_next("appchat/create", 60011)  # no permission: the app's visible range is too small
    out = say(synced, app, "zhaomin", "企微群 创建", 1)
    assert "企业微信拒绝了这次请求（错误 60011）" in out
    assert not synced.api.chats


def test_menu_click_and_card_button_act_like_commands(app, synced):
    wecom, api = synced, synced.api
    assert wecom.callbacks.event("zhangwei", "click", "me") == "200 OK"
    app.background.drain()
    assert "张伟 · 2026-11" in "\n".join(api.texts(touser="zhangwei"))
    before = len(api.sent("message/send"))
    # A template card's button: wechatpy 1.8 cannot parse this event; the adapter reads the XML.
    assert wecom.callbacks.event("zhangwei", "template_card_event", "me week", TaskId="pb-1",
                                 CardType="button_interaction", ResponseCode="rc-1") == "200 OK"
    app.background.drain()
    after = "\n".join(api.texts(touser="zhangwei")[before:])
    assert "张伟 · 2026-W48" in after and "张伟 · 2026-11" not in after
    assert wecom.callbacks.event("zhangwei", "click", "log") == "200 OK"
    app.background.drain()
    assert "记录 80 32 2h15m" in "\n".join(api.texts(touser="zhangwei"))


def test_retried_message_and_event_act_once(app, synced):
    wecom, api = synced, synced.api
    for _ in range(3):  # WeCom retries with a fresh nonce each time; the MsgId is the same
        assert wecom.callbacks.text("zhangwei", "记录 80 32 2h", 77) == "200 OK"
    created = wecom.callbacks.timestamp()
    for _ in range(2):  # events: the same sender and CreateTime
        assert wecom.callbacks.event("zhangwei", "click", "top", create_time=created) == "200 OK"
    app.background.drain()
    assert len([t for t in api.texts(touser="zhangwei") if "已记录今天" in t]) == 1
    with app.db.session() as s:
        ids = {e.event_id for e in s.exec(select(InboundEvent).where(InboundEvent.platform == "wecom")).all()}
    assert ids == {"msg:77", f"ev:zhangwei:{created}:click:top"}


def test_robot_webhook_for_announcements(app, synced):
    wecom, api = synced, synced.api
    out = say(wecom, app, "lisi", "企微群 https://evil.example/hook", 1)
    assert "群机器人的地址应以" in out
    out = say(wecom, app, "lisi", f"企微群 {api.url}/cgi-bin/webhook/send?key={ROBOT_KEY}", 2)
    assert "华南二部 的播报以后发到企业微信的「群机器人」" in out
    say(wecom, app, "liuyang", "成交 5万 腾讯", 3)
    (hook,) = api.sent("webhook/send")
    assert hook["msgtype"] == "markdown" and "刘洋" in hook["markdown"]["content"]
    assert not api.sent("appchat/send")
    out = say(wecom, app, "liuyang", "企微群 创建", 4)
    assert "只有经理可以这样做" in out


def test_directory_sync_twice_by_the_cli(db, api, monkeypatch, capsys):
    import bot.app as cli

    for key, value in {**wecom_env(api), "PACEBOT_DATABASE_URL": db.url, "PACEBOT_LANG": "zh",
                       "PACEBOT_ADMINS": "wecom:boss"}.items():
        monkeypatch.setenv(key, value)
    assert cli.main(["sync", "wecom"]) == 0
    first = capsys.readouterr().out
    assert "新建团队：3 个" in first and "新增成员：6 名" in first

    def snapshot():
        with db.session() as s:
            teams = sorted((t.id, t.name) for t in s.exec(select(Team)).all())
            people = sorted((p.id, p.name, p.team_id, p.role.value) for p in s.exec(select(Person)).all())
        return teams, people

    once = snapshot()
    teams = dict((name, tid) for tid, name in once[0])
    people = {name: (team, role) for _, name, team, role in once[1]}
    assert people["赵敏"] == (teams["华东一部"], "manager") and people["张伟"] == (teams["华东一部"], "rep")
    assert people["王芳"] == (teams["华东一部"], "rep") and people["李四"] == (teams["华南二部"], "manager")
    assert people["老板"] == (teams["星河科技"], "manager")  # leads the top department and people["刘洋"] == (teams["华南二部"], "rep")
    assert "离职的人" not in people

    assert cli.main(["sync", "wecom"]) == 0
    second = capsys.readouterr().out
    assert "新建团队：0 个" in second and "新增成员：0 名" in second and "更新成员：0 名" in second
    assert snapshot() == once

    # A renamed department renames its team; a member who left is taken off the team.
    api.departments[1]["name"] = "华东销售一部"
    api.users[2]["status"] = 5
    assert cli.main(["sync", "wecom"]) == 0
    third = capsys.readouterr().out
    assert "团队改名：1 个" in third and "移出团队：1 名" in third
    teams, people = snapshot()
    assert (once[0][1][0], "华东销售一部") in teams or any(n == "华东销售一部" for _, n in teams)
    assert next(p for p in people if p[1] == "张伟")[2] is None


def test_menu_is_created_by_the_cli(db, api, monkeypatch, capsys):
    import bot.app as cli

    for key, value in {**wecom_env(api), "PACEBOT_DATABASE_URL": db.url, "PACEBOT_LANG": "zh"}.items():
        monkeypatch.setenv(key, value)
    assert cli.main(["wecom-menu"]) == 0
    (menu,) = [r for r in api.requests if r["endpoint"] == "menu/create"]
    assert menu["query"]["agentid"] == "1000002"
    assert menu["body"]["button"] == [{"type": "click", "name": "我的业绩", "key": "me"},
                                      {"type": "click", "name": "记录今天", "key": "log"},
                                      {"type": "click", "name": "排行榜", "key": "top"}]
    monkeypatch.delenv("WECOM_CORP_ID")
    assert cli.main(["wecom-menu"]) == 2
    assert "WECOM_CORP_ID" in capsys.readouterr().err


def test_weekly_digest_reaches_the_manager_with_its_chart(app, synced, tmp_path, monkeypatch):
    from bot.schedule.jobs import weekly_digest

    monkeypatch.setenv("PACEBOT_CHART_DIR", str(tmp_path))
    with app.db.session() as s:
        team = s.exec(select(Team).where(Team.name == "华东一部")).one()
    assert weekly_digest(app, team, app.clock()) == 1  # to 赵敏, the department's leader
    app.outbox.dispatch()
    api = synced.api
    (upload,) = api.sent("media/upload")
    assert upload["media"]["content"].startswith(b"\x89PNG") and upload["media"]["filename"].endswith("-zh.png")
    text, image = [b for b in api.sent("message/send") if b["touser"] == "zhaomin"]
    assert text["msgtype"] == "markdown" and "华东一部" in text["markdown"]["content"]
    assert image["image"] == {"media_id": upload["media_id"]}
