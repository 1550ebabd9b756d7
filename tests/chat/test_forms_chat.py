"""Whole form conversations through the console: every question type with good and bad answers, going
back, skipping, pausing, resuming across a restart, review, submit, edits and the manager's copy."""

from __future__ import annotations

import json

import pytest

from bot.app import App
from bot.store.tables.forms import FormSession
from tests.forms_helpers import FRIDAY_1730, make_form_org


@pytest.fixture
def weekly(app, clock):
    clock.set(FRIDAY_1730)
    return make_form_org(app)


def session_row(app, person_id):
    with app.db.session() as s:
        from sqlmodel import select

        return s.exec(select(FormSession).where(FormSession.person_id == person_id)).first()


def test_weekly_report_every_type_good_and_bad_answers(app, chat, weekly):
    ann = chat("ann")
    out = ann.say("report")
    assert "Weekly report" in out and "2026-W48" in out and "1/7" in out
    assert "Calls: 0" in out and "How many customer meetings" in out
    # number: not a number, over the limit, then good
    out = ann.say("lots")
    assert "“lots” is not a number" in out and "1/7" in out
    assert "at most 200" in ann.say("500")
    out = ann.say("12")
    assert "2/7" in out and "What went well" in out
    # text too short, then good
    assert "at least 5 characters" in ann.say("ok")
    assert "3/7" in ann.say("Signed Acme after the second demo")
    # multi: unknown option, then two by number
    out = ann.say("9")
    assert "“9” is not one of the options" in out and "3/7" in out
    assert "4/7" in ann.say("1,3")
    # single: two choices, then one
    assert "exactly one option" in ann.say("1 2")
    assert "5/7" in ann.say("2")
    # rating out of range, then good
    assert "not a rating" in ann.say("7")
    assert "6/7" in ann.say("4")
    # yes/no
    assert "not yes or no" in ann.say("perhaps")
    assert "7/7" in ann.say("yes")
    # earlier answers survived the errors
    answers = json.loads(session_row(app, weekly.reps["ann"]).answers)
    assert answers["meetings"] == {"raw": "12", "value": "12"}
    assert answers["blockers"]["value"] == ["leads", "product"]
    assert answers["forecast"]["value"] == "on_track" and answers["confidence"]["value"] == 4
    out = ann.say("skip")  # optional: skipping leads to the review
    assert "your answers" in out and "Not enough leads, Product gaps" in out and "4/5" in out
    out = ann.say("submit")
    assert "Sent to your manager" in out
    assert "[→ Mia]" in out and "Ann's Weekly report 2026-W48" in out and "(late)" not in out
    row = session_row(app, weekly.reps["ann"])
    assert row.status == "submitted" and not row.late


def test_back_skip_required_and_review_edit(app, chat, weekly):
    ann = chat("ann")
    ann.say("report")
    ann.say("3")
    out = ann.say("back")
    assert "1/7" in out and "Your answer so far: 3" in out
    assert "2/7" in ann.say("5")
    assert "required, so it cannot be skipped" in ann.say("skip")
    ann.say("Good week overall")
    assert "4/7" in ann.say("跳过")  # optional multi, in Chinese
    out = ann.say("review")
    assert "Still needed: questions 4, 5, 6" in out
    out = ann.say("submit")
    assert "Some required questions have no answer yet: 4, 5, 6" in out and "4/7" in out
    ann.say("on track")  # an option by its label
    ann.say("5")
    out = ann.say("no")
    assert "7/7" in out
    ann.say("skip")
    out = ann.say("1")  # from the review: change question 1, then back to the review
    assert "1/7" in out
    out = ann.say("8")
    assert "your answers" in out and "   8" in out
    assert "Sent to your manager" in ann.say("submit")


def test_pause_and_resume_across_a_restart(app, chat, weekly, settings, db, clock):
    ann = chat("ann")
    ann.say("report")
    ann.say("12")
    assert "Paused" in ann.say("pause")
    # Paused: commands work again.
    assert "What I can do" in ann.say("help")
    # A new process on the same database.
    from adapters.console.adapter import ConsoleAdapter
    import io

    app2 = App(settings, db=db, clock=clock)
    console2 = ConsoleAdapter(app2, "ann", out=io.StringIO())
    console2.say("report")
    out = console2.out.getvalue()
    assert "2/7" in out and "What went well" in out
    console2.say("Closed two deals")
    row = session_row(app2, weekly.reps["ann"])
    assert json.loads(row.answers)["highlights"]["value"] == "Closed two deals" and row.position == 2


def test_cancel_discards_and_nothing_due(app, chat, weekly, clock):
    ann = chat("ann")
    ann.say("report")
    ann.say("12")
    assert "Discarded" in ann.say("cancel")
    assert session_row(app, weekly.reps["ann"]) is None
    assert "What I can do" in ann.say("help")


