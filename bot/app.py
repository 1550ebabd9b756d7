"""Wiring: settings, database, clock, templates and router in one object, plus where replies go on the
platforms this process can send to (the outbox sends them)."""

from __future__ import annotations

import logging

from bot.addressing import Addressing
from bot.background import Background
from bot.clock import Clock, system_clock
from bot.delivery import Address, Sender, SendError  # noqa: F401  (Address, Sender: their old home)
from bot.limiter import Limiter
from bot.outbox import Outbox
from bot.config import Settings
from bot.db import Database
from bot.i18n import I18n
from bot.messages import Incoming, Reply
from bot.router import Router
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
        self.addressing = Addressing(self.db, self.senders)
        # Every reply goes out through the database: answers, announcements, private messages.
        self.outbox = Outbox(self.db, clock, self.senders, self.addressing.resolve, limiter=self.limiter)
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
