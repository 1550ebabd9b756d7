"""The metrics pacebot tracks, their units, and the words people use for them."""

from __future__ import annotations

from decimal import Decimal
from enum import Enum

from bot.core.errors import UserError
from bot.core.parsing import parse_amount, parse_count, parse_duration


class Metric(str, Enum):
    CALLS = "calls"
    CONNECTED = "connected"
    TALK = "talk"
    DEALS = "deals"
    REVENUE = "revenue"


ORDER = (Metric.REVENUE, Metric.DEALS, Metric.CALLS, Metric.CONNECTED, Metric.TALK)

ALIASES: dict[str, Metric] = {}
for _metric, _words in {
    Metric.CALLS: "calls call dials dial dialed 外呼 外呼量 拨打 拨打量 电话 通话量",
    Metric.CONNECTED: "connected connects connect 接通 接通量 接通数",
    Metric.TALK: "talk talktime talk-time minutes 通时 通话时长 时长 通话",
    Metric.DEALS: "deals deal won 成交数 签单数 签单 单数 成交单数",
    Metric.REVENUE: "revenue sales amount money 业绩 销售额 成交金额 金额 营收",
}.items():
    for _word in _words.split():
        ALIASES[_word] = _metric


def parse_metric(word: str) -> Metric:
    try:
        return ALIASES[word.strip().lower()]
    except KeyError:
        raise UserError("bad_metric", text=word) from None


def parse_metric_value(metric: Metric, text: str) -> int:
    """A target value as typed (`50万`, `40h`, `800`) in the metric's base unit (cents, minutes, count)."""
    if metric is Metric.REVENUE:
        return to_base(metric, parse_amount(text))
    if metric is Metric.TALK:
        return parse_duration(text, bare="minutes")
    value = parse_count(text)
    if value <= 0:
        raise UserError("target_not_positive", text=text)
    return value


def to_base(metric: Metric, value: Decimal) -> int:
    return int(value * 100) if metric is Metric.REVENUE else int(value)


def from_base(metric: Metric, value: int | None) -> Decimal | None:
    if value is None:
        return None
    return Decimal(value) / 100 if metric is Metric.REVENUE else Decimal(value)
