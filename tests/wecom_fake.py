"""Faithful local stand-ins for WeCom: its Web API on 127.0.0.1 (recording what the bot sent, able to
answer an expired token or a rate limit), and its callbacks, encrypted and signed with wechatpy's own
crypto exactly as WeCom's servers do."""

from __future__ import annotations

import base64
import hashlib
import io
import itertools
import json
import threading
from collections import defaultdict, deque
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse
from wsgiref.util import setup_testing_defaults

import xmltodict
from wechatpy.enterprise import WeChatCrypto

CORP_ID = "ww0123456789abcdef"
AGENT_ID = 1000002
SECRET = "app-secret-0123456789"
TOKEN = "pacebotToken2026"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
ROBOT_KEY = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"

ERRORS = {42001: "access_token expired", 40014: "invalid access_token", 45009: "api freq out of limit",
          40001: "invalid credential", 93000: "invalid webhook url", 86003: "chat not found",
          40004: "invalid media type", 40005: "invalid file type", 40007: "invalid media_id",
          41001: "missing media", 44001: "empty media data", 40009: "invalid image size or md5"}
PNG, JPEG = b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff"
# Content sizes in UTF-8 bytes, per endpoint and msgtype. WeCom refuses more with errcode 40058
# ("markdown.content exceed max length 4096. invalid Request Parameter", as a robot answers it);
# an app's text over 2,048 bytes it cuts silently, which the fake refuses too, since a cut loses text.
SIZE_LIMITS = {"message/send": {"text": 2048, "markdown": 2048},
               "appchat/send": {"text": 2048, "markdown": 2048},
               "webhook/send": {"text": 2048, "markdown": 4096}}
CARD_BUTTON_TEXT = 10  # characters WeCom shows of a template card button's text


