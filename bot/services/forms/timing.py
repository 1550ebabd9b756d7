"""When a form's period opens, is due, is reminded about and closes, in the team's time zone and on
its working calendar. A period closes when the next one opens: until then answers may be edited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.services.forms.definition import OPENS_RE, REMINDER_RE, WEEKDAYS, FormDef
from bot.core.periods import Period, PeriodKind, period_containing
from bot.core.workcal import calendar_for


@dataclass(frozen=True)
class Timing:
    period: Period
    opens: datetime
    deadline: datetime
    reminders: tuple[datetime, ...]
    closes: datetime

    @property
    def label(self) -> str:
        return self.period.label


def _calendar(team, default_tz: str):
    return calendar_for(team.holidays if team else None, team.tz if team else default_tz)


def _open_day(form: FormDef, period: Period, calendar) -> date:
    m = OPENS_RE.match(form.schedule.opens)
    if m["day"] == "last_workday":
        day = period.end
        for _ in range(31):
            if calendar.is_workday(day):
                return day
            day -= timedelta(days=1)
        return period.end
    day = period.start + timedelta(days=WEEKDAYS.index(m["day"]))
    return day if day <= period.end else period.end


def _next_workday(day: date, calendar, count: int = 1) -> date:
    for _ in range(count):
        day += timedelta(days=1)
        for _ in range(60):
            if calendar.is_workday(day):
                break
            day += timedelta(days=1)
    return day


def timing(form: FormDef, period: Period, team, default_tz: str) -> Timing:
    tz = ZoneInfo(team.tz if team else default_tz)
    calendar = _calendar(team, default_tz)
    open_day = _open_day(form, period, calendar)
    opens = datetime.combine(open_day, time.fromisoformat(OPENS_RE.match(form.schedule.opens)["time"]), tzinfo=tz)
    due_day = _next_workday(open_day, calendar, form.schedule.deadline_workdays)
    deadline = datetime.combine(due_day, time.fromisoformat(form.schedule.deadline_time), tzinfo=tz)
    reminders = []
    for spec in form.schedule.reminders:
        m = REMINDER_RE.match(spec)
        if m["time"]:
            morning = _next_workday(open_day, calendar)
            reminders.append(datetime.combine(morning, time.fromisoformat(m["time"]), tzinfo=tz))
        else:
            reminders.append(deadline - timedelta(minutes=int(m["minutes"])))
    following = period.next()
    next_open_day = _open_day(form, following, calendar)
    closes = datetime.combine(next_open_day, opens.timetz().replace(tzinfo=None), tzinfo=tz)
    return Timing(period, opens, deadline, tuple(sorted(r for r in reminders if opens < r < deadline)),
                  max(closes, deadline + timedelta(days=1)))


def current(form: FormDef, team, now: datetime, default_tz: str) -> Timing:
    """The latest period whose form has opened by `now`."""
    tz = ZoneInfo(team.tz if team else default_tz)
    period = period_containing(PeriodKind(form.schedule.period), now.astimezone(tz).date())
    t = timing(form, period, team, default_tz)
    return t if t.opens <= now else timing(form, period.previous(), team, default_tz)


def by_label(form: FormDef, label: str, team, default_tz: str) -> Timing | None:
    from bot.core.periods import period_from_label

    try:
        period = period_from_label(label)
    except ValueError:
        return None
    if period.kind.value != form.schedule.period:
        return None
    return timing(form, period, team, default_tz)
