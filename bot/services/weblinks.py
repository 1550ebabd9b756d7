"""Secrets handed to browsers: TV board links, one-time sign-in links and sessions.

Only hashes are stored. Sign-in links are signed and time-stamped by itsdangerous, and a row per link
makes them single use: the first `UPDATE ... WHERE used_at IS NULL` wins, in any process.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from bot.store.tables.sales import Metric, Person
from bot.store.tables.dashboard import BoardLink, LoginLink, WebSecret, WebSession

SALT = "pacebot-login"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# -- board links --------------------------------------------------------------------------------
def new_board_link(team_id: int, metric: Metric, *, by: int | None, now: datetime, session: Session) -> str:
    token = secrets.token_urlsafe(24)
    session.add(BoardLink(team_id=team_id, token_hash=digest(token), metric=metric.value, created_by=by,
                          created_at=now))
    session.flush()
    return token


def board_link(token: str, *, session: Session) -> BoardLink | None:
    """The live link for a token; None when unknown or revoked."""
    if not token or len(token) > 100:
        return None
    row = session.exec(select(BoardLink).where(BoardLink.token_hash == digest(token))).first()
    return row if row is not None and row.revoked_at is None else None


def revoke_board_links(team_id: int, *, now: datetime, session: Session) -> int:
    result = session.execute(update(BoardLink).where(BoardLink.team_id == team_id, BoardLink.revoked_at.is_(None))
                             .values(revoked_at=now))
    return result.rowcount or 0


# -- signing key ----------------------------------------------------------------------------------
def signing_key(configured: str, *, now: datetime, db) -> str:
    """The configured secret, or the one kept in the database (made by whichever process came first)."""
    if configured:
        return configured
    with db.session() as session:
        row = session.get(WebSecret, "login")
        if row is not None:
            return row.value
    try:
        with db.session() as session:
            session.add(WebSecret(name="login", value=secrets.token_urlsafe(48), created_at=now))
    except IntegrityError:
        pass  # another process made it first
    with db.session() as session:
        return session.get(WebSecret, "login").value


# -- one-time sign-in links ------------------------------------------------------------------------
class LinkRefused(Exception):
    """A sign-in link that is forged, expired or already used; `reason` says which."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def new_login_link(person_id: int, *, key: str, minutes: int, now: datetime, session: Session) -> str:
    nonce = secrets.token_urlsafe(18)
    session.add(LoginLink(nonce_hash=digest(nonce), person_id=person_id, created_at=now,
                          expires_at=now + timedelta(minutes=minutes)))
    session.flush()
    return URLSafeTimedSerializer(key, salt=SALT).dumps({"n": nonce, "p": person_id})


def use_login_link(token: str, *, key: str, now: datetime, session: Session) -> int:
    """The person the link signs in, marking it used; raises LinkRefused otherwise."""
    try:
        data = URLSafeTimedSerializer(key, salt=SALT).loads(token)
    except SignatureExpired:
        raise LinkRefused("expired") from None
    except BadSignature:
        raise LinkRefused("forged") from None
    if not isinstance(data, dict) or not isinstance(data.get("n"), str):
        raise LinkRefused("forged")
    row = session.exec(select(LoginLink).where(LoginLink.nonce_hash == digest(data["n"]))).first()
    if row is None or row.person_id != data.get("p"):
        raise LinkRefused("forged")
    if row.expires_at <= now:
        raise LinkRefused("expired")  # our clock decides, not only the signature's time stamp
    claimed = session.execute(update(LoginLink).where(LoginLink.id == row.id, LoginLink.used_at.is_(None))
                              .values(used_at=now))
    if claimed.rowcount != 1:
        raise LinkRefused("used")
    return row.person_id


# -- sessions -------------------------------------------------------------------------------------
def open_session(person_id: int, *, hours: int, now: datetime, session: Session) -> str:
    # Housekeeping while we are here: expired sessions and day-old sign-in links go.
    session.execute(delete(WebSession).where(WebSession.expires_at <= now))
    session.execute(delete(LoginLink).where(LoginLink.expires_at <= now - timedelta(days=1)))
    token = secrets.token_urlsafe(32)
    session.add(WebSession(token_hash=digest(token), person_id=person_id, created_at=now,
                           expires_at=now + timedelta(hours=hours)))
    session.flush()
    return token


def session_person(token: str | None, *, now: datetime, session: Session) -> Person | None:
    if not token or len(token) > 100:
        return None
    row = session.get(WebSession, digest(token))
    if row is None or row.expires_at <= now:
        return None
    return session.get(Person, row.person_id)


def close_session(token: str | None, *, session: Session) -> None:
    if token:
        row = session.get(WebSession, digest(token))
        if row is not None:
            session.delete(row)
