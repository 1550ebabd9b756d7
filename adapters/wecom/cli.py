"""`pacebot sync wecom` (the WeCom directory into teams and people) and `pacebot wecom-menu`."""

from __future__ import annotations

import sys


def add_commands(sub) -> None:
    from bot.cli.main import sync_platforms

    p = sync_platforms(sub).add_parser(
        "wecom", help="WeCom departments become teams, members people, department leaders managers")
    p.add_argument("--department", type=int, help="only this department id and those under it (default: all "
                   "the app can see)")
    p.set_defaults(func=cmd_sync_wecom)
    p = sub.add_parser("wecom-menu", help="give the WeCom app its menu: my score, log today, leaderboard")
    p.set_defaults(func=cmd_wecom_menu)


def _adapter(args, settings):
    """The app and the WeCom adapter, or an exit code after saying what is wrong."""
    from adapters.wecom import build
    from bot.core.config import SettingsError

    app = args.wiring.app(settings)
    try:
        adapter = build(app)
    except SettingsError as exc:
        print(f"pacebot: {exc}", file=sys.stderr)
        return app, 2
    if adapter is None:
        print(app.i18n.t(settings.lang, "wecom.not_configured"), file=sys.stderr)
        return app, 2
    return app, adapter


def cmd_wecom_menu(args, settings) -> int:
    app, adapter = _adapter(args, settings)
    if isinstance(adapter, int):
        return adapter
    t = lambda key: app.i18n.t(settings.lang, key)  # noqa: E731
    # Click items: their keys come back as `click` events, which the adapter reads as these commands.
    buttons = [{"type": "click", "name": t(f"button.{key}"), "key": key} for key in ("me", "log", "top")]
    try:
        adapter.client.menu.create(adapter.settings.agent_id, {"button": buttons})
    except Exception as exc:
        print(app.i18n.t(settings.lang, "wecom.sync_failed", text=str(exc)), file=sys.stderr)
        return 1
    print(" | ".join(b["name"] for b in buttons))
    return 0


def cmd_sync_wecom(args, settings) -> int:
    from adapters.wecom.directory import PLATFORM, read_directory, to_records
    from bot.services import directory

    app, adapter = _adapter(args, settings)
    if isinstance(adapter, int):
        return adapter
    try:
        departments, users = read_directory(adapter.contacts, args.department)
    except Exception as exc:
        print(app.i18n.t(settings.lang, "wecom.sync_failed", text=str(exc)), file=sys.stderr)
        return 1
    with app.db.session() as session:
        report = directory.sync(PLATFORM, *to_records(departments, users),
                                defaults=directory.Defaults.from_settings(settings), now=app.clock(),
                                session=session)
    t = lambda key, n: app.i18n.t(settings.lang, f"wecom.sync.{key}", count=n)  # noqa: E731
    lines = [t("departments", len(departments)), t("members", len(users))]
    lines += [t(key, report.counts[key]) for key in directory.SUMMARY]
    print("\n".join(lines))
    return 0
