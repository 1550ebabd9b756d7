"""Reporting periods (ISO week, month, quarter, year) and the words people use for them."""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum


class PeriodKind(str, Enum):
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


@dataclass(frozen=True, order=True)
class Period:
    """One calendar period; ``end`` is inclusive. Weeks run Monday–Sunday (ISO 8601).

    Construction checks that start/end really bound a period of that kind, so a Period
    can always be labelled and stepped.
    """

    kind: PeriodKind
    start: date
    end: date

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", PeriodKind(self.kind))
        canonical = period_containing(self.kind, self.start)
        if (canonical.start, canonical.end) != (self.start, self.end):
            raise ValueError(f"{self.start}..{self.end} is not a {self.kind.value}")

    @property
    def label(self) -> str:
        """"2026-W48" (ISO week-numbering year), "2026-11", "2026-Q4" or "2026"."""
        if self.kind is PeriodKind.WEEK:
            iso = self.start.isocalendar()
            return f"{iso.year:04d}-W{iso.week:02d}"
        if self.kind is PeriodKind.MONTH:
            return f"{self.start.year:04d}-{self.start.month:02d}"
        if self.kind is PeriodKind.QUARTER:
            return f"{self.start.year:04d}-Q{(self.start.month - 1) // 3 + 1}"
        return f"{self.start.year:04d}"

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def next(self) -> Period:
        return period_containing(self.kind, self.end + timedelta(days=1))

    def previous(self) -> Period:
        return period_containing(self.kind, self.start - timedelta(days=1))


def _bounds(kind: PeriodKind, day: date) -> tuple[date, date]:
    if kind is PeriodKind.WEEK:
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    if kind is PeriodKind.MONTH:
        first_month = last_month = day.month
    elif kind is PeriodKind.QUARTER:
        first_month = (day.month - 1) // 3 * 3 + 1
        last_month = first_month + 2
    elif kind is PeriodKind.YEAR:
        first_month, last_month = 1, 12
    else:  # pragma: no cover - exhaustive over the enum
        raise ValueError(f"unknown period kind {kind!r}")
    last_day = calendar.monthrange(day.year, last_month)[1]
    return date(day.year, first_month, 1), date(day.year, last_month, last_day)


def period_containing(kind: PeriodKind, day: date) -> Period:
    """The period of ``kind`` that ``day`` falls in."""
    kind = PeriodKind(kind)
    start, end = _bounds(kind, day)
    # Bypass __post_init__'s check: the bounds are canonical by construction.
    period = object.__new__(Period)
    object.__setattr__(period, "kind", kind)
    object.__setattr__(period, "start", start)
    object.__setattr__(period, "end", end)
    return period


def _week(year: int, week: int) -> Period:
    # fromisocalendar rejects W53 in years that have only 52 ISO weeks.
    return period_containing(PeriodKind.WEEK, date.fromisocalendar(year, week, 1))


def _month(year: int, month: int) -> Period:
    return period_containing(PeriodKind.MONTH, date(year, month, 1))


def _quarter(year: int, quarter: int) -> Period:
    if not 1 <= quarter <= 4:
        raise ValueError(f"quarter {quarter} is not 1-4")
    return period_containing(PeriodKind.QUARTER, date(year, quarter * 3 - 2, 1))


def _year(year: int) -> Period:
    return period_containing(PeriodKind.YEAR, date(year, 1, 1))


_CANONICAL = (
    (re.compile(r"([0-9]{4})-W([0-9]{2})"), _week),
    (re.compile(r"([0-9]{4})-([0-9]{2})"), _month),
    (re.compile(r"([0-9]{4})-Q([0-9])"), _quarter),
    (re.compile(r"([0-9]{4})"), _year),
)


def period_from_label(label: str) -> Period:
    """Inverse of ``Period.label`` (canonical labels only); ValueError on anything else."""
    for pattern, build in _CANONICAL:
        m = pattern.fullmatch(label.strip())
        if m:
            return build(*(int(g) for g in m.groups()))
    raise ValueError(f"not a period label: {label!r}")


class PeriodError(ValueError):
    """A user's period text was not understood; ``code``/``params`` feed the reply template."""

    code = "bad_period"

    def __init__(self, text: str) -> None:
        super().__init__(f"unrecognised period: {text!r}")
        self.params = {"text": text}


_W, _M, _Q, _Y = PeriodKind.WEEK, PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.YEAR

# word -> (kind, offset from the current period); keys are already normalised (lower case).
_WORDS: dict[str, tuple[PeriodKind, int]] = {}
for _kind, _offset, _words in (
    (_W, 0, "week w this week 本周 这周 周 星期 本星期 这个星期"),
    (_M, 0, "month m this month 本月 这个月 月 月度"),
    (_Q, 0, "quarter q this quarter 本季度 这个季度 季度 季 本季"),
    (_Y, 0, "year y this year 今年 本年 年 年度"),
    (_W, -1, "last week 上周 上星期 上个星期"),
    (_M, -1, "last month 上月 上个月"),
    (_Q, -1, "last quarter 上季度 上个季度"),
    (_Y, -1, "last year 去年"),
    (_W, 1, "next week 下周 下星期 下个星期"),
    (_M, 1, "next month 下月 下个月"),
    (_Q, 1, "next quarter 下季度 下个季度"),
    (_Y, 1, "next year 明年"),
):
    # Keep "this week" etc. whole; every other space-separated token is a word of its own.
    for _w in re.findall(r"(?:this|last|next) [a-z]+|\S+", _words):
        _WORDS[_w] = (_kind, _offset)

_CN_QUARTERS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}

_LABELS = (
    (re.compile(r"(\d{4})[- ]?w(\d{1,2})"), lambda y, w: _week(int(y), int(w))),
    (re.compile(r"(\d{4})[-/.](\d{1,2})"), lambda y, m: _month(int(y), int(m))),
    (re.compile(r"(\d{4}) ?年 ?(\d{1,2}) ?月(?:份)?"), lambda y, m: _month(int(y), int(m))),
    (re.compile(r"(\d{4})(?:[- ]?| ?年 ?)q(\d)"), lambda y, q: _quarter(int(y), int(q))),
    (
        re.compile(r"(\d{4}) ?年 ?第?([一二三四1-4]) ?季度?"),
        lambda y, q: _quarter(int(y), _CN_QUARTERS[q]),
    ),
    (re.compile(r"(\d{4})(?: ?年度?)?"), lambda y: _year(int(y))),
)


def _normalise(text: str) -> str:
    # NFKC folds full-width digits, letters and spaces that Chinese IMEs produce ("２０２６年").
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())


def _shift(period: Period, offset: int) -> Period:
    if offset > 0:
        return period.next()
    if offset < 0:
        return period.previous()
    return period


def parse_period(text: str, today: date, default: PeriodKind = PeriodKind.MONTH) -> Period:
    """Read a period the way a rep types it ("上个月", "last week", "2026-Q1", "2026年12月").

    Empty text means the current period of ``default``. Raises PeriodError otherwise.
    """
    norm = _normalise(text)
    if not norm:
        return period_containing(default, today)
    if norm in _WORDS:
        kind, offset = _WORDS[norm]
        return _shift(period_containing(kind, today), offset)
    for pattern, build in _LABELS:
        m = pattern.fullmatch(norm)
        if m:
            try:
                return build(*m.groups())
            except ValueError:  # month 13, W54, Q5, year 0000 ...
                raise PeriodError(text) from None
    raise PeriodError(text)
