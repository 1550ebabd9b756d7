"""The audit trail: who changed what and when, one row per change, written in the change's own transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from bot.store.columns import _ts


class AuditEntry(SQLModel, table=True):
    """One change: when, by whom (a person, or a label like "cli" or "api key pb_AbC123"), what and how."""

    __tablename__ = "auditentry"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _ts(nullable=False, index=True)
    actor_id: int | None = Field(default=None, foreign_key="person.id")
    actor: str = Field(max_length=120)
    action: str = Field(max_length=40, index=True)  # "target.set", "plan.split", "apikey.create", ...
    subject: str = Field(max_length=200)  # what was changed, e.g. "person #12 Alice Chen"
    detail: str = Field(sa_column=Column(Text, nullable=False))  # JSON: {"before": ..., "after": ...}
