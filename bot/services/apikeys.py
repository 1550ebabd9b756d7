"""Per-integration API keys: shown once at creation, stored only as a SHA-256 digest.

The keys are 256-bit random tokens, so a fast digest is enough (a slow password hash protects
guessable secrets; these are not guessable), and a lookup by digest needs no scan.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlmodel import Session, select

from bot.store.tables.plan import ApiKey
from bot.services import audit
from bot.services.audit import Actor

PREFIX = "pb_"


def digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class ApiKeyError(ValueError):
    pass


def create(name: str, *, actor: Actor, now: datetime, session: Session) -> tuple[ApiKey, str]:
    """A new key for `name`; returns the row and the key itself, which is not stored anywhere (the audit
    entry, "apikey.create", holds only its prefix)."""
    name = name.strip()
    if not name or len(name) > 80:
        raise ApiKeyError("the name must be 1 to 80 characters")
    if session.exec(select(ApiKey).where(ApiKey.name == name)).first() is not None:
        raise ApiKeyError(f"a key named {name!r} exists already (revoke it first, or pick another name)")
    key = PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(name=name, key_hash=digest(key), prefix=key[:10], created_at=now)
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, action="apikey.create", subject=f"api key {name}",
                 after={"prefix": row.prefix}, now=now)
    return row, key


def authenticate(key: str, *, now: datetime, session: Session) -> ApiKey | None:
    """The live key row for a presented key, or None (unknown or revoked)."""
    if not key:
        return None
    row = session.exec(select(ApiKey).where(ApiKey.key_hash == digest(key))).first()
    # The digest lookup already matched; compare again in constant time so timing tells nothing.
    if row is None or row.revoked_at is not None or not secrets.compare_digest(row.key_hash, digest(key)):
        return None
    row.last_used_at = now
    session.add(row)
    return row


def list_keys(*, session: Session) -> list[ApiKey]:
    return list(session.exec(select(ApiKey).order_by(ApiKey.name)).all())


def revoke(name: str, *, actor: Actor, now: datetime, session: Session) -> ApiKey:
    """Revoke a key by name (recorded as "apikey.revoke"); revoking it again changes nothing."""
    row = session.exec(select(ApiKey).where(ApiKey.name == name.strip())).first()
    if row is None:
        raise ApiKeyError(f"no key named {name!r}")
    if row.revoked_at is None:
        row.revoked_at = now
        session.add(row)
        audit.record(session, actor=actor, action="apikey.revoke", subject=f"api key {row.name} ({row.prefix}…)",
                     before={"state": "active"}, after={"state": "revoked"}, now=now)
    return row
