"""Exact target splits: by weights, across a grid, and down China's working calendar."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.periods import PeriodKind, period_from_label
from bot.core.split import (CalendarPlan, allocate, allocate_calendar, apportion, calendar_split, period_totals,
                       sub_periods)
from bot.core.workcal import CHINA, WEEKDAYS

weights = st.lists(st.one_of(st.integers(0, 10**6), st.decimals(0, 1000, places=3)), min_size=1, max_size=30)


@given(total=st.integers(0, 10**14), weights=weights)
def test_any_total_and_weights_add_up_exactly_and_deterministically(total, weights):
    shares = apportion(total, weights)
    assert sum(shares) == total and len(shares) == len(weights)
    assert all(s >= 0 for s in shares)
    assert apportion(total, list(weights)) == shares
    whole = sum(Decimal(w) for w in weights)
    for share, w in zip(shares, weights):
        quota = Decimal(total) * Decimal(w) / whole if whole else Decimal(total) / len(weights)
        assert abs(share - quota) < 1 + Decimal("1e-9")  # floor or ceiling of the exact quota


def test_remainders_go_to_largest_fraction_then_earliest():
    assert apportion(10, [1, 1, 1]) == [4, 3, 3]
    assert apportion(100, [1, 2, 3]) == [17, 33, 50]  # 16.67, 33.33, 50: the .67 gets the unit
    assert apportion(5, [0, 0]) == [3, 2]  # no weights at all: even
    assert apportion(7, [0, 1]) == [0, 7]
    with pytest.raises(ValueError):
        apportion(-1, [1])


@settings(max_examples=60)
@given(rows=st.lists(st.integers(0, 10**9), min_size=1, max_size=8),
       cols=st.lists(st.integers(0, 1000), min_size=1, max_size=14))
def test_grid_rows_and_columns_both_add_up(rows, cols):
    total = sum(rows)
    col_totals = dict(enumerate(apportion(total, cols)))
    grid = allocate(dict(enumerate(rows)), col_totals)
    for r, value in enumerate(rows):
        assert sum(grid[r].values()) == value
    for c, value in col_totals.items():
        assert sum(grid[r][c] for r in grid) == value
    assert all(v >= 0 for row in grid.values() for v in row.values())


def test_q4_2026_by_working_days_across_national_day():
    q4 = period_from_label("2026-Q4")
    values = period_totals(calendar_split(6_200_000, q4, CalendarPlan(CHINA, PeriodKind.WEEK)))
    months = [values[m] for m in sub_periods(q4, PeriodKind.MONTH)]
    # October has 18 working days in China in 2026 (1-7 off, Saturday 10th worked), November 21, December 23.
    assert months == [1_800_000, 2_100_000, 2_300_000] and sum(months) == 6_200_000
    weeks = {p.label: v for p, v in values.items() if p.kind is PeriodKind.WEEK}
    assert weeks["2026-W40"] == 0  # 28-30 Sep are outside Q4, 1-4 Oct are holidays
    assert weeks["2026-W41"] == 300_000  # 8, 9 and the make-up Saturday 10 October
    assert sum(weeks.values()) == 6_200_000
    plain = period_totals(calendar_split(6_200_000, q4, CalendarPlan(WEEKDAYS)))
    assert plain[sub_periods(q4, PeriodKind.MONTH)[0]] != 1_800_000  # Mon-Fri alone ignores the holidays


def test_seasonal_profile_and_year_to_quarters():
    year = period_from_label("2027")
    plan = CalendarPlan(CHINA, PeriodKind.MONTH, seasonal=[1] * 11 + [9])
    values = period_totals(calendar_split(2000, year, plan))
    assert values[period_from_label("2027-12")] == 900 and values[period_from_label("2027-01")] == 100
    assert values[period_from_label("2027-Q4")] == 1100
    assert sum(values[q] for q in sub_periods(year, PeriodKind.QUARTER)) == 2000


@settings(max_examples=15, deadline=None)
@given(reps=st.lists(st.integers(0, 10**8), min_size=1, max_size=6))
def test_reps_add_up_to_the_team_in_every_period(reps):
    year = period_from_label("2027")
    plan = CalendarPlan(CHINA, PeriodKind.WEEK)
    team = calendar_split(sum(reps), year, plan)
    grid = allocate_calendar(dict(enumerate(reps)), team, year, plan)
    team_values = period_totals(team)
    rep_values = {r: period_totals(parts) for r, parts in grid.items()}
    for period, value in team_values.items():
        assert sum(rep_values[r][period] for r in rep_values) == value, period.label
    for r, total in enumerate(reps):
        assert rep_values[r][year] == total
        for level in (PeriodKind.QUARTER, PeriodKind.MONTH):
            assert sum(v for p, v in rep_values[r].items() if p.kind is level) == total
        # weeks of 2027 include 2026-W53's working days in January only
        assert sum(v for p, v in rep_values[r].items() if p.kind is PeriodKind.WEEK) == total
    assert date(2026, 12, 28) in {p.start for p in team_values}  # the straddling week is kept
