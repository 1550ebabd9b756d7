"""Sample contexts for the scheduled-message templates (used by test_templates' render-everything test)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

from bot.store.tables.sales import Metric
from bot.core.periods import PeriodKind, period_containing
from bot.services.champions import MetricChampions, Placing
from bot.services.digest import Digest, RepWeek, WeekLine


def _digest() -> dict:
    week = period_containing(PeriodKind.WEEK, date(2026, 11, 23))
    behind = WeekLine(Metric.REVENUE, Decimal(40000), Decimal(50000), Decimal(80), "behind", Decimal(10000),
                      Decimal(20000), Decimal(100))
    flat = WeekLine(Metric.CALLS, Decimal(0), None, None, "no_target", None, Decimal(0), None)
    rep = RepWeek(1, "A*b", [behind, flat], [date(2026, 11, 25)])
    deal = SimpleNamespace(day=date(2026, 11, 24), customer="Acme_1")
    d = Digest(team=SimpleNamespace(name="T", id=1), week=week, team_lines=[behind, flat], reps=[rep],
               behind=[("A*b", [behind])], missing=[rep], deals=[("A*b", deal, Decimal("1.5"))], days=[],
               daily_revenue=[], daily_calls=[], pace_revenue=None)
    return {"d": d}


def _board() -> list[MetricChampions]:
    return [MetricChampions(Metric.REVENUE, [Placing(1, 1, "A", Decimal(5)), Placing(1, 2, "B", Decimal(5)),
                                             Placing(3, 3, "C", Decimal(1))])]


SCHEDULE_SAMPLES = {
    "digest": _digest,
    "champions": lambda: {"month": "2026-10", "board": _board()},
    "hall_of_fame": lambda: {"months": [("2026-10", _board())]},
    "nudge": lambda: {},
}
