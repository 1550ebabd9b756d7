from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from bot.core.pace import (
    DEFAULT_BONUS_TIERS,
    ON_PACE_TOLERANCE,
    BonusTier,
    bonus_tier,
    competition_rank,
    compute_pace,
    parse_bonus_tiers,
)
from bot.core.periods import PeriodKind, period_containing, period_from_label
from bot.core.workcal import ChinaCalendar, WeekdayCalendar, workdays_between

CN = ChinaCalendar()
WD = WeekdayCalendar()
NOV = period_from_label("2026-11")
OCT = period_from_label("2026-10")
DEC = period_from_label("2026-12")


# November 2026 in China: no public holiday, Nov 1 is a Sunday. Working days:
#   2-6, 9-13, 16-20, 23-27 (4 x 5 = 20) and Mon 30  -> 21 in total.
# Through Thu 26: 5 + 5 + 5 + 4 (23-26) = 19 elapsed, 2 remaining (27, 30).
def test_november_2026_hand_computed():
    pace = compute_pace(D(380000), D(500000), NOV, date(2026, 11, 26), CN)
    assert (pace.workdays_total, pace.workdays_elapsed, pace.workdays_remaining) == (21, 19, 2)
    # 500000 * 19/21 = 452380.952380...
    assert pace.expected_now == D("452380.95")
    # 380000 - 452380.952380... = -72380.952380...
    assert pace.ahead == D("-72380.95")
    # 380000 / 19 * 21 = 20000 * 21
    assert pace.projection == D("420000.00")
    assert pace.projected_percent == D("84.0")
    assert pace.percent == D("76.0")
    # (500000 - 380000) / 2
    assert pace.needed_per_day == D("60000.00")
    assert pace.status == "behind"
    assert pace.actual == D(380000) and pace.target == D(500000)
    # The bonus shown is judged on the projection: 84 % earns the half tier.
    assert bonus_tier(pace.projected_percent, parse_bonus_tiers(DEFAULT_BONUS_TIERS)).multiplier == D("0.5")


def test_int_inputs_are_accepted_and_floats_refused():
    assert compute_pace(380000, 500000, NOV, date(2026, 11, 26), CN).expected_now == D("452380.95")
    with pytest.raises(TypeError):
        compute_pace(380000.0, D(500000), NOV, date(2026, 11, 26), CN)
    with pytest.raises(TypeError):
        compute_pace(D(1), 0.5, NOV, date(2026, 11, 26), CN)
    with pytest.raises(ValueError):
        compute_pace(D(1), D(-5), NOV, date(2026, 11, 26), CN)


# December 2026 in China: Dec 1 is a Tuesday, no holiday. 1-4 (4), 7-11, 14-18, 21-25 (15),
# 28-31 (4) -> 23 working days.
def test_first_day_of_month_counts_as_elapsed():
    pace = compute_pace(D(0), D(230000), DEC, date(2026, 12, 1), CN)
    assert (pace.workdays_total, pace.workdays_elapsed, pace.workdays_remaining) == (23, 1, 22)
    assert pace.expected_now == D("10000.00")  # 230000 / 23
    assert pace.ahead == D("-10000.00")
    assert pace.projection == D("0.00")
    assert pace.needed_per_day == D("10454.55")  # 230000 / 22 = 10454.5454...
    assert pace.percent == D("0.0")
    assert pace.status == "behind"  # 10000 behind > 2 % of 230000 (4600)


def test_last_day_of_month():
    pace = compute_pace(D(480000), D(500000), NOV, date(2026, 11, 30), CN)
    assert (pace.workdays_elapsed, pace.workdays_remaining) == (21, 0)
    assert pace.expected_now == D(500000)
    assert pace.ahead == D(-20000)
    assert pace.projection == D(480000)
    assert pace.projected_percent == D("96.0")
    assert pace.needed_per_day is None  # no working day left to make it up
    assert pace.status == "behind"


