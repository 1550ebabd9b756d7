"""The forms job with a fixed clock: asks when the form opens, reminders only to those who have not
submitted and are not on leave, one deadline summary per manager, late submissions marked."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from sqlmodel import select

from bot.schedule.forms_jobs import forms_tick
from bot.store.tables.sales import Activity, Leave, Team
from bot.store.tables.schedule import OutboxMessage
from bot.schedule.scheduler import run_job
from tests.forms_helpers import SH, make_form_org

WEEKLY_ANSWERS = ("12", "Signed Acme after the demo", "1,3", "2", "4", "yes", "skip")


@pytest.fixture
def setup(app, clock):
    clock.set(datetime(2026, 11, 27, 17, 5, tzinfo=SH))  # Friday: W48's weekly form opened at 17:00
    o = make_form_org(app)
    now = clock()
    with app.db.session() as s:
        s.add(Leave(person_id=o.reps["bob"], start=date(2026, 11, 27), end=date(2026, 11, 30)))
        s.add(Activity(person_id=o.reps["ann"], day=date(2026, 11, 24), dialed=120, connected=60, updated_at=now))
        s.add(Activity(person_id=o.reps["cai"], day=date(2026, 11, 24), dialed=40, connected=10, updated_at=now))
    return o


def tick(app, clock, o, **when):
    clock.set(datetime(2026, 11, when.pop("day"), when.pop("hour"), when.pop("minute", 0), tzinfo=SH))
    with app.db.session() as s:
        team = s.get(Team, o.team_id)
    return forms_tick(app, team, clock())


def outbox(app, prefix):
    with app.db.session() as s:
        rows = s.exec(select(OutboxMessage).where(OutboxMessage.key.startswith(prefix))
                      .order_by(OutboxMessage.id)).all()
    return [(r.label, json.loads(r.payload)["text"]) for r in rows]


def fill(chat_user, answers=WEEKLY_ANSWERS):
    chat_user.say("report")
    for answer in answers:
        chat_user.say(answer)
    return chat_user.say("submit")


def test_asks_reminders_summary_and_late(app, chat, clock, setup):
    o = setup
    assert tick(app, clock, o, day=27, hour=17, minute=5) == 2
    asks = outbox(app, "form-ask:")
    assert sorted(label for label, _ in asks) == ["Ann", "Cai"]  # Bob is on leave
    assert "Weekly report" in asks[0][1] and "2026-11-30 12:00" in asks[0][1]
    assert tick(app, clock, o, day=27, hour=17, minute=10) == 0  # running again sends nothing new

    assert "Sent to your manager" in fill(chat("ann"))

    assert tick(app, clock, o, day=30, hour=9) == 1  # Monday 09:00: only Cai, who has not submitted
    assert tick(app, clock, o, day=30, hour=9, minute=5) == 0
    assert tick(app, clock, o, day=30, hour=11) == 1  # one hour before the deadline
    reminders = outbox(app, "form-remind")
    assert [label for label, _ in reminders] == ["Cai", "Cai"] and "Reminder" in reminders[0][1]

    assert tick(app, clock, o, day=30, hour=12) == 1  # the deadline: one summary for the one manager
    [(label, text)] = outbox(app, "form-summary:")
    assert label == "Mia"
    assert "1 submitted, 1 missing" in text and "Not yet: Cai" in text and "On leave: Bob" in text
    assert "- Ann: 12" in text and "- Ann: Not enough leads, Product gaps" in text and "- Ann: yes" in text
    assert "Calls: highest Ann (120), lowest Cai (40)" in text
    assert "Connect rate: highest Ann (50%), lowest Cai (25%)" in text
    assert tick(app, clock, o, day=30, hour=12, minute=5) == 0
    assert tick(app, clock, o, day=30, hour=13) == 0  # no reminders after the deadline

    out = fill(chat("cai"))  # late, still accepted, and the manager hears of it
    assert "marked late" in out and "[→ Mia]" in out and "Cai's Weekly report 2026-W48 (late)" in out


def test_wired_into_the_scheduler(app, console, clock, setup):
    clock.set(datetime(2026, 11, 27, 17, 5, tzinfo=SH))
    assert run_job(app, "forms", setup.team_id) == 2


def test_nothing_before_the_form_opens_or_without_assignment(app, console, clock):
    clock.set(datetime(2026, 11, 26, 10, tzinfo=SH))
    o = make_form_org(app, forms=())
    assert tick(app, clock, o, day=27, hour=17, minute=5) == 0


def test_forms_job_exists_only_for_teams_with_a_form(app, clock):
    from bot.schedule.scheduler import team_jobs

    clock.set(datetime(2026, 11, 26, 10, tzinfo=SH))
    o = make_form_org(app)
    with app.db.session() as s:
        jobs = [(name, team.id, trigger.cron) for name, team, trigger in team_jobs(s)]
    assert ("forms", o.team_id, "*/5 * * * *") in jobs
    with app.db.session() as s:
        from bot.services.forms import store

        store.assign(o.team_id, "weekly", on=False, now=clock(), session=s)
    with app.db.session() as s:
        assert not [name for name, _, _ in team_jobs(s) if name == "forms"]


def test_a_newly_assigned_form_does_not_chase_past_periods(app, console, clock):
    """Assigned on Thursday 26 November: W47 (deadline Monday 23rd) is neither asked for nor summed up;
    W48 is asked for when it opens on Friday."""
    clock.set(datetime(2026, 11, 26, 10, tzinfo=SH))
    o = make_form_org(app, since=clock())
    assert tick(app, clock, o, day=26, hour=10, minute=5) == 0
    assert tick(app, clock, o, day=27, hour=17, minute=5) == 3
