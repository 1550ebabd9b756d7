"""Pace against target over working days, bonus tiers, and leaderboard ranks.

All maths is Decimal. ``compute_pace`` works on exact values and rounds only its outputs:
money-like amounts (expected_now, ahead, projection, needed_per_day) to 0.01 half-up, and
percentages (percent, projected_percent) *down* to 0.1 (floor), so a shown "80.0 %" means
80 % was really reached and the bonus tier read from it is never one the rep has not earned.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Context, Decimal, localcontext
from typing import TypeVar

from bot.core.periods import Period
from bot.core.workcal import WorkCalendar, workdays_between

# |ahead| within this fraction of the target counts as "on_pace".
ON_PACE_TOLERANCE = Decimal("0.02")

_CENT = Decimal("0.01")
_TENTH = Decimal("0.1")
_HUNDRED = Decimal(100)
# Private context so a caller's global decimal settings cannot change our results.
_CTX = Context(prec=34, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Pace:
    """Where a person stands in a period; see compute_pace for the rules."""

    actual: Decimal
    target: Decimal | None
    workdays_total: int
    workdays_elapsed: int
    workdays_remaining: int
    percent: Decimal | None
    expected_now: Decimal | None
    ahead: Decimal | None
    projection: Decimal
    projected_percent: Decimal | None
    needed_per_day: Decimal | None
    status: str  # "ahead" | "on_pace" | "behind" | "done" | "no_target"


def _dec(value: Decimal | int, what: str) -> Decimal:
    # Floats are refused: binary rounding errors must not reach money figures.
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        raise TypeError(f"{what} must be Decimal or int, not {type(value).__name__}")
    result = Decimal(value)
    if not result.is_finite():
        raise ValueError(f"{what} must be finite, got {value!r}")
    return result


def _money(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP, context=_CTX)


def _pct(value: Decimal) -> Decimal:
    return value.quantize(_TENTH, rounding=ROUND_FLOOR, context=_CTX)


def compute_pace(
    actual: Decimal | int,
    target: Decimal | int | None,
    period: Period,
    today: date,
    calendar: WorkCalendar,
    days_off: Collection[date] = (),
) -> Pace:
    """Compare ``actual`` with the straight-line pace to ``target`` over working days.

    Working days are the calendar's, minus ``days_off`` (leave). ``today`` counts as elapsed
    when it is a working day; a ``today`` after the period makes every day elapsed, before
    it none. A target of 0 is treated like no target (no percentages, status "no_target").
    """
    actual = _dec(actual, "actual")
    target = None if target is None else _dec(target, "target")
    if target is not None and target < 0:
        raise ValueError(f"target must not be negative, got {target}")
    has_target = target is not None and target != 0

    days = workdays_between(calendar, period.start, period.end, exclude=days_off)
    total = len(days)
    elapsed = sum(1 for d in days if d <= today)
    remaining = total - elapsed

    with localcontext(_CTX):
        # Multiply before dividing so that elapsed == total gives back actual/target exactly.
        projection = actual * total / elapsed if elapsed else actual
        percent = expected = ahead = projected_percent = needed = None
        if not has_target:
            status = "no_target"
        else:
            percent = actual * _HUNDRED / target
            projected_percent = projection * _HUNDRED / target
            expected = target * elapsed / total if total else target
            ahead = actual - expected
            if remaining:
                needed = max(Decimal(0), target - actual) / remaining
            if actual >= target:
                status = "done"
            elif abs(ahead) <= target * ON_PACE_TOLERANCE:
                status = "on_pace"
            else:
                status = "ahead" if ahead > 0 else "behind"

    return Pace(
        actual=actual,
        target=target,
        workdays_total=total,
        workdays_elapsed=elapsed,
        workdays_remaining=remaining,
        percent=None if percent is None else _pct(percent),
        expected_now=None if expected is None else _money(expected),
        ahead=None if ahead is None else _money(ahead),
        projection=_money(projection),
        projected_percent=None if projected_percent is None else _pct(projected_percent),
        needed_per_day=None if needed is None else _money(needed),
        status=status,
    )


@dataclass(frozen=True)
class BonusTier:
    """Reached when percent > threshold (strict) or percent >= threshold (not strict)."""

    threshold: Decimal  # percent of target
    strict: bool
    multiplier: Decimal  # 0.5 = half bonus, 2 = double

    def reached(self, percent: Decimal) -> bool:
        return percent > self.threshold if self.strict else percent >= self.threshold


# DOMAIN.md: under 80 % none, 80-100 % half the bonus, over 100 % double.
DEFAULT_BONUS_TIERS = ">=80:0.5,>100:2"

_TIER_RE = re.compile(
    r"(?P<op>>=|≥|>)?\s*(?P<threshold>[+-]?[0-9]+(?:\.[0-9]+)?)\s*%?\s*:\s*"
    r"(?P<mult>[+-]?[0-9]+(?:\.[0-9]+)?)\s*[x×]?"
)


def parse_bonus_tiers(spec: str) -> tuple[BonusTier, ...]:
    """Parse ">=80:0.5,>100:2" (threshold percent : multiplier; no operator means >=).

    A blank spec means no tiers. Thresholds must rise; the same number may appear twice
    only as ">=N" then ">N" (exactly N pays one rate, above N another). Raises ValueError
    naming the offending item.
    """
    if not spec.strip():
        return ()
    tiers: list[BonusTier] = []
    for n, raw in enumerate(spec.split(","), start=1):
        item = raw.strip()
        where = f"bonus tier {n} ({item!r})"
        m = _TIER_RE.fullmatch(item)
        if not m:
            raise ValueError(f"{where}: expected e.g. '>=80:0.5' (percent:multiplier)")
        tier = BonusTier(
            threshold=Decimal(m["threshold"]),
            strict=m["op"] == ">",
            multiplier=Decimal(m["mult"]),
        )
        if tier.threshold < 0:
            raise ValueError(f"{where}: threshold must not be negative")
        if tier.multiplier < 0:
            raise ValueError(f"{where}: multiplier must not be negative")
        if tiers:
            prev = tiers[-1]
            # (threshold, strict) orders ">=100" before ">100"; anything not above is an error.
            if (tier.threshold, tier.strict) == (prev.threshold, prev.strict):
                raise ValueError(f"{where}: duplicate threshold {tier.threshold}")
            if (tier.threshold, tier.strict) < (prev.threshold, prev.strict):
                raise ValueError(
                    f"{where}: thresholds must be in rising order "
                    f"(comes after {prev.threshold})"
                )
        tiers.append(tier)
    return tuple(tiers)


def bonus_tier(percent: Decimal | None, tiers: Sequence[BonusTier]) -> BonusTier | None:
    """The highest tier ``percent`` reaches; None means no bonus (or no target)."""
    if percent is None:
        return None
    reached = [t for t in tiers if t.reached(percent)]
    return max(reached, key=lambda t: (t.threshold, t.strict), default=None)


K = TypeVar("K")


def competition_rank(items: Sequence[tuple[K, Decimal]]) -> list[tuple[int, K, Decimal]]:
    """Sort by value, highest first, and rank 1, 2, 2, 4 (ties keep input order)."""
    ordered = sorted(items, key=lambda kv: kv[1], reverse=True)  # reverse keeps stability
    ranked: list[tuple[int, K, Decimal]] = []
    for i, (key, value) in enumerate(ordered):
        rank = ranked[-1][0] if ranked and ranked[-1][2] == value else i + 1
        ranked.append((rank, key, value))
    return ranked
