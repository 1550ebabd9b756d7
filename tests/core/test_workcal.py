import logging
from datetime import date, timedelta

import chinese_calendar
import pytest

from bot.core import workcal
from bot.core.workcal import (
    CHINA_TIMEZONES,
    ChinaCalendar,
    WeekdayCalendar,
    WorkCalendar,
    calendar_for,
    workdays_between,
)

CN = ChinaCalendar()
WD = WeekdayCalendar()


@pytest.fixture(autouse=True)
def fresh_cache():
    workcal.clear_cache()
    yield
    workcal.clear_cache()


def test_calendars_satisfy_protocol():
    assert isinstance(CN, WorkCalendar) and CN.name == "CN"
    assert isinstance(WD, WorkCalendar) and WD.name == "weekdays"


def test_national_day_2026_is_off():
    # chinesecalendar 1.11's 2026 schedule: National Day off Oct 1-7 (Thu-Wed);
    # Oct 8 (Thu) is back at work. (Oct 1-8 was 2025's schedule, not 2026's.)
    for n in range(1, 8):
        assert not CN.is_workday(date(2026, 10, n)), date(2026, 10, n)
    assert CN.is_workday(date(2026, 10, 8))
    # Weekdays inside the holiday are working days on a plain calendar.
    assert WD.is_workday(date(2026, 10, 1))


def test_make_up_weekend_days_2026_are_workdays():
    year = (date(2026, 1, 1), date(2026, 12, 31))
    make_up = [d for d in chinese_calendar.get_workdays(*year) if d.weekday() >= 5]
    assert make_up, "the 2026 data should contain make-up working weekend days (调休)"
    for day in make_up:
        assert CN.is_workday(day), day
        assert not WD.is_workday(day), day
    # One spelled out: Saturday 2026-10-10 is worked in lieu of National Day.
    assert date(2026, 10, 10).weekday() == 5
    assert date(2026, 10, 10) in make_up
    assert CN.is_workday(date(2026, 10, 10))
    assert not CN.is_workday(date(2026, 10, 11))  # the Sunday after is a normal weekend


def test_china_matches_library_for_all_of_2026():
    day = date(2026, 1, 1)
    while day.year == 2026:
        assert CN.is_workday(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


def test_year_without_data_falls_back_to_weekdays_with_one_warning(caplog):
    caplog.set_level(logging.WARNING, logger="bot.core.workcal")
    days_2027 = [date(2027, 1, 1) + timedelta(days=n) for n in range(60)]
    for day in days_2027:
        assert CN.is_workday(day) == (day.weekday() < 5), day
    workdays_between(CN, date(2027, 3, 1), date(2027, 12, 31))  # more 2027 calls
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "2027" in warnings[0].getMessage()

    # Another missing year warns once for itself; a covered year never warns.
    CN.is_workday(date(2003, 5, 1))
    CN.is_workday(date(2003, 5, 2))
    CN.is_workday(date(2026, 5, 1))
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert [("2003" in r.getMessage()) for r in warnings] == [False, True]


def test_answers_are_cached_per_day(monkeypatch):
    calls = []
    real = chinese_calendar.is_workday

    def counting(day):
        calls.append(day)
        return real(day)

    monkeypatch.setattr(workcal.chinese_calendar, "is_workday", counting)
    first = workdays_between(CN, date(2026, 11, 1), date(2026, 11, 30))
    n = len(calls)
    assert n <= 31  # 30 days plus one probe for the year's data
    assert workdays_between(CN, date(2026, 11, 1), date(2026, 11, 30)) == first
    assert len(calls) == n


@pytest.mark.parametrize(
    ("code", "tz", "name"),
    [
        ("CN", "Europe/London", "CN"),
        ("cn", "Europe/London", "CN"),
        (" CN ", "UTC", "CN"),
        ("none", "Asia/Shanghai", "weekdays"),
        ("weekdays", "Asia/Shanghai", "weekdays"),
        ("Weekdays", "Asia/Shanghai", "weekdays"),
        (None, "Asia/Shanghai", "CN"),
        (None, "Asia/Urumqi", "CN"),
        (None, "PRC", "CN"),
        (None, "Europe/London", "weekdays"),
        (None, "Asia/Hong_Kong", "weekdays"),  # HK has its own holidays
        (None, "Asia/Taipei", "weekdays"),
        ("", "Asia/Shanghai", "CN"),  # blank setting behaves as unset
    ],
)
def test_calendar_for(code, tz, name):
    assert calendar_for(code, tz).name == name


def test_calendar_for_every_china_zone():
    assert {"Asia/Shanghai", "Asia/Chongqing", "Asia/Chungking", "Asia/Harbin"} <= CHINA_TIMEZONES
    assert {"Asia/Urumqi", "Asia/Kashgar", "PRC"} <= CHINA_TIMEZONES
    for tz in CHINA_TIMEZONES:
        assert isinstance(calendar_for(None, tz), ChinaCalendar)


@pytest.mark.parametrize("code", ["US", "china", "CN,US", "x"])
def test_calendar_for_unknown_code(code):
    with pytest.raises(ValueError, match="unknown holiday calendar"):
        calendar_for(code, "Asia/Shanghai")


def test_weekdays_for_london_ignore_chinese_schedule():
    cal = calendar_for(None, "Europe/London")
    assert isinstance(cal, WeekdayCalendar)
    assert cal.is_workday(date(2026, 10, 1))  # Chinese National Day: a Thursday
    assert not cal.is_workday(date(2026, 10, 10))  # Chinese make-up Saturday
    assert len(workdays_between(cal, date(2026, 10, 1), date(2026, 10, 31))) == 22


def test_workdays_between_inclusive_and_exclude():
    # Weekdays of 2026-11-02 (Mon) .. 2026-11-06 (Fri): both ends included.
    assert workdays_between(WD, date(2026, 11, 2), date(2026, 11, 6)) == [
        date(2026, 11, n) for n in range(2, 7)
    ]
    assert workdays_between(WD, date(2026, 11, 6), date(2026, 11, 6)) == [date(2026, 11, 6)]
    assert workdays_between(WD, date(2026, 11, 7), date(2026, 11, 6)) == []
    leave = [date(2026, 11, 3), date(2026, 11, 7)]  # a Tuesday and a Saturday
    assert workdays_between(WD, date(2026, 11, 2), date(2026, 11, 8), exclude=leave) == [
        date(2026, 11, 2), date(2026, 11, 4), date(2026, 11, 5), date(2026, 11, 6)
    ]
    assert workdays_between(WD, date.max - timedelta(days=3), date.max)  # no overflow


def test_october_2026_china_count():
    # Oct 8, 9, 10 (make-up Sat), then 12-16, 19-23, 26-30: 3 + 15 = 18.
    days = workdays_between(CN, date(2026, 10, 1), date(2026, 10, 31))
    assert len(days) == 18
    assert days[:4] == [date(2026, 10, 8), date(2026, 10, 9), date(2026, 10, 10), date(2026, 10, 12)]
