"""The dashboard over plain WSGI: rights on every page, sessions that expire, links that cannot be
forged or reused, revoked board links, exports, escaping, and the live event stream."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import timedelta
from urllib.parse import quote, unquote

import pytest

from bot.services.demo import load_demo
from bot.chat.messages import Incoming
from bot.app import build_server
from bot.core.websettings import WebSettings

BASE = "http://localhost:8080"


class Client:
    """Calls the server's WSGI app like a browser: keeps its cookies, says where a POST comes from (as
    browsers do with `Origin`) and sends the token of the page the form is on."""

    def __init__(self, server, origin: str | None = BASE):
        self.server, self.origin, self.cookies = server, origin, {}

    @property
    def cookie(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def request(self, path: str, method: str = "GET", body: bytes = b"", headers: dict | None = None):
        path, _, query = path.removeprefix(BASE).partition("?")
        seen = {}

        def start_response(status, hdrs):
            seen["status"], seen["headers"] = status, hdrs

        environ = {"PATH_INFO": path, "QUERY_STRING": query, "REQUEST_METHOD": method, "CONTENT_LENGTH": str(len(body)),
                   "wsgi.input": io.BytesIO(body), "HTTP_COOKIE": self.cookie}
        if method == "POST" and self.origin:
            environ["HTTP_ORIGIN"] = self.origin
        for key, value in (headers or {}).items():
            environ["HTTP_" + key.upper().replace("-", "_")] = value
        result = self.server(environ, start_response)
        headers_ = dict(seen["headers"])
        if headers_.get("Content-Type", "").startswith("text/event-stream"):
            return seen["status"], headers_, result  # the open stream, for the test to read
        for name, value in seen["headers"]:
            if name == "Set-Cookie":
                key, _, rest = value.partition("=")
                if "Max-Age=0" in rest:
                    self.cookies.pop(key, None)
                else:
                    self.cookies[key] = rest.split(";")[0]
        return seen["status"], headers_, b"".join(result).decode("utf-8")

    def get(self, path: str, **kw):
        return self.request(path, **kw)

    def submit(self, page: str, button_id: str, **kw):
        """Press a button of a page we were given: post its form's fields to its action."""
        form = re.search(rf'<form method="post" action="([^"]+)"[^>]*>(.*?)id="{button_id}"', page, re.S)
        fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.group(2)))
        body = "&".join(f"{k}={quote(html.unescape(v))}" for k, v in fields.items())
        return self.request(html.unescape(form.group(1)), "POST", body.encode(), **kw)

    def sign_in(self, link: str):
        """Open the link, then press its sign-in button."""
        status, _, page = self.get(link)
        assert status.startswith("200"), page
        return self.submit(page, "sign-in")


def say(app, user: str, text: str, channel: str | None = None):
    incoming = Incoming("console", user, text, f"channel-{channel}" if channel else f"dm-{user}",
                        is_direct=channel is None)
    return app.handle(incoming)


def link_from(replies) -> str:
    return re.search(r"http\S+", "\n".join(r.text for r in replies)).group(0)


@pytest.fixture
def web(app, monkeypatch):
    monkeypatch.setenv("PACEBOT_PUBLIC_URL", BASE)
    monkeypatch.setenv("PACEBOT_WEB_POLL_SECONDS", "0.05")
    monkeypatch.setenv("PACEBOT_WEB_STREAM_SECONDS", "2")
    load_demo(app)
    server, _ = build_server(app, platforms=[])
    yield server
    server.dashboard.stop()


def test_manager_link_opens_their_team_only(app, web, clock):
    client = Client(web)
    link = link_from(say(app, "demo-manager-1", "看板"))
    status, _, page = client.get(link)  # a chat app previewing the link must not use it up
    assert status.startswith("200") and 'id="sign-in"' in page
    status, headers, _ = client.sign_in(link)
    assert status.startswith("303") and "HttpOnly" in headers["Set-Cookie"] and "SameSite=Lax" in headers["Set-Cookie"]
    status, headers, _ = client.get("/team/")
    assert headers["Location"] == "/team/1"
    status, _, page = client.get("/team/1")
    assert status.startswith("200") and "华东销售一部" in page and "张伟" in page
    assert client.get("/team/2")[0].startswith("403")
    assert client.get("/team/2/export.csv")[0].startswith("403")
    assert client.get("/team/2/rep/9")[0].startswith("403")  # Alice Chen, of the other team
    assert client.get("/team/1/rep/2")[0].startswith("200")


