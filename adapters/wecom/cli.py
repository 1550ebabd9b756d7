"""`pacebot sync wecom`: read the WeCom directory into teams and people."""

from __future__ import annotations

import argparse
import sys


def _sync_platforms(sub) -> argparse._SubParsersAction:
    """The `sync` command's platform choices, shared with other platforms' directory syncs."""
    sync = sub.choices.get("sync")
    if sync is None:
        sync = sub.add_parser("sync", help="read a platform's directory into teams and people")
        sync.add_subparsers(dest="platform", required=True, metavar="PLATFORM")
    return next(a for a in sync._actions if isinstance(a, argparse._SubParsersAction))


def add_commands(sub) -> None:
    p = _sync_platforms(sub).add_parser(
        "wecom", help="WeCom departments become teams, members people, department leaders managers")
    p.add_argument("--department", type=int, help="only this department id and those under it (default: all "
                   "the app can see)")
    p.set_defaults(func=cmd_sync_wecom)


def cmd_sync_wecom(args, settings) -> int:
    from adapters.wecom import build
    from adapters.wecom.directory import read_directory, sync_directory
    from bot.app import App
    from bot.config import SettingsError

    app = App(settings)
    app.db.upgrade()
    try:
        adapter = build(app)
    except SettingsError as exc:
        print(f"pacebot: {exc}", file=sys.stderr)
        return 2
    if adapter is None:
        print(app.i18n.t(settings.lang, "wecom.not_configured"), file=sys.stderr)
        return 2
    try:
        departments, users = read_directory(adapter.contacts, args.department)
    except Exception as exc:
        print(app.i18n.t(settings.lang, "wecom.sync_failed", text=str(exc)), file=sys.stderr)
        return 1
    report = sync_directory(app, departments, users)
    t = lambda key, n: app.i18n.t(settings.lang, f"wecom.sync.{key}", count=n)  # noqa: E731
    lines = [t("departments", len(departments)), t("members", len(users))]
    lines += [t(key, report.counts[key]) for key in SUMMARY]
    print("\n".join(lines))
    return 0


SUMMARY = ("teams_created", "teams_linked", "teams_renamed", "people_created", "people_updated",
           "people_unchanged", "people_left")
