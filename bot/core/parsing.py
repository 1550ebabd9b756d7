"""Readers for what sales reps type in chat: money, talk time, counts, dates and date ranges.

Each reader takes the user's raw text and returns a value or raises ParseError, whose `code` the
caller turns into a translated message. Free-form sentences are read in bot/core/sentence.py, which
builds on these readers.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext

__all__ = [
    "ParseError", "ParsedDeal", "ParsedSentence", "parse_amount", "parse_count", "parse_date",
    "parse_date_range", "parse_duration", "parse_sentence",
]

_ENGLISH = {
    "bad_amount": "Not an amount of money: {text}",
    "amount_not_positive": "The amount must be more than zero: {text}",
    "amount_too_precise": "An amount has at most 2 decimals: {text}",
    "amount_too_large": "The amount is too large: {text}",
    "bad_duration": "Not a talk time (try 2h15m or 135m): {text}",
    "bad_count": "Not a whole number: {text}",
    "bad_date": "Not a date (try 2026-11-25): {text}",
    "bad_range": "Not a date range (try 2026-12-01..2026-12-05): {text}",
    "nothing_understood": "Nothing in this message could be read: {text}",
    "not_understood": "These parts could not be read, nothing was saved: {fragments}",
    "deal_without_amount": "A closed deal needs an amount: {text}",
}


class ParseError(ValueError):
    """A user's text could not be read. `code` names the problem for a translated message; `params` fill it."""

    def __init__(self, code: str, **params):
        self.code = code
        self.params = params
        shown = {k: " | ".join(v) if isinstance(v, list) else v for k, v in params.items()}
        try:
            message = _ENGLISH[code].format(**shown)
        except (KeyError, IndexError):
            message = f"{code}: {params}"
        super().__init__(message)

    def __reduce__(self):  # keyword-only params would otherwise be lost when pickled
        return functools.partial(ParseError, self.code, **self.params), ()


def fold(text: str) -> str:
    """NFKC and lower case, character by character, so that offsets still point into `text`.

    Fullwidth digits and letters (１２万, ｋ), ￥ and ，；：～ become their ASCII forms.
    """
    out = []
    for ch in text:
        if not ch.isascii():
            norm = unicodedata.normalize("NFKC", ch)
            ch = norm if len(norm) == 1 else ch
        low = ch.lower()
        out.append(low if len(low) == 1 else ch)
    return "".join(out)


# --- numbers -----------------------------------------------------------------------------------
# Regex pieces shared with bot/core/sentence.py, which finds numbers inside sentences with the same rules.
INT = r"[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+"
NUM = r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?"
CN_CHARS = "零〇一二两三四五六七八九十百千"
CN = f"[{CN_CHARS}]+"

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}


def cn_int(text: str) -> int | None:
    """Chinese numerals below 10,000 (十二, 两百, 一百零五; colloquial 一百五 = 150), else None."""
    total, digit, prev_unit, zero = 0, None, None, False
    for ch in text:
        if ch in "零〇":
            zero = True
        elif ch in _CN_DIGITS:
            if digit is not None:
                return None
            digit = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            unit = _CN_UNITS[ch]
            if prev_unit is not None and unit >= prev_unit:
                return None
            total += (1 if digit is None else digit) * unit
            digit, prev_unit, zero = None, unit, False
        else:
            return None
    if digit is not None:
        if prev_unit and prev_unit >= 100 and not zero:
            digit *= prev_unit // 10  # 一百五 is 150 and 三千五 is 3500, as said aloud
        total += digit
    return total


def _number(text: str) -> Decimal | None:
    if text[0].isdigit():
        return Decimal(text.replace(",", ""))
    n = cn_int(text)
    return None if n is None else Decimal(n)


# --- money -------------------------------------------------------------------------------------
_AMOUNT_UNITS = {"亿": 10**8, "千万": 10**7, "百万": 10**6, "万": 10**4, "w": 10**4, "千": 10**3,
                 "k": 10**3, "m": 10**6}
_TAIL_UNITS = {"千万": 10**7, "百万": 10**6, "万": 10**4, "千": 10**3, "百": 100}
_CENT = Decimal("0.01")
_MAX_AMOUNT = Decimal(10) ** 12

