"""When jobs fire: local times across time zones, China's holidays and make-up days, the job store
(stable ids, no duplicates after a restart, missed runs kept), and one scheduling process."""

from __future__ import annotations

import threading
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.store.tables.schedule import TeamSchedule
from bot.schedule.jobs import JobContext
from bot.schedule.scheduler import JobRunner, LeaderLock, TeamTrigger, build_scheduler, job_id, next_runs, sync_jobs
from tests.schedule_helpers import make_org

SH, NY = ZoneInfo("Asia/Shanghai"), ZoneInfo("America/New_York")


@pytest.fixture
def runner(app):
    """What a scheduling process runs jobs with, as SchedulerService builds it at start."""
    return JobRunner(app, JobContext.load())


def fires(trigger: TeamTrigger, start: datetime, n: int) -> list[datetime]:
    """The next n fire times after `start`, the way APScheduler asks for them."""
    result, previous = [], None
    for _ in range(n):
        fire = trigger.get_next_fire_time(previous, start if previous is None else previous)
        result.append(fire)
        previous = fire
    return result


def test_digest_fires_monday_nine_local_in_each_time_zone():
    thursday = datetime(2026, 11, 26, 2, 0, tzinfo=timezone.utc)
    shanghai = TeamTrigger("0 9 * * mon", "Asia/Shanghai", None, "any")
    new_york = TeamTrigger("0 9 * * mon", "America/New_York", None, "any")
    assert fires(shanghai, thursday, 2) == [datetime(2026, 11, 30, 9, tzinfo=SH), datetime(2026, 12, 7, 9, tzinfo=SH)]
    assert shanghai.get_next_fire_time(None, thursday) == datetime(2026, 11, 30, 1, tzinfo=timezone.utc)
    # New York left daylight saving time on 1 November: 09:00 EST is 14:00 UTC.
    assert new_york.get_next_fire_time(None, thursday) == datetime(2026, 11, 30, 14, tzinfo=timezone.utc)
    october = datetime(2026, 10, 20, tzinfo=timezone.utc)
    assert new_york.get_next_fire_time(None, october) == datetime(2026, 10, 26, 13, tzinfo=timezone.utc)  # EDT


def test_nudge_skips_china_holidays_and_fires_on_make_up_days():
    trigger = TeamTrigger("0 18 * * *", "Asia/Shanghai", None, "workday")
    after_work = datetime(2026, 9, 30, 19, tzinfo=SH)  # National Day holiday runs 1-7 October 2026
    assert [f.astimezone(SH) for f in fires(trigger, after_work, 4)] == [
        datetime(2026, 10, 8, 18, tzinfo=SH), datetime(2026, 10, 9, 18, tzinfo=SH),
        datetime(2026, 10, 10, 18, tzinfo=SH),  # Saturday, a make-up working day (调休)
        datetime(2026, 10, 12, 18, tzinfo=SH)]  # Sunday the 11th is off
    # The same crontab for a team outside China: plain Monday to Friday, no Chinese holidays.
    ny = TeamTrigger("0 18 * * *", "America/New_York", None, "workday")
    assert [f.astimezone(NY).date().day for f in fires(ny, datetime(2026, 9, 30, 19, tzinfo=NY), 3)] == [1, 2, 5]
    # A team in New York that follows China's calendar (holidays "CN").
    cn_in_ny = TeamTrigger("0 18 * * *", "America/New_York", "CN", "workday")
    assert cn_in_ny.get_next_fire_time(None, datetime(2026, 9, 30, 19, tzinfo=NY)).astimezone(NY).day == 8


def test_champions_fire_on_the_first_working_day_of_the_month():
    china = TeamTrigger("0 10 * * *", "Asia/Shanghai", None, "first_workday")
    assert china.get_next_fire_time(None, datetime(2026, 9, 15, tzinfo=SH)) == datetime(2026, 10, 8, 10, tzinfo=SH)
    assert china.get_next_fire_time(None, datetime(2026, 10, 8, 11, tzinfo=SH)) == datetime(2026, 11, 2, 10, tzinfo=SH)
    ny = TeamTrigger("0 10 * * *", "America/New_York", None, "first_workday")
    assert ny.get_next_fire_time(None, datetime(2026, 9, 15, tzinfo=NY)) == datetime(2026, 10, 1, 10, tzinfo=NY)
    assert ny.get_next_fire_time(None, datetime(2026, 10, 25, tzinfo=NY)) == datetime(2026, 11, 2, 10, tzinfo=NY)


