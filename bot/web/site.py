"""The dashboard's WSGI app, served by `pacebot serve` under `/board/` and `/team/`."""

from __future__ import annotations

import logging
import re
import threading
from functools import partial

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from bot.core.clock import local_today
from bot.core.config import build_settings
from bot.chat.i18n import LANGS, TEMPLATES, fmt_metric, fmt_minutes, fmt_money, fmt_number, fmt_pct
from bot.store.tables.sales import Person, Team
from bot.web import rights
from bot.services import weblinks as auth
from bot.web.board import BoardPages
from bot.web.fame import HallOfFame
from bot.web.feed import ChangeFeed
from bot.web.http import COOKIE, Request, Response, html, redirect, session_cookie, static
from bot.core.websettings import WebSettings
from bot.web.team import TeamPages

log = logging.getLogger(__name__)


class Dashboard:
    def __init__(self, app, web: WebSettings | None = None, *, fame: HallOfFame | None = None):
        self.app = app
        self.web = web or build_settings(WebSettings, "bad dashboard settings")
        self.fame = fame or HallOfFame()
        self.rights = rights
        self.feed = ChangeFeed(app.db, self.web.poll_seconds)
        # Open streams each hold a server thread; past this many, a board polls instead (see BoardPages).
        self.stream_slots = threading.BoundedSemaphore(self.web.max_streams)
        self.env = Environment(loader=FileSystemLoader(str(TEMPLATES / "web")), autoescape=True,
                               undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
        self.boards = BoardPages(self)
        self.teams = TeamPages(self)
        self._key: str | None = None

    def mount(self, server) -> None:
        server.mount_prefix("/board/", self)
        server.mount_prefix("/team/", self)

    def stop(self) -> None:
        self.feed.stop()

    # -- helpers the pages share ------------------------------------------------------------------
    def key(self) -> str:
        if self._key is None:
            self._key = auth.signing_key(self.web.secret, now=self.app.clock(), db=self.app.db)
        return self._key

    def filters(self, lang: str) -> dict:
        return {"money": fmt_money, "num": fmt_number, "pct": fmt_pct, "minutes": partial(fmt_minutes, lang=lang),
                "fmt": partial(fmt_metric, lang=lang)}

    def render(self, name: str, lang: str, /, **context) -> str:
        t = partial(self.app.i18n.t, lang)
        return self.env.get_template(name).render(**context, **self.filters(lang), t=t, lang=lang)

    def lang_for(self, req: Request, default: str | None = None) -> str:
        if req.query.get("lang") in LANGS:
            return req.query["lang"]
        return default if default in LANGS else self.app.settings.lang

    def signed_in(self, req: Request) -> Person | None:
        with self.app.db.session() as session:
            return auth.session_person(req.cookies.get(COOKIE), now=self.app.clock(), session=session)

    def message(self, req: Request, status: str, key: str, *, lang: str | None = None, **params) -> Response:
        lang = lang or self.lang_for(req)
        text = _code_spans(self.app.i18n.t(lang, key, **params))
        return html(self.render("message.html.j2", lang, title=text, text=None, form=None), status)

    def refuse(self, req: Request, status: str, key: str) -> Response:
        return self.message(req, status, key)

    def not_found(self, req: Request) -> Response:
        return self.message(req, "404 Not Found", "web.error.not_found")

    # -- WSGI -------------------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        req = Request.from_environ(environ)
        try:
            response = self.route(req)
        except Exception:
            log.exception("dashboard failed on %s %s", req.method, req.path)
            response = self.message(req, "500 Internal Server Error", "web.error.internal")
        return response(start_response)

    def route(self, req: Request) -> Response:
        parts = [p for p in req.path.split("/") if p]
        if parts[:2] == ["board", "_static"] and len(parts) == 3:
            return static(parts[2]) or self.not_found(req)
        if parts[:1] == ["board"]:
            if len(parts) in (3, 4) and parts[1] == "team":
                return self.boards.by_session(req, parts[2], parts[3] if len(parts) == 4 else "")
            if len(parts) in (2, 3):
                return self.boards.by_token(req, parts[1], parts[2] if len(parts) == 3 else "")
            return self.not_found(req)
        rest = parts[1:]
        if rest == ["login"]:
            return self.login(req)
        if rest == ["logout"]:
            return self.logout(req)
        person = self.signed_in(req)
        if person is None:
            return self.refuse(req, "401 Unauthorized", "web.error.sign_in")
        return self.teams.route(req, person, rest)

    # -- signing in ---------------------------------------------------------------------------------
    def login(self, req: Request) -> Response:
        """GET shows a button (chat apps fetch links to preview them; that must not use the link up),
        POST uses the link once and opens a session."""
        token = req.form.get("t") if req.method == "POST" else req.query.get("t")
        now = self.app.clock()
        if not token:
            return self.refuse(req, "400 Bad Request", "web.login.forged")
        if req.method != "POST":
            lang = self.lang_for(req)
            return html(self.render("message.html.j2", lang, title=self.app.i18n.t(lang, "web.login.title"),
                                    text=self.app.i18n.t(lang, "web.login.text"), form={"t": token}))
        try:
            with self.app.db.session() as session:
                person_id = auth.use_login_link(token, key=self.key(), now=now, session=session)
                cookie = auth.open_session(person_id, hours=self.web.session_hours, now=now, session=session)
        except auth.LinkRefused as refused:
            return self.refuse(req, "403 Forbidden", f"web.login.{refused.reason}")
        header = session_cookie(cookie, max_age=self.web.session_hours * 3600, secure=self.web.secure_cookie)
        return redirect("/team/", [header])

    def logout(self, req: Request) -> Response:
        with self.app.db.session() as session:
            auth.close_session(req.cookies.get(COOKIE), session=session)
        return redirect("/team/", [session_cookie("", max_age=0, secure=self.web.secure_cookie)])

    def today(self, team: Team):
        return local_today(self.app.clock(), team.tz)


def _code_spans(text: str) -> Markup:
    """Catalogue text is chat markdown: show its `commands` as code, escape everything else."""
    return Markup(re.sub(r"`([^`]+)`", r"<code>\1</code>", str(escape(text))))