def test_weekend_today_counts_days_before_it():
    # Sunday Nov 29: 20 working days done (Mon 30 still to come).
    pace = compute_pace(D(0), D(21000), NOV, date(2026, 11, 29), CN)
    assert (pace.workdays_elapsed, pace.workdays_remaining) == (20, 1)


# October 2026 in China: Oct 1-7 National Day; Oct 8, 9 and Sat 10 (make-up) worked, then
# 12-16, 19-23, 26-30 -> 3 + 15 = 18 working days (a plain Mon-Fri calendar has 22).
def test_holiday_week_october_2026():
    assert compute_pace(D(0), D(1), OCT, date(2026, 10, 1), WD).workdays_total == 22
    during = compute_pace(D(5000), D(180000), OCT, date(2026, 10, 5), CN)
    assert (during.workdays_total, during.workdays_elapsed) == (18, 0)
    assert during.expected_now == D(0)
    assert during.projection == D(5000)  # nothing elapsed: the run rate is what is in
    assert during.ahead == D(5000)
    assert during.status == "ahead"  # 5000 > 2 % of 180000 (3600)

    # Fri Oct 9: 2 days elapsed (8, 9); 180000 / 18 = 10000 a day.
    pace = compute_pace(D(19000), D(180000), OCT, date(2026, 10, 9), CN)
    assert (pace.workdays_elapsed, pace.workdays_remaining) == (2, 16)
    assert pace.expected_now == D(20000)
    assert pace.ahead == D(-1000)
    assert pace.status == "on_pace"  # 1000 behind is within 3600
    assert pace.projection == D(171000)  # 19000 / 2 * 18
    assert pace.projected_percent == D("95.0")
    assert pace.percent == D("10.5")  # 10.555... floored
    assert pace.needed_per_day == D("10062.50")  # 161000 / 16

    # The make-up Saturday counts.
    assert compute_pace(D(0), D(1), OCT, date(2026, 10, 10), CN).workdays_elapsed == 3


def test_leave_days_removed():
    # Off: Mon 2, Tue 3, Mon 30 (working days) and Sat 28 (not a working day, no effect).
    off = {date(2026, 11, 2), date(2026, 11, 3), date(2026, 11, 28), date(2026, 11, 30)}
    pace = compute_pace(D(380000), D(500000), NOV, date(2026, 11, 26), CN, off)
    # 21 - 3 = 18 total; 19 - 2 = 17 elapsed; only Fri 27 remains.
    assert (pace.workdays_total, pace.workdays_elapsed, pace.workdays_remaining) == (18, 17, 1)
    assert pace.expected_now == D("472222.22")  # 500000 * 17/18 = 472222.222...
    assert pace.ahead == D("-92222.22")
    assert pace.projection == D("402352.94")  # 380000 * 18/17 = 402352.941...
    assert pace.projected_percent == D("80.4")  # 80.47... floored
    assert pace.needed_per_day == D("120000.00")


def test_today_outside_the_period():
    after = compute_pace(D(380000), D(500000), NOV, date(2026, 12, 5), CN)
    assert (after.workdays_elapsed, after.workdays_remaining) == (21, 0)
    assert after.expected_now == D(500000) and after.projection == D(380000)
    assert after.needed_per_day is None

    before = compute_pace(D(1000), D(500000), NOV, date(2026, 10, 20), CN)
    assert (before.workdays_elapsed, before.workdays_remaining) == (0, 21)
    assert before.expected_now == D(0)
    assert before.ahead == D(1000)
    assert before.projection == D(1000)
    assert before.needed_per_day == D("23761.90")  # 499000 / 21 = 23761.904...
    assert before.status == "on_pace"  # 1000 ahead is within 10000


def test_period_with_no_working_days():
    # 2026-W08 (Feb 16-22) is wholly inside the Spring Festival holiday.
    week = period_from_label("2026-W08")
    pace = compute_pace(D(300), D(1000), week, date(2026, 2, 18), CN)
    assert (pace.workdays_total, pace.workdays_elapsed, pace.workdays_remaining) == (0, 0, 0)
    assert pace.expected_now == D(1000)
    assert pace.projection == D(300)
    assert pace.needed_per_day is None
    assert pace.status == "behind"


