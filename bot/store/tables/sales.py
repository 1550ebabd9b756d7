"""Database tables. Money is kept in integer cents and targets in each metric's base unit
(count, minutes or cents) so that sums are exact on SQLite as on PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum

from sqlalchemy import BigInteger, Column, Index, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.core.metrics import Metric
from bot.store.columns import EnumText, UTCDateTime, _ts


class Role(str, Enum):
    """A person's own role. Admin rights are not stored: they come from PACEBOT_ADMINS (bot/services/roles)."""

    REP = "rep"
    MANAGER = "manager"


class Team(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=Column(String(80), unique=True, nullable=False))
    tz: str = "Asia/Shanghai"
    holidays: str | None = None  # "CN", "weekdays" or None (derived from tz)
    currency: str = "CNY"
    lang: str = "zh"  # language of the team's announcements
    created_at: datetime = _ts(nullable=False)


class Person(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80)
    lang: str = "zh"
    role: Role = Field(default=Role.REP, sa_column=Column(EnumText(Role), nullable=False))
    sells: bool = False  # a manager who also sells is ranked, counted and nudged like a rep
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True)
    tz: str | None = Field(default=None, max_length=64)  # their own, from the platform; a team's wins
    created_at: datetime = _ts(nullable=False)


class Account(SQLModel, table=True):
    """One platform identity (Slack user id, WeCom userid, DingTalk staff id, console id) of a person."""

    __table_args__ = (UniqueConstraint("platform", "account_id"),)
    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    account_id: str = Field(max_length=128)
    person_id: int = Field(foreign_key="person.id", index=True)


class TeamChannel(SQLModel, table=True):
    """Where a team's announcements go on one platform."""

    __table_args__ = (UniqueConstraint("team_id", "platform"),)
    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id")
    platform: str = Field(max_length=16)
    channel_id: str = Field(max_length=128)
    channel_name: str | None = Field(default=None, max_length=128)


class Activity(SQLModel, table=True):
    """A rep's calling day; one row per person and local day."""

    __table_args__ = (
        UniqueConstraint("person_id", "day"),
        # Covers a whole company's leaderboard for a period: an index-only scan, no table reads.
        Index("ix_activity_day_cover", "day", "person_id", "dialed", "connected", "talk_minutes"),
    )
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id")
    day: date
    dialed: int = 0
    connected: int = 0
    talk_minutes: int = 0
    updated_at: datetime = _ts(nullable=False)


class Deal(SQLModel, table=True):
    __table_args__ = (
        Index("ix_deal_person_day", "person_id", "day"),
        Index("ix_deal_team_day", "team_id", "day"),
        Index("ix_deal_day_cover", "day", "person_id", "voided", "amount_cents"),
    )
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id")
    team_id: int | None = Field(default=None, foreign_key="team.id")
    day: date
    amount_cents: int = Field(sa_column=Column(BigInteger, nullable=False))
    currency: str = "CNY"
    customer: str | None = Field(default=None, max_length=200)
    voided: bool = False
    created_at: datetime = _ts(nullable=False)


class Target(SQLModel, table=True):
    """A goal for a person or a team, one metric, one period; `value` in the metric's base unit."""

    __table_args__ = (UniqueConstraint("scope", "scope_id", "metric", "period_kind", "period_start"),)
    id: int | None = Field(default=None, primary_key=True)
    scope: str = Field(max_length=8)  # "person" | "team"
    scope_id: int
    metric: str = Field(max_length=16)
    period_kind: str = Field(max_length=8)
    period_start: date
    value: int = Field(sa_column=Column(BigInteger, nullable=False))
    set_by: int | None = Field(default=None, foreign_key="person.id")
    updated_at: datetime = _ts(nullable=False)


class Leave(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    start: date
    end: date


class InboundEvent(SQLModel, table=True):
    """Platform event ids already handled: a retried delivery is dropped."""

    platform: str = Field(primary_key=True, max_length=16)
    event_id: str = Field(primary_key=True, max_length=191)
    received_at: datetime = _ts(nullable=False, index=True)
    # What the router answered to an event run from the inbox, kept until the task is done: a re-run after
    # a crash between the handler's commit and the answer sends these instead of nothing.
    replies: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class Change(SQLModel, table=True):
    """What one message changed, so that `undo` can put it back."""

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    batch: str = Field(max_length=36, index=True)
    kind: str = Field(max_length=16)  # "activity" | "deal"
    ref_id: int
    before: str | None = Field(default=None, sa_column=Column(Text))  # JSON of the row before, None if new
    undone: bool = False
    created_at: datetime = _ts(nullable=False)


class TokenCache(SQLModel, table=True):
    """Platform access tokens shared by every bot process, so they do not fight over refreshes."""

    platform: str = Field(primary_key=True, max_length=16)
    key: str = Field(primary_key=True, max_length=191)
    value: str = Field(sa_column=Column(Text, nullable=False))
    expires_at: datetime = _ts(nullable=False)
