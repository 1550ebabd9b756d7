"""A small console org for the form tests: a team with a manager and three reps, the weekly form
assigned, and a clock in the week's open window."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.services.forms import store
from bot.store.tables.sales import Role
from bot.services import org

SH = ZoneInfo("Asia/Shanghai")
SINCE = datetime(2026, 11, 1, tzinfo=SH)  # the forms were assigned at the start of November
FRIDAY_1730 = datetime(2026, 11, 27, 17, 30, tzinfo=SH)  # week 2026-W48's weekly form is open


@dataclass
class FormOrg:
    team_id: int
    manager_id: int
    reps: dict[str, int] = field(default_factory=dict)


def make_form_org(app, *, forms=("weekly",), lang="en", reps=("ann", "bob", "cai"), since=SINCE) -> FormOrg:
    now = app.clock()
    with app.db.session() as s:
        team = org.create_team("Sales", tz="Asia/Shanghai", currency="CNY", lang=lang, now=now, session=s)
        manager = org.register("console", "mia", "Mia", lang=lang, role=Role.MANAGER, now=now, session=s)
        manager.team_id = team.id
        result = FormOrg(team.id, 0)
        for name in reps:
            person = org.register("console", name, name.title(), lang=lang, role=Role.REP, now=now, session=s)
            person.team_id = team.id
        s.flush()
        result.manager_id = manager.id
        result.reps = {p.name.lower(): p.id for p in org.members(team.id, session=s) if p.role == Role.REP}
        for form in forms:
            store.assign(team.id, form, on=True, now=since, session=s)
    return result
