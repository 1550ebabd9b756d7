"""Wiring: settings, database, clock, templates and router in one object, plus where replies go on the
platforms this process can send to (the outbox sends them)."""

from __future__ import annotations

import logging

from bot.background import Background
from bot.clock import Clock, system_clock
from bot.delivery import Address, Sender, SendError  # noqa: F401  (Address, Sender: their old home)
from bot.limiter import Limiter
from bot.outbox import Outbox
from bot.config import Settings
from bot.db import Database
from bot.i18n import I18n
from bot.messages import Incoming, Reply, TargetKind
from bot.router import Router
from bot.services import org
from bot.web import install as install_dashboard

log = logging.getLogger(__name__)


class App:
    """The bot: `handle` turns a message into replies; `process` also delivers them."""

    def __init__(self, settings: Settings, *, db: Database | None = None, clock: Clock = system_clock,
                 i18n: I18n | None = None):
        self.settings = settings
        self.db = db or Database(settings.database_url)
        self.clock = clock
        self.i18n = i18n or I18n()
        self.router = Router(self)
        self.senders: dict[str, Sender] = {}
        self.background = Background()
        self.http_mounts: list = []  # callables(server) that mount extra HTTP routes (API, dashboard)
        self.on_serve: list = []  # callables run when `pacebot serve` starts (the scheduler)
        self.limiter = Limiter(self.db, clock)  # every platform's send rates, shared through the database
        # Every reply goes out through the database: answers, announcements, private messages.
        self.outbox = Outbox(self.db, clock, self.senders, self.addresses, limiter=self.limiter)
        from handlers import register_all

        register_all(self.router)
        from bot.api import install as install_api  # the ingest API on `pacebot serve` (/api/v1)

        install_api(self)
        install_dashboard(self)  # the web dashboard, mounted by `pacebot serve` under /board/ and /team/

    def handle(self, incoming: Incoming) -> list[Reply]:
        return self.router.handle(incoming)

    def add_sender(self, sender: Sender) -> None:
        self.senders[sender.platform] = sender

    def process(self, incoming: Incoming) -> list[Reply]:
        """Handle a message and deliver every reply; returns the replies for the caller's records."""
        replies = self.handle(incoming)
        self.deliver(replies, origin=incoming)
        return replies

    def deliver(self, replies: list[Reply], origin: Incoming | None = None) -> None:
        """Every reply through the outbox; those this call made are sent at once, in this thread."""
        self.outbox.deliver(replies, origin)

    def addresses(self, reply: Reply, origin: Incoming | None) -> list[Address]:
        """Where a reply goes, on the platforms this process can send to."""
        target = reply.target
        if target.kind is TargetKind.ORIGIN:
            if origin is None:
                return []
            sender = self.senders.get(origin.platform)
            private = getattr(sender, "answers_privately", None)
            if not origin.is_direct and private is not None and private(origin, reply):
                # Only the asker may see it: addressed to them, so no route can reach the channel.
                return [Address(origin.platform, origin.user_id, True, origin.user_name)]
            return [Address(origin.platform, origin.channel_id, origin.is_direct, origin.channel_name)]
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
