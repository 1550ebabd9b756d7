"""The TV board: the page, its server-rendered body, and the event stream that pushes won deals."""

from __future__ import annotations

import hashlib
import json
import time
from decimal import Decimal

from bot.core.clock import local_today
from bot.store.tables.sales import Metric, Team
from bot.web import data
from bot.services import weblinks as auth
from bot.web.http import Response, html, row_id


class BoardPages:
    def __init__(self, site):
        self.site = site
        self.app = site.app

    def _today(self, team: Team):
        return local_today(self.app.clock(), team.tz)

    def body(self, team: Team, metric: Metric, lang: str) -> str:
        with self.app.db.session() as session:
            snapshot = data.board(team, metric, today=self._today(team), default_tz=self.app.settings.tz,
                                  session=session)
        return self.site.render("board_body.html.j2", lang, b=snapshot)

    def page(self, req, team: Team, metric: Metric, events_url: str) -> Response:
        lang = self.site.lang_for(req, default=team.lang)
        theme = req.query.get("theme") if req.query.get("theme") in ("dark", "light") else "dark"
        with self.app.db.session() as session:
            after = data.last_deal_id(team.id, session=session)
        return html(self.site.render("board.html.j2", lang, team=team, theme=theme, after=after,
                                     events=events_url + f"?lang={lang}", body=self.body(team, metric, lang)))

    def stream(self, req, team: Team, metric: Metric, still_allowed) -> Response:
        """Server-Sent Events: `deal` for each deal won after the browser's last one, `state` when the
        board changed; a browser that reconnects (after a restart, say) sends Last-Event-ID and catches up."""
        lang = self.site.lang_for(req, default=team.lang)
        after = row_id(req.headers.get("last-event-id") or req.query.get("after"))
        if after is None:  # a new viewer: celebrate from now on, not the month's old deals
            with self.app.db.session() as session:
                after = data.last_deal_id(team.id, session=session)
        feed, web = self.site.feed, self.site.web
        feed.ensure_started()

        def events():
            nonlocal after
            held = self.site.stream_slots.acquire(blocking=False)
            try:
                # Without a free slot: answer once and let the browser come back (short polling).
                yield b"retry: 2000\n\n" if held else b"retry: 4000\n\n"
                yield from updates(held)
            finally:
                if held:
                    self.site.stream_slots.release()

        def updates(held: bool):
            nonlocal after
            seq, shown, deadline = feed.seq, None, time.monotonic() + web.stream_seconds
            while not feed.stopped:
                if not still_allowed():
                    yield _event("revoked", {})
                    return
                with self.app.db.session() as session:
                    new = data.deals_after(team.id, after, session=session)
                for deal in new:
                    after = deal.id
                    yield _event("deal", self._deal_json(deal, team, lang), event_id=deal.id)
                body = self.body(team, metric, lang)
                digest = hashlib.sha256(body.encode()).hexdigest()
                if digest != shown:
                    shown = digest
                    yield _event("state", {"html": body})
                if not held or time.monotonic() > deadline:
                    return  # the browser reconnects at once; a TV does not hold a thread for ever
                previous = seq
                seq = feed.wait(seq, timeout=min(15.0, web.stream_seconds))
                if seq == previous:
                    yield b": ping\n\n"  # keeps proxies from closing an idle stream

        return Response("200 OK", events(), "text/event-stream; charset=utf-8",
                        [("Cache-Control", "no-cache"), ("X-Accel-Buffering", "no")])

    def _deal_json(self, deal: data.TickerDeal, team: Team, lang: str) -> dict:
        fmt = self.site.filters(lang)
        return {"id": deal.id, "name": deal.name, "customer": deal.customer or "",
                "amount": fmt["money"](deal.amount, deal.currency),
                "title": self.app.i18n.t(lang, "web.board.won_title"),
                "line": self.app.i18n.t(lang, "web.board.won_line", name=deal.name)}

    # -- routes ---------------------------------------------------------------------------------
    def by_token(self, req, token: str, rest: str) -> Response:
        with self.app.db.session() as session:
            link = auth.board_link(token, session=session)
            team = session.get(Team, link.team_id) if link else None
        if link is None or team is None:
            return self.site.refuse(req, "404 Not Found", "web.error.board_gone")
        metric = Metric(link.metric)

        def still_allowed() -> bool:
            with self.app.db.session() as session:
                return auth.board_link(token, session=session) is not None

        if rest == "events":
            return self.stream(req, team, metric, still_allowed)
        if rest:
            return self.site.not_found(req)
        return self.page(req, team, metric, f"/board/{token}/events")

    def by_session(self, req, team_id: str, rest: str) -> Response:
        person = self.site.signed_in(req)
        if person is None:
            return self.site.refuse(req, "401 Unauthorized", "web.error.sign_in")
        wanted = row_id(team_id)
        if wanted is None or not self.site.rights.can_see_board(person, wanted):
            return self.site.refuse(req, "403 Forbidden", "web.error.forbidden")
        with self.app.db.session() as session:
            team = session.get(Team, wanted)
        if team is None:
            return self.site.not_found(req)
        metric = _metric(req.query.get("metric"))
        person_id = person.id

        def still_allowed() -> bool:
            with self.app.db.session() as session:
                current = auth.session_person(req.cookies.get("pacebot_session"), now=self.app.clock(),
                                              session=session)
                return current is not None and current.id == person_id and \
                    self.site.rights.can_see_board(current, team.id)

        if rest == "events":
            return self.stream(req, team, metric, still_allowed)
        if rest:
            return self.site.not_found(req)
        return self.page(req, team, metric, f"/board/team/{team.id}/events")


def _metric(value: str | None) -> Metric:
    try:
        return Metric(value or "revenue")
    except ValueError:
        return Metric.REVENUE


def _event(name: str, payload: dict, event_id: int | None = None) -> bytes:
    lines = [f"event: {name}"]
    if event_id is not None:
        lines.append(f"id: {event_id}")
    lines.append("data: " + json.dumps(payload, ensure_ascii=False, default=_json_default))
    return ("\n".join(lines) + "\n\n").encode("utf-8")


def _json_default(value):
    if isinstance(value, Decimal):
        return str(value)
    return str(value)