AMOUNT_RE = re.compile(rf"""
    (?:(?P<cur>[¥$]|rmb|cny|usd)\s*)?
    (?:(?P<num>{NUM})|(?P<cn>{CN})(?=\s*(?:亿|万|千)))           # Chinese numerals only before 万/千/亿
    (?:\s*(?P<unit>亿|千万|百万|万|千|[wkm](?![a-z]))
        (?:(?P<tail>[0-9]+|[一二两三四五六七八九])(?P<tail_unit>千万|百万|万|千|百)?)?   # 12万5, 1亿2000万
    )?
    (?:\s*(?P<suf>元|块钱|块|(?:rmb|cny|yuan|usd|dollars?)(?![a-z])))?
""", re.VERBOSE)


def _amount_value(m: re.Match) -> Decimal | None:
    with localcontext() as ctx:
        ctx.prec = 120  # inputs are at most 64 characters: every product below is exact
        value = _number(m["num"] or m["cn"])
        if value is None:
            return None
        unit = _AMOUNT_UNITS[m["unit"]] if m["unit"] else 1
        value *= unit
        if m["tail"]:
            if "." in (m["num"] or "") or m["unit"] in ("m", "百万", "千万"):
                return None
            tail = int(m["tail"]) if m["tail"].isdigit() else _CN_DIGITS[m["tail"]]
            if m["tail_unit"]:
                tail *= _TAIL_UNITS[m["tail_unit"]]
            elif len(m["tail"]) == 1:
                tail *= unit // 10  # a lone digit after the unit names the next place: 12万5 = 125,000
            if tail >= unit:
                return None
            value += tail
        return value


def parse_amount(text: str) -> Decimal:
    """Money as a Decimal with 2 decimals: 120,000 / 12万 / 1.2w / 5k / 1.5m / ¥120,000 / 12万5 / 五千块."""
    s = fold(text).strip()
    negative = s[:1] in ("-", "−")
    body = s[1:].lstrip() if negative else s
    m = AMOUNT_RE.fullmatch(body) if len(body) <= 64 else None
    value = _amount_value(m) if m else None
    if value is None:
        raise ParseError("bad_amount", text=text)
    if negative or value <= 0:
        raise ParseError("amount_not_positive", text=text)
    if value > _MAX_AMOUNT:
        raise ParseError("amount_too_large", text=text)
    if value != value.quantize(_CENT):
        raise ParseError("amount_too_precise", text=text)
    return value.quantize(_CENT)


# --- talk time ---------------------------------------------------------------------------------
_DEC = r"[0-9]+(?:\.[0-9]+)?"
_HOURS = r"(?:小时|小時|钟头|鐘頭|hours|hour|hrs|hr|h)(?![a-z])"
_MINUTES = r"(?:分钟|分鐘|分|minutes|minute|mins|min|m)(?![a-z])"

DURATION_RE = re.compile(rf"""
    (?=[0-9{CN_CHARS}半])
    (?:(?P<h>{_DEC}|{CN})\s*)? (?:个\s*)? (?P<half>半)? \s* (?:个\s*)? {_HOURS}     # 2h, 2个半小时, 半小时
    (?:\s*(?P<hm>{_DEC}|{CN})\s*{_MINUTES}|(?P<hm_bare>[0-9]+)(?![0-9.]))?         # 10m, 10分钟, 2h10
  | (?P<m>{_DEC}|{CN})\s*{_MINUTES}
  | (?P<clock_h>[0-9]{{1,2}}):(?P<clock_m>[0-5][0-9])(?![0-9])                       # 2:15
""", re.VERBOSE)


def _duration_minutes(m: re.Match) -> Decimal | None:
    if m["clock_h"]:
        return Decimal(int(m["clock_h"]) * 60 + int(m["clock_m"]))
    if m["m"]:
        return _number(m["m"])
    hours = _number(m["h"]) if m["h"] else Decimal(0)
    if hours is None or (m["half"] and hours != hours.to_integral_value()):
        return None  # 1.5个半小时 says the half twice
    if m["half"]:
        hours += Decimal("0.5")
    minutes = _number(m["hm"]) if m["hm"] else Decimal(m["hm_bare"] or 0)
    return None if minutes is None else hours * 60 + minutes


def parse_duration(text: str, *, bare: str | None = None) -> int:
    """Talk time in whole minutes (half up): 2h15m / 135m / 1.5h / 2:15 / 2小时10分 / 两个半小时.

    A bare number is ambiguous and rejected, unless bare="minutes" (the positional `log 80 32 135`).
    """
    if bare not in (None, "minutes"):
        raise ValueError(f"bare must be None or 'minutes', not {bare!r}")
    s = fold(text).strip()
    total = None
    if len(s) <= 40:
        if bare and re.fullmatch(_DEC, s):
            total = Decimal(s)
        elif m := DURATION_RE.fullmatch(s):
            total = _duration_minutes(m)
    if total is None:
        raise ParseError("bad_duration", text=text)
    return int(total.quantize(Decimal(1), rounding=ROUND_HALF_UP))


