"""`pacebot forms ...`: check a form file, assign a form to a team, export a period's answers."""

from __future__ import annotations

import sys
from pathlib import Path

from bot.core.config import Settings


def add_commands(sub) -> None:
    p = sub.add_parser("forms", help="review forms (周报 / 述职): check a file, assign to a team, export answers")
    forms = p.add_subparsers(dest="forms_action", required=True)
    q = forms.add_parser("check", help="validate form files and say precisely what is wrong")
    q.add_argument("files", nargs="*", help="form files (default: every file in templates/forms/)")
    q.set_defaults(func=cmd_check)
    q = forms.add_parser("assign", help="a team fills this form on its schedule (`--off` stops it)")
    q.add_argument("form")
    q.add_argument("team", help="team name or id")
    q.add_argument("--off", action="store_true")
    q.set_defaults(func=cmd_assign)
    q = forms.add_parser("export", help="one period's answers to a .csv or .xlsx file")
    q.add_argument("form")
    q.add_argument("period", help="e.g. 2026-W48 or 2026-11")
    q.add_argument("file")
    q.add_argument("--team", help="only this team")
    q.set_defaults(func=cmd_export)


def cmd_check(args, settings: Settings) -> int:
    from bot.services.forms.definition import FORMS_DIR, FormError, load_file

    files = [Path(f) for f in args.files] or sorted(FORMS_DIR.glob("*.yaml"))
    bad = 0
    for path in files:
        try:
            form = load_file(path)
        except FormError as exc:
            bad += 1
            for where, why in exc.problems:
                print(f"{path}: {where}: {why}", file=sys.stderr)
            continue
        # Valid, but a platform would refuse to show it (Slack's modal limits): each platform says what.
        refused = [problem for check in args.wiring.form_checks() for problem in check(form)]
        if refused:
            bad += 1
            for where, why in refused:
                print(f"{path}: {where}: {why}", file=sys.stderr)
            continue
        print(f"{path}: ok ({form.id}, {len(form.questions)} questions, {form.schedule.period}ly)")
    return 1 if bad else 0


def _team(app, ref: str):
    from bot.services import org

    with app.db.session() as session:
        team = org.get_team(int(ref), session=session) if ref.isdigit() else org.team_by_name(ref, session=session)
    if team is None:
        print(f"pacebot: no team {ref!r} (see `pacebot chat` → `team list`)", file=sys.stderr)
        raise SystemExit(2)
    return team


def cmd_assign(args, settings: Settings) -> int:
    from bot.services.forms import store
    from bot.services.forms.definition import get_form

    if get_form(args.form) is None:
        print(f"pacebot: no form {args.form!r} in templates/forms/ (`pacebot forms check`)", file=sys.stderr)
        return 2
    app = args.wiring.app(settings)
    team = _team(app, args.team)
    with app.db.session() as session:
        store.assign(team.id, args.form, on=not args.off, now=app.clock(), session=session)
    print(f"{args.form}: {'no longer sent to' if args.off else 'assigned to'} {team.name}")
    return 0


def cmd_export(args, settings: Settings) -> int:
    from bot.services.importing import FileError
    from bot.services.forms.definition import get_form
    from bot.services.forms.export import export_answers

    form = get_form(args.form)
    if form is None:
        print(f"pacebot: no form {args.form!r} in templates/forms/", file=sys.stderr)
        return 2
    app = args.wiring.app(settings)
    team_id = _team(app, args.team).id if args.team else None
    try:
        count = export_answers(app, form, args.period, Path(args.file), team_id=team_id)
    except FileError as exc:
        print(f"pacebot: {exc}", file=sys.stderr)
        return 2
    print(f"{count} rows written to {args.file}")
    return 0
