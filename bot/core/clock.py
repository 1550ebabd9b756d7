"""Time: one injected clock, and "today" as the team's local day, never the server's."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(timezone.utc)


def local_today(now: datetime, tz: str) -> date:
    """The calendar day it is in time zone `tz` at instant `now`."""
    return now.astimezone(ZoneInfo(tz)).date()
