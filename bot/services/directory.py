"""One directory sync for every platform (`pacebot sync wecom|dingtalk`).

An adapter reads its platform's departments and members and turns them into the neutral records below;
this module makes departments teams and members people, each department linked to its team in
`directorylink` and each member to their person through their account. Running it again changes only
what changed on the platform: a renamed department renames its team, a member who left is taken off
their team. It never demotes anyone and never deletes a person or a team.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, select

from bot.store.tables.sales import Account, Person, Role, Team
from bot.store.tables.directory import DEPARTMENT, DirectoryLink
from bot.services import org, roles
from bot.services.audit import Actor


@dataclass(frozen=True)
class Department:
    """A platform's department: it becomes a team once a member calls it home."""

    external_id: str
    name: str
    parent_id: str | None = None


@dataclass(frozen=True)
class Member:
    """A platform's member. `department_ids` come in order of preference: the first one this sync read
    is their team. `active` is False for someone disabled or gone from the company."""

    external_id: str
    name: str
    department_ids: tuple[str, ...] = ()
    leads: frozenset[str] = frozenset()  # departments they lead: they manage that team
    active: bool = True


@dataclass(frozen=True)
class Defaults:
    """What a new team and a new person get (admin rights are never written: they come from the setting)."""

    tz: str
    currency: str
    lang: str

    @classmethod
    def from_settings(cls, settings) -> Defaults:
        return cls(settings.tz, settings.currency, settings.lang)


@dataclass
class SyncReport:
    """How many teams and people each step touched (keys as in SUMMARY)."""

    counts: Counter = field(default_factory=Counter)

    def add(self, what: str) -> None:
        self.counts[what] += 1

    @property
    def changed(self) -> bool:
        return any(self.counts[key] for key in SUMMARY if key != "people_unchanged")


SUMMARY = ("teams_created", "teams_linked", "teams_renamed", "people_created", "people_updated",
           "people_unchanged", "people_left")


def sync(platform: str, departments: Iterable[Department], members: Iterable[Member], *, defaults: Defaults,
         now: datetime, session: Session, complete: bool = False) -> SyncReport:
    """Teams for the departments that are some active member's home, then every member.

    `complete` says the members are the whole company: then a person with an account on this platform who
    is no longer listed has left and is taken off their team (DingTalk lists only current staff; WeCom
    marks leavers instead, and an app may see only part of its directory)."""
    report = SyncReport()
    departments = list(departments)
    members = sorted(members, key=lambda m: m.external_id)
    by_id = {d.external_id: d for d in departments}
    home = {m.external_id: next((d for d in m.department_ids if d in by_id), None) for m in members}
    wanted_ids = {home[m.external_id] for m in members if m.active and home[m.external_id] is not None}
    wanted = [d for d in departments if d.external_id in wanted_ids]
    names = team_names(wanted, by_id)
    teams = {d.external_id: _team(platform, d.external_id, names[d.external_id], defaults, now, session, report)
             for d in wanted}
    for member in members:
        _person(platform, member, home[member.external_id], teams, defaults, now, session, report)
    if complete:
        _gone(platform, {m.external_id for m in members}, now, session, report)
    return report


def team_names(departments: list[Department], by_id: dict[str, Department]) -> dict[str, str]:
    """Each department's name; where two share one, the parent's name goes in front."""
    plain = {d.external_id: (d.name or d.external_id).strip() for d in departments}
    seen = Counter(plain.values())
    names = {}
    for dept_id, name in plain.items():
        if seen[name] > 1:
            parent_id = by_id[dept_id].parent_id
            parent = by_id.get(parent_id) if parent_id is not None else None
            name = f"{parent.name if parent else parent_id}/{name}"
        names[dept_id] = name[:80]
    return names


def linked_team_id(platform: str, dept_id: str, *, session: Session) -> int | None:
    link = session.get(DirectoryLink, (platform, DEPARTMENT, dept_id))
    return link.local_id if link else None


def _linked_elsewhere(platform: str, team: Team, session: Session) -> bool:
    return session.exec(select(DirectoryLink).where(
        DirectoryLink.platform == platform, DirectoryLink.kind == DEPARTMENT,
        DirectoryLink.local_id == team.id)).first() is not None


def _team(platform: str, dept_id: str, name: str, defaults: Defaults, now: datetime, session: Session,
          report: SyncReport) -> Team:
    link = session.get(DirectoryLink, (platform, DEPARTMENT, dept_id))
    team = session.get(Team, link.local_id) if link else None
    if team is not None:
        if team.name != name and org.team_by_name(name, session=session) is None:
            team.name = name  # the department was renamed on the platform
            session.add(team)
            report.add("teams_renamed")
        return team
    # Not linked yet: adopt a same-named team (made in chat before the first sync) unless another
    # department of this platform holds it; then the department's id tells the two apart.
    team = org.team_by_name(name, session=session)
    if team is not None and _linked_elsewhere(platform, team, session):
        name = f"{name[:60]} ({dept_id})"
        team = org.team_by_name(name, session=session)
        if team is not None and _linked_elsewhere(platform, team, session):
            team = None
            name = f"{name[:50]} ({platform})"
    if team is None:
        team = org.create_team(name, tz=defaults.tz, currency=defaults.currency, lang=defaults.lang, now=now,
                               session=session)
        report.add("teams_created")
    else:
        report.add("teams_linked")
    if link is None:
        link = DirectoryLink(platform=platform, kind=DEPARTMENT, external_id=dept_id, local_id=team.id)
    link.local_id = team.id
    session.add(link)
    session.flush()
    return team


def _person(platform: str, member: Member, home: str | None, teams: dict[str, Team], defaults: Defaults,
            now: datetime, session: Session, report: SyncReport) -> None:
    person = org.find_account(platform, member.external_id, session=session)
    if not member.active:
        _leave(platform, person, now, session, report)
        return
    name = (member.name or member.external_id).strip()[:80]
    created = person is None
    if created:
        person = org.register(platform, member.external_id, name, lang=defaults.lang, role=Role.REP, now=now,
                              session=session)
    team = teams.get(home) if home is not None else None
    by = Actor(None, f"sync:{platform}")
    changed = person.name != name
    if changed:
        person.name = name
        session.add(person)
    if team is not None:
        changed = org.move_person(person, team, actor=by, now=now, session=session) or changed
        if person.role == Role.REP and home in member.leads:  # never the other way: roles set in chat stay
            changed = roles.set_role(person, Role.MANAGER, actor=by, now=now, session=session) or changed
    report.add("people_created" if created else "people_updated" if changed else "people_unchanged")


def _leave(platform: str, person: Person | None, now: datetime, session: Session, report: SyncReport) -> None:
    if person is not None and org.move_person(person, None, actor=Actor(None, f"sync:{platform}"), now=now,
                                              session=session):
        report.add("people_left")


def _gone(platform: str, listed: set[str], now: datetime, session: Session, report: SyncReport) -> None:
    rows = session.exec(select(Account.account_id, Person).join(Person, Person.id == Account.person_id).where(
        Account.platform == platform, Person.team_id.is_not(None))).all()
    for account_id, person in rows:
        if account_id not in listed:
            _leave(platform, person, now, session, report)