@pytest.mark.parametrize("target", [None, D(0), 0])
def test_no_target(target):
    pace = compute_pace(D(380000), target, NOV, date(2026, 11, 26), CN)
    assert pace.status == "no_target"
    assert pace.percent is None and pace.expected_now is None and pace.ahead is None
    assert pace.projected_percent is None and pace.needed_per_day is None
    assert pace.projection == D(420000)  # the run rate needs no target
    assert (pace.workdays_total, pace.workdays_elapsed) == (21, 19)


def test_done_beats_ahead():
    pace = compute_pace(D(500000), D(500000), NOV, date(2026, 11, 10), CN)
    assert pace.status == "done"
    assert pace.needed_per_day == D(0)
    assert pace.percent == D("100.0")


@pytest.mark.parametrize(
    ("actual", "status"),
    # Target 21000 in Nov 2026 = 1000 per working day; expected 19000 on Nov 26.
    # Tolerance: 2 % of 21000 = 420.
    [(18579, "behind"), (18580, "on_pace"), (19000, "on_pace"), (19420, "on_pace"),
     (19421, "ahead"), (21000, "done")],
)
def test_on_pace_tolerance(actual, status):
    assert ON_PACE_TOLERANCE == D("0.02")
    assert compute_pace(D(actual), D(21000), NOV, date(2026, 11, 26), CN).status == status


def test_percent_is_floored_so_the_tier_is_never_overstated():
    tiers = parse_bonus_tiers(DEFAULT_BONUS_TIERS)
    pace = compute_pace(D("79960"), D(100000), NOV, date(2026, 11, 30), CN)
    assert pace.percent == D("79.9")  # 79.96 % has not reached 80 %
    assert bonus_tier(pace.percent, tiers) is None


# --- property tests ---------------------------------------------------------------------

money = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)
positive = st.decimals(min_value=D("0.01"), max_value=10**9, places=2, allow_nan=False,
                       allow_infinity=False)


@given(
    kind=st.sampled_from(PeriodKind),
    day=st.dates(min_value=date(2004, 1, 1), max_value=date(2026, 12, 31)),
    cal=st.sampled_from([CN, WD]),
    actual=money,
    target=positive,
    leave=st.sets(st.integers(min_value=0, max_value=40), max_size=5),
)
def test_properties_at_period_end(kind, day, cal, actual, target, leave):
    period = period_containing(kind, day)
    off = {period.start + timedelta(days=n) for n in leave}
    days = workdays_between(cal, period.start, period.end, off)
    assume(days)
    last = compute_pace(actual, target, period, days[-1], cal, off)
    assert last.workdays_elapsed == last.workdays_total == len(days)
    assert last.workdays_remaining == 0
    assert last.projection == actual
    assert last.expected_now == target
    assert last.needed_per_day is None
    for later in (period.end, period.end + timedelta(days=1)):
        assert compute_pace(actual, target, period, later, cal, off).expected_now == target


@given(
    day=st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31)),
    offset=st.integers(min_value=-40, max_value=400),
    actual=money,
    target=positive,
)
def test_properties_anywhere(day, offset, actual, target):
    period = period_containing(PeriodKind.QUARTER, day)
    today = period.start + timedelta(days=offset)
    pace = compute_pace(actual, target, period, today, CN)
    assert 0 <= pace.workdays_elapsed <= pace.workdays_total
    assert pace.workdays_elapsed + pace.workdays_remaining == pace.workdays_total
    assert D(0) <= pace.expected_now <= target
    tomorrow = compute_pace(actual, target, period, today + timedelta(days=1), CN)
    assert tomorrow.workdays_elapsed >= pace.workdays_elapsed
    assert pace.status in {"ahead", "on_pace", "behind", "done"}


