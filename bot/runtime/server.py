"""`pacebot serve`: one WSGI server fronting every configured platform, plus `/healthz` (the process is
alive) and `/readyz` (the database, each platform connection, the worker pool; whether this process
holds the scheduler is reported, not required).

The composition root (bot/app.py) builds the adapters; an adapter has `routes()` (path -> WSGI app),
`start()` and `stop()` for connections it keeps open (Slack Socket Mode, DingTalk Stream), optionally
`health()` and `max_body` (its routes' body limit in bytes), and `send()` for the outbox.

Every route has a body limit, enforced here once for all: a Content-Length over it is refused with 413
before a byte is read, and a body without one (chunked) is read only up to the limit, then refused.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

log = logging.getLogger(__name__)

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]
DEFAULT_MAX_BODY = 1 << 20  # 1 MiB: the platforms' callbacks are far smaller


@dataclass(frozen=True)
class Check:
    """One thing /readyz looks at: `probe()` returns (ok, reason); `required=False` only reports."""

    name: str
    probe: Callable[[], tuple[bool, str]]
    required: bool = True


class HttpServer:
    """Routes requests by path to the adapters' WSGI apps; answers `/healthz` and `/readyz` itself."""

    def __init__(self) -> None:
        self.routes: dict[str, WSGIApp] = {}
        self.max_bodies: dict[str, int] = {}  # route key -> body limit in bytes
        self.ready = False  # set once everything started
        self.platforms: list[str] = []
        self.checks: list[Check] = []

    def mount(self, path: str, wsgi_app: WSGIApp, *, max_body: int = DEFAULT_MAX_BODY) -> None:
        """`path` goes to `wsgi_app`, with bodies of at most `max_body` bytes."""
        if path in self.routes:
            raise ValueError(f"{path} is mounted twice")
        self.routes[path] = wsgi_app
        self.max_bodies[path] = max_body

    def mount_prefix(self, prefix: str, wsgi_app: WSGIApp, *, max_body: int = DEFAULT_MAX_BODY) -> None:
        """Every path under `prefix` (e.g. `/api/v1/`) goes to one app."""
        self.mount(prefix.rstrip("/") + "/*", wsgi_app, max_body=max_body)

    def largest_body(self) -> int:
        """The largest body any route takes (the WSGI server may refuse anything larger while reading)."""
        return max(self.max_bodies.values(), default=DEFAULT_MAX_BODY)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "") or "/"
        if path == "/healthz":  # alive: the WSGI server answers
            return _json(start_response, "200 OK", {"status": "ok", "platforms": self.platforms})
        if path == "/readyz":
            ok, report = self.readiness()
            return _json(start_response, "200 OK" if ok else "503 Service Unavailable", report)
        key = self._route_key(path)
        if key is None:
            body = b"not found"
            start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
            return [body]
        refusal = _bounded_body(environ, self.max_bodies[key])
        if refusal is not None:
            status, reason = refusal
            return _json(start_response, status, {"error": reason[0], "message": reason[1]})
        return self.routes[key](environ, start_response)

    def readiness(self) -> tuple[bool, dict]:
        """(ready, report): every check's answer; not ready while starting or when a required one fails."""
        checks, failed = {}, []
        for check in self.checks:
            try:
                ok, reason = check.probe()
            except Exception as exc:  # a probe that breaks says "down", with why
                ok, reason = False, f"{type(exc).__name__}: {exc}"
            checks[check.name] = {"ok": bool(ok), "detail": reason, **({} if check.required else {"required": False})}
            if check.required and not ok:
                failed.append(f"{check.name}: {reason}")
        if not self.ready:
            failed.insert(0, "starting")
        report = {"status": "ready" if not failed else "unavailable", "checks": checks}
        if failed:
            report["reason"] = "; ".join(failed)
        return not failed, report

    def _route_key(self, path: str) -> str | None:
        exact = path.rstrip("/") or "/"
        if exact in self.routes:
            return exact
        for key in self.routes:
            if key.endswith("/*") and path.startswith(key[:-1]):
                return key
        return None


