"""Tables of the web dashboard: TV board links, one-time sign-in links and browser sessions.

Every secret handed to a browser is stored only as its SHA-256, so a copy of the database opens nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, String
from sqlmodel import Field, SQLModel

from bot.store.columns import UTCDateTime


def _ts(**kw):
    return Field(sa_column=Column(UTCDateTime(), **kw))


class BoardLink(SQLModel, table=True):
    """A read-only link to a team's TV board; `metric` is what the board ranks by."""

    __tablename__ = "board_link"
    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id", index=True)
    token_hash: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    metric: str = Field(default="revenue", max_length=16)
    created_by: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = _ts(nullable=False)
    revoked_at: datetime | None = _ts(nullable=True)


class LoginLink(SQLModel, table=True):
    """A one-time sign-in link: signed, short-lived, and refused once `used_at` is set."""

    __tablename__ = "login_link"
    id: int | None = Field(default=None, primary_key=True)
    nonce_hash: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    person_id: int = Field(foreign_key="person.id", index=True)
    created_at: datetime = _ts(nullable=False)
    expires_at: datetime = _ts(nullable=False)
    used_at: datetime | None = _ts(nullable=True)


class WebSession(SQLModel, table=True):
    """A signed-in browser; the cookie holds the token, the table its hash."""

    __tablename__ = "web_session"
    token_hash: str = Field(sa_column=Column(String(64), primary_key=True))
    person_id: int = Field(foreign_key="person.id", index=True)
    created_at: datetime = _ts(nullable=False)
    expires_at: datetime = _ts(nullable=False, index=True)


class WebSecret(SQLModel, table=True):
    """The key sign-in links are signed with, shared by every process when none is configured."""

    __tablename__ = "web_secret"
    name: str = Field(sa_column=Column(String(32), primary_key=True))
    value: str = Field(sa_column=Column(String(128), nullable=False))
    created_at: datetime = _ts(nullable=False)
