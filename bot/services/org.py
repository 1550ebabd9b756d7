"""People, teams, identities and announcement channels."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func
from sqlmodel import Session, select

from bot.core.errors import UserError
from bot.services import audit
from bot.services.audit import Actor
from bot.store.tables.sales import Account, Person, Role, Team, TeamChannel
from bot.core.workcal import calendar_for


def find_account(platform: str, account_id: str, *, session: Session) -> Person | None:
    return session.exec(
        select(Person).join(Account, Account.person_id == Person.id)
        .where(Account.platform == platform, Account.account_id == account_id)
    ).first()


def register(platform: str, account_id: str, name: str, *, lang: str, role: Role, now: datetime,
             session: Session, tz: str | None = None) -> Person:
    """A new person for an account seen for the first time (`tz` kept only if it is a real zone)."""
    try:
        tz = check_tz(tz) if tz else None
    except UserError:
        tz = None
    person = Person(name=(name or account_id)[:80], lang=lang, role=role, tz=tz, created_at=now)
    session.add(person)
    session.flush()
    session.add(Account(platform=platform, account_id=account_id, person_id=person.id))
    session.flush()
    return person


def link_account(person: Person, platform: str, account_id: str, *, session: Session) -> None:
    """Point another platform's account at an existing person (one identity across platforms)."""
    existing = session.exec(
        select(Account).where(Account.platform == platform, Account.account_id == account_id)
    ).first()
    if existing:
        existing.person_id = person.id
    else:
        session.add(Account(platform=platform, account_id=account_id, person_id=person.id))
    session.flush()


def accounts_of(person_id: int, *, session: Session) -> dict[str, str]:
    rows = session.exec(select(Account).where(Account.person_id == person_id)).all()
    return {row.platform: row.account_id for row in rows}


def team_by_name(name: str, *, session: Session) -> Team | None:
    return session.exec(select(Team).where(func.lower(Team.name) == name.strip().lower())).first()


def get_team(team_id: int | None, *, session: Session) -> Team | None:
    return session.get(Team, team_id) if team_id is not None else None


def check_tz(tz: str) -> str:
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise UserError("bad_tz", text=tz) from None
    return tz


def create_team(name: str, *, tz: str, currency: str, lang: str, now: datetime, session: Session) -> Team:
    name = name.strip()
    if not name or len(name) > 80:
        raise UserError("bad_team_name", text=name)
    if team_by_name(name, session=session):
        raise UserError("team_exists", team=name)
    team = Team(name=name, tz=check_tz(tz), currency=currency, lang=lang, created_at=now)
    session.add(team)
    session.flush()
    return team


def set_team_tz(team: Team, tz: str, *, session: Session) -> None:
    team.tz = check_tz(tz)
    session.add(team)


def set_team_holidays(team: Team, code: str, *, session: Session) -> None:
    value = {"cn": "CN", "china": "CN", "中国": "CN", "none": "weekdays", "weekdays": "weekdays"}.get(
        code.strip().lower())
    if value is None:
        raise UserError("bad_holidays", text=code)
    calendar_for(value, team.tz)
    team.holidays = value
    session.add(team)


def list_teams(*, session: Session) -> list[tuple[Team, int]]:
    rows = session.exec(
        select(Team, func.count(Person.id)).join(Person, Person.team_id == Team.id, isouter=True)
        .group_by(Team.id).order_by(Team.name)
    ).all()
    return [(team, count) for team, count in rows]


def members(team_id: int, *, session: Session) -> list[Person]:
    return list(session.exec(select(Person).where(Person.team_id == team_id).order_by(Person.name)).all())


def move_person(person: Person, team: Team | None, *, actor: Actor, now: datetime, session: Session) -> bool:
    """Into `team` (None: off any team), kept in the audit trail; False if they were there already."""
    team_id = team.id if team is not None else None
    if person.team_id == team_id:
        return False
    previous = get_team(person.team_id, session=session)
    person.team_id = team_id
    session.add(person)
    audit.record(session, actor=actor, action="team.move", subject=audit.person_subject(person),
                 before={"team": previous.name if previous else None}, after={"team": team.name if team else None},
                 now=now)
    return True


def managers_of(team_id: int, *, session: Session) -> list[Person]:
    return [p for p in members(team_id, session=session) if p.role == Role.MANAGER]


def find_person(ref: str, *, platform: str, session: Session) -> Person:
    """A person by platform mention/id (`<@U123>`, `@zhangsan`) or by display name."""
    ref = ref.strip()
    raw = ref.removeprefix("<@").removesuffix(">").split("|")[0].lstrip("@")
    if raw:
        person = find_account(platform, raw, session=session)
        if person:
            return person
        if raw.isdigit() and ref.startswith("#"):
            person = session.get(Person, int(raw))
            if person:
                return person
    matches = session.exec(select(Person).where(func.lower(Person.name) == raw.lower())).all()
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise UserError("person_ambiguous", text=ref, count=len(matches))
    raise UserError("person_unknown", text=ref)


def set_team_channel(team: Team, platform: str, channel_id: str, channel_name: str | None, *,
                     session: Session) -> TeamChannel:
    row = session.exec(
        select(TeamChannel).where(TeamChannel.team_id == team.id, TeamChannel.platform == platform)
    ).first()
    if row is None:
        row = TeamChannel(team_id=team.id, platform=platform, channel_id=channel_id)
    row.channel_id, row.channel_name = channel_id, channel_name
    session.add(row)
    session.flush()
    return row


def team_channels(team_id: int, *, session: Session) -> dict[str, TeamChannel]:
    rows = session.exec(select(TeamChannel).where(TeamChannel.team_id == team_id)).all()
    return {row.platform: row for row in rows}
