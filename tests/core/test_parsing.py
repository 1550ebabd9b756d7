"""The readers of money, talk time, counts, dates and ranges: examples, every error code, round trips."""

from __future__ import annotations

import pickle
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.parsing import (ParseError, parse_amount, parse_count, parse_date, parse_date_range,
                         parse_duration)

TODAY = date(2026, 11, 26)


def code_of(call, *args, **kwargs) -> str:
    with pytest.raises(ParseError) as info:
        call(*args, **kwargs)
    return info.value.code


# --- money -------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("120000", "120000"), ("120,000", "120000"), ("120,000.50", "120000.50"), ("0.5", "0.50"),
    ("12万", "120000"), ("12.5万", "125000"), ("1.2w", "12000"), ("1.2W", "12000"),
    ("5千", "5000"), ("5k", "5000"), ("5K", "5000"), ("50k", "50000"), ("1.2345k", "1234.50"),
    ("1.5m", "1500000"), ("1.5M", "1500000"), ("3亿", "300000000"), ("1亿2000万", "120000000"),
    ("¥120,000", "120000"), ("￥12万", "120000"), ("$5k", "5000"), ("$ 5k", "5000"),
    ("120000元", "120000"), ("12万元", "120000"), ("5千块", "5000"), ("5千块钱", "5000"),
    ("RMB 5000", "5000"), ("5000 RMB", "5000"), ("CNY 5000", "5000"), ("rmb5000", "5000"),
    ("12万5", "125000"), ("1万2", "12000"), ("3千5", "3500"), ("12万5000", "125000"), ("12万5千", "125000"),
    ("１２万", "120000"), ("５ｋ", "5000"), ("十万", "100000"), ("两万", "20000"), ("五千", "5000"),
    ("十二万", "120000"), ("一万二", "12000"), ("三千五", "3500"), ("  12万 ", "120000"),
    ("1000000000000", "1000000000000"),
])
def test_amounts(text, expected):
    amount = parse_amount(text)
    assert amount == Decimal(expected)
    assert amount.as_tuple().exponent == -2  # always quantized to cents


@pytest.mark.parametrize("text, code", [
    ("", "bad_amount"), ("abc", "bad_amount"), ("12万万", "bad_amount"), ("1.2.3", "bad_amount"),
    ("1,20,000", "bad_amount"), ("12,5万", "bad_amount"), ("12万50000", "bad_amount"), ("1.5万2", "bad_amount"),
    ("五", "bad_amount"), ("k", "bad_amount"), ("5x", "bad_amount"), ("-abc", "bad_amount"),
    ("-5k", "amount_not_positive"), ("−5k", "amount_not_positive"), ("0", "amount_not_positive"),
    ("0.00", "amount_not_positive"), ("0万", "amount_not_positive"),
    ("0.001", "amount_too_precise"), ("1.2345", "amount_too_precise"), ("1.000001k", "amount_too_precise"),
    ("1000000000000.01", "amount_too_large"), ("10001亿", "amount_too_large"), ("2000000m", "amount_too_large"),
])
def test_amount_errors(text, code):
    assert code_of(parse_amount, text) == code


def test_error_carries_the_text_as_written():
    with pytest.raises(ParseError) as info:
        parse_amount("１２万万")
    assert info.value.params == {"text": "１２万万"}
    assert isinstance(info.value, ValueError) and "１２万万" in str(info.value)


def test_error_survives_pickling():
    error = pickle.loads(pickle.dumps(ParseError("not_understood", fragments=["a", "b"])))
    assert (error.code, error.params) == ("not_understood", {"fragments": ["a", "b"]})


cents = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(10**9), places=2)


@given(cents)
def test_amount_round_trips_in_every_written_form(amount):
    forms = [
        f"{amount}", f"{amount:,}", f"¥{amount}", f"￥{amount:,}", f"{amount}元", f"RMB {amount}",
        # Dividing by a power of ten is exact in Decimal, so these name the same amount.
        f"{amount / 10000:f}万", f"{amount / 10000:f}w", f"{amount / 1000:f}k", f"{amount / 1000:f}千块",
        f"{amount / 10**6:f}m",
    ]
    for text in forms:
        assert parse_amount(text) == amount, text