def test_a_trigger_pickles_and_compares_by_its_settings():
    import pickle

    trigger = TeamTrigger("0 18 * * *", "Asia/Shanghai", "CN", "workday")
    copy = pickle.loads(pickle.dumps(trigger))
    assert copy == trigger and copy != TeamTrigger("30 18 * * *", "Asia/Shanghai", "CN", "workday")
    start = datetime(2026, 9, 30, 19, tzinfo=SH)
    assert copy.get_next_fire_time(None, start) == trigger.get_next_fire_time(None, start)


def test_job_store_has_stable_ids_and_keeps_missed_runs_across_restarts(app, clock, runner):
    o = make_org(app, reps=("Ann",))
    first = build_scheduler(runner)
    first.start(paused=True)
    try:
        sync_jobs(first, runner)
        ids = sorted(job.id for job in first.get_jobs())
        assert ids == [job_id(n, o.team_id) for n in ("champions", "digest", "nudge")]
        stored = {job.id: job.next_run_time for job in first.get_jobs()}
        job = first.get_job(job_id("digest", o.team_id))
        assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (True, 1, 3600)
    finally:
        first.shutdown(wait=False)
    # A restart: same ids, no duplicates, and an unchanged job keeps its stored next run (a missed one
    # is then run once within the grace time, not recomputed away).
    second = build_scheduler(runner)
    second.start(paused=True)
    try:
        sync_jobs(second, runner)
        assert sorted(job.id for job in second.get_jobs()) == ids
        assert {job.id: job.next_run_time for job in second.get_jobs()} == stored
        # A team's own time replaces just that job; switching a job off removes it.
        with app.db.session() as s:
            s.add(TeamSchedule(team_id=o.team_id, job="nudge", cron="30 17 * * *"))
            s.add(TeamSchedule(team_id=o.team_id, job="champions", enabled=False))
        sync_jobs(second, runner)
        assert sorted(job.id for job in second.get_jobs()) == [job_id("digest", o.team_id), job_id("nudge", o.team_id)]
        nudge = second.get_job(job_id("nudge", o.team_id))
        assert nudge.trigger.cron == "30 17 * * *"
        assert nudge.next_run_time.astimezone(SH).strftime("%H:%M") == "17:30"
    finally:
        second.shutdown(wait=False)


def test_job_list_shows_the_next_runs(app, clock):
    o = make_org(app, reps=("Ann",))
    runs = {name: fire for name, team, _, fire in next_runs(app)}
    assert runs["digest"] == datetime(2026, 11, 30, 9, tzinfo=SH)
    assert runs["nudge"] == datetime(2026, 11, 26, 18, tzinfo=SH)  # today, Thursday
    assert runs["champions"] == datetime(2026, 12, 1, 10, tzinfo=SH)
    assert o.team_id


@pytest.mark.postgres
def test_one_process_holds_the_scheduler_lock_and_another_takes_over(request):
    from bot.store.db import Database

    url = request.getfixturevalue("pg_database")
    db = Database(url)
    a, b = LeaderLock(db), LeaderLock(db)
    try:
        assert a.acquire() and a.alive()
        assert not b.acquire()
        assert not b.acquire()  # retrying does not steal it
        a.release()  # the holder dies: its connection, and so its lock, goes away
        assert b.acquire()
        assert not a.acquire()
    finally:
        a.release()
        b.release()
        db.dispose()


def test_sqlite_needs_no_lock(tmp_path):
    from bot.store.db import Database

    db = Database(f"sqlite:///{tmp_path / 'one.db'}")
    lock = LeaderLock(db)
    assert lock.acquire() and lock.alive()  # one process per SQLite file: nothing to contend for
    db.dispose()


def test_team_schedules_can_be_set_from_the_command_line(app, monkeypatch, capsys, tmp_path):
    from bot.app import main

    o = make_org(app, reps=("Ann",))
    monkeypatch.setenv("PACEBOT_DATABASE_URL", app.db.url)
    monkeypatch.chdir(tmp_path)
    assert main(["job", "set", "nudge", "--team", "Sales", "0 17 * * *"]) == 0
    assert main(["job", "set", "digest", "--team", "Sales", "not a cron"]) == 2
    assert main(["job", "list"]) == 0
    out = capsys.readouterr().out
    assert f"nudge:team-{o.team_id}" in out and "0 17 * * *" in out and "not a crontab" not in out
    with app.db.session() as s:
        assert [r.cron for r in s.exec(select(TeamSchedule)).all()] == ["0 17 * * *"]


