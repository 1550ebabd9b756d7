"""`pacebot audit`: who changed what and when, newest first."""

from __future__ import annotations

import sys

from bot.core.errors import UserError


def add_commands(sub) -> None:
    p = sub.add_parser("audit", help="who changed what and when (targets, plans, API keys, roles, team moves)")
    p.add_argument("--since", help="a day (YYYY-MM-DD, in PACEBOT_TZ) or an age such as 7d")
    p.add_argument("--limit", type=int, default=50, help="at most this many entries (default 50, up to 500)")
    p.set_defaults(func=cmd_audit)


def cmd_audit(args, settings) -> int:
    from bot.services import audit

    app = args.wiring.app(settings)
    now = app.clock()
    try:
        since = audit.parse_since(args.since, now, settings.tz) if args.since else None
    except UserError as exc:
        print(f"pacebot: {app.i18n.t('en', 'error.' + exc.code, **exc.params)}", file=sys.stderr)
        return 2
    if args.limit < 1:
        print("pacebot: --limit must be at least 1", file=sys.stderr)
        return 2
    with app.db.session() as session:
        rows = audit.entries(session, since=since, limit=args.limit)
        lines = [(f"{e.at:%Y-%m-%d %H:%M}Z", e.actor, e.action, e.subject, audit.changes(e)) for e in rows]
    if not lines:
        print("no changes recorded" + (f" since {args.since}" if args.since else ""))
        return 0
    header = ("when (UTC)", "who", "action", "what", "change")
    widths = [max(len(str(row[i])) for row in (header, *lines)) for i in range(4)]
    for row in (header, *lines):
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)) + "  " + row[4])
    return 0
