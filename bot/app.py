"""Wiring: settings, database, clock, templates and router in one object, plus delivery of replies
to whichever platforms this process can send to."""

from __future__ import annotations

import logging
from datetime import timedelta
from dataclasses import dataclass
from typing import Protocol

from bot.background import Background
from bot.clock import Clock, system_clock
from bot.delivery import SendError
from bot.config import Settings
from bot.db import Database
from bot.i18n import I18n
from bot.messages import Incoming, Reply, TargetKind
from bot.router import Router
from bot.services import org
from bot.web import install as install_dashboard
from bot.web.fame import HallOfFame, champion_entries

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Address:
    """A concrete place on one platform: a channel or a person's account."""

    platform: str
    id: str  # channel id, or account id when `is_direct`
    is_direct: bool
    label: str | None = None  # channel name or person name, for the console and logs


class Sender(Protocol):
    """What an adapter offers for replies it did not answer inline."""

    platform: str

    def send(self, address: Address, reply: Reply, origin: Incoming | None) -> None: ...


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
        from bot.outbox import Outbox

        self.outbox = Outbox(self)  # announcements and private messages go out through the database
        from handlers import register_all

        register_all(self.router)
        from bot.api import install as install_api  # the ingest API on `pacebot serve` (/api/v1)

        install_api(self)
        # The web dashboard, mounted by `pacebot serve` under /board/ and /team/, its team page showing the
        # monthly champions the scheduled messages record.
        install_dashboard(self, fame=HallOfFame([champion_entries]))

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
        """Answers go straight back where the person spoke; everything else through the outbox, once."""
        queued = [r for r in replies if r.target.kind is not TargetKind.ORIGIN]
        for reply in replies:
            if reply.target.kind is not TargetKind.ORIGIN:
                continue
            for address in self.addresses(reply, origin):
                sender = self.senders.get(address.platform)
                if sender is None:
                    log.warning("no sender for %s; dropped a %s reply", address.platform, reply.kind)
                    continue
                try:
                    sender.send(address, reply, origin)
                except SendError as exc:
                    if exc.permanent:
                        log.warning("%s refused a reply to %s for good: %s", address.platform, address.id, exc)
                        continue
                    # A 429 or 5xx delays an answer, never drops it: the outbox sends it to the same
                    # place once the platform lets us (without the origin's one-time reply channel).
                    wait = timedelta(seconds=exc.retry_after or 5)
                    self.outbox.post([reply], origin, not_before=self.clock() + wait)
                    log.info("%s said later (%s); the answer waits in the outbox", address.platform, exc)
                except Exception:
                    log.exception("sending to %s %s failed", address.platform, address.id)
        if queued:
            self.outbox.post(queued, origin)
            self.outbox.dispatch()

    def addresses(self, reply: Reply, origin: Incoming | None) -> list[Address]:
        """Where a reply goes, on the platforms this process can send to."""
        target = reply.target
        if target.kind is TargetKind.ORIGIN:
            if origin is None:
                return []
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
