"""Working-day calendars: plain Monday–Friday, or China's State Council schedule.

China's schedule (holidays plus make-up working weekends, 调休) comes from the maintained
``chinesecalendar`` package rather than a hand-kept list (see DOMAIN.md, Calendar).
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol, runtime_checkable

import chinese_calendar

log = logging.getLogger(__name__)

CHINA_TIMEZONES = frozenset(
    {
        "Asia/Shanghai",
        "Asia/Chongqing",
        "Asia/Chungking",
        "Asia/Harbin",
        "Asia/Urumqi",
        "Asia/Kashgar",
        "PRC",
    }
)


@runtime_checkable
class WorkCalendar(Protocol):
    """Anything that can say whether a local date is a working day."""

    name: str

    def is_workday(self, day: date) -> bool: ...


@dataclass(frozen=True)
class WeekdayCalendar:
    """Monday to Friday are working days; no public holidays."""

    name: str = field(default="weekdays", init=False)

    def is_workday(self, day: date) -> bool:
        return day.weekday() < 5


@dataclass(frozen=True)
class ChinaCalendar:
    """China's official schedule, including make-up working Saturdays and Sundays.

    For a year ``chinesecalendar`` has no data for (it raises NotImplementedError), this falls
    back to Monday–Friday and logs one warning for that year, so the bot keeps working
    until the package is upgraded.
    """

    name: str = field(default="CN", init=False)

    def is_workday(self, day: date) -> bool:
        return _china_is_workday(day)


# Cached per day: pace is computed on every `me`, each time walking a whole period.
@functools.lru_cache(maxsize=8192)
def _china_is_workday(day: date) -> bool:
    if not _china_has_year(day.year):
        return day.weekday() < 5
    return chinese_calendar.is_workday(day)


_warned_years: set[int] = set()
_warn_lock = threading.Lock()


@functools.lru_cache(maxsize=None)
def _china_has_year(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        # lru_cache may run this twice under a race; the lock keeps it to one warning.
        with _warn_lock:
            if year not in _warned_years:
                _warned_years.add(year)
                log.warning(
                    "chinesecalendar has no holiday data for %d; treating Monday-Friday as "
                    "working days for that year (upgrade the chinesecalendar package)",
                    year,
                )
        return False
    return True


def clear_cache() -> None:
    """Forget cached answers and warnings (for tests, or after upgrading the data in-process)."""
    _china_is_workday.cache_clear()
    _china_has_year.cache_clear()
    with _warn_lock:
        _warned_years.clear()


WEEKDAYS = WeekdayCalendar()
CHINA = ChinaCalendar()

_CODES: dict[str, WorkCalendar] = {"cn": CHINA, "none": WEEKDAYS, "weekdays": WEEKDAYS}


def calendar_for(holidays: str | None, tz_name: str) -> WorkCalendar:
    """Pick a team's calendar.

    ``holidays`` is the team setting: "CN", "none" or "weekdays" (case-insensitive). When it
    is None (or blank, as an unset env var reads) the time zone decides: a mainland-China
    zone gets China's schedule, anything else Monday–Friday. Unknown codes raise ValueError.
    """
    if holidays is None or not holidays.strip():
        return CHINA if tz_name in CHINA_TIMEZONES else WEEKDAYS
    try:
        return _CODES[holidays.strip().lower()]
    except KeyError:
        raise ValueError(
            f"unknown holiday calendar {holidays!r}; use one of: CN, none, weekdays"
        ) from None


def workdays_between(
    cal: WorkCalendar, start: date, end: date, exclude: Collection[date] = ()
) -> list[date]:
    """Working days from ``start`` to ``end``, both inclusive, minus ``exclude`` (leave days).

    Empty when ``start`` is after ``end``.
    """
    skip = exclude if isinstance(exclude, (set, frozenset)) else set(exclude)
    # Walk ordinals rather than adding timedelta, so end == date.max cannot overflow.
    days = (date.fromordinal(n) for n in range(start.toordinal(), end.toordinal() + 1))
    return [day for day in days if day not in skip and cal.is_workday(day)]
