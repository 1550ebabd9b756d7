"""Test stand-ins for scheduled delivery: a platform sender that records what it was given and can
answer like a platform under load (429 with Retry-After, 5xx), and a small org to send to."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime

from bot.delivery.addressing import Address
from bot.delivery.errors import SendError
from bot.chat.messages import Reply
from bot.store.tables.sales import Role
from bot.services import org


class RecordingSender:
    """A faithful sender: takes (address, reply), records it, or fails as the platform would."""

    def __init__(self, platform: str = "slack", clock=None):
        self.platform = platform
        self.clock = clock
        self.sent: list[tuple[Address, Reply, datetime | None]] = []
        self.failures: dict[str | None, list[SendError]] = {}  # per address id (None: any), in order
        self.lock = threading.Lock()

    def fail_next(self, *errors: SendError, to: str | None = None) -> None:
        self.failures.setdefault(to, []).extend(errors)

    def send(self, address: Address, reply: Reply, origin) -> None:
        with self.lock:
            for key in (address.id, None):
                if self.failures.get(key):
                    raise self.failures[key].pop(0)
            self.sent.append((address, reply, self.clock() if self.clock else None))

    @property
    def texts(self) -> list[str]:
        return [reply.text for _, reply, _ in self.sent]


@dataclass
class Org:
    team_id: int
    manager_id: int
    reps: dict[str, int] = field(default_factory=dict)


def make_org(app, *, reps=("Ann", "Bob", "Cai"), tz: str = "Asia/Shanghai", platform: str = "slack",
             lang: str = "en", team_name: str = "Sales", holidays: str | None = None) -> Org:
    now = app.clock()
    with app.db.session() as s:
        team = org.create_team(team_name, tz=tz, currency="CNY", lang=lang, now=now, session=s)
        team.holidays = holidays
        org.set_team_channel(team, platform, "C-SALES", "sales", session=s)
        manager = org.register(platform, "U-MGR", "Mia", lang=lang, role=Role.MANAGER, now=now, session=s)
        manager.team_id = team.id
        result = Org(team.id, manager.id)
        for i, name in enumerate(reps):
            person = org.register(platform, f"U-{name.upper()}", name, lang=lang, role=Role.REP, now=now, session=s)
            person.team_id = team.id
            result.reps[name] = person.id
            s.add(person)
        s.add(manager)
        s.add(team)
    return result