def _bounded_body(environ: dict, limit: int) -> tuple[str, tuple[str, str]] | None:
    """Read the request's body, at most `limit` bytes, into `wsgi.input` (with its exact CONTENT_LENGTH),
    or say why not: (status, (error, message))."""
    declared = (environ.get("CONTENT_LENGTH") or "").strip()
    too_large = ("413 Payload Too Large", ("too_large", f"the body is over {limit} bytes"))
    if declared:
        if not declared.isdigit():
            return "400 Bad Request", ("bad_length", f"Content-Length {declared[:20]!r} is not a number of bytes")
        length = int(declared)
        if length > limit:
            return too_large  # before reading a byte of it
        body = environ["wsgi.input"].read(length) if length else b""
    elif environ.get("wsgi.input_terminated"):  # chunked: the server ends the stream where the body ends
        body = environ["wsgi.input"].read(limit + 1)
        if len(body) > limit:
            return too_large
    else:
        body = b""  # without a length, WSGI says there is none to read
    environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(body), str(len(body))
    return None


def build_server(app, adapters: list) -> HttpServer:
    """Mount the adapters' routes and the app's extra routes (API, dashboard) on one server."""
    server = HttpServer()
    server.checks.append(Check("database", lambda: database_check(app.db)))
    for adapter in adapters:
        for path, wsgi_app in adapter.routes().items():
            server.mount(path, wsgi_app, max_body=getattr(adapter, "max_body", DEFAULT_MAX_BODY))
        server.platforms.append(adapter.platform)
        if hasattr(adapter, "health"):
            server.checks.append(Check(adapter.platform, adapter.health))
    for extra in app.http_mounts:
        extra(server)
    return server


def serve(app, host: str, port: int, *, adapters: list, build_worker=None, threads: int = 16) -> None:
    """Run until interrupted: start adapters' connections, then serve HTTP with waitress. `build_worker`
    makes a worker process's App (needed with PACEBOT_WORKERS > 0)."""
    import waitress

    server = build_server(app, adapters)
    if not adapters:
        log.warning("no platform is configured; only /healthz is served (see .env.example)")
    if app.settings.workers:
        from bot.runtime.workers import WorkerPool

        pool = WorkerPool(app, app.settings.workers, build=build_worker, nice=app.settings.worker_nice)
        pool.start()
        app.background = pool  # from here on the work after each ack runs in the worker processes
    else:
        app.background.keep_polling()  # this process's threads run the inbox's tasks
    server.checks.append(Check("workers", app.background.alive))
    for adapter in adapters:
        adapter.start()
    for hook in app.on_serve:
        hook()
    server.checks.append(Check("scheduler", lambda: scheduler_check(app), required=False))
    server.ready = True
    log.info("pacebot serving %s on %s:%s", ", ".join(server.platforms) or "no platform", host, port)
    _stop_on_sigterm()
    try:
        waitress.serve(server, host=host, port=port, threads=threads, backlog=1024, connection_limit=1000,
                       channel_timeout=60, ident="pacebot", max_request_body_size=server.largest_body())
    finally:
        for adapter in adapters:
            adapter.stop()
        app.background.shutdown()


def database_check(db) -> tuple[bool, str]:
    from sqlalchemy import text

    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:
        return False, f"unreachable ({type(exc).__name__})"
    return True, db.dialect


def scheduler_check(app) -> tuple[bool, str]:
    """Reported, never a failure: only one process schedules."""
    service = getattr(app, "scheduler", None)
    if service is None:
        return True, "not run by this process"
    if service.leading.is_set():
        return True, "held by this process"
    return True, "not held by this process (another one schedules, or will)"


def _json(start_response: Callable, status: str, data: dict) -> list[bytes]:
    body = json.dumps(data, ensure_ascii=False).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def _stop_on_sigterm() -> None:
    """`docker stop` and systemd send SIGTERM: stop as on Ctrl-C, so queued work finishes and the worker
    processes are told to stop rather than left behind."""
    import signal
    import threading

    def stop(signum, frame):
        raise SystemExit(0)

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, stop)
