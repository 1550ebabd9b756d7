"""Whole conversations in Chinese through the console adapter, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.store.tables.sales import Activity, Deal, Target


@pytest.fixture
def org(chat):
    admin = chat("admin", name="管理员", lang="zh")
    manager = chat("zhaomin", name="赵敏", lang="zh")
    zhang = chat("zhangwei", name="张伟", lang="zh")
    wang = chat("wangfang", name="王芳", lang="zh")
    for person in (manager, zhang, wang):
        assert "你好" in person.say("帮助")
    assert "已创建团队 华东一部" in admin.say("团队 创建 华东一部")
    for name in ("赵敏", "张伟", "王芳"):
        assert "已加入 华东一部" in admin.say(f"团队 添加 {name} 华东一部")
    assert "赵敏 现在是 华东一部 的经理" in admin.say("团队 经理 赵敏")
    assert "播报" in chat("zhaomin", channel="华东战报群").say("团队 频道")
    return {"admin": admin, "manager": manager, "zhang": zhang, "wang": wang}


def count(app, model):
    with app.db.session() as s:
        return len(s.exec(select(model)).all())


def test_sentence_in_chinese_logs_and_announces(org, app):
    out = org["zhang"].say("打了80个电话，接通32，通话2h15m，签了一单12万")
    assert "已记录今天：外呼 80 通，接通 32 通（接通率 40%），通话 2小时15分钟" in out
    assert "成交：¥120,000" in out
    assert "[#华东战报群] 🎉 喜报！张伟 刚刚成交 ¥120,000！" in out
    assert "回复 撤销" in out
    assert count(app, Activity) == 1 and count(app, Deal) == 1


def test_chinese_commands_end_to_end(org, app):
    assert "目标已设为 ¥500,000" in org["manager"].say("目标 张伟 销售额 50万 本月")
    assert "外呼量目标已设为 1,600" in org["manager"].say("目标 张伟 外呼 1600")
    out = org["zhang"].say("成交 38万 华为 2026-11-20")
    assert "已记录成交：¥380,000，客户 华为（2026-11-20）" in out
    assert "[#华东战报群] 🎉 喜报！张伟 刚刚拿下 华为，成交 ¥380,000！" in out
    assert "本月：¥380,000 / ¥500,000（76%）" in out
    out = org["zhang"].say("记录 80 30 2小时")
    assert "已记录今天" in out
    out = org["zhang"].say("我的业绩")
    assert "销售额：¥380,000 / ¥500,000 · 76%" in out
    assert "到今天应完成 ¥452,380.95（第 19 / 21 个工作日）：🔻 落后 ¥72,380.95" in out
    assert "预计完成：¥420,000（84%） · 每个工作日还需 ¥60,000 · 第 1 / 2 名" in out
    assert "接通量：30（未设目标）" in out
    assert "可拿 0.5 倍奖金" in out
    out = org["wang"].say("排行榜")
    assert "🥇 张伟" in out and "王芳 ← 你" in out
    out = org["zhang"].say("请假 2026-11-23..2026-11-24")
    assert "已登记请假 2026-11-23 → 2026-11-24（2 天）" in out
    assert "第 17 / 19 个工作日" in org["zhang"].say("我的业绩")


def test_chinese_bad_inputs_explain_and_store_nothing(org, app):
    zhang = org["zhang"]
    out = zhang.say("记录 30 80 1小时")
    assert "接通数不能多于外呼数（接通 80，外呼 30）" in out and "正确写法" in out
    out = zhang.say("成交 -5万 华为")
    assert "金额必须大于零" in out
    out = zhang.say("记录 80 30 25小时")
    assert "超过了一天" in out
    out = zhang.say("记录 80 30 2小时 2026-12-01")
    assert "还没到" in out
    out = zhang.say("目标 团队 销售额 100万")
    assert "只有经理可以这样做" in out
    out = zhang.say("随便说点什么")
    assert "我不认识命令" in out and "帮助" in out
    assert count(app, Activity) == 0 and count(app, Deal) == 0 and count(app, Target) == 0


def test_switch_to_english_midway(org):
    assert "speak English" in org["zhang"].say("语言 英文")
    assert "What I can do" in org["zhang"].say("help")


def test_sentence_that_starts_like_a_command(org, app):
    out = org["zhang"].say("签约了华为12万")
    assert "成交：¥120,000，客户 华为" in out
    out = org["zhang"].say("成交12万 腾讯")
    assert "已记录成交：¥120,000，客户 腾讯" in out
    assert count(app, Deal) == 2


def test_empty_message_shows_help(org):
    assert "我能做什么" in org["zhang"].say(" ")
