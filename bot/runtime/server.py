"""`pacebot serve`: one WSGI server fronting every configured platform, plus `/healthz`.

The composition root (bot/app.py) builds the adapters; an adapter has `routes()` (path -> WSGI app), `start()` and `stop()` for connections it keeps open
(Slack Socket Mode, DingTalk Stream), and `send()` for replies it did not answer inline.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable

log = logging.getLogger(__name__)

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]


class HttpServer:
    """Routes requests by path to the adapters' WSGI apps; answers `/healthz` once everything started."""

    def __init__(self) -> None:
        self.routes: dict[str, WSGIApp] = {}
        self.ready = False
        self.platforms: list[str] = []

    def mount(self, path: str, wsgi_app: WSGIApp) -> None:
        if path in self.routes:
            raise ValueError(f"{path} is mounted twice")
        self.routes[path] = wsgi_app

    def mount_prefix(self, prefix: str, wsgi_app: WSGIApp) -> None:
        """Every path under `prefix` (e.g. `/api/v1/`) goes to one app."""
        self.mount(prefix.rstrip("/") + "/*", wsgi_app)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "") or "/"
        if path == "/healthz":
            status = "200 OK" if self.ready else "503 Service Unavailable"
            body = json.dumps({"status": "ok" if self.ready else "starting", "platforms": self.platforms}).encode()
            start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        target = self.routes.get(path.rstrip("/") or "/") or self._prefix_match(path)
        if target is None:
            body = b"not found"
            start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
            return [body]
        return target(environ, start_response)

    def _prefix_match(self, path: str) -> WSGIApp | None:
        for key, wsgi_app in self.routes.items():
            if key.endswith("/*") and path.startswith(key[:-1]):
                return wsgi_app
        return None


def build_server(app, adapters: list) -> HttpServer:
    """Mount the adapters' routes and the app's extra routes (API, dashboard) on one server."""
    server = HttpServer()
    for adapter in adapters:
        for path, wsgi_app in adapter.routes().items():
            server.mount(path, wsgi_app)
        server.platforms.append(adapter.platform)
    for extra in app.http_mounts:
        extra(server)
    return server


def serve(app, host: str, port: int, *, adapters: list, threads: int = 16) -> None:
    """Run until interrupted: start adapters' connections, then serve HTTP with waitress."""
    import waitress

    server = build_server(app, adapters)
    if not adapters:
        log.warning("no platform is configured; only /healthz is served (see .env.example)")
    if app.settings.workers:
        from bot.runtime.workers import WorkerPool

        pool = WorkerPool(app, app.settings.workers, nice=app.settings.worker_nice)
        pool.start()
        app.background = pool  # from here on the work after each ack runs in the worker processes
    for adapter in adapters:
        adapter.start()
    for hook in app.on_serve:
        hook()
    server.ready = True
    log.info("pacebot serving %s on %s:%s", ", ".join(server.platforms) or "no platform", host, port)
    _stop_on_sigterm()
    try:
        waitress.serve(server, host=host, port=port, threads=threads, backlog=1024, connection_limit=1000,
                       channel_timeout=60, ident="pacebot")
    finally:
        for adapter in adapters:
            adapter.stop()
        app.background.shutdown()


def _stop_on_sigterm() -> None:
    """`docker stop` and systemd send SIGTERM: stop as on Ctrl-C, so queued work finishes and the worker
    processes are told to stop rather than left behind."""
    import signal
    import threading

    def stop(signum, frame):
        raise SystemExit(0)

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, stop)
