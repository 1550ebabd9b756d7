"""`feedback`: a rep contests a target, the manager is told and answers with `reply N`, the thread is kept."""

from __future__ import annotations

from sqlmodel import select

from bot.store.tables.forms import TargetFeedback
from tests.forms_helpers import FRIDAY_1730, make_form_org


def test_feedback_thread(app, chat, clock):
    clock.set(FRIDAY_1730)
    make_form_org(app)
    ann, mia, bob = chat("ann"), chat("mia"), chat("bob")
    assert "Please say what is wrong with the target" in ann.say("feedback")  # no thread yet
    out = ann.say("feedback the December target ignores my two weeks of leave")
    assert "feedback #1" in out
    assert "[→ Mia]" in out and "Ann contests a target (feedback #1): the December target ignores my two weeks" in out
    out = mia.say("reply 1 Fair point, I will lower it by 10%")
    assert "Sent on feedback #1" in out and "[→ Ann]" in out and "Mia on feedback #1: Fair point" in out
    out = ann.say("回复 1 Thanks!")
    assert "[→ Mia]" in out and "Ann on feedback #1: Thanks!" in out
    assert "no feedback #1 you can answer" in bob.say("reply 1 me too")  # not his thread
    assert "no feedback #9 you can answer" in mia.say("reply 9 hello")
    out = mia.say("feedback")
    assert "#1 Ann: the December target ignores" in out and "↳ Mia: Fair point" in out and "↳ Ann: Thanks!" in out
    assert "#1 Ann" in ann.say("反馈") and "Please say what is wrong" in bob.say("feedback")
    with app.db.session() as s:
        thread = s.exec(select(TargetFeedback).order_by(TargetFeedback.id)).all()
    assert [(t.parent_id, t.text) for t in thread] == [
        (None, "the December target ignores my two weeks of leave"), (1, "Fair point, I will lower it by 10%"),
        (1, "Thanks!")]


def test_feedback_in_chinese_without_a_space(app, chat, clock):
    clock.set(FRIDAY_1730)
    make_form_org(app, lang="zh")
    out = chat("ann").say("反馈目标太高了")
    assert "已作为反馈 #1 发送给主管" in out and "Ann 对目标有异议（反馈 #1）：目标太高了" in out
