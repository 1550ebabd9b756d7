"""A small shared cache of platform access tokens, kept in the database."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from bot.store.tables.sales import TokenCache


def get_token(platform: str, key: str, *, now: datetime, session: Session) -> str | None:
    row = session.get(TokenCache, (platform, key))
    if row is None or row.expires_at <= now:
        return None
    return row.value


def put_token(platform: str, key: str, value: str, *, expires_in: float, now: datetime, session: Session) -> None:
    """Store a token, expiring a minute early so that no process uses one at its last second."""
    row = session.get(TokenCache, (platform, key)) or TokenCache(platform=platform, key=key, value=value,
                                                                  expires_at=now)
    row.value = value
    row.expires_at = now + timedelta(seconds=max(0.0, expires_in - 60))
    session.add(row)


def drop_token(platform: str, key: str, *, session: Session) -> None:
    row = session.get(TokenCache, (platform, key))
    if row is not None:
        session.delete(row)
