"""The audit trail: who changed what and when.

`record` adds its row to the session that makes the change, so both commit or roll back together: a
change never lands without its entry, and a refused change leaves none. Never pass a secret: API keys
appear only by their prefix.

Action names: target.set, plan.split, apikey.create, apikey.revoke; role.set and team.move (people and
teams, bot/services/org.py); secrets.rotate (`pacebot secrets rotate`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from bot.core.errors import UserError
from bot.store.tables.audit import AuditEntry
from bot.store.tables.sales import Person, Team

DEFAULT_LIMIT = 20
MAX_LIMIT = 500


@dataclass(frozen=True)
class Actor:
    """Who acts: a person (`person_id`) or a process, and how to name them in the trail."""

    person_id: int | None
    label: str

    @classmethod
    def of(cls, person: Person, platform: str) -> Actor:
        return cls(person.id, f"{platform}:{person.name}")

    @classmethod
    def api_key(cls, prefix: str) -> Actor:
        return cls(None, f"api key {prefix}")


CLI = Actor(None, "cli")


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def record(session: Session, *, actor: Actor, action: str, subject: str, before=None, after=None,
           now: datetime) -> AuditEntry:
    """Add one entry to `session` (the change's own transaction); `before`/`after` are JSON-able values."""
    detail = json.dumps({"before": before, "after": after}, ensure_ascii=False, sort_keys=True, default=_plain)
    row = AuditEntry(at=now, actor_id=actor.person_id, actor=actor.label[:120], action=action,
                     subject=subject[:200], detail=detail)
    session.add(row)
    return row


def entries(session: Session, since: datetime | None = None, limit: int = DEFAULT_LIMIT) -> list[AuditEntry]:
    """The newest entries first, at most `limit`, none older than `since`."""
    stmt = select(AuditEntry)
    if since is not None:
        stmt = stmt.where(AuditEntry.at >= since)
    stmt = stmt.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(max(1, min(limit, MAX_LIMIT)))
    return list(session.exec(stmt).all())


def detail(entry: AuditEntry) -> tuple[object, object]:
    data = json.loads(entry.detail)
    return data.get("before"), data.get("after")


def changes(entry: AuditEntry, width: int | None = None) -> str:
    """`before → after` on one line (compact JSON for anything that is not a plain value), cut at `width`."""
    before, after = detail(entry)

    def show(value) -> str:
        if isinstance(value, dict) and len(value) == 1:
            value = next(iter(value.values()))
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)

    if before is None:
        text = show(after) if after is not None else ""
    else:
        text = f"{show(before)} → {show(after)}"
    return text if width is None or len(text) <= width else text[:width - 1] + "…"


def person_subject(person: Person) -> str:
    return f"person #{person.id} {person.name}"


def team_subject(team: Team) -> str:
    return f"team #{team.id} {team.name}"


def scope_subject(scope: str, scope_id: int, *, session: Session) -> str:
    """"person #12 Alice Chen", "team #3 East" or "company" for a target's scope."""
    if scope == "person":
        person = session.get(Person, scope_id)
        return person_subject(person) if person else f"person #{scope_id}"
    if scope == "team":
        team = session.get(Team, scope_id)
        return team_subject(team) if team else f"team #{scope_id}"
    return scope


_AGO = re.compile(r"^(\d{1,4})\s*(d|day|days|天|日)$", re.IGNORECASE)


def parse_since(text: str, now: datetime, tz: str) -> datetime:
    """`7d` / `7天` (the last seven days) or `2026-11-01` (from that day's midnight in `tz`)."""
    text = text.strip()
    match = _AGO.match(text)
    if match:
        return now - timedelta(days=int(match.group(1)))
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise UserError("audit_bad_since", text=text) from None
    return datetime.combine(day, time(), tzinfo=ZoneInfo(tz))
