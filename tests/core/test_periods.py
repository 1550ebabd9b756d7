from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.periods import (
    Period,
    PeriodError,
    PeriodKind,
    parse_period,
    period_containing,
    period_from_label,
)

W, M, Q, Y = PeriodKind.WEEK, PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.YEAR
TODAY = date(2026, 11, 26)  # a Thursday in ISO week 2026-W48, Q4


def p(label: str) -> Period:
    return period_from_label(label)


# --- months and quarters -------------------------------------------------------------

def test_month_ends():
    jan = period_containing(M, date(2026, 1, 31))
    assert (jan.start, jan.end, jan.label) == (date(2026, 1, 1), date(2026, 1, 31), "2026-01")
    assert jan.next().end == date(2026, 2, 28)
    assert period_containing(M, date(2028, 2, 10)).end == date(2028, 2, 29)  # leap year
    assert period_containing(M, date(2100, 2, 10)).end == date(2100, 2, 28)  # not a leap year
    dec = period_containing(M, date(2026, 12, 31))
    assert dec.next() == Period(M, date(2027, 1, 1), date(2027, 1, 31))
    assert dec.next().label == "2027-01"
    assert dec.next().previous() == dec
    assert period_containing(M, date(2026, 3, 1)).previous().end == date(2026, 2, 28)


@pytest.mark.parametrize(
    ("day", "label", "start", "end"),
    [
        (date(2026, 1, 1), "2026-Q1", date(2026, 1, 1), date(2026, 3, 31)),
        (date(2026, 3, 31), "2026-Q1", date(2026, 1, 1), date(2026, 3, 31)),
        (date(2026, 4, 1), "2026-Q2", date(2026, 4, 1), date(2026, 6, 30)),
        (date(2026, 6, 30), "2026-Q2", date(2026, 4, 1), date(2026, 6, 30)),
        (date(2026, 7, 1), "2026-Q3", date(2026, 7, 1), date(2026, 9, 30)),
        (date(2026, 9, 30), "2026-Q3", date(2026, 7, 1), date(2026, 9, 30)),
        (date(2026, 10, 1), "2026-Q4", date(2026, 10, 1), date(2026, 12, 31)),
        (date(2026, 12, 31), "2026-Q4", date(2026, 10, 1), date(2026, 12, 31)),
    ],
)
def test_quarter_boundaries(day, label, start, end):
    q = period_containing(Q, day)
    assert (q.label, q.start, q.end) == (label, start, end)


def test_quarter_and_year_stepping():
    assert p("2026-Q4").next() == p("2027-Q1")
    assert p("2026-Q1").previous() == p("2025-Q4")
    assert p("2026").next().label == "2027"
    assert (p("2026").start, p("2026").end) == (date(2026, 1, 1), date(2026, 12, 31))


# --- ISO weeks -----------------------------------------------------------------------

def test_iso_week_across_year_end():
    week = period_containing(W, date(2027, 1, 1))
    assert (week.start, week.end) == (date(2026, 12, 28), date(2027, 1, 3))
    iso = date(2027, 1, 1).isocalendar()
    assert week.label == f"{iso.year}-W{iso.week:02d}" == "2026-W53"
    for n in range(7):  # every day of the week shares that ISO year and week
        day = date(2026, 12, 28) + timedelta(days=n)
        assert week.contains(day)
        assert day.isocalendar()[:2] == (2026, 53)
    assert week.next().label == "2027-W01"
    assert week.next().start == date(2027, 1, 4)
    # 2026's week 1 starts in 2025.
    assert period_containing(W, date(2025, 12, 29)).label == "2026-W01"
    assert period_containing(W, date(2025, 12, 28)).label == "2025-W52"


def test_week_is_monday_to_sunday():
    week = period_containing(W, TODAY)
    assert (week.start, week.end, week.label) == (date(2026, 11, 23), date(2026, 11, 29), "2026-W48")
    assert week.start.weekday() == 0 and week.end.weekday() == 6
    assert week.contains(week.start) and week.contains(week.end)
    assert not week.contains(week.end + timedelta(days=1))
    assert not week.contains(week.start - timedelta(days=1))


# --- labels --------------------------------------------------------------------------

@given(st.dates(min_value=date(1000, 1, 8), max_value=date(9998, 12, 20)), st.sampled_from(PeriodKind))
def test_label_round_trip(day, kind):
    period = period_containing(kind, day)
    assert period.contains(day)
    assert period.start <= day <= period.end
    assert period_from_label(period.label) == period
    assert period_containing(kind, period.start) == period == period_containing(kind, period.end)
    assert period.next().start == period.end + timedelta(days=1)
    assert period.previous().end == period.start - timedelta(days=1)
    assert period.next().previous() == period
    assert Period(kind, period.start, period.end) == period
    if kind is W:
        assert period.label == "{}-W{:02d}".format(*day.isocalendar()[:2])


