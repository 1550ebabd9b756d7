"""The ingest API under `/api/v1/`: a telephony system pushes reps' daily call totals, a CRM pushes won
deals. A plain WSGI app mounted on `pacebot serve`'s front (see `install`).

- `POST /api/v1/activity`, `POST /api/v1/deals`: one JSON object or an array of them; every item is
  checked before any is stored (400 lists each bad field), with JSON's own types (`true` is no number,
  `"80"` no count). Keys are stable (rep + day; the deal's `external_id`), so a repeated request changes
  nothing, even sent many times at once. Bodies up to `PACEBOT_API_MAX_BODY` bytes (the server refuses
  larger ones with 413).
- `Authorization: Bearer <key>` (or `X-API-Key`), keys from `pacebot apikey create NAME`; else 401.
- A new deal is announced in its team's channel like one logged in chat (historical ones, older
  than `PACEBOT_LOG_WINDOW_DAYS`, are stored quietly).
- `GET /api/v1/openapi.json` describes it all (docs/openapi.json is the same document, checked in).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from datetime import timedelta

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.core.clock import local_today
from bot.core.payloads import BadPayload, load_json
from bot.core.records import ActivityRecord, DealRecord, check_day
from bot.services import apikeys, ingest, org
from bot.chat.tasks import Deliver

log = logging.getLogger(__name__)

PREFIX = "/api/v1"
MAX_ITEMS = 1000
EARLIEST_ZONE = "Etc/GMT-14"  # UTC+14 (Kiribati): no place is a day ahead of it
ATTEMPTS = 3  # a request racing an identical one loses a unique key at most once or twice, then finds the row


def install(app) -> None:
    """Called where the App is built: mount the API on the HTTP front of `pacebot serve`."""
    app.http_mounts.append(lambda server: server.mount_prefix(PREFIX + "/", IngestApi(app),
                                                              max_body=app.settings.api_max_body))


class HttpError(Exception):
    def __init__(self, status: str, body: dict, headers: list[tuple[str, str]] | None = None):
        super().__init__(status)
        self.status, self.body, self.headers = status, body, headers or []


class IngestApi:
    """The WSGI callable."""

    def __init__(self, app):
        self.app = app
        self.routes = {f"{PREFIX}/activity": (ActivityRecord, self._store_activity),
                       f"{PREFIX}/deals": (DealRecord, self._store_deal)}

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        try:
            status, body = self._handle(environ)
            headers = []
        except HttpError as exc:
            status, body, headers = exc.status, exc.body, exc.headers
        except Exception:
            log.exception("ingest API failed on %s", environ.get("PATH_INFO"))
            status, body, headers = "500 Internal Server Error", {"error": "internal", "message": "nothing was stored"}, []
        data = json.dumps(body, ensure_ascii=False, default=str).encode("utf-8")
        start_response(status, [("Content-Type", "application/json; charset=utf-8"),
                                ("Content-Length", str(len(data))), *headers])
        return [data]

    def _handle(self, environ: dict) -> tuple[str, dict]:
        path = (environ.get("PATH_INFO") or "").rstrip("/")
        method = environ.get("REQUEST_METHOD", "GET").upper()
        if path == f"{PREFIX}/openapi.json":
            if method != "GET":
                raise HttpError("405 Method Not Allowed", {"error": "method_not_allowed"}, [("Allow", "GET")])
            from bot.api.openapi import document

            return "200 OK", document()
        if path not in self.routes:
            raise HttpError("404 Not Found", {"error": "not_found", "message": f"no endpoint {path}"})
        if method != "POST":
            raise HttpError("405 Method Not Allowed", {"error": "method_not_allowed"}, [("Allow", "POST")])
        model, store = self.routes[path]
        now = self.app.clock()
        with self.app.db.session() as session:
            key = apikeys.authenticate(_presented_key(environ), now=now, session=session)
        if key is None:
            raise HttpError("401 Unauthorized", {"error": "unauthorized",
                                                  "message": "send a live API key: Authorization: Bearer <key>"},
                            [("WWW-Authenticate", 'Bearer realm="pacebot"')])
        items, single = _read_items(environ)
        # Days are judged here against the first time zone to reach a day, so that every field's error comes
        # at once; the rep's own time zone judges them again once the rep is known (_store_all).
        context = {"today": local_today(now, EARLIEST_ZONE)}
        records, errors = [], []
        for index, item in enumerate(items):
            try:
                # Strict JSON types: the document says integer, so `true` and `"80"` are refused, not read as 1 and 80.
                records.append(model.model_validate_json(json.dumps(item), strict=True, context=context))
            except ValidationError as exc:
                errors += [_field_error(index, e) for e in exc.errors()]
        if errors:
            raise HttpError("400 Bad Request", {"error": "validation_failed", "errors": errors})
        for attempt in range(1, ATTEMPTS + 1):
            try:
                results, announcements = self._store_all(records, store, now)
                break
            except IntegrityError:
                # An identical request stored the same key first; on the next try this one finds that row.
                if attempt == ATTEMPTS:
                    raise
        if announcements:
            # Ack first, announce after: the sender gets its answer without waiting for the platforms.
            self.app.background.submit(Deliver(announcements))
        return "200 OK", (results[0] if single else {"results": results})

    def _store_all(self, records: list, store, now) -> tuple[list[dict], list]:
        """Every record in one transaction, or HttpError (400) with every bad rep and day and nothing stored."""
        announcements: list = []
        results, errors = [], []
        with Session(self.app.db.engine, expire_on_commit=False) as session:
            for index, record in enumerate(records):
                try:
                    person = ingest.resolve_person(record.rep, session=session)
                except ingest.UnknownRef as exc:
                    errors.append({"index": index, "field": "rep", "message": str(exc)})
                    continue
                team = org.get_team(person.team_id, session=session)
                try:  # the day is judged in the rep's own time zone
                    check_day(record.day, local_today(now, team.tz if team else self.app.settings.tz))
                except ValueError as exc:
                    errors.append({"index": index, "field": "day", "message": str(exc)})
                    continue
                results.append(store(index, person, record, now, session, announcements))
            if errors:
                session.rollback()
                raise HttpError("400 Bad Request", {"error": "validation_failed", "errors": errors})
            session.commit()
        return results, announcements

    def _store_activity(self, index, person, record, now, session, announcements) -> dict:
        row, status = ingest.upsert_activity(person, record, now=now, session=session)
        return {"index": index, "status": status, "id": row.id, "external_id": record.external_id}

    def _store_deal(self, index, person, record, now, session, announcements) -> dict:
        team = org.get_team(person.team_id, session=session)
        currency = team.currency if team else self.app.settings.currency
        deal, status = ingest.upsert_deal(person, record, default_currency=currency, now=now, session=session)
        if status == "created" and team is not None:
            today = local_today(now, team.tz)
            if deal.day >= today - timedelta(days=self.app.settings.log_window_days):
                from bot.chat.announcements import deal_announcement

                announcements.append(deal_announcement(self.app.i18n, person, team, deal, today=today, session=session))
        return {"index": index, "status": status, "id": deal.id, "external_id": record.external_id}


def _presented_key(environ: dict) -> str:
    auth = environ.get("HTTP_AUTHORIZATION", "")
    scheme, _, token = auth.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return environ.get("HTTP_X_API_KEY", "").strip()


def _read_items(environ: dict) -> tuple[list, bool]:
    """The body's items (the server has bounded its size already) and whether it was a single object."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(length) if length else b""
    try:
        body = load_json(raw)
    except BadPayload as exc:
        raise HttpError("400 Bad Request", {"error": "invalid_json", "message": str(exc)}) from None
    single = isinstance(body, dict)
    items = [body] if single else body
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        raise HttpError("400 Bad Request", {"error": "invalid_body",
                                            "message": "send one JSON object or a non-empty array of objects"})
    if len(items) > MAX_ITEMS:
        raise HttpError("413 Payload Too Large", {"error": "too_many", "message": f"at most {MAX_ITEMS} items"})
    return items, single


def _field_error(index: int, error: dict) -> dict:
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "missing":
        message = "required"
    elif error["type"] == "extra_forbidden":
        message = "unknown field"
    return {"index": index, "field": ".".join(str(p) for p in error["loc"]), "message": message}
