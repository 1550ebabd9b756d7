"""Numbers as people read them: money, counts, talk time and percentages (Decimal in, text out)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CURRENCY_SYMBOLS = {"CNY": "¥", "RMB": "¥", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "JP¥", "HKD": "HK$"}


def fmt_number(value, places: int = 0) -> str:
    """Thousands separators; `places` decimals, dropped when the value is whole."""
    value = Decimal(value)
    if places and value != value.to_integral_value():
        return f"{value.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP):,}"
    return f"{value.quantize(Decimal(1), ROUND_HALF_UP):,}"


def fmt_money(value, currency: str = "CNY") -> str:
    symbol = CURRENCY_SYMBOLS.get(currency.upper(), currency.upper() + " ")
    value = Decimal(value)
    sign = "-" if value < 0 else ""
    return f"{sign}{symbol}{fmt_number(abs(value), 2)}"


def fmt_minutes(minutes, lang: str = "en") -> str:
    minutes = int(Decimal(minutes).quantize(Decimal(1), ROUND_HALF_UP))
    sign, minutes = ("-" if minutes < 0 else ""), abs(minutes)
    h, m = divmod(minutes, 60)
    if lang == "zh":
        text = (f"{h}小时" if h else "") + (f"{m}分钟" if m or not h else "")
    else:
        text = (f"{h}h" if h else "") + (f"{m}m" if m or not h else "")
    return sign + text


def fmt_pct(value) -> str:
    if value is None:
        return "—"
    value = Decimal(value).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return f"{value.normalize() if value == value.to_integral_value() else value:f}%".replace(".0%", "%")


def fmt_metric(metric: str, value, currency: str = "CNY", lang: str = "en") -> str:
    """A metric's value as people read it: money, talk time or a count."""
    if value is None:
        return "—"
    if metric == "revenue":
        return fmt_money(value, currency)
    if metric == "talk":
        return fmt_minutes(value, lang)
    return fmt_number(value, 1)