@pytest.mark.parametrize(
    "bad",
    ["", "2026-13", "2026-00", "2026-W54", "2025-W53", "2026-W00", "2026-Q0", "2026-Q5",
     "26-11", "2026-1", "2026-w48", "2026/11", "Q4", "2026-11-01", "month"],
)
def test_period_from_label_rejects(bad):
    with pytest.raises(ValueError):
        period_from_label(bad)


def test_period_rejects_non_canonical_bounds():
    with pytest.raises(ValueError):
        Period(M, date(2026, 11, 2), date(2026, 11, 30))
    with pytest.raises(ValueError):
        Period(W, date(2026, 11, 24), date(2026, 11, 30))  # starts on a Tuesday


def test_period_accepts_kind_as_string():
    assert Period("month", date(2026, 11, 1), date(2026, 11, 30)).kind is M


# --- parse_period --------------------------------------------------------------------

FORMS = {
    "2026-W48": ["week", "w", "this week", "本周", "这周", "周", "星期"],
    "2026-11": ["month", "m", "this month", "本月", "这个月", "月", "月度"],
    "2026-Q4": ["quarter", "q", "this quarter", "本季度", "这个季度", "季度", "季"],
    "2026": ["year", "y", "this year", "今年", "本年", "年", "年度"],
    "2026-W47": ["last week", "上周"],
    "2026-10": ["last month", "上月", "上个月"],
    "2026-Q3": ["last quarter", "上季度"],
    "2025": ["last year", "去年"],
    "2026-W49": ["next week", "下周", "2026-W49", "2026W49", "2026w49"],
    "2026-12": ["next month", "下月", "下个月", "2026-12", "2026/12", "2026年12月"],
    "2027-Q1": ["next quarter", "下季度"],
    "2027": ["next year", "明年", "2027", "2027年"],
    "2026-Q1": ["2026-Q1", "2026Q1", "2026q1", "2026年第一季度", "2026年一季度", "2026年Q1"],
    "2026-W53": ["2026-W53"],
    "2026-01": ["2026-01", "2026/1", "2026年1月"],
}


@pytest.mark.parametrize(
    ("text", "label"), [(t, label) for label, texts in FORMS.items() for t in texts]
)
def test_parse_period_forms(text, label):
    assert parse_period(text, TODAY).label == label


@pytest.mark.parametrize(
    ("text", "label"),
    [("  LAST Week ", "2026-W47"), ("This  Month", "2026-11"), ("NEXT\tYEAR", "2027"),
     (" 上个月 ", "2026-10"), ("２０２６年１２月", "2026-12"), ("Ｑ", "2026-Q4"),
     ("2026 年 12 月", "2026-12"), ("2026年度", "2026"), ("２０２６－Ｑ２", "2026-Q2")],
)
def test_parse_period_case_space_fullwidth(text, label):
    assert parse_period(text, TODAY).label == label


def test_parse_period_empty_uses_default():
    assert parse_period("", TODAY).label == "2026-11"
    assert parse_period("   ", TODAY, default=W).label == "2026-W48"
    assert parse_period("", TODAY, default=Q).label == "2026-Q4"
    assert parse_period("", TODAY, default=Y).label == "2026"


def test_parse_period_relative_at_edges():
    # Stepping from month ends must not skip a short month.
    assert parse_period("next month", date(2026, 1, 31)).label == "2026-02"
    assert parse_period("last month", date(2026, 3, 31)).label == "2026-02"
    assert parse_period("next week", date(2026, 12, 31)).label == "2027-W01"
    assert parse_period("last week", date(2027, 1, 4)).label == "2026-W53"
    assert parse_period("next quarter", date(2026, 12, 31)).label == "2027-Q1"
    assert parse_period("last year", date(2026, 1, 1)).label == "2025"


@pytest.mark.parametrize(
    "text",
    ["foo", "last", "this", "next next week", "上上周", "weeks", "2026-13", "2026-W54",
     "2025-W53", "2026Q5", "2026-Q0", "2026年13月", "2026年第五季度", "12", "202", "20261",
     "2026-11-26", "0000", "11月", "Q4", "last decade"],
)
def test_parse_period_rejects(text):
    with pytest.raises(PeriodError) as info:
        parse_period(text, TODAY)
    err = info.value
    assert isinstance(err, ValueError)
    assert err.code == "bad_period"
    assert err.params == {"text": text}
