"""Which currency codes are real: ISO 4217 as pycountry ships it, less the codes ISO keeps for "no
currency" (XXX) and for testing (XTS)."""

from __future__ import annotations

from functools import cache

NOT_MONEY = frozenset({"XXX", "XTS"})


@cache
def iso_codes() -> frozenset[str]:
    import pycountry

    return frozenset(c.alpha_3 for c in pycountry.currencies) - NOT_MONEY


def check_currency(value: str) -> str:
    """The code upper-cased, or ValueError naming what to write instead."""
    code = value.strip().upper()
    if code not in iso_codes():
        raise ValueError(f"{value!r} is not an ISO 4217 currency code (such as CNY, USD or EUR)")
    return code
