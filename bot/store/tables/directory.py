"""Directory links: which pacebot row a platform's directory entry became (a WeCom or DingTalk department
became a team), so that a renamed department renames its team instead of making another one."""

from __future__ import annotations

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

DEPARTMENT = "department"  # `local_id` is a team id


class DirectoryLink(SQLModel, table=True):
    """One platform directory entry and the local row it is synced into."""

    __tablename__ = "directorylink"
    __table_args__ = (Index("ix_directorylink_local", "platform", "kind", "local_id"),)

    platform: str = Field(primary_key=True, max_length=16)
    kind: str = Field(primary_key=True, max_length=16)
    external_id: str = Field(primary_key=True, max_length=64)
    local_id: int