def test_links_cannot_be_reused_forged_or_kept(app, web, clock):
    link = link_from(say(app, "demo-manager-1", "dashboard"))
    assert Client(web).sign_in(link)[0].startswith("303")
    status, _, page = Client(web).sign_in(link)
    assert status.startswith("403") and "已被使用" in page  # the link is in the manager's language
    token = unquote(re.search(r"t=([^&]+)", link).group(1))
    payload, stamp, signature = token.split(".")
    forged = f"{payload[:-2]}xx.{stamp}.{signature}"  # another person's id, say: the signature no longer fits
    status, _, page = Client(web).sign_in(f"/team/login?t={quote(forged)}")
    assert status.startswith("403") and "not valid" in page
    late = link_from(say(app, "demo-manager-1", "dashboard"))
    clock.advance(minutes=WebSettings().login_minutes + 1)
    status, _, page = Client(web).sign_in(late)
    assert status.startswith("403") and "已过期" in page


def test_sessions_expire_and_pages_need_one(app, web, clock):
    assert Client(web).get("/team/1")[0].startswith("401")
    client = Client(web)
    client.sign_in(link_from(say(app, "demo-manager-1", "dashboard")))
    assert client.get("/team/1")[0].startswith("200")
    clock.advance(hours=WebSettings().session_hours, seconds=1)
    status, _, page = client.get("/team/1")
    assert status.startswith("401") and "dashboard" in page
    client.cookies["pacebot_session"] = "guessed-token"
    assert client.get("/team/1")[0].startswith("401")


def test_rep_sees_own_page_and_board_not_the_team(app, web):
    rep = Client(web)
    rep.sign_in(link_from(say(app, "demo-rep-1", "dashboard")))
    assert rep.get("/team/")[1]["Location"] == "/team/1/rep/2"
    assert rep.get("/team/1/rep/2")[0].startswith("200")
    assert rep.get("/team/1")[0].startswith("403")
    assert rep.get("/team/1/export.csv")[0].startswith("403")
    assert rep.get("/team/1/rep/3")[0].startswith("403")  # a team-mate's page
    assert rep.get("/board/team/1")[0].startswith("200")
    assert rep.get("/board/team/2")[0].startswith("403")
    admin = Client(web)
    admin.sign_in(link_from(say(app, "admin", "dashboard")))
    assert admin.get("/team/2")[0].startswith("200") and admin.get("/team/1/rep/3")[0].startswith("200")


def test_board_command_is_for_managers_and_links_can_be_revoked(app, web, clock):
    replies = say(app, "demo-rep-1", "board")
    assert replies[-1].kind == "error"
    in_group = say(app, "demo-manager-1", "大屏 外呼", channel="east-sales-1")
    assert in_group[0].target.kind.value == "person" and "http" not in in_group[1].text  # the link goes privately
    link = link_from(in_group)
    status, _, page = Client(web).get(link)
    assert status.startswith("200") and "外呼量" in page and "张伟" in page
    status, _, stream = Client(web).get(link + "/events")
    assert next(stream).startswith(b"retry:")
    say(app, "demo-manager-1", "大屏 撤销")
    assert Client(web).get(link)[0].startswith("404")
    rest = b"".join(stream)
    assert b"event: revoked" in rest
    assert Client(web).get("/board/not-a-token")[0].startswith("404")


