"""The ingest API through the real WSGI front: good, bad, unauthorised, revoked and repeated requests."""

from __future__ import annotations

import io
import json
from pathlib import Path
from wsgiref.util import setup_testing_defaults

import pytest
from sqlmodel import select

from bot.store.tables.sales import Activity, Deal
from bot.api.openapi import document
from bot.runtime.server import HttpServer
from bot.services import apikeys
from bot.services.audit import CLI


@pytest.fixture
def east(chat):
    admin = chat("admin", name="Ada Admin", lang="en")
    for user, name in (("alice", "Alice Chen"), ("ben", "Ben Carter")):
        chat(user, name=name, lang="en").say("help")
    admin.say("team create East Asia/Shanghai")
    admin.say('team add "Alice Chen" East')
    admin.say('team add "Ben Carter" East')
    floor = chat("admin", channel="east-floor")
    assert "announcements" in floor.say("team channel East")
    return floor


@pytest.fixture
def front(app):
    server = HttpServer()
    for mount in app.http_mounts:  # what build_server does for `pacebot serve`
        mount(server)
    return server


@pytest.fixture
def key(app):
    with app.db.session() as s:
        return apikeys.create("telephony", actor=CLI, now=app.clock(), session=s)[1]


def call(server, method, path, body=None, key=None, raw=None):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else b"")
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "CONTENT_LENGTH": str(len(data)),
               "CONTENT_TYPE": "application/json", "wsgi.input": io.BytesIO(data)}
    setup_testing_defaults(environ)
    if key:
        environ["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    seen = {}

    def start_response(status, headers):
        seen["status"], seen["headers"] = status, dict(headers)

    out = b"".join(server(environ, start_response))
    return int(seen["status"][:3]), json.loads(out), seen["headers"]


def rows(app, model):
    with app.db.session() as s:
        return list(s.exec(select(model)).all())


DAY = {"rep": "console:alice", "day": "2026-11-25", "dialed": 80, "connected": 32, "talk_minutes": 135}


def test_activity_is_stored_once_and_repeats_change_nothing(app, east, front, key):
    status, body, _ = call(front, "POST", "/api/v1/activity", DAY, key)
    assert status == 200 and body["status"] == "created"
    assert call(front, "POST", "/api/v1/activity", DAY, key)[1]["status"] == "unchanged"
    [row] = rows(app, Activity)
    stamp = row.updated_at
    assert (row.dialed, row.connected, row.talk_minutes) == (80, 32, 135)
    status, body, _ = call(front, "POST", "/api/v1/activity", [DAY, dict(DAY, rep="Ben Carter", dialed=10, connected=1)], key)
    assert [r["status"] for r in body["results"]] == ["unchanged", "created"]
    assert rows(app, Activity)[0].updated_at == stamp
    corrected = call(front, "POST", "/api/v1/activity", dict(DAY, dialed=90), key)[1]
    assert corrected["status"] == "updated" and len(rows(app, Activity)) == 2


def test_bad_items_get_400_with_every_field_and_nothing_is_stored(app, east, front, key):
    bad = [DAY, {"rep": "console:alice", "day": "2026-12-25", "dialed": 5, "connected": 9, "colour": "red"},
           {"rep": "", "dialed": "many"}]
    status, body, _ = call(front, "POST", "/api/v1/activity", bad, key)
    assert status == 400 and body["error"] == "validation_failed"
    found = {(e["index"], e["field"]): e["message"] for e in body["errors"]}
    assert found[(1, "day")] == "2026-12-25 is in the future"
    assert found[(1, "connected")] == "connected (9) is more than dialed (5)"
    assert found[(1, "colour")] == "unknown field"
    assert found[(2, "day")] == "required" and (2, "rep") in found and (2, "dialed") in found
    assert 0 not in {i for i, _ in found}
    status, body, _ = call(front, "POST", "/api/v1/activity", [DAY, dict(DAY, rep="Nobody")], key)
    assert status == 400 and body["errors"] == [{"index": 1, "field": "rep", "message":
                                                 "no person 'Nobody' (import people first, or use platform:account)"}]
    assert call(front, "POST", "/api/v1/activity", raw=b"{nope", key=key)[1]["error"] == "invalid_json"
    assert call(front, "POST", "/api/v1/activity", [], key)[1]["error"] == "invalid_body"
    assert rows(app, Activity) == []


def test_unauthorised_and_revoked_keys_get_401(app, east, front, key):
    status, body, headers = call(front, "POST", "/api/v1/activity", DAY)
    assert status == 401 and body["error"] == "unauthorized" and headers["WWW-Authenticate"].startswith("Bearer")
    assert call(front, "POST", "/api/v1/activity", DAY, "pb_wrong")[0] == 401
    assert call(front, "POST", "/api/v1/activity", DAY, key)[0] == 200
    with app.db.session() as s:
        [row] = apikeys.list_keys(session=s)
        assert row.key_hash == apikeys.digest(key) and key not in row.key_hash and row.last_used_at is not None
        apikeys.revoke("telephony", actor=CLI, now=app.clock(), session=s)
    assert call(front, "POST", "/api/v1/activity", dict(DAY, dialed=99), key)[0] == 401
    assert rows(app, Activity)[0].dialed == 80


def test_a_pushed_deal_is_announced_once(app, east, front, key, console):
    deal = {"external_id": "CRM-42", "rep": "console:alice", "day": "2026-11-26", "amount": "120000",
            "customer": "Acme"}
    start = console.out.tell()
    status, body, _ = call(front, "POST", "/api/v1/deals", deal, key)
    assert status == 200 and body["status"] == "created"
    app.background.drain()
    console.out.seek(start)
    announced = console.out.read()
    assert "[#east-floor] 🎉 Alice Chen just closed ¥120,000 with Acme!" in announced
    assert call(front, "POST", "/api/v1/deals", deal, key)[1]["status"] == "unchanged"
    assert call(front, "POST", "/api/v1/deals", dict(deal, amount=125000.5), key)[1]["status"] == "updated"
    app.background.drain()
    console.out.seek(0)
    assert console.out.read().count("just closed") == 1
    [row] = rows(app, Deal)
    assert row.amount_cents == 12_500_050 and row.currency == "CNY"
    bad = call(front, "POST", "/api/v1/deals", dict(deal, external_id="CRM-43", amount="1.234"), key)
    assert bad[0] == 400 and bad[1]["errors"][0]["field"] == "amount"


def test_openapi_document_is_served_and_checked_in(front):
    status, body, _ = call(front, "GET", "/api/v1/openapi.json")
    assert status == 200 and body == document()
    assert set(body["paths"]) == {"/api/v1/activity", "/api/v1/deals", "/api/v1/openapi.json"}
    assert "DealRecord" in body["components"]["schemas"]
    checked_in = json.loads((Path(__file__).resolve().parents[2] / "docs" / "openapi.json").read_text())
    # pydantic versions spell the regex behind a Decimal field differently; everything else must match.
    assert _without_patterns(checked_in) == _without_patterns(document()), \
        "run: python -m bot.api.openapi > docs/openapi.json"


def _without_patterns(node):
    if isinstance(node, dict):
        return {k: _without_patterns(v) for k, v in node.items() if k != "pattern"}
    if isinstance(node, list):
        return [_without_patterns(v) for v in node]
    return node


def test_unknown_paths_and_methods(front, key):
    assert call(front, "GET", "/api/v1/activity", key=key)[0] == 405
    assert call(front, "POST", "/api/v1/nothing", {}, key)[0] == 404
