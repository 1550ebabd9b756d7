"""Who counts and who may do what.

A person's own role is stored: a rep, or a manager, who may also sell. Admin rights are not a role: they
come from PACEBOT_ADMINS each time they are asked for, so taking someone off the setting takes the rights
away and leaves them the role they had. Who competes (is ranked, counted, nudged, asked for forms and
split targets) has one definition here, used by every board, scorecard, digest and job.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import or_
from sqlmodel import Session, select

from bot.services import audit
from bot.services.audit import Actor
from bot.store.tables.sales import Account, Person, Role

# SQL form of `competes`, for queries that rank or count people.
COMPETES = or_(Person.role == Role.REP.value, Person.sells.is_(True))


def competes(person: Person) -> bool:
    """Reps, and managers who sell."""
    return person.role == Role.REP or bool(person.sells)


def is_admin(person: Person, admins: Iterable[tuple[str, str]], *, session: Session) -> bool:
    admins = frozenset(admins)
    if not admins or person.id is None:
        return False
    accounts = session.exec(select(Account.platform, Account.account_id).where(Account.person_id == person.id)).all()
    return any((platform, account) in admins for platform, account in accounts)


def set_role(person: Person, role: Role, *, sells: bool = False, actor: Actor, now: datetime,
             session: Session) -> bool:
    """A manager (`sells`: who also sells), or a rep again; kept in the audit trail. False if nothing changed."""
    sells = bool(sells) and role == Role.MANAGER
    before = {"role": person.role.value, "sells": bool(person.sells)}
    after = {"role": role.value, "sells": sells}
    if before == after:
        return False
    person.role, person.sells = role, sells
    session.add(person)
    audit.record(session, actor=actor, action="role.set", subject=audit.person_subject(person), before=before,
                 after=after, now=now)
    return True
