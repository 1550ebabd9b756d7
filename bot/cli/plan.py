"""`pacebot import`, `pacebot export` and `pacebot apikey` (a `pacebot` command group)."""

from __future__ import annotations

import sys
from pathlib import Path

from bot.services.exporting import export_file
from bot.services.audit import CLI
from bot.services.importing import COLUMNS, KINDS, FileError, import_file


def add_commands(sub) -> None:
    columns = "; ".join(f"{k}: {', '.join(c)}" for k, c in COLUMNS.items())
    p = sub.add_parser("import", help="import people, targets, activity or deals from a .csv or .xlsx file",
                       description=f"Columns (header row first) — {columns}. Nothing is stored unless every "
                                   "row is good; importing the same file again changes nothing.")
    p.add_argument("kind", choices=KINDS)
    p.add_argument("file", type=Path)
    p.add_argument("--dry-run", action="store_true", help="check every row and report; store nothing")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("export", help="export people, targets, activity or deals to a .csv or .xlsx file")
    p.add_argument("kind", choices=KINDS)
    p.add_argument("file", type=Path)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("apikey", help="API keys for the ingest API (/api/v1)")
    p.add_argument("action", choices=("create", "list", "revoke"))
    p.add_argument("name", nargs="?", help="the integration's name, e.g. telephony or crm")
    p.set_defaults(func=cmd_apikey)


def cmd_import(args, settings) -> int:
    app = args.wiring.app(settings)
    try:
        report = import_file(app, args.kind, args.file, actor=CLI, dry_run=args.dry_run)
    except FileError as exc:
        print(f"pacebot: {exc}", file=sys.stderr)
        return 2
    for error in report.errors:
        print(error)
    print(("dry run: " if args.dry_run else "") + report.summary(args.dry_run))
    return 1 if report.errors else 0


def cmd_export(args, settings) -> int:
    app = args.wiring.app(settings)
    try:
        count = export_file(app, args.kind, args.file)
    except FileError as exc:
        print(f"pacebot: {exc}", file=sys.stderr)
        return 2
    print(f"{count} {args.kind} row(s) written to {args.file}")
    return 0


def cmd_apikey(args, settings) -> int:
    from bot.services import apikeys

    app = args.wiring.app(settings)
    if args.action != "list" and not args.name:
        print(f"pacebot: apikey {args.action} needs a NAME", file=sys.stderr)
        return 2
    try:
        with app.db.session() as session:
            if args.action == "create":
                _, key = apikeys.create(args.name, actor=CLI, now=app.clock(), session=session)
                print(f"API key for {args.name} (shown once; store it in the integration now):\n{key}")
            elif args.action == "revoke":
                apikeys.revoke(args.name, actor=CLI, now=app.clock(), session=session)
                print(f"revoked the key {args.name}")
            else:
                rows = apikeys.list_keys(session=session)
                for row in rows:
                    state = f"revoked {row.revoked_at:%Y-%m-%d}" if row.revoked_at else "active"
                    used = f"last used {row.last_used_at:%Y-%m-%d %H:%M}" if row.last_used_at else "never used"
                    print(f"{row.name}\t{row.prefix}…\t{state}\t{used}")
                if not rows:
                    print("no API keys yet: pacebot apikey create NAME")
    except apikeys.ApiKeyError as exc:
        print(f"pacebot: {exc}", file=sys.stderr)
        return 2
    return 0
