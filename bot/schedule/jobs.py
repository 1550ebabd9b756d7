"""What each scheduled job says, and to whom: every message goes into the outbox with a key of
(job, period, recipient), so running a job twice for the same period sends nothing new."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import select

from bot.schedule.chart import draw_week
from bot.chat.messages import Button, Priority, Reply, Target
from bot.store.tables.sales import Activity, Deal, Role, Team
from bot.core.periods import PeriodKind, period_containing
from bot.schedule.settings import ScheduleSettings, load_schedule_settings
from bot.services import champions, leave, org, roles
from bot.services.digest import build_digest
from bot.services.scores import team_calendar

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobContext:
    """What the jobs need besides the app: the schedule settings and a way to draw the digest's chart.
    `pacebot serve` builds one when scheduling starts (charts drawn in its chart processes); a job run
    by hand or by a test loads the settings then and draws in its own process."""

    settings: ScheduleSettings
    draw_week: Callable[..., Path] = draw_week

    @classmethod
    def load(cls) -> JobContext:
        return cls(load_schedule_settings())


def parse_quiet_hours(spec: str) -> tuple[time, time] | None:
    """"21:00-08:00" → (21:00, 08:00); blank → None (no quiet hours)."""
    if not spec.strip():
        return None
    start, _, end = spec.partition("-")
    return time.fromisoformat(start.strip()), time.fromisoformat(end.strip())


def in_quiet_hours(local: datetime, quiet: tuple[time, time] | None) -> bool:
    if quiet is None:
        return False
    start, end = quiet
    now = local.time()
    return start <= now < end if start <= end else (now >= start or now < end)


def quiet_starts_after(local: datetime, quiet: tuple[time, time] | None) -> datetime | None:
    """The next instant quiet hours begin: a nudge not sent by then is dropped."""
    if quiet is None:
        return None
    start = datetime.combine(local.date(), quiet[0], tzinfo=local.tzinfo)
    return start if start > local else start + timedelta(days=1)


def nudge(app, team: Team, now: datetime, *, force: bool = False, ctx: JobContext | None = None) -> int:
    """A private reminder to each rep with nothing logged today, on working days, outside quiet hours
    and leave."""
    ctx = ctx or JobContext.load()
    local = now.astimezone(ZoneInfo(team.tz))
    today = local.date()
    quiet = parse_quiet_hours(ctx.settings.quiet_hours)
    if in_quiet_hours(local, quiet):
        log.info("nudge for team %s skipped: quiet hours", team.id)
        return 0
    if not force and not team_calendar(team, app.settings.tz).is_workday(today):
        return 0
    replies = []
    with app.db.session() as session:
        for person in org.members(team.id, session=session):
            if not roles.competes(person) or leave.days_off(person.id, today, today, session=session):
                continue
            if _logged(person.id, today, session=session):
                continue
            t = lambda key, **kw: app.i18n.t(person.lang, key, **kw)  # noqa: E731
            text = app.i18n.render(person.lang, "nudge", name=person.name, day=today)
            replies.append(Reply(text=text, target=Target.person(person.id), lang=person.lang, kind="nudge",
                                 buttons=[Button(t("button.log_zero"), "log 0", "primary"),
                                          Button(t("button.away_today"), f"away {today.isoformat()}")],
                                 key=f"nudge:{today.isoformat()}:person-{person.id}"))
    return app.outbox.post(replies, expires_at=quiet_starts_after(local, quiet))


def _logged(person_id: int, day: date, *, session) -> bool:
    if session.exec(select(Activity.id).where(Activity.person_id == person_id, Activity.day == day)).first():
        return True
    return session.exec(select(Deal.id).where(Deal.person_id == person_id, Deal.day == day,
                                              Deal.voided == False)).first() is not None  # noqa: E712


def monthly_champions(app, team: Team, now: datetime, *, force: bool = False, ctx: JobContext | None = None
                      ) -> int:
    """The month that ended: champions per metric with runner-ups, to the team channel and the hall of fame."""
    today = now.astimezone(ZoneInfo(team.tz)).date()
    month = period_containing(PeriodKind.MONTH, today).previous()
    with app.db.session() as session:
        board = champions.compute(team, month, session=session)
        champions.record(team, month, board, session=session)
    if not board:
        return 0
    text = app.i18n.render(team.lang, "champions", team=team.name, month=month.label, board=board,
                           currency=team.currency)
    reply = Reply(text=text, target=Target.team(team.id), lang=team.lang, kind="announcement",
                  priority=Priority.NORMAL, key=f"champions:{month.label}:team-{team.id}")
    return app.outbox.post([reply])


def weekly_digest(app, team: Team, now: datetime, *, force: bool = False, ctx: JobContext | None = None) -> int:
    """The week that ended, privately to each of the team's managers, with a chart."""
    ctx = ctx or JobContext.load()
    today = now.astimezone(ZoneInfo(team.tz)).date()
    week = period_containing(PeriodKind.WEEK, today).previous()
    with app.db.session() as session:
        managers = [p for p in org.members(team.id, session=session) if p.role == Role.MANAGER]
        if not managers:
            return 0
        digest = build_digest(team, week, default_tz=app.settings.tz, session=session)
    charts: dict[str, str] = {}
    replies = []
    for manager in managers:
        lang = manager.lang
        if lang not in charts:
            charts[lang] = _chart(app, ctx, digest, lang)
        text = app.i18n.render(lang, "digest", d=digest, currency=team.currency)
        replies.append(Reply(text=text, target=Target.person(manager.id), lang=lang, kind="digest",
                             title=app.i18n.t(lang, "digest.title", team=team.name, period=week.label),
                             image=charts[lang], priority=Priority.BULK,
                             key=f"digest:{week.label}:person-{manager.id}"))
    return app.outbox.post(replies)


def _chart(app, ctx: JobContext, digest, lang: str) -> str | None:
    t = lambda key, **kw: app.i18n.t(lang, key, **kw)  # noqa: E731
    path = Path(ctx.settings.chart_dir) / f"digest-team{digest.team.id}-{digest.week.label}-{lang}.png"
    try:
        ctx.draw_week(path, title=t("digest.chart_title", team=digest.team.name, period=digest.week.label),
                          day_labels=[t(f"weekday.{d.weekday()}") for d in digest.days],
                          revenue=digest.daily_revenue, calls=digest.daily_calls, pace=digest.pace_revenue,
                          labels={k: t(f"digest.chart_{k}") for k in ("revenue", "calls", "pace")})
    except Exception:  # the digest's numbers matter more than its picture
        log.exception("drawing the digest chart failed; sending the digest without it")
        return None
    return str(path)


def forms(app, team: Team, now: datetime, *, force: bool = False, ctx: JobContext | None = None) -> int:
    """Review forms: each form's own times, checked often (bot/forms/jobs.py)."""
    from bot.schedule.forms_jobs import forms_tick

    return forms_tick(app, team, now, force=force)


# Every job is `fn(app, team, now, *, force, ctx)`.
JOBS = {"digest": weekly_digest, "champions": monthly_champions, "nudge": nudge, "forms": forms}