# --- bonus tiers ------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("percent", "multiplier"),
    [("0", None), ("79.9", None), ("80", "0.5"), ("80.0", "0.5"), ("99.9", "0.5"),
     ("100", "0.5"), ("100.0", "0.5"), ("100.1", "2"), ("250", "2")],
)
def test_default_bonus_tiers(percent, multiplier):
    tier = bonus_tier(D(percent), parse_bonus_tiers(DEFAULT_BONUS_TIERS))
    assert (tier.multiplier if tier else None) == (D(multiplier) if multiplier else None)


def test_bonus_tier_none_percent_and_no_tiers():
    assert bonus_tier(None, parse_bonus_tiers(DEFAULT_BONUS_TIERS)) is None
    assert bonus_tier(D(500), ()) is None


def test_parse_bonus_tiers_forms():
    assert parse_bonus_tiers(DEFAULT_BONUS_TIERS) == (
        BonusTier(D(80), False, D("0.5")),
        BonusTier(D(100), True, D(2)),
    )
    # A bare threshold means >=; spaces, "%", "≥" and "x" are tolerated.
    assert parse_bonus_tiers(" 80:0.5 , > 100 % : 2x ") == parse_bonus_tiers(DEFAULT_BONUS_TIERS)
    assert parse_bonus_tiers("≥80:0.5,>100:2") == parse_bonus_tiers(DEFAULT_BONUS_TIERS)
    assert parse_bonus_tiers("") == ()
    # Exactly 100 pays 1, above 100 pays 2: same number, ">=" then ">" is allowed.
    tiers = parse_bonus_tiers(">=100:1,>100:2")
    assert bonus_tier(D(100), tiers).multiplier == D(1)
    assert bonus_tier(D("100.1"), tiers).multiplier == D(2)
    assert parse_bonus_tiers("0:0")[0] == BonusTier(D(0), False, D(0))


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("abc", r"bonus tier 1 \('abc'\): expected"),
        (">=80", "bonus tier 1"),
        ("80:", "bonus tier 1"),
        (">=80:0.5,", r"bonus tier 2 \(''\)"),
        (">=80:0.5,,>100:2", "bonus tier 2"),
        ("<80:0.5", "bonus tier 1"),
        (">=80:-1", "bonus tier 1 .*multiplier must not be negative"),
        (">=-5:1", "bonus tier 1 .*threshold must not be negative"),
        (">=80:0.5,>=80:1", "bonus tier 2 .*duplicate threshold 80"),
        (">100:2,>=80:0.5", "bonus tier 2 .*rising order"),
        (">100:2,>=100:1", "bonus tier 2 .*rising order"),
        (">=80:0.5,>100:2,>=90:1", "bonus tier 3 .*rising order"),
        ("80:half", "bonus tier 1"),
    ],
)
def test_parse_bonus_tiers_rejects(spec, message):
    with pytest.raises(ValueError, match=message):
        parse_bonus_tiers(spec)


# --- ranking ----------------------------------------------------------------------------

def test_competition_rank_with_ties():
    items = [("a", D(5)), ("b", D(7)), ("c", D("5.0")), ("d", D(7)), ("e", D(1))]
    assert competition_rank(items) == [
        (1, "b", D(7)), (1, "d", D(7)), (3, "a", D(5)), (3, "c", D(5)), (5, "e", D(1))
    ]
    assert competition_rank([]) == []
    assert competition_rank([(1, D(0))]) == [(1, 1, D(0))]
    assert [r for r, _, _ in competition_rank([(k, D(3)) for k in "xyz"])] == [1, 1, 1]


@given(st.lists(st.integers(min_value=-5, max_value=5), max_size=30))
def test_competition_rank_properties(values):
    items = [(i, D(v)) for i, v in enumerate(values)]
    ranked = competition_rank(items)
    assert sorted(k for _, k, _ in ranked) == list(range(len(values)))
    for rank, key, value in ranked:
        # Standard competition ranking: 1 + how many are strictly better.
        assert rank == 1 + sum(1 for _, v in items if v > value)
    for (r1, k1, v1), (r2, k2, v2) in zip(ranked, ranked[1:]):
        assert v1 >= v2
        if v1 == v2:
            assert k1 < k2  # ties keep input order
