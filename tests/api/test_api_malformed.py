"""Malformed and hostile requests to the ingest API get a 4xx naming what is wrong and store nothing;
identical pushes sent at once give `created` once and `unchanged` after, never a 500."""

from __future__ import annotations

import io
import json
import threading
import urllib.request
from wsgiref.util import setup_testing_defaults

import pytest
import waitress

from bot.services import org
from bot.store.tables.sales import Activity, Deal
from tests.api.test_api import DAY, call, east, front, key, rows  # noqa: F401

DEAL = {"external_id": "CRM-7", "rep": "console:alice", "day": "2026-11-26", "amount": "1200"}


def errors(body) -> dict:
    return {e["field"]: e["message"] for e in body["errors"]}


@pytest.mark.parametrize("raw, reason", [
    (b"[" * 150_000 + b"]" * 150_000, "nested deeper than 64 levels"),
    (json.dumps(dict(DAY, rep="console:al\u0000ice")).encode(), "$.rep holds a NUL character"),
    (b'{"rep": "\xff\xfe"}', "not UTF-8"),
])
def test_unreadable_bodies_get_400_with_the_reason(app, east, front, key, raw, reason):
    status, body, _ = call(front, "POST", "/api/v1/activity", raw=raw, key=key)
    assert status == 400 and body["error"] == "invalid_json" and reason in body["message"]
    assert rows(app, Activity) == []


@pytest.mark.parametrize("path, item, field, message", [
    ("/api/v1/activity", dict(DAY, day="0001-01-01"), "day", "0001-01-01 is before 2021-01-01 (at most 5 years back)"),
    ("/api/v1/activity", dict(DAY, dialed=True), "dialed", "Input should be a valid integer"),
    ("/api/v1/activity", dict(DAY, dialed="80"), "dialed", "Input should be a valid integer"),
    ("/api/v1/activity", dict(DAY, talk_minutes=12.0), "talk_minutes", "Input should be a valid integer"),
    ("/api/v1/activity", dict(DAY, rep=7), "rep", "Input should be a valid string"),
    ("/api/v1/deals", dict(DEAL, currency="ZZZ"), "currency", "'ZZZ' is not an ISO 4217 currency code"),
    ("/api/v1/deals", dict(DEAL, amount=True), "amount", "Decimal input should be"),
])
def test_fields_are_strict_and_sane(app, east, front, key, path, item, field, message):
    status, body, _ = call(front, "POST", path, item, key)
    assert status == 400 and errors(body)[field].startswith(message)
    assert rows(app, Activity) == [] and rows(app, Deal) == []


def test_real_currency_codes_pass(app, east, front, key):
    status, body, _ = call(front, "POST", "/api/v1/deals", dict(DEAL, currency="usd"), key)
    assert status == 200 and rows(app, Deal)[0].currency == "USD"


def test_the_day_is_judged_in_the_reps_team_time_zone(app, east, front, key):
    # 10:00 in Shanghai is the day before in Honolulu: Shanghai's today is still Honolulu's future.
    with app.db.session() as s:
        org.set_team_tz(org.team_by_name("East", session=s), "Pacific/Honolulu", session=s)
    status, body, _ = call(front, "POST", "/api/v1/activity", dict(DAY, day="2026-11-26"), key)
    assert status == 400 and errors(body)["day"] == "2026-11-26 is in the future"
    assert call(front, "POST", "/api/v1/activity", DAY, key)[0] == 200


class Unreadable(io.BytesIO):
    def read(self, *args):
        raise AssertionError("the body was read")


def test_an_oversized_body_is_refused_before_it_is_read(app, east, front, key):
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/api/v1/activity", "CONTENT_TYPE": "application/json",
               "CONTENT_LENGTH": str(app.settings.api_max_body + 1), "wsgi.input": Unreadable(),
               "HTTP_AUTHORIZATION": f"Bearer {key}"}
    setup_testing_defaults(environ)
    seen = {}
    out = b"".join(front(environ, lambda status, headers: seen.update(status=status)))
    assert seen["status"].startswith("413") and json.loads(out)["error"] == "too_large"


def test_a_chunked_body_is_read_only_up_to_the_limit(app, east, front, key):
    big = json.dumps([DAY] * 40_000).encode()  # ~3 MB, over the 2 MiB default
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/api/v1/activity", "CONTENT_TYPE": "application/json",
               "wsgi.input": io.BytesIO(big), "wsgi.input_terminated": True, "HTTP_AUTHORIZATION": f"Bearer {key}"}
    setup_testing_defaults(environ)
    seen = {}
    front(environ, lambda status, headers: seen.update(status=status))
    assert seen["status"].startswith("413")
    assert rows(app, Activity) == []


@pytest.mark.parametrize("db", ["postgres"], indirect=True)
def test_identical_pushes_at_once_are_created_once_and_unchanged_after(app, east, front, key):
    listener = waitress.create_server(front, host="127.0.0.1", port=0, threads=8)
    thread = threading.Thread(target=listener.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{listener.effective_port}"
    try:
        for round_ in range(4):
            statuses = _at_once(url, "/api/v1/deals", dict(DEAL, external_id=f"CRM-RACE-{round_}"), key, 8)
            assert sorted(statuses) == [(200, "created")] + [(200, "unchanged")] * 7
            statuses = _at_once(url, "/api/v1/activity", dict(DAY, day=f"2026-11-{20 + round_}"), key, 8)
            assert sorted(statuses) == [(200, "created")] + [(200, "unchanged")] * 7
    finally:
        listener.close()
    assert len(rows(app, Deal)) == 4 and len(rows(app, Activity)) == 4


def _at_once(url: str, path: str, body: dict, key: str, n: int) -> list[tuple[int, str]]:
    barrier, out = threading.Barrier(n), []

    def push():
        request = urllib.request.Request(url + path, json.dumps(body).encode(), method="POST",
                                         headers={"Authorization": f"Bearer {key}",
                                                  "Content-Type": "application/json"})
        barrier.wait()
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                out.append((response.status, json.loads(response.read())["status"]))
        except urllib.error.HTTPError as exc:
            out.append((exc.code, exc.read().decode()[:100]))

    threads = [threading.Thread(target=push) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out
