"""The review form as a Slack modal, through the real WSGI stack against the fake Web API: `/pace
report` opens it with the rep's numbers, wrong answers come back on their fields, a good submission
reaches the rep and the manager."""

from __future__ import annotations

import itertools
import json

from bot.services.forms import store
from bot.store.tables.sales import Role
from bot.services import org
from tests.fakes.slack_workspace import APP_ID, REP, REP2, TEAM, fake_slack, slack, slack_app  # noqa: F401
from tests.forms_helpers import FRIDAY_1730, SINCE

_ids = itertools.count(1)


def submit_form(ws, user: str, view: dict, answers: dict):
    """A view_submission of the opened modal, with answers by question id as Slack sends each element."""
    values = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element, answer = block["element"], answers.get(block["block_id"])
        kind = element["type"]
        if kind == "plain_text_input":
            state = {"type": kind, "value": answer}
        elif kind == "multi_static_select":
            state = {"type": kind, "selected_options": [o for o in element["options"] if o["value"] in (answer or [])]}
        else:
            chosen = [o for o in element["options"] if o["value"] == answer]
            state = {"type": kind, "selected_option": chosen[0] if chosen else None}
        values[block["block_id"]] = {"value": state}
    view_id = f"V0FORM{next(_ids)}"
    return ws.interactive({
        "type": "view_submission", "team": {"id": TEAM, "domain": "pace-test"},
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM},
        "api_app_id": APP_ID, "token": "legacy-verification-token", "trigger_id": f"{next(_ids)}.55.dd",
        "view": dict(view, id=view_id, state={"values": values}, hash=f"1764122400.{view_id}"),
        "response_urls": [], "is_enterprise_install": False, "enterprise": None,
    })


def dm_text(ws, user):
    return "\n".join(m.get("text", "") for m in ws.fake.messages("D" + user.lstrip("U")))


def test_form_modal_validates_and_submits(slack, clock):
    app = slack.app
    clock.set(FRIDAY_1730)
    assert slack.dm(REP, "hello")[0] == 200
    assert slack.dm(REP2, "hello")[0] == 200
    app.background.drain()
    with app.db.session() as s:
        team = org.create_team("Sales", tz="Asia/Shanghai", currency="CNY", lang="en", now=clock(), session=s)
        for account, role in ((REP, Role.REP), (REP2, Role.MANAGER)):
            person = org.find_account("slack", account, session=s)
            person.team_id, person.role = team.id, role
        store.assign(team.id, "weekly", on=True, now=SINCE, session=s)
    assert slack.command(REP, "report")[0] == 200
    app.background.drain()
    [opened] = slack.fake.sent("views.open")
    view = opened.args["view"]
    assert view["callback_id"] == "pace_form" and json.loads(view["private_metadata"]) == {
        "form": "weekly", "period": "2026-W48"}
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    assert [b["block_id"] for b in inputs] == ["meetings", "highlights", "blockers", "forecast", "confidence",
                                               "need_help", "notes"]
    assert "Calls: *0*" in view["blocks"][0]["text"]["text"]
    assert {b["block_id"]: b["element"]["type"] for b in inputs}["blockers"] == "multi_static_select"
    assert [b["block_id"] for b in inputs if b["optional"]] == ["blockers", "notes"]

    good = {"meetings": "12", "highlights": "Signed Acme after the demo", "blockers": ["leads", "time"],
            "forecast": "on_track", "confidence": "4", "need_help": "no"}
    status, _, body = submit_form(slack, REP, view, dict(good, meetings="lots", highlights="ok"))
    answer = json.loads(body)
    assert status == 200 and answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"meetings", "highlights"}
    assert "“lots” is not a number" in answer["errors"]["meetings"]
    assert "at least 5 characters" in answer["errors"]["highlights"]
    app.background.drain()
    assert "Sent to your manager" not in dm_text(slack, REP)

    status, _, body = submit_form(slack, REP, view, good)
    assert (status, body) == (200, b"")
    app.background.drain()
    assert "Sent to your manager" in dm_text(slack, REP)
    manager = dm_text(slack, REP2)
    assert "周报 2026-W48" in manager and "线索不足、杂事太多" in manager  # the manager reads Chinese
    with app.db.session() as s:
        person = org.find_account("slack", REP, session=s)
        row = store.find(person.id, "weekly", "2026-W48", session=s)
        assert row.status == "submitted" and store.answers(row)["meetings"] == {"raw": "12", "value": "12"}
    # Opening it again shows the submitted answers, to edit.
    assert slack.command(REP, "report")[0] == 200
    app.background.drain()
    again = slack.fake.sent("views.open")[-1].args["view"]
    meetings = next(b for b in again["blocks"] if b.get("block_id") == "meetings")
    assert meetings["element"]["initial_value"] == "12"


def test_the_ask_has_a_button_that_opens_the_modal(slack, clock):
    from datetime import datetime

    from bot.schedule.forms_jobs import forms_tick
    from bot.store.tables.sales import Team
    from tests.forms_helpers import SH

    app = slack.app
    clock.set(datetime(2026, 11, 27, 17, 5, tzinfo=SH))
    assert slack.dm(REP, "hello")[0] == 200
    app.background.drain()
    with app.db.session() as s:
        team = org.create_team("Sales", tz="Asia/Shanghai", currency="CNY", lang="en", now=clock(), session=s)
        org.find_account("slack", REP, session=s).team_id = team.id
        store.assign(team.id, "weekly", on=True, now=SINCE, session=s)
        team_id = team.id
    with app.db.session() as s:
        team = s.get(Team, team_id)
    assert forms_tick(app, team, clock()) == 1
    app.outbox.dispatch()
    [ask] = [m for m in slack.fake.messages("D0REP0001") if "Time for your" in m.get("text", "")]
    button = next(e for b in ask["blocks"] if b["type"] == "actions" for e in b["elements"])
    assert button["value"] == "report"
    assert slack.click(REP, "report", channel=None, home=False)[0] == 200
    app.background.drain()
    [opened] = slack.fake.sent("views.open")
    assert opened.args["view"]["callback_id"] == "pace_form"
