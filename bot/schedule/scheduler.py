"""When jobs run: APScheduler 3's BackgroundScheduler with its SQLAlchemy job store on our database,
one job per team and job name, in the team's time zone and working calendar.

Exactly one process schedules (APScheduler 3 cannot share a job store between processes). On
PostgreSQL every `pacebot serve` tries `pg_try_advisory_lock` on a connection of its own; the holder
schedules, the others try again every `PACEBOT_SCHEDULER_RETRY` seconds and take over when the
holder's connection (and so its lock) goes away. On SQLite there is no such lock: run one `pacebot
serve` per SQLite file (SQLite is for one machine and one process anyway). Either way every message a
job makes goes through the outbox with an idempotency key, so even two schedulers would send once.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool
from sqlmodel import select

from bot.schedule.chart import ChartPool
from bot.schedule.jobs import JOBS, JobContext
from bot.store.tables.sales import Team
from bot.store.tables.schedule import TeamSchedule
from bot.schedule.settings import ScheduleSettings, load_schedule_settings
from bot.core.workcal import calendar_for

log = logging.getLogger(__name__)

LOCK_KEY = 0x7061636562  # "paceb": the advisory lock id of the one scheduling process


# Job name -> which local days it may fire on, besides its crontab: "workday" (the team's working
# calendar, make-up weekend days included), "first_workday" (of the month), or "any".
RULES = {"digest": "any", "champions": "first_workday", "nudge": "workday", "forms": "any"}


class TeamTrigger(BaseTrigger):
    """A crontab in a team's time zone, kept to the days its rule allows on the team's calendar. Plain
    fields only, so it pickles into the job store and compares equal when nothing changed."""

    def __init__(self, cron: str, tz: str, holidays: str | None, rule: str = "any"):
        self.cron, self.tz, self.holidays, self.rule = cron, tz, holidays, rule
        self._cron = CronTrigger.from_crontab(cron, timezone=ZoneInfo(tz))

    def get_next_fire_time(self, previous_fire_time, now):
        calendar = calendar_for(self.holidays, self.tz)
        fire = self._cron.get_next_fire_time(previous_fire_time, now)
        for _ in range(800):  # a rule matches within a couple of years of crontab fires at most
            if fire is None or self._allowed(fire.astimezone(ZoneInfo(self.tz)).date(), calendar):
                return fire
            fire = self._cron.get_next_fire_time(fire, fire)
        return None

    def _allowed(self, day: date, calendar) -> bool:
        if self.rule == "workday":
            return calendar.is_workday(day)
        if self.rule == "first_workday":
            first = day.replace(day=1)
            return calendar.is_workday(day) and not any(
                calendar.is_workday(first + timedelta(days=i)) for i in range((day - first).days))
        return True

    def __getstate__(self):
        return {"version": 1, "cron": self.cron, "tz": self.tz, "holidays": self.holidays, "rule": self.rule}

    def __setstate__(self, state):
        self.__init__(state["cron"], state["tz"], state["holidays"], state["rule"])

    def __eq__(self, other):
        return isinstance(other, TeamTrigger) and self.__getstate__() == other.__getstate__()

    def __str__(self):
        return f"{self.cron} {self.tz} ({self.rule}, {calendar_for(self.holidays, self.tz).name})"

    __hash__ = None


def job_id(name: str, team_id: int) -> str:
    return f"{name}:team-{team_id}"


def team_jobs(session, settings: ScheduleSettings | None = None) -> list[tuple[str, Team, TeamTrigger]]:
    """Every (job name, team, trigger) that should exist: defaults unless the team set its own."""
    settings = settings or load_schedule_settings()
    own = {(row.team_id, row.job): row for row in session.exec(select(TeamSchedule)).all()}
    from bot.services.forms.store import teams_with_forms

    with_forms = teams_with_forms(session=session)  # the forms job only where a form is assigned
    result = []
    for team in session.exec(select(Team).order_by(Team.id)).all():
        for name, rule in RULES.items():
            row = own.get((team.id, name))
            if (row is not None and not row.enabled) or (name == "forms" and team.id not in with_forms):
                continue
            cron = (row.cron if row and row.cron else None) or getattr(settings, name)
            result.append((name, team, TeamTrigger(cron, team.tz, team.holidays, rule)))
    return result


@dataclass(frozen=True)
class JobRunner:
    """What a scheduled job runs with in this process: the app and the job context, built once when
    scheduling starts. The scheduler's executor hands it to `run_scheduled`; the job store never sees it."""

    app: object
    jobs: JobContext

    def run(self, name: str, team_id: int, *, force: bool = False) -> int:
        return run_job(self.app, name, team_id, force=force, ctx=self.jobs)


def run_scheduled(name: str, team_id: int, *, runner: JobRunner | None = None) -> int:
    """What the job store holds: a module-level function and plain arguments (`name`, `team_id`); the
    runner comes from the executor at run time. Returns how many new outbox rows the job made."""
    if runner is None:
        log.error("job %s for team %s ran without a runner (not through RunnerExecutor)", name, team_id)
        return 0
    return runner.run(name, team_id)


def run_job(app, name: str, team_id: int, *, force: bool = False, ctx: JobContext | None = None) -> int:
    """Run one job for one team now; returns how many new outbox rows it made, then dispatches."""
    with app.db.session() as session:
        team = session.get(Team, team_id)
    if team is None:
        return 0
    added = JOBS[name](app, team, app.clock(), force=force, ctx=ctx or JobContext.load())
    app.outbox.dispatch()
    return added


