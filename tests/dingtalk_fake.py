"""A local stand-in for DingTalk: api.dingtalk.com, oapi.dingtalk.com, sessionWebhooks and custom
group robot webhooks on one HTTP server (127.0.0.1, port 0, in a thread). It answers as DingTalk does,
records what the bot sent, and can refuse: expired tokens, flow-controlled staff, a custom robot sending
over 20 a minute (errcode 130101 with HTTP 200, then ten minutes of refusals), a failing media upload,
and a message body over 20,000 bytes (errcode 460101 on a webhook, as DingTalk answers it; the OpenAPI's
answer to that is not documented, so the fake gives its usual 400 InvalidParameter)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

APP_KEY, APP_SECRET, ROBOT_CODE = "dingtestkey", "test-app-secret-0123456789", "dingtestrobot"
ROBOT_TOKEN, ROBOT_SECRET = "a" * 64, "SEC" + "b" * 64
MAX_BODY_BYTES = 20000
TOO_BIG = {"errcode": 460101, "errmsg": "description: body 大小不合法;solution:请保持大小在 20000bytes 以内;"}


@dataclass
class Sent:
    path: str
    query: dict
    headers: dict
    body: dict

    @property
    def msg_param(self) -> dict:
        return json.loads(self.body["msgParam"])


@dataclass
class Upload:
    """A file the bot posted to /media/upload, as DingTalk received it."""
    media_id: str
    type: str
    filename: str
    content_type: str
    content: bytes


IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF8", b"BM")  # DingTalk takes png/jpg/gif/bmp


def parse_multipart(content_type: str, raw: bytes) -> dict:
    """multipart/form-data into {field: (filename, content type, bytes)}, as a server reads it."""
    message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw)
    if not message.is_multipart():
        return {}
    return {part.get_param("name", header="content-disposition"):
            (part.get_filename(), part.get_content_type(), part.get_payload(decode=True))
            for part in message.iter_parts()}


@dataclass
class FakeDingTalk:
    clock: object
    departments: dict = field(default_factory=dict)  # parent dept_id -> [{"dept_id", "name", "parent_id"}]
    users: dict = field(default_factory=dict)  # dept_id -> [{"userid", "name", "leader"}]
    sent: list = field(default_factory=list)
    tokens_issued: int = 0
    oapi_tokens_issued: int = 0
    valid_tokens: set = field(default_factory=set)
    flow_controlled: set = field(default_factory=set)  # staff ids reported flow-controlled, once each
    robot_sends: list = field(default_factory=list)  # times the custom robot accepted a message
    robot_throttled_until: object = None
    uploads: list = field(default_factory=list)  # Upload, in order
    upload_errors: list = field(default_factory=list)  # answers given (once each) instead of an upload
    page_size: int = 2  # users per page, small so that paging is exercised

    def __post_init__(self):
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                self._answer(*fake.route("GET", self.path, dict(self.headers), {}))

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                kind = self.headers.get("Content-Type", "")
                if kind.startswith("multipart/form-data"):
                    body = {"multipart": parse_multipart(kind, raw)}
                else:
                    body = json.loads(raw) if raw else {}
                self._answer(*fake.route("POST", self.path, dict(self.headers), body))

            def _answer(self, status, data):
                out = json.dumps(data, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.ws_endpoint = None  # set by a test that runs a Stream gateway

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    # -- what tests look at -----------------------------------------------------------------------
    def to(self, path: str) -> list[Sent]:
        return [s for s in self.sent if s.path == path]

    def expire_tokens(self):
        self.valid_tokens.clear()

    def session_webhook(self, name: str) -> str:
        return f"{self.url}/robot/sendBySession?session={name}"

    @property
    def robot_webhook(self) -> str:
        return f"{self.url}/robot/send?access_token={ROBOT_TOKEN}"

    # -- DingTalk ---------------------------------------------------------------------------------
    def route(self, method: str, raw_path: str, headers: dict, body: dict):
        parts = urlsplit(raw_path)
        path, query = parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}
        too_big = int(headers.get("Content-Length") or 0) > MAX_BODY_BYTES and "multipart" not in body
        if too_big and path in ("/robot/send", "/robot/sendBySession"):
            return 200, dict(TOO_BIG)
        if too_big and path.startswith("/v1.0/robot/"):
            return 400, {"code": "InvalidParameter", "message": "body is too large", "requestid": "r-big"}
        with self.lock:
            if path == "/v1.0/oauth2/accessToken":
                if body != {"appKey": APP_KEY, "appSecret": APP_SECRET}:
                    return 400, {"code": "InvalidParameter", "message": "appkey or appsecret wrong"}
                self.tokens_issued += 1
                token = f"app-token-{self.tokens_issued}"
                self.valid_tokens.add(token)
                return 200, {"accessToken": token, "expireIn": 7200}
            if path == "/gettoken":
                if query != {"appkey": APP_KEY, "appsecret": APP_SECRET}:
                    return 200, {"errcode": 40089, "errmsg": "不合法的corpid或corpsecret"}
                self.oapi_tokens_issued += 1
                token = f"oapi-token-{self.oapi_tokens_issued}"
                self.valid_tokens.add(token)
                return 200, {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200}
            if path == "/v1.0/gateway/connections/open":
                return 200, {"endpoint": self.ws_endpoint, "ticket": "ticket-1"}
            if path.startswith("/v1.0/"):
                if headers.get("x-acs-dingtalk-access-token") not in self.valid_tokens:
                    return 401, {"code": "InvalidAuthentication", "message": "不合法的access_token",
                                 "requestid": "r1"}
                self.sent.append(Sent(path, query, headers, body))
                if path == "/v1.0/robot/oToMessages/batchSend":
                    limited = [u for u in body["userIds"] if u in self.flow_controlled]
                    self.flow_controlled -= set(limited)
                    if limited:
                        self.sent.pop()  # not delivered
                    return 200, {"processQueryKey": "q1", "invalidStaffIdList": [],
                                 "flowControlledStaffIdList": limited}
                if path == "/v1.0/robot/groupMessages/send":
                    return 200, {"processQueryKey": "q2"}
                return 404, {"code": "NotFound"}
            if path.startswith("/topapi/"):
                if query.get("access_token") not in self.valid_tokens:
                    return 200, {"errcode": 40014, "errmsg": "不合法的access_token"}
                if path == "/topapi/v2/department/listsub":
                    return 200, {"errcode": 0, "errmsg": "ok", "result": self.departments.get(body["dept_id"], [])}
                if path == "/topapi/v2/user/list":
                    people = self.users.get(body["dept_id"], [])
                    start, size = body["cursor"], min(body["size"], self.page_size)
                    page = people[start:start + size]
                    more = start + size < len(people)
                    result = {"has_more": more, "list": page}
                    if more:
                        result["next_cursor"] = start + size
                    return 200, {"errcode": 0, "errmsg": "ok", "result": result}
            if path == "/media/upload":
                return 200, self._upload(query, body)
            if path == "/robot/sendBySession":
                self.sent.append(Sent(path, query, headers, body))
                return 200, {"errcode": 0, "errmsg": "ok"}
            if path == "/robot/send":
                return 200, self._custom_robot(path, query, headers, body)
        return 404, {"errcode": 404, "errmsg": "not found"}

    def _upload(self, query: dict, body: dict) -> dict:
        """POST /media/upload?access_token&type, the file in multipart field `media` (old API)."""
        if query.get("access_token") not in self.valid_tokens:
            return {"errcode": 40014, "errmsg": "不合法的access_token"}
        if query.get("type") not in ("image", "voice", "video", "file"):
            return {"errcode": 40004, "errmsg": "不合法的媒体文件类型"}
        media = (body.get("multipart") or {}).get("media")
        if media is None or not media[2]:
            return {"errcode": 41005, "errmsg": "缺少多媒体文件数据"}
        filename, content_type, content = media
        if query["type"] == "image" and not content.startswith(IMAGE_MAGIC):
            return {"errcode": 40005, "errmsg": "不合法的文件类型"}
        if self.upload_errors:
            return self.upload_errors.pop(0)
        media_id = f"@lADP{len(self.uploads) + 1:06d}"
        self.uploads.append(Upload(media_id, query["type"], filename, content_type, content))
        return {"errcode": 0, "errmsg": "ok", "type": query["type"], "media_id": media_id,
                "created_at": int(self.clock().timestamp() * 1000)}

    def _custom_robot(self, path, query, headers, body) -> dict:
        now = self.clock()
        ts = query.get("timestamp", "")
        expected = base64.b64encode(hmac.new(ROBOT_SECRET.encode(), f"{ts}\n{ROBOT_SECRET}".encode(),
                                             hashlib.sha256).digest()).decode()
        if query.get("access_token") != ROBOT_TOKEN:
            return {"errcode": 300001, "errmsg": "token is not exist"}
        if not ts.isdigit() or abs(int(now.timestamp() * 1000) - int(ts)) > 3600_000 \
                or not hmac.compare_digest(expected, query.get("sign", "")):
            return {"errcode": 310000, "errmsg": "sign not match"}
        if self.robot_throttled_until and now < self.robot_throttled_until:
            return {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"}
        recent = [t for t in self.robot_sends if t > now - timedelta(minutes=1)]
        if len(recent) >= 20:
            self.robot_throttled_until = now + timedelta(minutes=10)
            return {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"}
        self.robot_sends.append(now)
        self.sent.append(Sent(path, query, headers, body))
        return {"errcode": 0, "errmsg": "ok"}