def test_stream_pushes_a_deal_logged_by_another_app(app, web, settings, db, clock):
    """A second App on the same database stands for another process (a platform adapter, the console)."""
    from adapters.console.adapter import ConsoleAdapter
    from bot.app import App

    link = link_from(say(app, "demo-manager-1", "board"))
    status, headers, stream = Client(web).get(link + "/events")
    assert status.startswith("200") and headers["Cache-Control"] == "no-cache"
    assert next(stream) == b"retry: 2000\n\n"
    assert b"event: state" in next(stream)
    other = App(settings, db=db, clock=clock)
    ConsoleAdapter(other, "demo-rep-3", out=io.StringIO()).say("成交 8万 蔚来")
    chunk = next(stream)
    while chunk.startswith(b": ping"):
        chunk = next(stream)
    assert b"event: deal" in chunk and "李娜".encode() in chunk and "¥80,000".encode() in chunk
    deal_id = int(re.search(rb"id: (\d+)", chunk).group(1))
    state = next(stream)
    assert b"event: state" in state and "蔚来".encode() in state
    stream.close()
    # A browser that reconnects after a restart sends the last id it saw and gets only what it missed.
    ConsoleAdapter(other, "demo-rep-4", out=io.StringIO()).say("成交 3万 顺丰")
    _, _, again = Client(web).get(link + "/events", headers={"Last-Event-ID": str(deal_id)})
    next(again)
    missed = next(again)
    assert "刘洋".encode() in missed and "李娜".encode() not in missed
    again.close()


def test_person_text_is_escaped_and_csv_defused(app, web, db):
    from bot.store.tables.sales import Person

    with db.session() as session:
        person = session.get(Person, 2)
        person.name = '=HYPERLINK("x")<script>alert(1)</script>'
        session.add(person)
    client = Client(web)
    client.sign_in(link_from(say(app, "demo-manager-1", "dashboard")))
    _, _, page = client.get("/team/1?lang=en")
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    status, headers, body = client.get("/team/1/export.csv?period=month&lang=en")
    assert status.startswith("200") and headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0][:3] == ["Rep", "revenue · Actual", "revenue · Target"]
    assert any(row[0].startswith("'=HYPERLINK") for row in rows[1:]) and len(rows) == 7


def test_table_sorts_and_rejects_bad_periods(app, web):
    client = Client(web)
    client.sign_in(link_from(say(app, "demo-manager-1", "dashboard")))
    _, _, page = client.get("/team/1?metric=calls&sort=actual&dir=asc&lang=en")
    names = re.findall(r'/rep/\d+\?[^"]*">([^<]+)</a>', page)
    values = [int(v.replace(",", "")) for v in re.findall(r'<td class="num">([\d,]+)</td>\s*<td class="num">[\d,]+</td>', page)]
    assert len(names) == 6 and values == sorted(values)
    status, _, page = client.get("/team/1?period=someday&lang=zh")
    assert status.startswith("400") and "2026-Q4" in page
    status, _, page = client.get("/team/1/rep/2?period=last%20month&lang=en")
    assert status.startswith("200") and "<svg" in page and "Funnel" in page


def test_boards_beyond_the_stream_cap_poll_instead(app, monkeypatch):
    """Each open stream holds a server thread; past the cap a board gets one answer and comes back."""
    monkeypatch.setenv("PACEBOT_WEB_MAX_STREAMS", "0")
    load_demo(app)
    server, _ = build_server(app, platforms=[])
    link = link_from(say(app, "demo-manager-1", "board"))
    status, _, stream = Client(server).get(link + "/events")
    chunks = list(stream)  # ends by itself
    assert status.startswith("200") and chunks[0] == b"retry: 4000\n\n" and b"event: state" in chunks[1]
    assert len(chunks) == 2
    server.dashboard.stop()


def test_hall_of_fame_shows_what_a_provider_gives(app, web, monkeypatch):
    """The champions come from the scheduled-messages feature (the demo records last month's); then a
    provider with a name to escape."""
    from decimal import Decimal

    from bot.web import fame

    client = Client(web)
    client.sign_in(link_from(say(app, "demo-manager-1", "dashboard")))
    assert 'revenue · 李娜 · ¥262,000' in client.get("/team/1?lang=en")[2]
    web.dashboard.fame = fame.HallOfFame([lambda team, session: [
        fame.FameEntry("2026-10", "revenue", 1, "陈静", Decimal(612000)),
        fame.FameEntry("2026-10", "calls", 2, "<b>x</b>", Decimal(1700))]])
    page = client.get("/team/1?lang=en")[2]
    assert "Hall of fame" in page and "陈静 · ¥612,000" in page and "&lt;b&gt;x&lt;/b&gt;" in page
