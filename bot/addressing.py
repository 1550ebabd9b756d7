"""Where a reply goes: concrete addresses on the platforms this process can send to. The outbox takes
`Addressing(db, senders).resolve` as its resolver."""

from __future__ import annotations

from collections.abc import Mapping

from bot.db import Database
from bot.delivery import Address, Sender
from bot.messages import Incoming, Reply, TargetKind
from bot.services import org


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
