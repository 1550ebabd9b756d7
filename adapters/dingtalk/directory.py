"""`pacebot sync dingtalk`: DingTalk's departments become teams, their members people (department
leaders become managers), each linked by staff id (userid). Running it twice changes nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from collections import deque
from dataclasses import dataclass

from sqlmodel import Session, select

from adapters.dingtalk.api import DingTalkApi
from bot.store.tables.sales import Person, Role, Team
from bot.store.tables.dingtalk import DingTalkDepartment
from bot.services import org

if TYPE_CHECKING:
    from bot.app import App

PLATFORM = "dingtalk"
ROOT_DEPT = 1  # the company itself


@dataclass
class SyncResult:
    teams_created: int = 0
    teams_updated: int = 0
    people_created: int = 0
    people_updated: int = 0

    @property
    def changed(self) -> bool:
        return any((self.teams_created, self.teams_updated, self.people_created, self.people_updated))


def departments(api: DingTalkApi, root: int = ROOT_DEPT) -> list[dict]:
    """Every department under `root`, parents before children (POST /topapi/v2/department/listsub)."""
    found, todo = [], deque([root])
    while todo:
        data = api.oapi("/topapi/v2/department/listsub", {"dept_id": todo.popleft()})
        for dept in sorted(data.get("result") or [], key=lambda d: d["dept_id"]):
            found.append(dept)
            todo.append(dept["dept_id"])
    return found


def users(api: DingTalkApi, dept_id: int) -> list[dict]:
    """A department's own members, page by page (POST /topapi/v2/user/list)."""
    found, cursor = [], 0
    while True:
        data = api.oapi("/topapi/v2/user/list", {"dept_id": dept_id, "cursor": cursor, "size": 100})
        result = data.get("result") or {}
        found.extend(result.get("list") or [])
        if not result.get("has_more"):
            return found
        cursor = result["next_cursor"]


def sync(app: App, api: DingTalkApi, root: int = ROOT_DEPT) -> SyncResult:
    """Departments with members become teams; a person in several departments joins the first one."""
    result, seen = SyncResult(), set()
    for dept in departments(api, root):
        members = users(api, dept["dept_id"])
        if not members:
            continue
        with app.db.session() as session:
            team = _team_for(app, dept, result, session)
            for user in members:
                if user["userid"] in seen:
                    continue
                seen.add(user["userid"])
                _person_for(app, user, team, result, session)
    return result


def _team_for(app: App, dept: dict, result: SyncResult, session: Session) -> Team:
    dept_id, name = dept["dept_id"], str(dept["name"]).strip()[:80]
    link = session.get(DingTalkDepartment, dept_id)
    team = session.get(Team, link.team_id) if link else None
    if team is not None:
        if team.name != name and org.team_by_name(name, session=session) is None:
            team.name = name  # the department was renamed in DingTalk
            session.add(team)
            result.teams_updated += 1
        return team
    # Not linked yet: adopt a same-named team (made in chat) unless another department holds it.
    team = org.team_by_name(name, session=session)
    if team is not None and session.exec(
            select(DingTalkDepartment).where(DingTalkDepartment.team_id == team.id)).first() is not None:
        name = f"{name[:60]} ({dept_id})"
        team = org.team_by_name(name, session=session)
    if team is None:
        settings = app.settings
        team = org.create_team(name, tz=settings.tz, currency=settings.currency, lang=settings.lang,
                               now=app.clock(), session=session)
        result.teams_created += 1
    if link is None:
        link = DingTalkDepartment(dept_id=dept_id, team_id=team.id)
    link.team_id = team.id
    session.add(link)
    session.flush()
    return team


def _person_for(app: App, user: dict, team: Team, result: SyncResult, session: Session) -> Person:
    name = str(user.get("name") or user["userid"])[:80]
    role = Role.MANAGER if user.get("leader") else Role.REP
    person = org.find_account(PLATFORM, user["userid"], session=session)
    if person is None:
        person = org.register(PLATFORM, user["userid"], name, lang=app.settings.lang, role=role,
                              now=app.clock(), session=session)
        person.team_id = team.id
        session.add(person)
        result.people_created += 1
        return person
    changed = False
    if person.name != name:
        person.name, changed = name, True
    if person.team_id != team.id:
        person.team_id, changed = team.id, True
    if role is Role.MANAGER and person.role is Role.REP:  # never demotes: roles set in chat stay
        person.role, changed = Role.MANAGER, True
    if changed:
        session.add(person)
        result.people_updated += 1
    return person