@given(st.integers(min_value=1, max_value=99_999_999))
def test_whole_wan_and_k_amounts(n):
    assert parse_amount(f"{n}万") == n * 10000
    assert parse_amount(f"{n}k") == n * 1000
    assert parse_amount(f"{n:,}元") == n


# --- talk time ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text, minutes", [
    ("2h10m", 130), ("2h 10m", 130), ("2h10", 130), ("2H10M", 130), ("130m", 130), ("130min", 130),
    ("130mins", 130), ("130 minutes", 130), ("1 minute", 1), ("1.5h", 90), ("2h", 120), ("2 hours", 120),
    ("2hrs", 120), ("1 hour 30 minutes", 90), ("1.25h", 75), ("0.01h", 1), ("0.5m", 1), ("0.4m", 0),
    ("2:15", 135), ("0:45", 45), ("2小时10分", 130), ("2小时10分钟", 130), ("2小时10", 130),
    ("2个小时", 120), ("2个半小时", 150), ("半小时", 30), ("半个小时", 30), ("一个半小时", 90),
    ("1.5小时", 90), ("90分钟", 90), ("90分", 90), ("两小时", 120), ("三十分钟", 30), ("两小时三十分钟", 150),
    ("２ｈ１５ｍ", 135), ("0h", 0),
])
def test_durations(text, minutes):
    assert parse_duration(text) == minutes
    assert parse_duration(text, bare="minutes") == minutes


@pytest.mark.parametrize("text", [
    "90", "", "abc", "-90", "-2h", "10m2h", "2:75", "2h 10", "h", "小时", "1.5个半小时", "2h10m5", "2 x",
])
def test_duration_errors(text):
    assert code_of(parse_duration, text) == "bad_duration"


def test_bare_numbers_are_minutes_only_when_asked():
    assert parse_duration("135", bare="minutes") == 135
    assert parse_duration("1.5", bare="minutes") == 2  # half up
    assert code_of(parse_duration, "135") == "bad_duration"
    assert code_of(parse_duration, "-5", bare="minutes") == "bad_duration"
    with pytest.raises(ValueError):
        parse_duration("135", bare="hours")


@given(st.integers(min_value=0, max_value=48), st.integers(min_value=0, max_value=59))
def test_duration_round_trips(h, m):
    for text in (f"{h}h{m}m", f"{h}h {m}m", f"{h}h{m}", f"{h * 60 + m}m", f"{h * 60 + m}min",
                 f"{h}小时{m}分", f"{h}小时{m}分钟", f"{h}:{m:02d}"):
        assert parse_duration(text) == h * 60 + m, text


@given(st.decimals(min_value=0, max_value=100, places=2))
def test_fractional_hours_round_half_up(hours):
    exact = hours * 60
    expected = int(exact) + (1 if exact - int(exact) >= Decimal("0.5") else 0)
    assert parse_duration(f"{hours}h") == expected


# --- counts ------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, n", [
    ("80", 80), ("0", 0), ("80个", 80), ("80通", 80), ("80次", 80), ("80个电话", 80), ("50 calls", 50),
    ("１２０", 120), ("1,200", 1200), (" 7 ", 7), ("两百个", 200), ("十二", 12), ("八十个", 80),
])
def test_counts(text, n):
    assert parse_count(text) == n


@pytest.mark.parametrize("text", ["", "-1", "1.5", "abc", "12,00", "80个个", "5k", "1" * 16, "二二"])
def test_count_errors(text):
    assert code_of(parse_count, text) == "bad_count"


@given(st.integers(min_value=0, max_value=10**12))
def test_count_round_trips(n):
    assert parse_count(str(n)) == n
    assert parse_count(f"{n:,}") == n
    assert parse_count(f"{n}个") == n


