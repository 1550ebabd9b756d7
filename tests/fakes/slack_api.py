"""A local stand-in for the Slack Web API and response_url endpoint, recording what the bot sent.

It answers as Slack does (`{"ok": true, ...}` JSON, `{"ok": false, "error": ...}` on mistakes, checks the
bot token), and can be told to answer the next calls of a method with 429 + Retry-After or a 500.
It refuses messages Slack refuses for their size (`size_error`): over 12,000 characters of block text
(`msg_blocks_too_long`, which Slack answers at about 12-13k), over 50 blocks or a section over 3,000
characters (`invalid_blocks`), a `text` over 40,000 (`msg_too_long`).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

BOT_USER = "UBOT0001"
MAX_BLOCK_TEXT = 12000
MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_TEXT = 40000
TEAM = "T0PACE01"


@dataclass
class Call:
    method: str  # "chat.postMessage", or "response_url" for posts to a response URL
    args: dict
    at: float  # time.monotonic() when it arrived
    headers: dict = field(default_factory=dict)
    path: str = ""  # e.g. /response/NAME for a response_url post


class FakeSlack:
    def __init__(self, token: str = "xoxb-test-token"):
        self.token = token
        self.calls: list[Call] = []
        self.users: dict[str, dict] = {}
        self.failures: dict[str, list[tuple[int, dict]]] = {}
        self.latency: dict[str, float] = {}  # seconds a method takes to answer, as a busy Slack would
        self._lock = threading.Lock()
        self._ts = 1764122400
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def do_GET(self):
                fake._serve(self)

            def do_POST(self):
                fake._serve(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.api_url = self.url + "/api/"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    # -- set-up from tests -----------------------------------------------------------------------
    def add_user(self, user_id: str, name: str, *, locale: str = "en-US", tz: str = "Asia/Shanghai"):
        self.users[user_id] = {
            "id": user_id, "team_id": TEAM, "name": name.lower().replace(" ", "."), "real_name": name,
            "tz": tz, "tz_offset": 28800, "locale": locale, "is_bot": False,
            "profile": {"display_name": name, "real_name": name},
        }

    def fail(self, method: str, status: int, *, times: int = 1, retry_after: int | None = None, after: int = 0):
        """The next `times` calls of `method` (after `after` that succeed) answer `status` (429 with
        Retry-After, a 5xx, or a 404 for an expired response_url)."""
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        with self._lock:
            self.failures.setdefault(method, []).extend([(200, {})] * after + [(status, headers)] * times)

    def response_url(self, name: str) -> str:
        return f"{self.url}/response/{name}"

    def sent(self, method: str | None = None) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if method is None or c.method == method]

    def messages(self, channel: str | None = None) -> list[dict]:
        """What chat.postMessage delivered (successfully), optionally to one channel."""
        return [c.args for c in self.sent("chat.postMessage")
                if c.args.get("_status") == 200 and (channel is None or c.args.get("channel") == channel)]

    # -- serving -----------------------------------------------------------------------------------
    def _serve(self, request: BaseHTTPRequestHandler):
        parts = urlsplit(request.path)
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length) if length else b""
        args = dict(parse_qsl(parts.query))
        if parts.path.startswith("/upload/"):  # a file's bytes, to the URL files.getUploadURLExternal gave
            args["_bytes"], raw = raw, b""
        if raw:
            if (request.headers.get("Content-Type") or "").startswith("application/json"):
                args.update(json.loads(raw))
            else:
                args.update(dict(parse_qsl(raw.decode())))
        for key in ("blocks", "view", "files"):  # form-encoded calls carry these as JSON strings
            if isinstance(args.get(key), str):
                args[key] = json.loads(args[key])
        if parts.path.startswith("/response/"):
            method = "response_url"
        elif parts.path.startswith("/upload/"):
            method = "upload"
        elif parts.path.startswith("/api/"):
            method = parts.path[len("/api/"):]
        else:
            return self._answer(request, 404, {"ok": False, "error": "not_found"})
        with self._lock:
            failures = self.failures.get(method)
            status, headers = failures.pop(0) if failures else (200, {})
            args["_status"] = status
            self.calls.append(Call(method, args, time.monotonic(), dict(request.headers.items()), parts.path))
        if self.latency.get(method):
            time.sleep(self.latency[method])
        if status == 429:
            return self._answer(request, 429, {"ok": False, "error": "ratelimited"}, headers)
        if status >= 500:
            return self._answer(request, status, b"<html><body>upstream error</body></html>", headers)
        if status != 200:  # e.g. a response_url used after its 30 minutes
            return self._answer(request, status, b"expired_url", headers)
        if method == "response_url":
            if error := size_error(args):
                return self._answer(request, 400, error.encode())
            return self._answer(request, 200, b"ok")
        if method == "upload":
            return self._answer(request, 200, f"OK - {len(args['_bytes'])}".encode())
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return self._answer(request, 200, {"ok": False, "error": "invalid_auth"})
        return self._answer(request, 200, self._result(method, args))

    def _next_ts(self) -> str:
        with self._lock:
            self._ts += 1
            return f"{self._ts}.000100"

    def _result(self, method: str, args: dict) -> dict:
        if method == "auth.test":
            return {"ok": True, "url": "https://pace-test.slack.com/", "team": "Pace Test", "user": "pacebot",
                    "team_id": TEAM, "user_id": BOT_USER, "bot_id": "B0PACE01", "is_enterprise_install": False}
        if method in ("chat.postMessage", "chat.postEphemeral") and (error := size_error(args)):
            return {"ok": False, "error": error}
        if method == "chat.postMessage":
            if not args.get("channel"):
                return {"ok": False, "error": "channel_not_found"}
            return {"ok": True, "channel": args["channel"], "ts": self._next_ts(),
                    "message": {"type": "message", "text": args.get("text"), "user": BOT_USER}}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": self._next_ts()}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D" + args["users"].lstrip("UW")}}
        if method == "users.info":
            user = self.users.get(args.get("user", ""))
            return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}
        if method in ("views.open", "views.publish"):
            view = dict(args["view"], id="V" + self._next_ts().replace(".", ""), team_id=TEAM)
            return {"ok": True, "view": view}
        if method == "files.getUploadURLExternal":
            file_id = "F" + self._next_ts().replace(".", "")
            return {"ok": True, "upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in args["files"]]}
        return {"ok": False, "error": "unknown_method"}

    @staticmethod
    def _answer(request, status: int, body, headers: dict | None = None):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        request.send_response(status)
        kind = "application/json; charset=utf-8" if not isinstance(body, bytes) else (
            "text/html" if body.startswith(b"<") else "text/plain")
        request.send_header("Content-Type", kind)
        request.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            request.send_header(key, value)
        request.end_headers()
        request.wfile.write(data)


def block_text(blocks) -> int:
    """Characters of text in blocks: every text object's `text`, wherever it sits."""
    if isinstance(blocks, dict):
        own = len(blocks["text"]) if isinstance(blocks.get("text"), str) else 0
        return own + sum(block_text(v) for k, v in blocks.items() if not (k == "text" and isinstance(v, str)))
    if isinstance(blocks, list):
        return sum(block_text(v) for v in blocks)
    return 0


def size_error(args: dict) -> str | None:
    """The error Slack gives a message too big in one of the ways it counts, or None."""
    blocks = args.get("blocks") or []
    if len(args.get("text") or "") > MAX_TEXT:
        return "msg_too_long"
    if len(blocks) > MAX_BLOCKS or any(
            b.get("type") == "section" and len((b.get("text") or {}).get("text", "")) > MAX_SECTION for b in blocks):
        return "invalid_blocks"
    if block_text(blocks) > MAX_BLOCK_TEXT:
        return "msg_blocks_too_long"
    return None
