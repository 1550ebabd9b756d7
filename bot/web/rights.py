"""Who may see what; every page asks here, on the server. Admin rights are read from PACEBOT_ADMINS at
each question (bot/services/roles), never from the person's stored role."""

from __future__ import annotations

from bot.services import roles
from bot.store.tables.sales import Person, Role


class Rights:
    def __init__(self, app):
        self.app = app

    def is_admin(self, person: Person) -> bool:
        with self.app.db.session() as session:
            return roles.is_admin(person, self.app.settings.admin_accounts, session=session)

    def can_see_team(self, person: Person, team_id: int, *, admin: bool | None = None) -> bool:
        """`admin`: already asked for this request (a list of every team asks once, not once a team)."""
        if person.role == Role.MANAGER and person.team_id == team_id:
            return True
        return self.is_admin(person) if admin is None else admin

    def can_see_rep(self, person: Person, rep: Person) -> bool:
        return person.id == rep.id or (rep.team_id is not None and self.can_see_team(person, rep.team_id))

    def can_see_board(self, person: Person, team_id: int) -> bool:
        """A team's members see their own board; managers of it and admins too."""
        return person.team_id == team_id or self.can_see_team(person, team_id)