@pytest.fixture
def quick_retry(monkeypatch):
    monkeypatch.setenv("PACEBOT_SCHEDULER_RETRY", "0.05")  # a standby process looks again at once


def test_serve_starts_the_dispatcher_and_the_scheduler(app, quick_retry):
    from bot.schedule.scheduler import install

    make_org(app, reps=("Ann",))
    assert app.on_serve == []  # building the app (its handlers) starts nothing
    install(app)  # what `pacebot serve` wires
    for hook in app.on_serve:
        hook()
    try:
        assert app.scheduler.leading.wait(10)
        assert len(app.scheduler.scheduler.get_jobs()) == 3
    finally:
        app.scheduler.stop()
        app.outbox.stop()
    assert not app.scheduler.leading.is_set()


@pytest.mark.postgres
def test_a_standby_process_takes_over_when_the_scheduler_stops(request, clock, quick_retry):
    from bot.app import App
    from bot.store.db import Database
    from bot.schedule.scheduler import SchedulerService
    from tests.conftest import _empty_pg, make_settings

    url = request.getfixturevalue("pg_database")
    _empty_pg(url)
    apps = [App(make_settings(PACEBOT_DATABASE_URL=url), db=Database(url), clock=clock) for _ in range(2)]
    make_org(apps[0], reps=("Ann",))
    first, second = SchedulerService(apps[0]), SchedulerService(apps[1])
    try:
        first.start()
        assert first.leading.wait(10)
        second.start()
        assert not second.leading.wait(0.3)  # the lock is held: it stands by
        first.stop()  # the holder goes away
        assert second.leading.wait(10)
        assert sorted(j.id for j in second.scheduler.get_jobs()) == sorted(j for j in (
            "champions:team-1", "digest:team-1", "nudge:team-1"))
    finally:
        first.stop()
        second.stop()
        for a in apps:
            a.db.dispose()


RUNS: list[str] = []
RAN = threading.Event()


def record_run(name: str, *, runner: JobRunner | None = None) -> None:
    """A job function as the store keeps them: module-level, plain arguments; the scheduler's executor
    adds this process's runner (no module holds the app)."""
    RUNS.append(name if isinstance(runner, JobRunner) else f"{name} without a runner")
    RAN.set()


def test_missed_runs_are_made_up_once_within_the_grace_time_and_dropped_after(app, runner):
    from datetime import timedelta

    from apscheduler.events import EVENT_JOB_MISSED

    RUNS.clear()
    RAN.clear()
    missed = threading.Event()
    scheduler = build_scheduler(runner)
    scheduler.add_listener(lambda event: missed.set(), EVENT_JOB_MISSED)
    scheduler.start(paused=True)
    try:
        now = datetime.now(timezone.utc)  # APScheduler runs on the real clock
        every_ten = TeamTrigger("*/10 * * * *", "Asia/Shanghai", None, "any")
        # Down for 50 minutes: five fire times passed, within the hour's grace: one run, not five.
        scheduler.add_job(record_run, every_ten, args=["late"], id="late", next_run_time=now - timedelta(minutes=50))
        # A daily run two hours ago: beyond the grace time, it is skipped, not made up.
        due = (now - timedelta(hours=2)).replace(second=0, microsecond=0)
        daily = TeamTrigger(f"{due.minute} {due.hour} * * *", "UTC", None, "any")
        scheduler.add_job(record_run, daily, args=["too-late"], id="too-late", next_run_time=due)
        scheduler.resume()
        assert RAN.wait(10) and missed.wait(10)
    finally:
        scheduler.shutdown(wait=True)
    assert RUNS == ["late"]


def test_a_stored_team_job_runs_with_this_process_runner(app, clock, runner):
    """The job store keeps `run_scheduled` and plain arguments; the executor supplies the app."""
    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED

    from bot.schedule.scheduler import run_scheduled
    from tests.schedule_helpers import RecordingSender

    app.add_sender(RecordingSender("slack", clock))
    o = make_org(app, reps=("Ann",))
    events, done = [], threading.Event()
    scheduler = build_scheduler(runner)
    scheduler.add_listener(lambda event: (events.append(event), done.set()), EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    scheduler.start(paused=True)
    try:
        scheduler.add_job(run_scheduled, "date", run_date=datetime.now(timezone.utc), args=["nudge", o.team_id],
                          id="nudge-now")
        scheduler.resume()
        assert done.wait(10)
    finally:
        scheduler.shutdown(wait=True)
    (event,) = events
    assert event.exception is None and event.retval == 1  # Ann logged nothing today: one nudge
