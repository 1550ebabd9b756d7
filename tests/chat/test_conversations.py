"""Whole conversations through the console adapter, on SQLite and PostgreSQL. The scenarios both
languages share run once in Chinese and once in English (the `org` fixture, with each language's words
in SAY and its answers in SEE); what only one language has (a Chinese sentence that starts like a
command, English-only flows) stays a case of its own below."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import select

from bot.store.tables.sales import Activity, Deal, Person, Role, Target, TeamChannel


@dataclass
class Org:
    """A team built from chat by an admin: a manager, two reps and an announcement channel."""

    lang: str
    admin: object
    manager: object
    rep: object  # the rep most scenarios follow
    rep2: object
    floor: object  # the manager, in the team's group channel

    def say(self, key: str, who: str = "rep", **params) -> str:
        return getattr(self, who).say(SAY[self.lang][key].format(**params))

    def see(self, key: str, **params) -> str:
        return SEE[self.lang][key].format(**params)


PEOPLE = {
    "zh": {"admin": ("admin", "管理员"), "manager": ("zhaomin", "赵敏"), "rep": ("zhangwei", "张伟"),
           "rep2": ("wangfang", "王芳"), "team": "华东一部", "channel": "华东战报群"},
    "en": {"admin": ("admin", "Ada Admin"), "manager": ("mgr", "Grace Hill"), "rep": ("alice", "Alice Chen"),
           "rep2": ("ben", "Ben Carter"), "team": "East", "channel": "east-floor"},
}

# What people type, per language.
SAY = {
    "zh": {
        "help": "帮助", "create": "团队 创建 华东一部", "add": "团队 添加 {name} 华东一部", "make_manager": "团队 经理 {name}",
        "channel": "团队 频道", "sentence": "打了80个电话，接通32，通话2h15m，签了一单12万",
        "log": "记录 80 32 2h15m", "log_fix": "记录 90 32 2h15m", "undo": "撤销",
        "unreadable": "80个电话，接通32，买了一只独角兽",
        "target_revenue": "目标 张伟 销售额 50万 本月", "target_calls": "目标 张伟 外呼 1600",
        "won_dated": "成交 38万 华为 2026-11-20", "log_2h": "记录 80 30 2小时", "me": "我的业绩", "top": "排行榜",
        "away": "请假 2026-11-23..2026-11-24", "lang_other": "语言 英文", "help_other": "help",
        "team": "团队", "team_list": "团队 列表", "self_manager": "团队 经理 张伟", "link": "团队 绑定 张伟 slack:U1",
        "bad_connected": "记录 30 80 1小时", "bad_amount": "成交 -5万 华为", "bad_talk": "记录 80 30 25小时",
        "bad_future": "记录 80 30 2小时 2026-12-01", "team_target": "目标 团队 销售额 100万",
        "gibberish": "随便说点什么", "me_newbie": "我的业绩",
    },
    "en": {
        "help": "help", "create": "team create East Asia/Shanghai", "add": 'team add "{name}" East',
        "make_manager": 'team manager "{name}"', "channel": "team channel",
        "sentence": "80 dials, 32 connected, 2h15m talk, closed Acme for 120k",
        "log": "log 80 32 2h15m", "log_fix": "log 90 32 2h15m", "undo": "undo",
        "unreadable": "80 dials, 32 connected, bought a unicorn",
        "target_revenue": 'target "Alice Chen" revenue 500k month', "target_calls": 'target "Alice Chen" calls 1600',
        "won_dated": "won 380k Initech 2026-11-20", "log_2h": "log 80 30 2h", "me": "me", "top": "top",
        "away": "away 2026-11-23..2026-11-24", "lang_other": "lang zh", "help_other": "帮助",
        "team": "team", "team_list": "team list", "self_manager": 'team manager "Alice Chen"',
        "link": 'team link "Alice Chen" slack:U1',
        "bad_connected": "log 30 80 1h", "bad_amount": "won -50k Acme", "bad_talk": "log 80 30 25h",
        "bad_future": "log 80 30 2h 2026-12-01", "team_target": "target team revenue 1m",
        "gibberish": "blah blah whatever", "me_newbie": "me",
    },
}

# What the bot answers, per language.
SEE = {
    "zh": {
        "hello": "你好", "help": "我能做什么", "created": "已创建团队 华东一部", "added": "已加入 华东一部",
        "manager": "赵敏 现在是 华东一部 的经理", "channel": "播报",
        "sentence": ["已记录今天：外呼 80 通，接通 32 通（接通率 40%），通话 2小时15分钟", "成交：¥120,000",
                     "[#华东战报群] 🎉 喜报！张伟 刚刚成交 ¥120,000！", "回复 撤销", "[1] 撤销"],
        "undone_deal": "删除了 1 笔成交",
        "logged": ["已记录今天：外呼 80 通，接通 32 通（接通率 40%），通话 2小时15分钟", "[1] 撤销"],
        "corrected": "已更正：外呼 80 → 90", "undone": "已撤销", "nothing_to_undo": "没有你可以撤销的记录",
        "unreadable": ["买了一只独角兽", "什么都没有保存"],
        "target_revenue": "目标已设为 ¥500,000", "target_calls": "外呼量目标已设为 1,600",
        "won_dated": ["已记录成交：¥380,000，客户 华为（2026-11-20）",
                      "[#华东战报群] 🎉 喜报！张伟 刚刚拿下 华为，成交 ¥380,000！", "本月：¥380,000 / ¥500,000（76%）"],
        "logged_2h": "已记录今天",
        "me": ["销售额：¥380,000 / ¥500,000 · 76%",
               "到今天应完成 ¥452,380.95（第 19 / 21 个工作日）：🔻 落后 ¥72,380.95",
               "预计完成：¥420,000（84%） · 每个工作日还需 ¥60,000 · 第 1 / 2 名", "接通量：30（未设目标）",
               "可拿 0.5 倍奖金"],
        "top": ["🥇 张伟", "王芳 ← 你"], "away": "已登记请假 2026-11-23 → 2026-11-24（2 天）",
        "me_after_away": "第 17 / 19 个工作日", "lang_other": "speak English", "help_other": "What I can do",
        "team": ["华东一部", "赵敏（经理）", "console #华东战报群"], "team_list": "华东一部：3 人",
        "only_managers": "只有经理可以这样做", "only_admins": "只有管理员可以这样做", "channel_in_dm": "请在要接收团队播报的群里发送",
        "bad_connected": ["接通数不能多于外呼数（接通 80，外呼 30）", "正确写法"], "bad_amount": ["金额必须大于零"],
        "bad_talk": ["超过了一天"], "bad_future": ["还没到"], "gibberish": ["我不认识命令", "帮助"],
        "newbie": ["新人 你好", "团队 添加 新人", "你还没有加入团队"],
    },
    "en": {
        "hello": "What I can do", "help": "What I can do", "created": "Team East created", "added": "is now in East",
        "manager": "Grace Hill is now a manager of East", "channel": "announcements",
        "sentence": ["80 dials, 32 connected", "¥120,000", "Acme",
                     "[#east-floor] 🎉 Alice Chen just closed ¥120,000 with Acme!", "Reply undo", "[1] Undo"],
        "undone_deal": "1 deal removed",
        "logged": ["Logged today: 80 dials, 32 connected (40%), 2h15m talk", "[1] Undo"],
        "corrected": "Corrected: dials 80 → 90", "undone": "Undone", "nothing_to_undo": "nothing of yours",
        "unreadable": ["bought a unicorn", "Nothing was saved"],
        "target_revenue": "revenue target for 2026-11 set to ¥500,000",
        "target_calls": "calls dialed target for 2026-11 set to 1,600",
        "won_dated": ["Deal recorded: ¥380,000 with Initech (2026-11-20)",
                      "[#east-floor] 🎉 Alice Chen just closed ¥380,000 with Initech!",
                      "This month: ¥380,000 of ¥500,000 (76%)"],
        "logged_2h": "Logged today",
        "me": ["Revenue: ¥380,000 / ¥500,000 · 76%",
               "should be at ¥452,380.95 by now (19 of 21 working days): 🔻 ¥72,380.95 behind",
               "Projection: ¥420,000 (84%) · need ¥60,000 per working day · #1 of 2",
               "Connected: 30 (no target set)", "you earn 0.5× the bonus"],
        "top": ["🥇 Alice Chen", "Ben Carter ← you"], "away": "Off 2026-11-23 → 2026-11-24 (2 days)",
        "me_after_away": "(17 of 19 working days)", "lang_other": "以后我用中文", "help_other": "我能做什么",
        "team": ["East", "Grace Hill (manager)", "console #east-floor"], "team_list": "East: 3 members",
        "only_managers": "Only managers can do that", "only_admins": "Only an admin can do that", "channel_in_dm": "in the group channel",
        "bad_connected": ["You can't connect more calls than you dialed (80 connected, 30 dialed)",
                          "Write it like this"],
        "bad_amount": ["The amount must be more than zero"], "bad_talk": ["more than a day has"],
        "bad_future": ["is in the future"], "gibberish": ["I don't know the command blah", "help"],
        "newbie": ["Hi 新人", "team add 新人", "not in a team yet"],
    },
}


def build_org(chat, lang: str) -> Org:
    who = PEOPLE[lang]
    people = {role: chat(who[role][0], name=who[role][1], lang=lang) for role in ("admin", "manager", "rep", "rep2")}
    org = Org(lang, floor=chat(who["manager"][0], channel=who["channel"]), **people)
    for role in ("manager", "rep", "rep2"):
        assert org.see("hello") in org.say("help", role)
    assert org.see("created") in org.say("create", "admin")
    for role in ("manager", "rep", "rep2"):
        assert org.see("added") in org.say("add", "admin", name=who[role][1])
    assert org.see("manager") in org.say("make_manager", "admin", name=who["manager"][1])
    assert org.see("channel") in org.say("channel", "floor")
    return org


@pytest.fixture(params=["zh", "en"])
def org(request, chat) -> Org:
    return build_org(chat, request.param)


@pytest.fixture
def zh(chat) -> Org:
    return build_org(chat, "zh")


@pytest.fixture
def en(chat) -> Org:
    return build_org(chat, "en")


def rows(app, model, **where):
    with app.db.session() as s:
        stmt = select(model)
        for key, value in where.items():
            stmt = stmt.where(getattr(model, key) == value)
        return list(s.exec(stmt).all())


def seen(out: str, expected: list[str]) -> None:
    missing = [text for text in expected if text not in out]
    assert not missing, f"{missing} not in:\n{out}"


# -- the same scenarios in both languages ---------------------------------------------------------------

def test_sentence_logs_day_and_deal_announces_and_the_button_undoes_it(org, app):
    seen(org.say("sentence"), SEE[org.lang]["sentence"])
    assert len(rows(app, Activity)) == 1 and len(rows(app, Deal)) == 1
    out = org.rep.say("1")  # the numbered choice "Undo"
    assert SEE[org.lang]["undone_deal"] in out
    assert rows(app, Deal)[0].voided and rows(app, Activity) == []


def test_log_correct_and_undo(org, app):
    seen(org.say("log"), SEE[org.lang]["logged"])
    assert org.see("corrected") in org.say("log_fix")
    [row] = rows(app, Activity)
    assert (row.dialed, row.connected, row.talk_minutes, row.day) == (90, 32, 135, date(2026, 11, 26))
    assert org.see("undone") in org.say("undo")
    [row] = rows(app, Activity)
    assert row.dialed == 80
    org.say("undo")
    assert rows(app, Activity) == []
    assert org.see("nothing_to_undo") in org.say("undo")


def test_unreadable_sentence_stores_nothing(org, app):
    seen(org.say("unreadable"), SEE[org.lang]["unreadable"])
    assert rows(app, Activity) == [] and rows(app, Deal) == []


def test_targets_deal_progress_leaderboard_and_leave(org, app):
    assert org.see("target_revenue") in org.say("target_revenue", "manager")
    assert org.see("target_calls") in org.say("target_calls", "manager")
    seen(org.say("won_dated"), SEE[org.lang]["won_dated"])
    assert org.see("logged_2h") in org.say("log_2h")
    # November 2026 in China: 21 working days, 19 elapsed on the 26th.
    seen(org.say("me"), SEE[org.lang]["me"])
    seen(org.say("top", "rep2"), SEE[org.lang]["top"])
    assert org.see("away") in org.say("away")
    assert org.see("me_after_away") in org.say("me")


def test_bad_inputs_explain_and_store_nothing(org, app):
    for key in ("bad_connected", "bad_amount", "bad_talk", "bad_future", "gibberish"):
        seen(org.say(key), SEE[org.lang][key])
    assert org.see("only_managers") in org.say("team_target")
    assert rows(app, Activity) == [] and rows(app, Deal) == [] and rows(app, Target) == []


def test_switch_language_midway(org):
    assert org.see("lang_other") in org.say("lang_other")
    assert org.see("help_other") in org.say("help_other")


def test_empty_message_shows_help(org):
    assert org.see("help") in org.rep.say(" ")


def test_team_views(org):
    seen(org.say("team"), SEE[org.lang]["team"])
    assert org.see("team_list") in org.say("team_list", "admin")


def test_nobody_makes_themselves_admin_or_manager(org, app):
    assert org.see("only_managers") in org.say("self_manager")
    assert org.see("only_admins") in org.say("link", "manager")
    [rep] = rows(app, Person, name=PEOPLE[org.lang]["rep"][1])
    assert rep.role == Role.REP


def test_channel_must_be_set_in_a_channel(org, app):
    assert org.see("channel_in_dm") in org.say("channel", "manager")
    assert len(rows(app, TeamChannel)) == 1


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_first_contact_registers_and_explains_how_to_join(chat, app, lang):
    seen(chat("newbie", name="新人", lang=lang).say(SAY[lang]["me_newbie"]), SEE[lang]["newbie"])
    [person] = rows(app, Person, name="新人")
    assert person.role == Role.REP and person.lang == lang


# -- Chinese only -----------------------------------------------------------------------------------------

def test_sentence_that_starts_like_a_command(zh, app):
    out = zh.rep.say("签约了华为12万")
    assert "成交：¥120,000，客户 华为" in out
    out = zh.rep.say("成交12万 腾讯")
    assert "已记录成交：¥120,000，客户 腾讯" in out
    assert len(rows(app, Deal)) == 2


# -- English only -----------------------------------------------------------------------------------------

def test_won_is_announced_and_answered_with_progress(en, app):
    en.manager.say('target "Alice Chen" revenue 500k month')
    out = en.rep.say("won 120k Acme")
    assert "Deal recorded: ¥120,000 with Acme" in out
    assert "[#east-floor] 🎉 Alice Chen just closed ¥120,000 with Acme!" in out
    assert "This month: ¥120,000 of ¥500,000 (24%) ▰▰▱▱▱▱▱▱▱▱ · 1 deal · #1 of 2 in the team\nTo hit target" in out
    assert "per working day" in out
    [deal] = rows(app, Deal)
    assert deal.amount_cents == 12_000_000 and deal.customer == "Acme"


def test_me_ranks_behind_a_teammate_and_shows_calls_against_target(en, app):
    en.manager.say('target "Alice Chen" revenue 500k month')
    en.manager.say('target "Alice Chen" calls 1600')
    en.rep.say("won 380k Initech 2026-11-20")
    en.rep.say("log 80 30 2h")
    en.rep2.say("won 400k Globex")
    out = en.rep.say("me")
    assert "Projection: ¥420,000 (84%) · need ¥60,000 per working day · #2 of 2" in out
    assert "Calls dialed: 80 / 1,600" in out
    assert "Bonus: at this pace (84% of your revenue target) you earn 0.5× the bonus" in out


def test_leaderboard_marks_own_line_and_ranks_by_percent(en, app):
    en.manager.say('target "Alice Chen" revenue 100k')
    en.manager.say('target "Ben Carter" revenue 400k')
    en.rep.say("won 90k Acme")
    en.rep2.say("won 200k Globex")
    out = en.rep.say("top")
    assert out.index("Ben Carter") < out.index("Alice Chen ← you")
    out = en.rep.say("top revenue %")
    assert out.index("Alice Chen ← you · 90%") < out.index("Ben Carter · 50%")


def test_leaderboard_in_group_sends_own_rank_privately(en, chat, app):
    en.rep.say("won 90k Acme")
    out = chat("ben", channel="east-floor").say("top")
    assert "🥇 Alice Chen" in out
    assert "[→ Ben Carter]" in out and "you are #2 of 2" in out


def test_only_managers_set_targets(en, app):
    out = en.rep.say("target team revenue 1m")
    assert "Only managers can do that" in out
    assert rows(app, Target) == []
    out = en.manager.say("target team revenue 1m quarter")
    assert "Team East: revenue target for 2026-Q4 set to ¥1,000,000" in out
    out = en.manager.say("target team revenue 1.2m quarter")
    assert "(was ¥1,000,000)" in out
    [target] = rows(app, Target)
    assert target.value == 120_000_000


def test_away_days_leave_the_pace(en, app):
    en.manager.say('target "Alice Chen" calls 2100')
    before = en.rep.say("me")
    assert "(19 of 21 working days)" in before
    out = en.rep.say("away 2026-11-23..2026-11-24")
    assert "Off 2026-11-23 → 2026-11-24 (2 days)" in out
    after = en.rep.say("me")
    assert "(17 of 19 working days)" in after and "2 days off left out" in after
    assert "2026-11-23" in en.rep.say("away")
    assert "Removed 1 day" in en.rep.say("away cancel 2026-11-24")


def test_language_switch_and_help(en):
    out = en.rep.say("lang zh")
    assert "以后我用中文" in out
    assert "我能做什么" in en.rep.say("帮助")
    assert "What I can do" in en.rep.say("lang en") + en.rep.say("help")
    assert "Examples:" in en.rep.say("help won")


def test_admin_links_platform_accounts_to_one_person(en, app):
    en.admin.say('team link "Alice Chen" slack:U0ALICE')
    with app.db.session() as s:
        from bot.services.org import find_account

        assert find_account("slack", "U0ALICE", session=s).name == "Alice Chen"


def test_retried_event_is_handled_once(en, app):
    from bot.chat.messages import Incoming

    msg = Incoming(platform="console", user_id="alice", text="won 10k Acme", channel_id="dm-alice", event_id="E1")
    assert app.handle(msg)
    assert app.handle(msg) == []
    assert len(rows(app, Deal)) == 1
    assert Decimal(rows(app, Deal)[0].amount_cents) / 100 == Decimal("10000")


def test_company_leaderboard_spans_teams(en, chat):
    en.admin.say("team create West")
    carl = chat("carl", name="Carl West", lang="en")
    carl.say("help")
    en.admin.say('team add "Carl West" West')
    carl.say("won 300k Hooli")
    en.rep.say("won 100k Acme")
    out = en.rep.say("top company")
    assert "Whole company · revenue" in out
    assert out.index("Carl West") < out.index("Alice Chen ← you")
    assert "Carl West" not in en.rep.say("top")


def test_first_messages_arriving_together_register_one_person(app):
    """Platforms deliver a newcomer's first messages concurrently; both get answered, one person."""
    import threading

    from bot.chat.messages import Incoming

    barrier = threading.Barrier(4)
    answers = []

    def first_message(n):
        barrier.wait()
        answers.append(app.handle(Incoming(platform="slack", user_id="U0NEW", text="help", channel_id="D1",
                                           event_id=f"E{n}", user_name="Nia New")))

    threads = [threading.Thread(target=first_message, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(rows(app, Person, name="Nia New")) == 1
    assert all(any("What I can do" in r.text for r in replies) for replies in answers)
