"""`pacebot job ...` and `pacebot outbox ...`: see and run the scheduled jobs, see and resend messages."""

from __future__ import annotations

import sys
from zoneinfo import ZoneInfo

from sqlmodel import func, select

from bot.core.config import Settings


def add_commands(sub) -> None:
    p = sub.add_parser("job", help="scheduled jobs: list them, run one now, or change a team's time")
    jobs = p.add_subparsers(dest="job_action", required=True)
    q = jobs.add_parser("list", help="every team's jobs with their next run")
    q.set_defaults(func=cmd_job_list)
    q = jobs.add_parser("run", help="run a job now (its messages go out once, as a scheduled run's would)")
    q.add_argument("name", choices=("digest", "champions", "nudge", "forms"))
    q.add_argument("--team", help="team name or id (default: every team)")
    q.add_argument("--force", action="store_true", help="run even on a day off in the team's calendar")
    q.add_argument("--console", action="store_true", help="also deliver to the console (print the messages)")
    q.set_defaults(func=cmd_job_run)
    q = jobs.add_parser("set", help="a team's own time for a job: a crontab in the team's time zone, "
                                    "`off`, or `default`")
    q.add_argument("name", choices=("digest", "champions", "nudge", "forms"))
    q.add_argument("when", help='e.g. "30 17 * * *" (minute hour day month weekday; weekdays by name: mon-fri)')
    q.add_argument("--team", required=True)
    q.set_defaults(func=cmd_job_set)

    p = sub.add_parser("outbox", help="messages waiting, failed or of unknown fate; resend one")
    p.add_argument("action", nargs="?", choices=("list", "resend", "dispatch"), default="list")
    p.add_argument("id", nargs="?", type=int, help="the message to resend")
    p.add_argument("--status", help="only this status (pending, sent, failed, unknown, ...)")
    p.add_argument("--limit", type=int, default=30)
    p.set_defaults(func=cmd_outbox)


def _teams(app, ref: str | None):
    from bot.store.tables.sales import Team
    from bot.services import org

    with app.db.session() as session:
        if ref is None:
            return list(session.exec(select(Team).order_by(Team.id)).all())
        team = session.get(Team, int(ref)) if ref.isdigit() else org.team_by_name(ref, session=session)
    if team is None:
        print(f"pacebot: no team {ref!r} (see `pacebot job list`)", file=sys.stderr)
        raise SystemExit(2)
    return [team]


def cmd_job_list(args, settings: Settings) -> int:
    from bot.schedule.scheduler import job_id, next_runs

    app = args.wiring.app(settings)
    rows = next_runs(app)
    if not rows:
        print("no teams yet: jobs appear per team")
    for name, team, trigger, fire in rows:
        local = fire.astimezone(ZoneInfo(team.tz)).strftime("%Y-%m-%d %H:%M %a %Z") if fire else "never"
        print(f"{job_id(name, team.id):<22} {team.name:<20} next {local:<28} {trigger}")
    return 0


def cmd_job_run(args, settings: Settings) -> int:
    from bot.schedule.jobs import JobContext
    from bot.schedule.scheduler import run_job

    app = args.wiring.app(settings, senders=True, console=args.console)
    ctx = JobContext.load()  # the schedule settings, read once for every team
    for team in _teams(app, args.team):
        added = run_job(app, args.name, team.id, force=args.force, ctx=ctx)
        print(f"{args.name} for {team.name}: {added} new message(s) in the outbox")
    return 0


def cmd_job_set(args, settings: Settings) -> int:
    from apscheduler.triggers.cron import CronTrigger

    from bot.store.tables.schedule import TeamSchedule

    app = args.wiring.app(settings)
    team = _teams(app, args.team)[0]
    when = args.when.strip().lower()
    if when not in ("off", "default"):
        try:
            CronTrigger.from_crontab(when)
        except ValueError as exc:
            print(f"pacebot: {args.when!r} is not a crontab ({exc}); e.g. \"0 18 * * *\"", file=sys.stderr)
            return 2
    with app.db.session() as session:
        row = session.exec(select(TeamSchedule).where(TeamSchedule.team_id == team.id,
                                                      TeamSchedule.job == args.name)).first()
        row = row or TeamSchedule(team_id=team.id, job=args.name)
        row.enabled = when != "off"
        row.cron = None if when in ("off", "default") else when
        session.add(row)
    print(f"{args.name} for {team.name}: {when} (the scheduling process picks it up within minutes)")
    return 0


def cmd_outbox(args, settings: Settings) -> int:
    from bot.store.tables.schedule import OutboxMessage

    if args.action == "resend":
        if args.id is None:
            print("pacebot: outbox resend needs the message id (see `pacebot outbox`)", file=sys.stderr)
            return 2
        app = args.wiring.app(settings)
        ok = app.outbox.resend(args.id)
        print(f"message {args.id} is queued again" if ok else f"message {args.id} is not failed, unknown or expired")
        return 0 if ok else 1
    if args.action == "dispatch":
        app = args.wiring.app(settings, senders=True)
        print(f"sent {app.outbox.dispatch()} message(s)")
        return 0
    app = args.wiring.app(settings)
    with app.db.session() as session:
        counts = session.exec(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()
        query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(args.limit)
        if args.status:
            query = query.where(OutboxMessage.status == args.status)
        else:  # what needs a look first: everything not simply sent
            query = query.where(OutboxMessage.status.notin_(("sent", "merged")))
        rows = session.exec(query).all()
    print("outbox: " + (", ".join(f"{n} {s}" for s, n in sorted(counts)) or "empty"))
    for row in rows:
        when = (row.sent_at or row.not_before).strftime("%Y-%m-%d %H:%M:%SZ")
        error = f"  ({row.last_error})" if row.last_error else ""
        private = " private" if row.private else ""
        print(f"#{row.id:<6} {row.status:<8} {row.attempts}x {when} {row.platform}:{row.address_id}{private} "
              f"{row.key}{error}")
    return 0
