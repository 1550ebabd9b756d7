"""`pacebot`: the command line. `pacebot start` is the one-command try-out."""

from __future__ import annotations

import argparse
import logging
import sys

from bot.config import Settings, SettingsError, load_settings


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        print(f"pacebot: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def _app(settings: Settings, *, upgrade: bool = True):
    from bot.app import App

    app = App(settings)
    if upgrade:
        app.db.upgrade()
    return app


def cmd_db(args, settings: Settings) -> int:
    from bot.db import Database

    db = Database(settings.database_url)
    if args.action == "upgrade":
        db.upgrade(args.revision)
        print(f"database {db.describe()} is at revision {db.current_revision()}")
    else:
        print(db.current_revision() or "(empty: run `pacebot db upgrade`)")
    return 0


def cmd_demo(args, settings: Settings) -> int:
    from bot.demo import load_demo

    app = _app(settings)
    summary = load_demo(app)
    print(summary)
    return 0


def cmd_chat(args, settings: Settings) -> int:
    from adapters.console.adapter import ConsoleAdapter

    app = _app(settings)
    ConsoleAdapter(app, args.user, name=args.name, channel=args.channel, lang=args.lang).run(sys.stdin)
    return 0


def cmd_start(args, settings: Settings) -> int:
    from adapters.console.adapter import ConsoleAdapter
    from bot.demo import DEMO_REP, DEMO_REP_EN, load_demo

    app = _app(settings)
    print(load_demo(app))
    user = args.user or (DEMO_REP_EN if args.lang == "en" else DEMO_REP)
    if sys.stdin.isatty():
        print(app.i18n.t(args.lang or settings.lang, "console.banner", user=user))
    ConsoleAdapter(app, user, lang=args.lang).run(sys.stdin)
    return 0


def cmd_serve(args, settings: Settings) -> int:
    from bot.scheduler import install as install_scheduler
    from bot.server import serve

    app = _app(settings)
    install_scheduler(app)  # the outbox's dispatcher and, in one process, the scheduler start with serve
    try:
        serve(app, args.host, args.port)
    except SettingsError as exc:  # a platform adapter's settings (SLACK_*, ...) are wrong
        print(f"pacebot: {exc}", file=sys.stderr)
        return 2
    return 0


# Feature modules that add their own subcommands: each has `add_commands(subparsers)`, whose parsers
# set `func(args, settings) -> int`.
EXTENSIONS: list[str] = ["adapters.wecom.cli", "adapters.dingtalk.cli", "bot.plan_cli", "bot.schedule_cli",
                         "bot.forms.cli"]


def sync_platforms(sub):
    """`pacebot sync <platform>`: the subparsers every platform with a directory adds itself to."""
    parser = sub.choices.get("sync")
    if parser is None:
        parser = sub.add_parser("sync", help="read a platform's directory into teams and people")
        parser.platforms = parser.add_subparsers(dest="platform", required=True, metavar="PLATFORM")
    return parser.platforms


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pacebot", description="Sales-team pace, targets and reviews in chat.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("start", help="set up the database, load the demo org and chat on the console")
    p.add_argument("--user", help="console account to chat as (default: a demo rep)")
    p.add_argument("--lang", choices=("zh", "en"))
    p.set_defaults(func=cmd_start)

    p = sub.add_parser("chat", help="talk to the bot on the console as one person")
    p.add_argument("--user", required=True, help="console account id, e.g. demo-rep-1")
    p.add_argument("--name", help="display name if this account is new")
    p.add_argument("--channel", help="speak in this group channel instead of a direct chat")
    p.add_argument("--lang", choices=("zh", "en"), help="language if this account is new")
    p.set_defaults(func=cmd_chat)

    p = sub.add_parser("serve", help="serve every configured platform over HTTP (and Socket Mode / Stream)")
    p.add_argument("--host", default="0.0.0.0")
    p.add_argument("--port", type=int, default=8080)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("demo", help="fill the database with a demo org (safe to run twice)")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("db", help="database schema")
    p.add_argument("action", choices=("upgrade", "current"))
    p.add_argument("revision", nargs="?", default="heads")
    p.set_defaults(func=cmd_db)

    import importlib

    for module in EXTENSIONS:
        importlib.import_module(module).add_commands(sub)

    args = parser.parse_args(argv)
    settings = _settings()
    logging.basicConfig(level=settings.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    return args.func(args, settings)


if __name__ == "__main__":
    raise SystemExit(main())
