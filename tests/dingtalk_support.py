"""Fixtures and helpers for the DingTalk tests: the fake platform, an app on it, and people who talk
to the robot through callbacks signed exactly as DingTalk signs them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import itertools
import json
import shutil

import pytest

from adapters.dingtalk import build
from adapters.dingtalk.config import DingTalkSettings
from bot.app import App
from bot.store.db import Database
from tests.conftest import make_settings
from tests.dingtalk_fake import APP_KEY, APP_SECRET, ROBOT_CODE, FakeDingTalk

_ids = itertools.count(1)
# DingTalk stamps each callback when it sends it, and a (timestamp, sign) pair acts only once: callbacks
# signed under one fixed test clock each get a millisecond of their own.
_stamps = itertools.count(0)


@pytest.fixture
def fake(clock):
    server = FakeDingTalk(clock)
    yield server
    server.close()


@pytest.fixture
def dt_settings(fake):
    return DingTalkSettings(_env_file=None, DINGTALK_APP_KEY=APP_KEY, DINGTALK_APP_SECRET=APP_SECRET,
                            DINGTALK_ROBOT_CODE=ROBOT_CODE, DINGTALK_API_BASE=fake.url,
                            DINGTALK_OAPI_BASE=fake.url, DINGTALK_ALLOWED_HOSTS="127.0.0.1")


@pytest.fixture
def sqlite_app(tmp_path, sqlite_template, clock):
    """An app on SQLite only, for tests about the adapter rather than storage."""
    path = tmp_path / "dt.db"
    shutil.copy(sqlite_template, path)
    db = Database(f"sqlite:///{path}")
    yield App(make_settings(PACEBOT_DATABASE_URL=db.url, PACEBOT_ADMINS="dingtalk:boss"), db=db, clock=clock)
    db.dispose()


def make_adapter(app, settings):
    adapter = build(app, settings)
    app.add_sender(adapter)
    return adapter


def dingtalk_sign(timestamp: str, secret: str = APP_SECRET) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def message(fake, text, *, user="zhangwei", nick="张伟", group=None, title=None, msg_id=None,
            expires_ms=None, clock=None, at_robot=True):
    """A robot message in the shape DingTalk posts (HTTP) and streams (Stream `data`)."""
    now_ms = int(clock().timestamp() * 1000)
    payload = {
        "conversationId": group or f"cid-dm-{user}", "chatbotCorpId": "dingcorp", "chatbotUserId": "$:LWCP_v1:$bot",
        "msgId": msg_id or f"msg{next(_ids):06d}", "senderNick": nick, "isAdmin": False,
        "senderStaffId": user, "sessionWebhookExpiredTime": expires_ms or now_ms + 90 * 60 * 1000,
        "createAt": now_ms, "senderCorpId": "dingcorp", "conversationType": "2" if group else "1",
        "senderId": f"$:LWCP_v1:${user}", "sessionWebhook": fake.session_webhook(group or user),
        "text": {"content": text}, "robotCode": ROBOT_CODE, "msgtype": "text",
    }
    if group:
        payload.update(conversationTitle=title or "销售群", isInAtList=at_robot,
                       atUsers=[{"dingtalkId": "$:LWCP_v1:$bot"}])
    return payload


def post(adapter, body, headers):
    """Call the adapter's WSGI callback as waitress would."""
    raw = json.dumps(body, ensure_ascii=False).encode() if not isinstance(body, bytes) else body
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/dingtalk/callback", "CONTENT_LENGTH": str(len(raw)),
               "wsgi.input": io.BytesIO(raw)}
    environ.update({f"HTTP_{k.upper()}": v for k, v in headers.items()})
    seen = {}

    def start_response(status, _headers):
        seen["status"] = status

    out = b"".join(adapter.callback(environ, start_response))
    return int(seen["status"].split()[0]), json.loads(out)


def signed_headers(clock, *, offset_ms=0, secret=APP_SECRET):
    ts = str(int(clock().timestamp() * 1000) + offset_ms + next(_stamps))
    return {"timestamp": ts, "sign": dingtalk_sign(ts, secret)}


class Person:
    """Someone writing to the robot in a 1:1 chat or @-mentioning it in a group, over HTTP."""

    def __init__(self, app, adapter, fake, clock, user, nick, group=None, title=None):
        self.app, self.adapter, self.fake, self.clock = app, adapter, fake, clock
        self.user, self.nick, self.group, self.title = user, nick, group, title

    def say(self, text: str) -> list:
        before = len(self.fake.sent)
        body = message(self.fake, ("@pacebot " if self.group else "") + text, user=self.user, nick=self.nick,
                       group=self.group, title=self.title, clock=self.clock)
        status, _ = post(self.adapter, body, signed_headers(self.clock))
        assert status == 200
        self.app.background.drain()
        return self.fake.sent[before:]


def texts(sent) -> str:
    """Everything those messages said, as one string."""
    out = []
    for s in sent:
        body = s.body
        if "msgParam" in body:
            param = json.loads(body["msgParam"])
            out.append(param.get("text") or param.get("content") or "")
        else:
            kind = body["msgtype"]
            part = body[kind]
            out.append(part.get("text") or part.get("content") or "")
    return "\n".join(out)


def seed(app, team_name="East"):
    """A team with a manager and two reps, known by their DingTalk staff ids."""
    from bot.store.tables.sales import Role
    from bot.services import org

    with app.db.session() as session:
        team = org.create_team(team_name, tz="Asia/Shanghai", currency="CNY", lang="en", now=app.clock(),
                               session=session)
        for user, name, role in (("zhaomin", "Zhao Min", Role.MANAGER), ("zhangwei", "Zhang Wei", Role.REP),
                                 ("wangfang", "Wang Fang", Role.REP)):
            person = org.register("dingtalk", user, name, lang="en", role=role, now=app.clock(), session=session)
            person.team_id = team.id
            session.add(person)
        return team.id
