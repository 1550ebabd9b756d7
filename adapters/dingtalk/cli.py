"""`pacebot sync dingtalk` (directory sync) and `pacebot dingtalk webhook` (a team's custom group robot)."""

from __future__ import annotations

import sys

from bot.core.config import Settings, build_settings


def add_commands(sub) -> None:
    from bot.cli.main import sync_platforms

    sync = sync_platforms(sub)
    p = sync.add_parser("dingtalk", help="DingTalk departments → teams, members → people (leaders: managers)")
    p.add_argument("--root", type=int, default=1, help="sync the departments under this dept_id (default 1: all)")
    p.set_defaults(func=cmd_sync)

    p = sub.add_parser("dingtalk", help="DingTalk set-up")
    actions = p.add_subparsers(dest="dingtalk_action", required=True)
    w = actions.add_parser("webhook", help="send a team's announcements through a custom group robot (加签)")
    w.add_argument("team", help="the team's name")
    w.add_argument("url", nargs="?", help="the robot's webhook, https://oapi.dingtalk.com/robot/send?access_token=…")
    w.add_argument("secret", nargs="?", help="its signing secret (加签), SEC…")
    w.add_argument("--remove", action="store_true", help="stop using the custom robot")
    w.set_defaults(func=cmd_webhook)


def _adapter_settings():
    from adapters.dingtalk.config import DingTalkSettings

    settings = build_settings(DingTalkSettings, "bad DingTalk settings")
    if not settings.configured:
        print("pacebot: set DINGTALK_APP_KEY and DINGTALK_APP_SECRET first (see .env.example)", file=sys.stderr)
        raise SystemExit(2)
    return settings


def cmd_sync(args, settings: Settings) -> int:
    from adapters.dingtalk.api import DingTalkApi
    from adapters.dingtalk.directory import PLATFORM, ROOT_DEPT, read_directory
    from bot.delivery.errors import SendError
    from bot.services import directory

    app = args.wiring.app(settings)
    try:
        departments, members = read_directory(DingTalkApi(_adapter_settings(), app.db, app.clock), root=args.root)
    except SendError as exc:
        print(app.i18n.t(settings.lang, "dingtalk.sync_failed", text=str(exc)), file=sys.stderr)
        return 1
    with app.db.session() as session:
        # DingTalk lists only current staff: from the company's root, someone not listed has left.
        report = directory.sync(PLATFORM, departments, members, defaults=directory.Defaults.from_settings(settings),
                                now=app.clock(), session=session, complete=args.root == ROOT_DEPT)
    print(summary(app, settings.lang, report))
    return 0


SUMMARY = ("teams_created", "teams_linked", "teams_renamed", "people_created", "people_updated", "people_left")


def summary(app, lang: str, report) -> str:
    t = app.i18n.t
    parts = [t(lang, f"dingtalk.{name}", count=report.counts[name]) for name in SUMMARY if report.counts[name]]
    return t(lang, "dingtalk.sync_done",
             text=t(lang, "dingtalk.separator").join(parts) or t(lang, "dingtalk.nothing_changed"))


def cmd_webhook(args, settings: Settings) -> int:
    from adapters.dingtalk.webhooks import remove_webhook, set_webhook
    from bot.core.errors import UserError

    app = args.wiring.app(settings)
    try:
        with app.db.session() as session:
            if args.remove:
                remove_webhook(args.team, session=session)
                key = "dingtalk.webhook_removed"
            else:
                set_webhook(args.team, args.url or "", args.secret or "", session=session)
                key = "dingtalk.webhook_set"
    except UserError as exc:
        print(app.i18n.t(settings.lang, f"error.{exc.code}", **exc.params), file=sys.stderr)
        return 2
    print(app.i18n.t(settings.lang, key, team=args.team))
    return 0
