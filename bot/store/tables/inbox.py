"""The inbox table: work acknowledged to a platform, on record before the acknowledgement."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, String, Text
from sqlmodel import Field, SQLModel

from bot.store.tables.sales import UTCDateTime


def _ts(**kw):
    return Field(sa_column=Column(UTCDateTime(), **kw))


class InboxStatus:
    PENDING = "pending"  # waiting for a worker
    CLAIMED = "claimed"  # a worker runs it; claimed again when its lease runs out (the worker died)
    DONE = "done"
    FAILED = "failed"  # the handler raised, or its workers died too often


class InboxTask(SQLModel, table=True):
    """One typed task message (`bot.chat.tasks`); `key` (platform and event id) keeps a platform's retry out."""

    __tablename__ = "inbox"
    __table_args__ = (Index("ix_inbox_due", "status", "not_before"),)
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(sa_column=Column(String(191), unique=True, nullable=False))
    kind: str = Field(max_length=32)  # the task type's name
    payload: str = Field(sa_column=Column(Text, nullable=False))  # the task as JSON
    status: str = Field(default=InboxStatus.PENDING, max_length=8)
    attempts: int = 0
    not_before: datetime = _ts(nullable=False)
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_at: datetime | None = _ts(nullable=True)
    done_at: datetime | None = _ts(nullable=True)
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = _ts(nullable=False)
