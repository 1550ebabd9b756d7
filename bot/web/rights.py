"""Who may see what; every page asks here, on the server."""

from __future__ import annotations

from bot.store.tables.sales import Person, Role


def can_see_team(person: Person, team_id: int) -> bool:
    if person.role == Role.ADMIN:
        return True
    return person.role == Role.MANAGER and person.team_id == team_id


def can_see_rep(person: Person, rep: Person) -> bool:
    return person.id == rep.id or (rep.team_id is not None and can_see_team(person, rep.team_id))


def can_see_board(person: Person, team_id: int) -> bool:
    """A team's members see their own board; managers of it and admins too."""
    return person.team_id == team_id or can_see_team(person, team_id)