def test_no_form_assigned_says_nothing_due(app, chat, clock):
    clock.set(FRIDAY_1730)
    make_form_org(app, forms=())
    assert "No form is due" in chat("ann").say("report")


def test_late_submission_is_marked_and_edit_shows_changes(app, chat, weekly, clock):
    clock.advance(days=3)  # Monday 17:30, after the 12:00 deadline, before the next form opens
    ann = chat("ann")
    ann.say("report")
    for answer in ("3", "A decent week", "skip", "1", "3", "no", "skip"):
        ann.say(answer)
    out = ann.say("submit")
    assert "marked late" in out and "(late)" in out
    clock.advance(hours=1)
    out = ann.say("report")  # edit: starts at the review
    assert "your answers" in out and "submit to send the changes" in out
    ann.say("5")
    ann.say("5")
    out = ann.say("submit")
    assert "changed their Weekly report" in out and "How confident" in out and "3/5 → 5/5" in out
    assert "What went well" not in out.split("changed their")[1]
    ann.say("report")  # editing again, but the period closes before it is sent
    ann.say("5")
    ann.say("2")
    clock.advance(days=4)  # the next week's form opened: W48 is closed, W49 is due
    assert "period has closed" in ann.say("submit")
    with app.db.session() as s:
        row = s.get(FormSession, session_row(app, weekly.reps["ann"]).id)
        assert json.loads(row.answers)["confidence"]["value"] == 5 and row.status == "submitted"
    out = ann.say("report")
    assert "2026-W49" in out  # a new period


def test_chinese_conversation(app, chat, clock):
    clock.set(FRIDAY_1730)
    make_form_org(app, lang="zh", forms=("monthly",))
    clock.set(FRIDAY_1730.replace(day=30, hour=17))  # Monday 30 Nov, November's last working day
    ann = chat("ann")
    out = ann.say("汇报")
    assert "月度述职" in out and "2026-11" in out and "业绩目标" in out
    assert "请至少写 5 个字" in ann.say("好")
    out = ann.say("本月完成了八成目标")
    assert "第2/8题" in out
    assert "已暂停" in ann.say("暂停")


def test_manager_turns_forms_on_and_sees_the_count(app, chat, clock):
    clock.set(FRIDAY_1730)
    make_form_org(app, forms=())
    mia, ann = chat("mia"), chat("ann")
    assert "Weekly report (weekly): off" in mia.say("forms")
    assert "Only managers can do that" in ann.say("forms on weekly")
    assert "no form “yearly”" in mia.say("forms on yearly")
    out = mia.say("forms on weekly")
    assert "Weekly report (weekly): on · 2026-W48: 0 submitted, due 2026-11-30 12:00" in out
    assert "Monthly review (monthly): off" in out
    ann.say("report")
    for answer in ("12", "Signed Acme after the demo", "skip", "2", "4", "yes", "skip"):
        ann.say(answer)
    ann.say("submit")
    assert "2026-W48: 1 submitted" in mia.say("forms")
    clock.advance(days=4)  # Tuesday 1 December: November's review has not opened yet
    out = mia.say("forms on monthly")
    assert "Monthly review (monthly): on · 2026-11" in out and "due 2026-12-02 18:00" in out
    clock.set(FRIDAY_1730.replace(month=12, day=3))  # Thursday 3 December: past November's deadline
    mia.say("forms off monthly")
    out = mia.say("forms on monthly")
    assert "Monthly review (monthly): on · first period 2026-12, opens 2026-12-31 17:00" in out


def test_buttons_of_other_messages_run_their_command_while_a_form_is_open(app, chat, weekly, console):
    from bot.chat.messages import Incoming

    ann = chat("ann")
    ann.say("report")
    replies = app.handle(Incoming(platform="console", user_id="ann", text="help", action="help",
                                  channel_id="ann", is_direct=True))
    assert "What I can do" in replies[0].text
    replies = app.handle(Incoming(platform="console", user_id="ann", text="me", channel_id="ann",
                                  is_direct=True, extra={"home": True}))
    assert "1/7" not in replies[0].text
    assert "2/7" in ann.say("12")  # the form carried on where it was


def test_zhou_bao_and_shu_zhi_pick_their_form(app, chat, clock):
    clock.set(FRIDAY_1730.replace(day=30, hour=17))  # Monday 30 November: both forms are open
    make_form_org(app, forms=("weekly", "monthly"), lang="zh")
    ann = chat("ann")
    assert "月度述职" in ann.say("述职")
    ann.say("暂停")
    out = ann.say("周报")
    assert "周报" in out and "2026-W48" in out