# --- dates -------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("2026-11-25", date(2026, 11, 25)), ("2026/11/25", date(2026, 11, 25)), ("2026.11.25", date(2026, 11, 25)),
    ("20261125", date(2026, 11, 25)), ("2026-1-5", date(2026, 1, 5)), ("11-25", date(2026, 11, 25)),
    ("11/25", date(2026, 11, 25)), ("11月25日", date(2026, 11, 25)), ("11月25号", date(2026, 11, 25)),
    ("2026年11月25日", date(2026, 11, 25)), ("２０２６－１１－２５", date(2026, 11, 25)),
    ("today", TODAY), ("Today", TODAY), ("今天", TODAY), ("今日", TODAY),
    ("yesterday", date(2026, 11, 25)), ("昨天", date(2026, 11, 25)), ("昨日", date(2026, 11, 25)),
    ("前天", date(2026, 11, 24)), ("day before yesterday", date(2026, 11, 24)),
    ("the day before  yesterday", date(2026, 11, 24)),
    ("5-26", date(2026, 5, 26)),  # ~6 months back: still this year
    ("12-31", date(2026, 12, 31)),  # a month ahead: this year, the caller decides if that is allowed
])
def test_dates(text, expected):
    assert parse_date(text, TODAY) == expected


def test_a_yearless_date_far_ahead_is_last_year():
    january = date(2026, 1, 10)
    assert parse_date("12-31", january) == date(2025, 12, 31)
    assert parse_date("12月31日", january) == date(2025, 12, 31)
    assert parse_date("7-20", january) == date(2025, 7, 20)
    assert parse_date("7-1", january) == date(2026, 7, 1)


@pytest.mark.parametrize("text", [
    "", "2026-02-30", "2026-13-01", "13-01", "02-29", "2026-11/25", "11.25", "tomorrow", "11月", "2026",
])
def test_date_errors(text):
    assert code_of(parse_date, text, TODAY) == "bad_date"


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_date_round_trips(day):
    for text in (day.isoformat(), day.strftime("%Y/%m/%d"), day.strftime("%Y%m%d"),
                 f"{day.year}年{day.month}月{day.day}日"):
        assert parse_date(text, TODAY) == day, text


@given(st.dates(min_value=date(2001, 1, 1), max_value=date(2099, 12, 31)),
       st.dates(min_value=date(2001, 1, 1), max_value=date(2099, 12, 31)))
def test_a_yearless_date_is_at_most_six_months_ahead(today, written):
    if (written.month, written.day) == (2, 29):
        return  # exists in some years only
    day = parse_date(f"{written.month}-{written.day}", today)
    assert (day.month, day.day) == (written.month, written.day)
    assert today - timedelta(days=366) < day <= today + timedelta(days=183)


@pytest.mark.parametrize("text", [
    "2026-12-01..2026-12-05", "2026-12-01~2026-12-05", "2026-12-01～2026-12-05", "2026-12-01 - 2026-12-05",
    "2026-12-01 to 2026-12-05", "2026-12-01到2026-12-05", "2026-12-01至2026-12-05", "12-01..12-05",
    "12月1日-12月5日", "12月1日至5日", "12月1日到12月5号", "2026-12-01-2026-12-05", "12/1 to 12/5",
])
def test_date_ranges(text):
    assert parse_date_range(text, TODAY) == (date(2026, 12, 1), date(2026, 12, 5))


def test_one_date_is_a_one_day_range():
    assert parse_date_range("2026-12-01", TODAY) == (date(2026, 12, 1), date(2026, 12, 1))
    assert parse_date_range("昨天", TODAY) == (date(2026, 11, 25), date(2026, 11, 25))


@pytest.mark.parametrize("text", [
    "2026-12-05..2026-12-01", "12月5日至1日", "", "x", "2026-12-01..", "2026-12-01..2026-12-40", "12月1日至35日",
])
def test_date_range_errors(text):
    assert code_of(parse_date_range, text, TODAY) == "bad_range"