class FakeWeComAPI:
    """qyapi.weixin.qq.com as far as pacebot uses it."""

    def __init__(self):
        self.requests: list[dict] = []  # everything the bot sent that WeCom took
        self.token_fetches = 0
        self.valid_tokens: set[str] = set()
        self.failures: dict[str, deque[int]] = defaultdict(deque)
        self.departments: list[dict] = []
        self.users: list[dict] = []
        self.chats: dict[str, list[str]] = {}
        self.robot_keys = {ROBOT_KEY}
        self.media: dict[str, bytes] = {}  # temporary media by media_id
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                self._answer(fake.handle("GET", self.path, None))

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                kind = self.headers.get("Content-Type") or ""
                body = multipart(kind, raw) if kind.startswith("multipart/form-data") else json.loads(raw or b"{}")
                self._answer(fake.handle("POST", self.path, body))

            def _answer(self, payload):
                body = json.dumps(payload, ensure_ascii=False).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    # -- scripting --------------------------------------------------------------------------
    def expire_tokens(self) -> None:
        self.valid_tokens.clear()

    def fail_next(self, endpoint: str, errcode: int, times: int = 1, *, after: int = 0) -> None:
        """The next `times` calls to `endpoint` (after `after` that succeed) answer `errcode`."""
        self.failures[endpoint].extend([0] * after + [errcode] * times)

    def sent(self, endpoint: str) -> list[dict]:
        return [r["body"] for r in self.requests if r["endpoint"] == endpoint]

    def texts(self, endpoint: str = "message/send", **match) -> list[str]:
        """What people would read, from every message to `endpoint` whose body has `match`."""
        out = []
        for body in self.sent(endpoint):
            if all(body.get(k) == v for k, v in match.items()):
                kind = body.get("msgtype")
                if kind == "template_card":
                    card = body["template_card"]
                    out.append(card.get("main_title", {}).get("title", "") + "\n" + card.get("sub_title_text", ""))
                elif kind in ("text", "markdown"):
                    out.append(body[kind]["content"])
        return out

    # -- the API ----------------------------------------------------------------------------
    def handle(self, method: str, path: str, body: dict | None) -> dict:
        parsed = urlparse(path)
        query = {k: v[0] for k, v in parse_qs(parsed.query).items()}
        endpoint = parsed.path.removeprefix("/cgi-bin/")
        with self._lock:
            if endpoint == "gettoken":
                return self._token(query)
            if endpoint == "webhook/send":
                if query.get("key") not in self.robot_keys:
                    return self._error(93000)
            elif query.get("access_token") not in self.valid_tokens:
                return self._error(42001)
            if self.failures[endpoint] and (code := self.failures[endpoint].popleft()):  # 0: this one succeeds
                return self._error(code)
            if error := size_error(endpoint, body):
                return error
            answer = getattr(self, "_" + endpoint.replace("/", "_"))(query, body)
            if method == "POST":
                self.requests.append({"endpoint": endpoint, "query": query, "body": body})
            return answer

    @staticmethod
    def _error(code: int) -> dict:
        return {"errcode": code, "errmsg": ERRORS.get(code, "error")}

    def _token(self, query):
        if query.get("corpid") != CORP_ID or not query.get("corpsecret", "").startswith(("app-secret", "contacts")):
            return self._error(40001)
        self.token_fetches += 1
        token = f"token-{next(self._ids)}"
        self.valid_tokens.add(token)
        return {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200}

    def _message_send(self, query, body):
        if error := self._media_error(body):
            return error
        known = {u["userid"] for u in self.users}
        invalid = [u for u in body["touser"].split("|") if known and u not in known]
        return {"errcode": 0, "errmsg": "ok", "invaliduser": "|".join(invalid), "msgid": f"msg{next(self._ids)}"}

    def _media_upload(self, query, body):
        """Temporary media: a multipart form whose file is in the field `media`, with its filename."""
        if query.get("type") not in ("image", "voice", "video", "file"):
            return self._error(40004)
        part = body.get("media")
        if not part or not part["filename"]:
            return self._error(41001)
        if not part["content"]:
            return self._error(44001)
        if query["type"] == "image" and not part["content"].startswith((PNG, JPEG)):
            return self._error(40005)
        media_id = f"3a8asd892asd8asd{next(self._ids)}"
        self.media[media_id] = part["content"]
        body["media_id"] = media_id  # recorded with the upload
        return {"errcode": 0, "errmsg": "", "type": query["type"], "media_id": media_id,
                "created_at": "1795658400"}

    def _media_error(self, body) -> dict | None:
        """An app message naming media WeCom does not hold."""
        if body.get("msgtype") == "image" and body["image"].get("media_id") not in self.media:
            return self._error(40007)
        return None

    def _appchat_create(self, query, body):
        chat_id = body.get("chatid") or f"wrk{next(self._ids)}"
        self.chats[chat_id] = body["userlist"]
        return {"errcode": 0, "errmsg": "ok", "chatid": chat_id}

    def _appchat_send(self, query, body):
        if body["chatid"] not in self.chats:
            return self._error(86003)
        return self._media_error(body) or {"errcode": 0, "errmsg": "ok"}

    def _menu_create(self, query, body):
        return {"errcode": 0, "errmsg": "ok"}

    def _webhook_send(self, query, body):
        if body.get("msgtype") == "image":  # inline: base64 of a JPG/PNG of at most 2 MB, and its MD5
            data = base64.b64decode(body["image"]["base64"])
            if len(data) > 2 * 1024 * 1024 or hashlib.md5(data).hexdigest() != body["image"]["md5"]:
                return self._error(40009)
        return {"errcode": 0, "errmsg": "ok"}

    def _department_list(self, query, body):
        depts = self.departments
        if "id" in query:
            keep, root = [], int(query["id"])
            ids = {root}
            for d in sorted(depts, key=lambda d: d["id"]):
                if d["id"] in ids or d["parentid"] in ids:
                    ids.add(d["id"])
                    keep.append(d)
            depts = keep
        return {"errcode": 0, "errmsg": "ok", "department": depts}

    def _user_list(self, query, body):
        dept = int(query["department_id"])
        return {"errcode": 0, "errmsg": "ok", "userlist": [u for u in self.users if dept in u["department"]]}


def size_error(endpoint: str, body: dict | None) -> dict | None:
    """WeCom's answer to a text or markdown message over its size, or None."""
    kind = (body or {}).get("msgtype")
    limit = SIZE_LIMITS.get(endpoint, {}).get(kind)
    if limit is None:
        return None
    content = body[kind].get("content", "")
    if len(content.encode("utf-8")) > limit:
        return {"errcode": 40058, "errmsg": f"{kind}.content exceed max length {limit}. invalid Request Parameter"}
    return None


def multipart(content_type: str, raw: bytes) -> dict[str, dict]:
    """A multipart/form-data body as {field: {"filename", "content_type", "content"}}."""
    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + raw)
    return {part.get_param("name", header="content-disposition"): {
        "filename": part.get_filename(), "content_type": part.get_content_type(),
        "content": part.get_payload(decode=True)} for part in message.iter_parts()}


