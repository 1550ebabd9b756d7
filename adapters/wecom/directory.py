"""`pacebot sync wecom`: WeCom's departments become teams and its members people, with their names,
teams and managers (department leaders), each linked to their WeCom userid. Running it again changes
only what changed in WeCom. It never demotes anyone and never deletes a person or a team."""

from __future__ import annotations

from typing import TYPE_CHECKING

from collections import Counter
from dataclasses import dataclass, field

from sqlmodel import Session, select

from bot.store.tables.sales import Role, Team
from bot.store.tables.wecom import WeComDepartment
from bot.services import org

if TYPE_CHECKING:
    from bot.app import App

PLATFORM = "wecom"
GONE = {2, 5}  # disabled, left the company


@dataclass
class SyncReport:
    counts: Counter = field(default_factory=Counter)

    def add(self, what: str) -> None:
        self.counts[what] += 1


def read_directory(client, root: int | None = None) -> tuple[list[dict], dict[str, dict]]:
    """Departments (`department/list`) and their direct members (`user/list` per department)."""
    departments = sorted(client.department.get(root), key=lambda d: int(d["id"]))
    users: dict[str, dict] = {}
    for dept in departments:
        for user in client.user.list(dept["id"], fetch_child=False, simple=False):
            users.setdefault(user["userid"], user)
    return departments, users


def sync_directory(app: App, departments: list[dict], users: dict[str, dict]) -> SyncReport:
    report = SyncReport()
    by_id = {int(d["id"]): d for d in departments}
    home = {userid: _home(user, by_id) for userid, user in users.items()}
    wanted = {dept for userid, dept in home.items() if dept is not None and users[userid].get("status") not in GONE}
    names = _team_names([by_id[d] for d in sorted(wanted)], by_id)
    with app.db.session() as session:
        teams = {dept: _team(app, session, dept, names[dept], report) for dept in sorted(wanted)}
        for userid in sorted(users):
            _person(app, session, users[userid], home[userid], teams, by_id, report)
    return report


def _home(user: dict, by_id: dict[int, dict]) -> int | None:
    """The member's main department, if it is one we read, else their first one we read."""
    depts = [int(d) for d in user.get("department") or []]
    main = user.get("main_department")
    if main is not None and int(main) in by_id:
        return int(main)
    return next((d for d in depts if d in by_id), None)


def _team_names(departments: list[dict], by_id: dict[int, dict]) -> dict[int, str]:
    """Each department's name; where two share one, the parent's name goes in front."""
    plain = {int(d["id"]): (d.get("name") or str(d["id"])).strip() for d in departments}
    seen = Counter(plain.values())
    names = {}
    for dept_id, name in plain.items():
        if seen[name] > 1:
            parent = by_id.get(int(by_id[dept_id].get("parentid") or 0))
            name = f"{(parent or {}).get('name') or by_id[dept_id].get('parentid')}/{name}"
        names[dept_id] = name[:80]
    return names


def _team(app: App, session: Session, dept_id: int, name: str, report: SyncReport) -> Team:
    link = session.get(WeComDepartment, dept_id)
    team = session.get(Team, link.team_id) if link else None
    if team is None:
        team = org.team_by_name(name, session=session)  # a team made by hand before the first sync
        if team is not None and session.exec(select(WeComDepartment).where(WeComDepartment.team_id == team.id)).first():
            name, team = f"{name[:70]} ({dept_id})", None  # that name is another department's team
        if team is None:
            settings = app.settings
            team = org.create_team(name, tz=settings.tz, currency=settings.currency, lang=settings.lang,
                                   now=app.clock(), session=session)
            report.add("teams_created")
        else:
            report.add("teams_linked")
        if link is None:
            link = WeComDepartment(dept_id=dept_id, team_id=team.id, name=name)
        link.team_id = team.id
        session.add(link)
    elif team.name != name and org.team_by_name(name, session=session) is None:
        team.name = name
        session.add(team)
        report.add("teams_renamed")
    if link.name != name:
        link.name = name
        session.add(link)
    session.flush()
    return team


def _person(app: App, session: Session, user: dict, home: int | None, teams: dict[int, Team],
            by_id: dict[int, dict], report: SyncReport) -> None:
    userid, name = user["userid"], (user.get("name") or user["userid"]).strip()[:80]
    person = org.find_account(PLATFORM, userid, session=session)
    if user.get("status") in GONE:
        if person is not None and person.team_id is not None:
            person.team_id = None
            session.add(person)
            report.add("people_left")
        return
    created = person is None
    if created:
        is_admin = (PLATFORM, userid) in app.settings.admin_accounts
        person = org.register(PLATFORM, userid, name, lang=app.settings.lang,
                              role=Role.ADMIN if is_admin else Role.REP, now=app.clock(), session=session)
    team = teams.get(home) if home is not None else None
    updates = {"name": name, "team_id": team.id if team else person.team_id}
    if team is not None and person.role == Role.REP and _leads(user, home, by_id):
        updates["role"] = Role.MANAGER
    changed = False
    for attr, value in updates.items():
        if getattr(person, attr) != value:
            setattr(person, attr, value)
            changed = True
    if changed:
        session.add(person)
    report.add("people_created" if created else "people_updated" if changed else "people_unchanged")


def _leads(user: dict, dept_id: int, by_id: dict[int, dict]) -> bool:
    """Leader of the department, by the member's `is_leader_in_dept` or the department's leaders."""
    depts = [int(d) for d in user.get("department") or []]
    flags = user.get("is_leader_in_dept") or []
    if dept_id in depts and depts.index(dept_id) < len(flags) and int(flags[depts.index(dept_id)]) == 1:
        return True
    return user["userid"] in (by_id.get(dept_id, {}).get("department_leader") or [])
