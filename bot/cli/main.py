"""`pacebot`: the command line. `pacebot start` is the one-command try-out."""

from __future__ import annotations

import argparse
import logging
import sys

from bot.cli import audit, forms, plan, schedule
from bot.core.config import Settings, SettingsError, load_settings
from bot.runtime.logs import configure_logging


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        print(f"pacebot: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def cmd_db(args, settings: Settings) -> int:
    from bot.store.db import Database

    db = Database(settings.database_url)
    if args.action == "upgrade":
        db.upgrade(args.revision)
        print(f"database {db.describe()} is at revision {db.current_revision()}")
    else:
        print(db.current_revision() or "(empty: run `pacebot db upgrade`)")
    return 0


def cmd_demo(args, settings: Settings) -> int:
    from bot.services.demo import load_demo

    app = args.wiring.app(settings)
    summary = load_demo(app)
    print(summary)
    return 0


def cmd_chat(args, settings: Settings) -> int:
    app = args.wiring.app(settings)
    args.wiring.console(app, args.user, name=args.name, channel=args.channel, lang=args.lang).run(sys.stdin)
    return 0


def cmd_start(args, settings: Settings) -> int:
    from bot.services.demo import DEMO_REP, DEMO_REP_EN, load_demo

    app = args.wiring.app(settings)
    print(load_demo(app))
    user = args.user or (DEMO_REP_EN if args.lang == "en" else DEMO_REP)
    if sys.stdin.isatty():
        print(app.i18n.t(args.lang or settings.lang, "console.banner", user=user))
    args.wiring.console(app, user, lang=args.lang).run(sys.stdin)
    return 0


def cmd_serve(args, settings: Settings) -> int:
    app = args.wiring.app(settings)
    try:
        args.wiring.serve(app, args.host, args.port)
    except SettingsError as exc:  # a platform adapter's settings (SLACK_*, ...) are wrong
        print(f"pacebot: {exc}", file=sys.stderr)
        return 2
    return 0


# Command groups that add their own subcommands: each has `add_commands(subparsers)`, whose parsers set
# `func(args, settings) -> int`. The platforms' groups come from the wiring (bot/app.py).
EXTENSIONS = (plan, schedule, forms, audit)


def sync_platforms(sub):
    """`pacebot sync <platform>`: the subparsers every platform with a directory adds itself to."""
    parser = sub.choices.get("sync")
    if parser is None:
        parser = sub.add_parser("sync", help="read a platform's directory into teams and people")
        parser.platforms = parser.add_subparsers(dest="platform", required=True, metavar="PLATFORM")
    return parser.platforms


def run(argv: list[str] | None, wiring) -> int:
    """Parse `argv` and run the command. `wiring` (bot/app.py) builds the App, its adapters and the console;
    commands reach it as `args.wiring`."""
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

    for module in (*EXTENSIONS, *wiring.cli_extensions()):
        module.add_commands(sub)

    args = parser.parse_args(argv)
    args.wiring = wiring
    settings = _settings()
    configure_logging(settings.log_level, wiring.log_secrets(settings), stream=sys.stderr)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    return args.func(args, settings)

