"""Where a message goes: a concrete address on one platform, what can send there (`Sender`), and the
resolver that turns a reply's target into addresses on the platforms this process can send to."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from bot.chat.messages import Incoming, Reply, TargetKind
from bot.services import org
from bot.store.db import Database


@dataclass(frozen=True)
class Address:
    """A concrete place on one platform: a channel, or a person's account when `is_direct`. A private
    message always has a direct address: whatever route the adapter takes, only that person sees it."""

    platform: str
    id: str  # channel id, or account id when `is_direct`
    is_direct: bool
    label: str | None = None  # channel name or person name, for the console and logs


class Sender(Protocol):
    """What an adapter offers the outbox. `send` never holds a message back: over a limit it raises
    `SendError(retry_after=...)`. A reply too big for one platform message goes as several; an error
    part-way carries `parts_sent`, and the outbox's retry passes `start_part` to go on from there.
    Optional: `rate_bucket(address, reply, origin) -> Bucket | None` (the limit this send counts against;
    the outbox's defaults otherwise) and `answers_privately(origin, reply) -> bool` (an answer in a
    channel that only its asker may see, e.g. a Slack slash command)."""

    platform: str

    def send(self, address: Address, reply: Reply, origin: Incoming | None, *, start_part: int = 0) -> None: ...


class Addressing:
    """Resolves targets (origin, person, team) over the database and a live mapping of senders."""

    def __init__(self, db: Database, senders: Mapping[str, Sender]):
        self.db, self.senders = db, senders

    def resolve(self, reply: Reply, origin: Incoming | None) -> list[Address]:
        target = reply.target
        if target.kind is TargetKind.ORIGIN:
            return self._origin(reply, origin)
        with self.db.session() as session:
            if target.kind is TargetKind.PERSON:
                accounts = org.accounts_of(target.id, session=session)
                person = session.get(org.Person, target.id)
                order = ([origin.platform] if origin else []) + sorted(self.senders)
                for platform in order:
                    if platform in accounts and platform in self.senders:
                        return [Address(platform, accounts[platform], True, person.name if person else None)]
                return []
            team = org.get_team(target.id, session=session)
            channels = org.team_channels(target.id, session=session)
            found = [Address(platform, ch.channel_id, False, ch.channel_name or ch.channel_id)
                     for platform, ch in channels.items() if platform in self.senders]
            if not found and "console" in self.senders and team is not None:
                # On the console a team without a channel still shows its announcements.
                found = [Address("console", f"team-{team.id}", False, team.name)]
            return found

    def _origin(self, reply: Reply, origin: Incoming | None) -> list[Address]:
        """Back where it was said; an answer only its asker may see (the sender says which) is addressed
        to the asker, so that no route can reach the channel."""
        if origin is None:
            return []
        private = getattr(self.senders.get(origin.platform), "answers_privately", None)
        if not origin.is_direct and private is not None and private(origin, reply):
            return [Address(origin.platform, origin.user_id, True, origin.user_name)]
        return [Address(origin.platform, origin.channel_id, origin.is_direct, origin.channel_name)]
