"""Tables for target planning, imports and the ingest API: pending split proposals, hashed API keys,
and stable external ids of imported or pushed rows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.store.columns import _ts


class PlanProposal(SQLModel, table=True):
    """A proposed target split waiting for its author's confirmation (kept in the DB: survives a restart)."""

    id: int | None = Field(default=None, primary_key=True)
    author_id: int = Field(foreign_key="person.id", index=True)
    status: str = Field(default="pending", max_length=12)  # "pending" | "applied" | "cancelled"
    payload: str = Field(sa_column=Column(Text, nullable=False))  # JSON: inputs and unit totals
    created_at: datetime = _ts(nullable=False)
    updated_at: datetime = _ts(nullable=False)


class ApiKey(SQLModel, table=True):
    """One integration's key; only its SHA-256 is stored (keys are long random strings, not passwords)."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=Column(String(80), unique=True, nullable=False))
    key_hash: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    prefix: str = Field(max_length=12)  # shown in `apikey list` so people can tell keys apart
    created_at: datetime = _ts(nullable=False)
    revoked_at: datetime | None = _ts(nullable=True)
    last_used_at: datetime | None = _ts(nullable=True)


class ExternalRef(SQLModel, table=True):
    """A row's id in another system (CRM deal id, employee number): re-importing it finds the same row."""

    __table_args__ = (UniqueConstraint("kind", "external_id"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)  # "deal" | "person"
    external_id: str = Field(max_length=128)
    ref_id: int = Field(index=True)
