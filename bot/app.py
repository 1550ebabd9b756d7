"""The composition root: the only module that names the handlers and the platform adapters.

`App` holds settings, database, clock, strings and router, and hands replies to the outbox for whichever
platforms this process can send to; `build_app`, `build_adapters` and `build_console` put the pieces
together, and `main` is the `pacebot` command."""

from __future__ import annotations

import logging

from bot.delivery.addressing import Addressing
from bot.runtime.background import Background
from bot.core.clock import Clock, system_clock
from bot.delivery.addressing import Address, Sender
from bot.delivery.errors import SendError
from bot.delivery.limiter import Limiter
from bot.delivery.outbox import Outbox
from bot.core.config import Settings
from bot.store.db import Database
from bot.chat.i18n import I18n
from bot.chat.messages import Incoming, Reply
from bot.chat.router import Router
from bot.runtime.inbox import Inbox
from bot.chat.tasks import Deliver, HandleMessage, TaskHandlers
from bot.web import install as install_dashboard
from bot.web.fame import HallOfFame, champion_entries

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
        # Work after an acknowledgement: typed tasks, recorded in the inbox before the ack (bot.runtime.inbox).
        self.inbox = Inbox(self.db, clock, lease=settings.inbox_lease)
        self.tasks = default_task_handlers(self)
        self.background = Background(self.inbox, self.tasks)
        self.http_mounts: list = []  # callables(server) that mount extra HTTP routes (API, dashboard)
        self.on_serve: list = []  # callables run when `pacebot serve` starts (the scheduler)
        self.limiter = Limiter(self.db, clock)  # every platform's send rates, shared through the database
        self.addressing = Addressing(self.db, self.senders)
        # Every reply goes out through the database: answers, announcements, private messages.
        self.outbox = Outbox(self.db, clock, self.senders, self.addressing.resolve, limiter=self.limiter)
        from handlers import register_all

        register_all(self.router)
        from bot.api.ingest import install as install_api  # the ingest API on `pacebot serve` (/api/v1)

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
        """Every reply through the outbox; those this call made are sent at once, in this thread."""
        self.outbox.deliver(replies, origin)


def default_task_handlers(app: App) -> TaskHandlers:
    """What a task does unless a platform's adapter registers its own way (bot.chat.tasks)."""
    handlers = TaskHandlers()
    handlers.register(HandleMessage, lambda task: app.process(task.incoming))
    handlers.register(Deliver, lambda task: app.deliver(task.replies))

    def answered(task) -> None:  # the router may forget the replies it kept for a re-run
        incoming = getattr(task, "incoming", None)
        if incoming is not None:
            app.router.answered(incoming)

    handlers.after.append(answered)
    return handlers


# The platform adapters `pacebot serve` can run; each package offers `build(app) -> adapter | None` (None when
# its settings are absent).
PLATFORMS = {
    "slack": "adapters.slack",
    "wecom": "adapters.wecom",
    "dingtalk": "adapters.dingtalk",
}
CLI_EXTENSIONS = ("adapters.wecom.cli", "adapters.dingtalk.cli")  # platforms' own `pacebot` commands
FORM_CHECKS = ("adapters.slack.form_modal",)  # `modal_problems(form)`: what a platform cannot show of a form
# Settings that hold secrets, (module, class): their values are masked in every log line (bot.runtime.logs).
SECRET_SETTINGS = (
    ("bot.core.websettings", "WebSettings"),
    ("bot.schedule.settings", "ScheduleSettings"),
    ("adapters.slack.settings", "SlackSettings"),
    ("adapters.wecom.settings", "WeComSettings"),
    ("adapters.dingtalk.config", "DingTalkSettings"),
)


def build_app(settings: Settings, *, upgrade: bool = True, senders: bool = False, console: bool = False) -> App:
    """The App for a command: schema upgraded, and optionally every configured platform (and the console) as
    senders, for commands that deliver (`pacebot job run`, `pacebot outbox resend`)."""
    app = App(settings)
    if upgrade:
        app.db.upgrade()
    if senders:
        import importlib.util

        build_adapters(app, [name for name, module in PLATFORMS.items() if importlib.util.find_spec(module)])
    if console:
        build_console(app, "scheduler")
    return app


def build_adapters(app: App, platforms=None) -> list:
    """Every configured platform adapter, each added to the app as a sender."""
    import importlib

    adapters = []
    for name in PLATFORMS if platforms is None else platforms:
        adapter = importlib.import_module(PLATFORMS[name]).build(app)
        if adapter is not None:
            app.add_sender(adapter)
            adapters.append(adapter)
            if name == "wecom" and "wecomgroup" not in app.router.commands:
                # 企微群 needs WeCom's group chats, so it exists only where WeCom is configured.
                from adapters.wecom.groupchats import WeComGroupChats
                from handlers import wecom_group

                wecom_group.register(app.router, WeComGroupChats(adapter))
    return adapters


def build_server(app: App, platforms=None):
    """The HTTP front `pacebot serve` runs, with the configured adapters: (server, adapters)."""
    from bot.runtime import server

    adapters = build_adapters(app, platforms)
    return server.build_server(app, adapters), adapters


def build_console(app: App, user: str, **kw):
    """The console adapter (it registers itself as the app's console sender)."""
    from adapters.console.adapter import ConsoleAdapter

    return ConsoleAdapter(app, user, **kw)


def serve(app: App, host: str, port: int) -> None:
    """`pacebot serve`: every configured platform behind one HTTP server; the outbox's dispatcher and (in one
    process of a deployment) the scheduler start with it."""
    from bot.runtime import server
    from bot.schedule.scheduler import install as install_scheduler

    install_scheduler(app)
    server.serve(app, host, port, adapters=build_adapters(app), build_worker=build_worker_app)


def log_secrets(settings: Settings) -> list[str]:
    """Every secret value of the loaded settings (core, dashboard, platforms), for the log filter."""
    import importlib
    import importlib.util

    from bot.runtime.logs import secret_values

    loaded = [settings]
    for module, name in SECRET_SETTINGS:
        if importlib.util.find_spec(module) is None:
            continue
        try:
            loaded.append(getattr(importlib.import_module(module), name)())
        except Exception:  # bad settings: the command that needs them reports them; nothing to mask yet
            log.debug("could not read %s for the log filter", name)
    return secret_values(*loaded)


def build_worker_app(settings: Settings) -> App:
    """A worker process's App: the same adapters as the serving process, to run tasks and send."""
    app = App(settings)
    build_adapters(app)
    return app


class Wiring:
    """What the command line asks of the composition root (`args.wiring` in a command)."""

    app = staticmethod(build_app)
    console = staticmethod(build_console)
    adapters = staticmethod(build_adapters)
    serve = staticmethod(serve)
    log_secrets = staticmethod(log_secrets)

    @staticmethod
    def cli_extensions():
        import importlib

        return [importlib.import_module(name) for name in CLI_EXTENSIONS]

    @staticmethod
    def form_checks():
        """Each platform's check of a review form against what it can show (`pacebot forms check`)."""
        import importlib

        return [importlib.import_module(name).modal_problems for name in FORM_CHECKS]


def main(argv: list[str] | None = None) -> int:
    """The `pacebot` command."""
    from bot.cli.main import run

    return run(argv, Wiring)