def sync_jobs(scheduler, runner: JobRunner) -> None:
    """Make the job store match the teams and their schedules. A job whose trigger did not change is
    left alone, so its stored next run (and a missed run to catch up) survives a restart."""
    settings = runner.jobs.settings
    with runner.app.db.session() as session:
        wanted = {job_id(name, team.id): (name, team.id, trigger)
                  for name, team, trigger in team_jobs(session, settings)}
    for job in scheduler.get_jobs():
        if job.id not in wanted:
            job.remove()
    for jid, (name, team_id, trigger) in wanted.items():
        current = scheduler.get_job(jid)
        if current is not None and current.trigger == trigger:
            continue
        scheduler.add_job(run_scheduled, trigger, args=[name, team_id], id=jid, name=jid, replace_existing=True,
                          coalesce=True, max_instances=1, misfire_grace_time=settings.misfire_grace)


class RunnerExecutor(ThreadPoolExecutor):
    """APScheduler's thread pool, calling every job function with this process's runner as `runner=`. So
    the job store keeps only plain arguments and no module holds the app."""

    def __init__(self, runner: JobRunner, max_workers: int = 10):
        super().__init__(max_workers)
        self.runner = runner

    def _do_submit_job(self, job, run_times):
        super()._do_submit_job(_WithRunner(job, self.runner), run_times)


class _WithRunner:
    """A stored job as APScheduler's `run_job` sees it, with the runner among its keyword arguments."""

    def __init__(self, job, runner: JobRunner):
        self._job, self._runner = job, runner

    def __getattr__(self, name):
        return getattr(self._job, name)

    @property
    def kwargs(self) -> dict:
        return {**self._job.kwargs, "runner": self._runner}

    def __str__(self) -> str:
        return str(self._job)


def build_scheduler(runner: JobRunner) -> BackgroundScheduler:
    store = SQLAlchemyJobStore(engine=runner.app.db.engine, tablename="apscheduler_jobs")
    return BackgroundScheduler(jobstores={"default": store}, executors={"default": RunnerExecutor(runner)},
                               timezone=timezone.utc,
                               job_defaults={"coalesce": True, "max_instances": 1,
                                             "misfire_grace_time": runner.jobs.settings.misfire_grace})


class LeaderLock:
    """The right to schedule: a PostgreSQL advisory lock held by a connection of its own (it is released
    when that connection closes, i.e. when the process dies). SQLite: always granted (one process)."""

    def __init__(self, db):
        self.db = db
        self._engine = None
        self._conn = None

    def acquire(self) -> bool:
        if self.db.dialect != "postgresql":
            return True
        if self._conn is None:
            self._engine = self._engine or create_engine(self.db.url, poolclass=NullPool)
            self._conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        got = bool(self._conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": LOCK_KEY}).scalar())
        if not got:
            self.release()
        return got

    def alive(self) -> bool:
        if self.db.dialect != "postgresql":
            return True
        try:
            self._conn.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    def release(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()  # closing the session releases the lock
            except Exception:
                pass
            self._conn = None


class SchedulerService:
    """Started by `pacebot serve`: waits for the lock, schedules while it holds it, resyncs the teams'
    jobs every `sync_every` seconds, and steps down when its lock connection is lost. It owns the chart
    processes its digests draw in."""

    def __init__(self, app, settings: ScheduleSettings | None = None, *, sync_every: float = 300.0):
        self.app = app
        self.settings = settings or load_schedule_settings()
        self.sync_every = sync_every
        self.charts = ChartPool()
        self.runner = JobRunner(app, JobContext(self.settings, draw_week=self.charts.draw_week))
        self.lock = LeaderLock(app.db)
        self.scheduler: BackgroundScheduler | None = None
        self._stop = threading.Event()
        self.leading = threading.Event()  # set while this process schedules
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="pacebot-scheduler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.charts.shutdown()

    def _run(self) -> None:
        retry = self.settings.retry
        while not self._stop.is_set():
            try:
                if self.lock.acquire():
                    self._lead()
            except Exception:
                log.exception("scheduler failed; trying again in %ss", retry)
            finally:
                self._step_down()
            self._stop.wait(retry)

    def _lead(self) -> None:
        log.info("this process schedules the jobs")
        self.scheduler = build_scheduler(self.runner)
        self.scheduler.start(paused=True)
        sync_jobs(self.scheduler, self.runner)
        self.scheduler.resume()
        self.leading.set()
        synced = time.monotonic()
        while not self._stop.wait(min(self.sync_every, 10.0)):
            if not self.lock.alive():
                log.warning("lost the scheduler lock's connection; stepping down")
                return
            if time.monotonic() - synced >= self.sync_every:
                sync_jobs(self.scheduler, self.runner)
                synced = time.monotonic()

    def _step_down(self) -> None:
        self.leading.clear()
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
            self.scheduler = None
        self.lock.release()


def install(app, settings: ScheduleSettings | None = None) -> None:
    """Hook the dispatcher and the scheduler into `pacebot serve` (its wiring calls this, nothing else)."""
    def start() -> None:
        schedule = settings or load_schedule_settings()
        app.outbox.start()
        if schedule.enabled:
            app.scheduler = SchedulerService(app, schedule)
            app.scheduler.start()

    app.on_serve.append(start)


def next_runs(app, now: datetime | None = None, settings: ScheduleSettings | None = None
              ) -> list[tuple[str, Team, TeamTrigger, datetime | None]]:
    """Every job with its next fire time, for `pacebot job list`."""
    now = now or app.clock()
    with app.db.session() as session:
        return [(name, team, trigger, trigger.get_next_fire_time(None, now)) for name, team, trigger in
                team_jobs(session, settings)]