class WeComCallbacks:
    """WeCom's servers calling the bot: each callback encrypted and signed as WeCom does it."""

    def __init__(self, wsgi_app, clock, *, path: str = "/wecom/callback"):
        self.wsgi_app, self.clock, self.path = wsgi_app, clock, path
        self.crypto = WeChatCrypto(TOKEN, AES_KEY, CORP_ID)
        self._nonces = itertools.count(1000)

    def timestamp(self) -> str:
        return str(int(self.clock().timestamp()))

    def sign(self, plain_xml: str, *, crypto: WeChatCrypto | None = None, timestamp: str | None = None,
             nonce: str | None = None) -> tuple[dict, bytes]:
        """The query string and body WeCom would POST for this message."""
        timestamp = timestamp or self.timestamp()
        nonce = nonce or f"n{next(self._nonces)}"
        sealed = xmltodict.parse((crypto or self.crypto).encrypt_message(plain_xml, nonce, timestamp))["xml"]
        body = (f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><Encrypt><![CDATA[{sealed['Encrypt']}]]>"
                f"</Encrypt><AgentID><![CDATA[{AGENT_ID}]]></AgentID></xml>").encode()
        return {"msg_signature": sealed["MsgSignature"], "timestamp": timestamp, "nonce": nonce}, body

    def call(self, method: str, query: dict, body: bytes = b"") -> tuple[str, bytes]:
        environ: dict = {}
        setup_testing_defaults(environ)
        environ.update({"REQUEST_METHOD": method, "PATH_INFO": self.path, "QUERY_STRING": urlencode(query),
                        "CONTENT_LENGTH": str(len(body)), "CONTENT_TYPE": "text/xml", "wsgi.input": io.BytesIO(body)})
        seen = {}

        def start_response(status, headers):
            seen["status"] = status

        out = b"".join(self.wsgi_app(environ, start_response))
        return seen["status"], out

    def post(self, plain_xml: str, **kw) -> tuple[str, bytes]:
        query, body = self.sign(plain_xml, **kw)
        return self.call("POST", query, body)

    def text(self, user: str, content: str, msg_id: int, **kw) -> str:
        return self.post(text_xml(user, content, msg_id, self.timestamp()), **kw)[0]

    def event(self, user: str, event: str, key: str, create_time: str | None = None, **extra) -> str:
        return self.post(event_xml(user, event, key, create_time or self.timestamp(), **extra))[0]


def text_xml(user: str, content: str, msg_id: int, create_time: str) -> str:
    return (f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><FromUserName><![CDATA[{user}]]></FromUserName>"
            f"<CreateTime>{create_time}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId><AgentID>{AGENT_ID}</AgentID></xml>")


def event_xml(user: str, event: str, key: str, create_time: str, **extra) -> str:
    more = "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in extra.items())
    return (f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><FromUserName><![CDATA[{user}]]></FromUserName>"
            f"<CreateTime>{create_time}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
            f"<Event><![CDATA[{event}]]></Event><EventKey><![CDATA[{key}]]></EventKey>{more}"
            f"<AgentID>{AGENT_ID}</AgentID></xml>")


def wecom_env(api: FakeWeComAPI) -> dict[str, str]:
    return {"WECOM_CORP_ID": CORP_ID, "WECOM_AGENT_ID": str(AGENT_ID), "WECOM_SECRET": SECRET,
            "WECOM_TOKEN": TOKEN, "WECOM_ENCODING_AES_KEY": AES_KEY, "WECOM_API_BASE": api.url}


def sample_directory(api: FakeWeComAPI) -> None:
    """A small company: 华东一部 led by 赵敏, 华南二部 led by 李四 (through the department's leaders)."""
    api.departments = [
        {"id": 1, "name": "星河科技", "parentid": 0, "order": 100000000, "department_leader": []},
        {"id": 2, "name": "华东一部", "parentid": 1, "order": 99999, "department_leader": ["zhaomin"]},
        {"id": 3, "name": "华南二部", "parentid": 1, "order": 99998, "department_leader": ["lisi"]},
    ]
    api.users = [
        {"userid": "boss", "name": "老板", "department": [1], "is_leader_in_dept": [1], "main_department": 1,
         "status": 1},
        {"userid": "zhaomin", "name": "赵敏", "department": [2], "is_leader_in_dept": [1], "main_department": 2,
         "status": 1},
        {"userid": "zhangwei", "name": "张伟", "department": [2], "is_leader_in_dept": [0], "main_department": 2,
         "status": 1},
        {"userid": "wangfang", "name": "王芳", "department": [2, 3], "is_leader_in_dept": [0, 0],
         "main_department": 2, "status": 1},
        {"userid": "lisi", "name": "李四", "department": [3], "is_leader_in_dept": [0], "main_department": 3,
         "status": 1},
        {"userid": "liuyang", "name": "刘洋", "department": [3], "is_leader_in_dept": [0], "main_department": 3,
         "status": 4},
        {"userid": "gone", "name": "离职的人", "department": [3], "is_leader_in_dept": [0], "main_department": 3,
         "status": 5},
    ]


def sim(api: FakeWeComAPI, server, clock, adapter):
    """Everything a WeCom test needs."""
    from types import SimpleNamespace

    return SimpleNamespace(api=api, server=server, adapter=adapter, callbacks=WeComCallbacks(server, clock))
