"""The shapes of rows that come from outside (import files and the ingest API), validated by pydantic.

Import files and API requests share these models, so a column means the same as a JSON field, and an
error names the field the way both people and machines read it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from bot.core.currencies import check_currency

MAX_TALK_MINUTES = 24 * 60
YEARS_BACK = 5  # a day is at most this many years back (from 1 January), never in the future


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def check_day(value: date, today: date) -> date:
    """`value` if it is a sane day to record against `today` (in the rep's time zone), else ValueError."""
    if value > today:
        raise ValueError(f"{value.isoformat()} is in the future")
    earliest = date(today.year - YEARS_BACK, 1, 1)
    if value < earliest:
        raise ValueError(f"{value.isoformat()} is before {earliest.isoformat()} (at most {YEARS_BACK} years back)")
    return value


def _not_future(value: date, info: ValidationInfo) -> date:
    today = (info.context or {}).get("today")
    return check_day(value, today) if today is not None else value


class ActivityRecord(Record):
    """A rep's calling day; (rep, day) is the key: sending the same day again replaces its totals."""

    rep: str = Field(min_length=1, max_length=128, description="the rep: people-file external_id, platform:account (wecom:zhangsan) or their exact name")
    day: date = Field(description=f"the rep's local day, YYYY-MM-DD: not in the future, at most {YEARS_BACK} years "
                                  "back (from 1 January)")
    dialed: int = Field(ge=0, le=100_000, description="calls dialed that day")
    connected: int = Field(ge=0, le=100_000, description="calls connected that day (at most dialed)")
    talk_minutes: int = Field(0, ge=0, le=MAX_TALK_MINUTES, description="talk time in minutes")
    external_id: str | None = Field(None, max_length=128, description="the sender's id for this row, echoed back")

    _day = field_validator("day")(_not_future)

    @field_validator("connected")
    @classmethod
    def _connected(cls, value: int, info: ValidationInfo) -> int:
        dialed = info.data.get("dialed")
        if dialed is not None and value > dialed:
            raise ValueError(f"connected ({value}) is more than dialed ({dialed})")
        return value


class DealRecord(Record):
    """A won deal; `external_id` (the CRM's id) is the key: the same id again never makes a second deal."""

    external_id: str = Field(min_length=1, max_length=128, description="the deal's id in the CRM")
    rep: str = Field(min_length=1, max_length=128, description="who won it (as for activity)")
    day: date = Field(description="the day it was won, YYYY-MM-DD (as for activity)")
    amount: Decimal = Field(gt=0, max_digits=14, decimal_places=2, description="the amount, in currency units, e.g. 120000.00")
    currency: str | None = Field(None, pattern=r"^[A-Za-z]{3}$", description="an ISO 4217 code (CNY, USD, EUR...); the rep's team's currency if left out")
    customer: str | None = Field(None, max_length=200, description="the customer's name")

    _day = field_validator("day")(_not_future)

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str | None) -> str | None:
        return check_currency(value) if value else None


class PersonRecord(Record):
    """A person; the key is `external_id` (an employee number), else the first of `accounts`."""

    external_id: str | None = Field(None, max_length=128)
    name: str = Field(min_length=1, max_length=80)
    team: str | None = Field(None, max_length=80, description="team name (created if new)")
    role: Literal["rep", "manager"] = "rep"
    lang: Literal["zh", "en"] | None = None
    accounts: str | None = Field(None, description="platform:account pairs separated by spaces, e.g. wecom:zhangsan slack:U012")

    @field_validator("accounts")
    @classmethod
    def _accounts(cls, value: str | None) -> str | None:
        for item in (value or "").split():
            platform, _, account = item.partition(":")
            if not platform or not account:
                raise ValueError(f"{item!r} is not platform:account")
        return value or None


class TargetRecord(Record):
    """One target; the key is (scope, who, metric, period)."""

    scope: Literal["person", "team", "company"]
    who: str | None = Field(None, description="the rep (as for activity) or the team's name; empty for the company")
    metric: Literal["calls", "connected", "talk", "deals", "revenue"]
    period: str = Field(pattern=r"^\d{4}(-Q[1-4]|-\d{2}|-W\d{2})?$", description="2027, 2027-Q1, 2027-03 or 2027-W05")
    value: Decimal = Field(gt=0, description="revenue in currency units, talk in minutes, others as counts")
