"""Ids in dashboard paths and headers that are digits to str.isdigit() but no row id (`²`, forty
digits) are a 404 or 403, never a 500."""

from __future__ import annotations

import io
from wsgiref.util import setup_testing_defaults

import pytest

from bot.app import build_server
from bot.services import org, weblinks
from bot.store.tables.sales import Role


@pytest.fixture
def signed_in(app, monkeypatch):
    monkeypatch.setenv("PACEBOT_PUBLIC_URL", "http://localhost:8080")
    with app.db.session() as s:
        team = org.create_team("East", tz="Asia/Shanghai", currency="CNY", lang="en", now=app.clock(), session=s)
        admin = org.register("console", "admin", "Ada", lang="en", role=Role.REP, now=app.clock(), session=s)
        s.flush()
        cookie = weblinks.open_session(admin.id, hours=8, now=app.clock(), session=s)
    server, _ = build_server(app, platforms=[])
    yield server, cookie, team.id
    server.dashboard.stop()


def get(server, path, cookie, **headers) -> str:
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "HTTP_COOKIE": f"pacebot_session={cookie}",
               "wsgi.input": io.BytesIO(b""), **{f"HTTP_{k.upper()}": v for k, v in headers.items()}}
    setup_testing_defaults(environ)
    seen = {}
    b"".join(server(environ, lambda status, _h: seen.update(status=status)))
    return seen["status"][:3]


@pytest.mark.parametrize("path, status", [("/team/\u00b2", "404"), ("/team/" + "9" * 40, "404"),
                                          ("/team/1/rep/\u00b2", "404"), ("/team/1/rep/" + "9" * 40, "404"),
                                          ("/board/team/\u00b2", "403"), ("/board/team/" + "9" * 40, "403")])
def test_ids_that_are_no_row_ids(app, signed_in, path, status):
    server, cookie, _ = signed_in
    assert get(server, path, cookie) == status
