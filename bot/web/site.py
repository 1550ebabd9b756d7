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
from bot.web.rights import Rights
from bot.services import weblinks as auth
from bot.web.board import BoardPages
from bot.web.csrf import CsrfGuard
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
        self.rights = Rights(app)
        self.feed = ChangeFeed(app.db, self.web.poll_seconds)
        # Open streams each hold a server thread; past this many, a board polls instead (see BoardPages).
        self.stream_slots = threading.BoundedSemaphore(self.web.max_streams)
        self.env = Environment(loader=FileSystemLoader(str(TEMPLATES / "web")), autoescape=True,
                               undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
        self.boards = BoardPages(self)
        self.teams = TeamPages(self)
        self._key: str | None = None
        self.csrf = CsrfGuard(self.key, public_url=self.web.public_url, always_secure=self.web.secure_cookie,
                              max_age=self.web.session_hours * 3600)

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

    def render(self, name: str, lang: str, /, req: Request | None = None, **context) -> str:
        """A page; pass `req` for one with forms (they call `csrf()` for their token)."""
        t = partial(self.app.i18n.t, lang)
        if req is not None:
            context["csrf"] = partial(self.csrf.token, req)
        return self.env.get_template(name).render(**context, **self.filters(lang), t=t, lang=lang)

    def lang_for(self, req: Request, default: str | None = None) -> str:
        if req.query.get("lang") in LANGS:
            return req.query["lang"]
        return default if default in LANGS else self.app.settings.lang

    def signed_in(self, req: Request) -> Person | None:
        with self.app.db.session() as session:
            return auth.session_person(req.cookies.get(COOKIE), now=self.app.clock(), session=session)

    def message(self, req: Request, status: str, key: str, *, lang: str | None = None, both: bool = False,
                **params) -> Response:
        """A page saying one catalogue string; `both` adds it in the other language (for a refusal that
        may come before we know whose browser it is)."""
        lang = lang or self.lang_for(req)
        text = _code_spans(self.app.i18n.t(lang, key, **params))
        other = _code_spans(self.app.i18n.t(_other(lang), key, **params)) if both else None
        return html(self.render("message.html.j2", lang, title=text, text=other, form=None), status)

    def form_page(self, req: Request, status: str, key: str, form: dict, *, headers=()) -> Response:
        """A page of one button: `web.<key>.title`, `.text` and `.button`; `form` has the `action`, the
        button's `id` and the hidden `fields` (the CSRF token is added)."""
        lang = self.lang_for(req)
        t = partial(self.app.i18n.t, lang)
        return html(self.render("message.html.j2", lang, req, title=t(f"web.{key}.title"), text=t(f"web.{key}.text"),
                                form={**form, "button": t(f"web.{key}.button")}), status, headers)

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
        response.headers.extend(req.set_cookies)
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
        if req.method == "POST":
            refused = self.csrf.refusal(req)
            if refused is not None:
                log.warning("dashboard refused a POST to %s: %s", req.path, refused)
                return self.message(req, "403 Forbidden", f"web.csrf.{refused}", both=True)
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
            return self.form_page(req, "200 OK", "login", {"action": f"/team/login?lang={lang}", "id": "sign-in",
                                                          "fields": {"t": token}})
        try:
            with self.app.db.session() as session:
                person_id = auth.use_login_link(token, key=self.key(), now=now, session=session)
                cookie = auth.open_session(person_id, hours=self.web.session_hours, now=now, session=session)
        except auth.LinkRefused as refused:
            return self.refuse(req, "403 Forbidden", f"web.login.{refused.reason}")
        header = session_cookie(cookie, max_age=self.web.session_hours * 3600, secure=self.csrf.secure(req))
        return redirect("/team/", [header])

    def logout(self, req: Request) -> Response:
        """Only a POST (the header's button) signs out; a GET, which any page can make, asks for the click."""
        if req.method != "POST":
            return self.form_page(req, "405 Method Not Allowed", "logout", {"action": "/team/logout",
                                  "id": "sign-out", "fields": {}}, headers=[("Allow", "POST")])
        with self.app.db.session() as session:
            auth.close_session(req.cookies.get(COOKIE), session=session)
        return redirect("/team/", [session_cookie("", max_age=0, secure=self.csrf.secure(req))])

    def today(self, team: Team):
        return local_today(self.app.clock(), team.tz)


def _other(lang: str) -> str:
    return next(other for other in LANGS if other != lang)


def _code_spans(text: str) -> Markup:
    """Catalogue text is chat markdown: show its `commands` as code, escape everything else."""
    return Markup(re.sub(r"`([^`]+)`", r"<code>\1</code>", str(escape(text))))