# --- counts ------------------------------------------------------------------------------------
_COUNT_SUFFIXES = ("个电话", "通电话", "calls", "call", "dials", "个", "通", "次")


def parse_count(text: str) -> int:
    """A non-negative whole number: 80 / 1,200 / １２０ / 80个 / 120通 / 50 calls / 两百个."""
    s = fold(text).strip()
    for suffix in _COUNT_SUFFIXES:
        if s.endswith(suffix):
            s = s[: -len(suffix)].rstrip()
            break
    if re.fullmatch(INT, s) and len(s.replace(",", "")) <= 15:  # int() of thousands of digits is slow
        return int(s.replace(",", ""))
    n = cn_int(s) if s else None
    if n is None:
        raise ParseError("bad_count", text=text)
    return n


# --- dates -------------------------------------------------------------------------------------
_DATE_FORMS = (
    re.compile(r"(?P<y>[0-9]{4})(?P<sep>[-/.])(?P<m>[0-9]{1,2})(?P=sep)(?P<d>[0-9]{1,2})"),
    re.compile(r"(?P<y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})"),
    re.compile(r"(?:(?P<y>[0-9]{4})\s*年\s*)?(?P<m>[0-9]{1,2})\s*月\s*(?P<d>[0-9]{1,2})\s*[日号]?"),
    re.compile(r"(?P<m>[0-9]{1,2})[-/](?P<d>[0-9]{1,2})"),
)
_DAYS_AGO = {"today": 0, "今天": 0, "今日": 0, "yesterday": 1, "昨天": 1, "昨日": 1, "前天": 2,
             "day before yesterday": 2, "the day before yesterday": 2}
_YEARLESS_HORIZON = timedelta(days=183)  # a date without a year is at most ~6 months ahead


def parse_date(text: str, today: date) -> date:
    """2026-11-25 / 2026/11/25 / 20261125 / 11-25 / 11月25日 / 2026年11月25号 / 昨天 / yesterday."""
    s = " ".join(fold(text).split())
    if s in _DAYS_AGO:
        return today - timedelta(days=_DAYS_AGO[s])
    for form in _DATE_FORMS:
        if m := form.fullmatch(s):
            parts = m.groupdict()
            try:
                if parts.get("y"):
                    return date(int(parts["y"]), int(parts["m"]), int(parts["d"]))
                day = date(today.year, int(parts["m"]), int(parts["d"]))
                if day > today + _YEARLESS_HORIZON:
                    day = date(today.year - 1, day.month, day.day)
                return day
            except ValueError:
                break
    raise ParseError("bad_date", text=text)


_RANGE_SEPARATORS = ("..", "~", "到", "至", "–", "—", " to ", " - ")


def parse_date_range(text: str, today: date) -> tuple[date, date]:
    """2026-12-01..2026-12-05 (also ~ / to / 到 / 至 / " - "), 12月1日-12月5日, 12月1日至5日; one date is (d, d)."""
    s = " ".join(fold(text).split())
    try:
        start = end = None
        for sep in _RANGE_SEPARATORS:
            if sep in s:
                left, right = s.split(sep, 1)
                start = parse_date(left, today)
                end = _range_end(right, start, today)
                break
        else:
            try:
                start = end = parse_date(s, today)
            except ParseError:
                start, end = _split_on_hyphen(s, today)
    except ParseError:
        raise ParseError("bad_range", text=text) from None
    if end < start:
        raise ParseError("bad_range", text=text)
    return start, end


def _range_end(text: str, start: date, today: date) -> date:
    if m := re.fullmatch(r"([0-9]{1,2})\s*[日号]", text.strip()):  # 12月1日至5日: month from the start
        try:
            return start.replace(day=int(m[1]))
        except ValueError:
            raise ParseError("bad_date", text=text) from None
    return parse_date(text, today)


def _split_on_hyphen(s: str, today: date) -> tuple[date, date]:
    """12月1日-12月5日 or 12-01-12-05: the one hyphen with a date on each side."""
    found = []
    for i, ch in enumerate(s):
        if ch == "-":
            try:
                start = parse_date(s[:i], today)
                found.append((start, _range_end(s[i + 1:], start, today)))
            except ParseError:
                pass
    if len(found) != 1:
        raise ParseError("bad_range", text=s)
    return found[0]
