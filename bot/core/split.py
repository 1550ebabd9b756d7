"""Exact splits of a target in integer base units (cents, minutes, counts).

`apportion` cuts one total by weights with the largest-remainder method: every share is the floor of
its exact quota, and the units left over go to the largest fractional parts, ties to the earlier
item, so the shares always add up to the total and the same inputs always give the same answer.

`allocate` cuts a grid: children's totals (reps of a team) across periods (the team's months) so that
every row adds up to the child's total and every column to the period's total, both exactly.

`calendar_split` cuts a period's total down the calendar (year → quarters → months → weeks) by
working days or by a seasonal profile of monthly weights.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

from bot.core.periods import Period, PeriodKind, period_containing
from bot.core.workcal import WorkCalendar, workdays_between

Weight = int | Decimal | Fraction

ORDER = (PeriodKind.YEAR, PeriodKind.QUARTER, PeriodKind.MONTH, PeriodKind.WEEK)


def apportion(total: int, weights: Sequence[Weight]) -> list[int]:
    """Shares of `total` proportional to `weights` (non-negative; all zero means even), summing to `total`."""
    if total < 0:
        raise ValueError("total must not be negative")
    if not weights:
        if total:
            raise ValueError("nothing to split a non-zero total into")
        return []
    exact = [Fraction(w) if not isinstance(w, Decimal) else Fraction(str(w)) for w in weights]
    if any(w < 0 for w in exact):
        raise ValueError("weights must not be negative")
    if sum(exact) == 0:
        exact = [Fraction(1)] * len(exact)
    whole = sum(exact)
    quotas = [total * w / whole for w in exact]
    shares = [q.numerator // q.denominator for q in quotas]
    left = total - sum(shares)
    # Largest fractional part first; on a tie the earlier item wins (stable sort by index).
    order = sorted(range(len(quotas)), key=lambda i: (-(quotas[i] - shares[i]), i))
    for i in order[:left]:
        shares[i] += 1
    return shares


def allocate(row_totals: Mapping[Hashable, int], col_totals: Mapping[Hashable, int]) -> dict[Hashable, dict[Hashable, int]]:
    """A grid whose rows add up to `row_totals` and columns to `col_totals` (both must have the same sum).

    Columns are filled in order, each cut among the rows by what each row still has to place, so the
    cells follow the rows' proportions and the last column takes exactly what is left.
    """
    if sum(row_totals.values()) != sum(col_totals.values()):
        raise ValueError("row and column totals differ")
    rows = list(row_totals)
    remaining = dict(row_totals)
    grid: dict[Hashable, dict[Hashable, int]] = {r: {} for r in rows}
    for col, value in col_totals.items():
        shares = apportion(value, [remaining[r] for r in rows]) if rows else []
        for r, share in zip(rows, shares):
            grid[r][col] = share
            remaining[r] -= share
    return grid


def sub_periods(period: Period, kind: PeriodKind) -> list[Period]:
    """The periods of `kind` overlapping `period`, in order (weeks may straddle its edges)."""
    found, day = [], period.start
    while day <= period.end:
        sub = period_containing(kind, day)
        found.append(sub)
        day = sub.end + timedelta(days=1)
    return found


@dataclass
class CalendarPlan:
    """How to cut a period down the calendar."""

    calendar: WorkCalendar
    depth: PeriodKind = PeriodKind.MONTH  # the finest level produced
    seasonal: Sequence[Weight] | None = None  # 12 monthly weights; None: by working days

    def levels_below(self, period: Period) -> list[PeriodKind]:
        start = ORDER.index(period.kind) + 1
        stop = ORDER.index(self.depth) + 1
        return list(ORDER[start:stop])

    def weight(self, period: Period, within: Period) -> Weight:
        """A child period's weight: its working days inside `within`, or its seasonal months' weights."""
        if self.seasonal is None or period.kind is PeriodKind.WEEK:
            lo, hi = max(period.start, within.start), min(period.end, within.end)
            return len(workdays_between(self.calendar, lo, hi))
        return sum((Fraction(str(self.seasonal[m.start.month - 1])) for m in sub_periods(period, PeriodKind.MONTH)),
                   Fraction(0))


def calendar_tree(period: Period, plan: CalendarPlan) -> list[tuple[Period, list[Period]]]:
    """(parent, children) pairs from the top period down to `plan.depth`, parents before children."""
    pairs, parents = [], [period]
    for kind in plan.levels_below(period):
        next_parents = []
        for parent in parents:
            children = sub_periods(parent, kind)
            pairs.append((parent, children))
            next_parents.extend(children)
        # A week straddling two months appears under both; its parts are added up.
        parents = list(dict.fromkeys(next_parents))
    return pairs


# A unit's plan as parts per edge of the calendar tree: (parent period, period) -> value, and
# (None, top period) -> the total. A week straddling two months has a part under each.
Parts = dict[tuple[Period | None, Period], int]


def calendar_split(total: int, period: Period, plan: CalendarPlan) -> Parts:
    """The total cut down the tree: each period's parts add up exactly to its parent's value."""
    parts: Parts = {(None, period): total}
    values = {period: total}
    for parent, children in calendar_tree(period, plan):
        for child, part in zip(children, apportion(values[parent], [plan.weight(c, parent) for c in children])):
            parts[(parent, child)] = part
            values[child] = values.get(child, 0) + part
    return parts


def period_totals(parts: Parts) -> dict[Period, int]:
    """Each period's value (a straddling week's parts added up)."""
    values: dict[Period, int] = {}
    for (_, period), part in parts.items():
        values[period] = values.get(period, 0) + part
    return values


def allocate_calendar(children: Mapping[Hashable, int], parent_parts: Parts, period: Period,
                      plan: CalendarPlan) -> dict[Hashable, Parts]:
    """Children's totals cut down the same calendar tree as their parent's, exact both ways.

    For every part, the children's values add up to the parent's; and each child's parts under a
    period add up to its value for that period.
    """
    grid: dict[Hashable, Parts] = {c: {(None, period): v} for c, v in children.items()}
    values = {c: {period: v} for c, v in children.items()}
    for parent, subs in calendar_tree(period, plan):
        cells = allocate({c: values[c][parent] for c in children}, {s: parent_parts[(parent, s)] for s in subs})
        for c in children:
            for sub, v in cells[c].items():
                grid[c][(parent, sub)] = v
                values[c][sub] = values[c].get(sub, 0) + v
    return grid
