"""A Slack workspace for tests: payloads shaped and signed exactly as Slack sends them, posted through
the real WSGI stack (our HttpServer → bolt's WSGI adapter), and fixtures wiring a bot to the fake Web API."""

from __future__ import annotations

import hashlib
import hmac
import io
import itertools
import json
import time
from urllib.parse import urlencode

import pytest

from bot.app import App
from bot.app import build_server
from tests.conftest import make_settings
from tests.fakes.slack_api import BOT_USER, TEAM, FakeSlack

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
APP_ID = "A0PACE0001"
ADMIN, REP, REP2 = "U0ADMIN01", "U0REP0001", "U0REP0002"
CHANNEL = "C0SALES01"
_ids = itertools.count(1)


def sign(body: str, timestamp: int, secret: str = SECRET) -> str:
    """Slack's request signature: v0= + hex HMAC-SHA256 of `v0:{timestamp}:{body}`."""
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


class Workspace:
    """Sends what Slack would send to the bot's `/slack/events`, by calling the server's WSGI callable."""

    def __init__(self, server, fake: FakeSlack):
        self.server, self.fake = server, fake
        self.last_response_url: str | None = None

    # -- transport -----------------------------------------------------------------------------
    def post(self, body: str, content_type: str, *, timestamp: int | None = None, signature: str | None = None,
             retry_num: int | None = None, signed: bool = True) -> tuple[int, dict, bytes]:
        timestamp = int(time.time()) if timestamp is None else timestamp
        data = body.encode()
        environ = {
            "REQUEST_METHOD": "POST", "PATH_INFO": "/slack/events", "QUERY_STRING": "",
            "SERVER_PROTOCOL": "HTTP/1.1", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8080",
            "wsgi.url_scheme": "https", "wsgi.input": io.BytesIO(data),
            "CONTENT_TYPE": content_type, "CONTENT_LENGTH": str(len(data)),
            "HTTP_USER_AGENT": "Slackbot 1.0 (+https://api.slack.com/robots)",
        }
        if signed:
            environ["HTTP_X_SLACK_REQUEST_TIMESTAMP"] = str(timestamp)
            environ["HTTP_X_SLACK_SIGNATURE"] = signature or sign(body, timestamp)
        if retry_num is not None:
            environ["HTTP_X_SLACK_RETRY_NUM"] = str(retry_num)
            environ["HTTP_X_SLACK_RETRY_REASON"] = "http_timeout"
        seen = {}

        def start_response(status, headers):
            seen["status"], seen["headers"] = int(status.split()[0]), dict(headers)

        out = b"".join(self.server(environ, start_response))
        return seen["status"], seen["headers"], out

    # -- what Slack sends ------------------------------------------------------------------------
    @staticmethod
    def event_body(event: dict, *, event_id: str | None = None) -> str:
        return json.dumps({
            "token": "legacy-verification-token", "team_id": TEAM, "context_team_id": TEAM,
            "context_enterprise_id": None, "api_app_id": APP_ID, "event": event, "type": "event_callback",
            "event_id": event_id or f"Ev0{next(_ids):08d}", "event_time": int(time.time()),
            "authorizations": [{"enterprise_id": None, "team_id": TEAM, "user_id": BOT_USER, "is_bot": True,
                                "is_enterprise_install": False}],
            "is_ext_shared_channel": False, "event_context": f"4-eyJldCI6ImFwcF9tZW50aW9uIn0{next(_ids)}",
        })

    def event(self, event: dict, *, event_id: str | None = None, retry_num: int | None = None):
        return self.post(self.event_body(event, event_id=event_id), "application/json", retry_num=retry_num)

    @staticmethod
    def _ts() -> str:
        return f"{int(time.time())}.{next(_ids):06d}"

    def mention(self, user: str, text: str, *, channel: str = CHANNEL, **kw):
        ts = self._ts()
        return self.event({"type": "app_mention", "user": user, "text": f"<@{BOT_USER}> {text}", "ts": ts,
                           "client_msg_id": f"c{next(_ids)}", "team": TEAM, "channel": channel, "event_ts": ts,
                           "blocks": [{"type": "rich_text", "block_id": "x", "elements": []}]}, **kw)

    def dm(self, user: str, text: str, **kw):
        ts = self._ts()
        return self.event({"type": "message", "user": user, "text": text, "ts": ts, "team": TEAM,
                           "client_msg_id": f"c{next(_ids)}", "channel": "D" + user.lstrip("UW"),
                           "event_ts": ts, "channel_type": "im"}, **kw)

    def home_opened(self, user: str, **kw):
        return self.event({"type": "app_home_opened", "user": user, "channel": "D" + user.lstrip("UW"),
                           "tab": "home", "event_ts": self._ts(),
                           "view": {"id": "V0HOME", "team_id": TEAM, "type": "home", "blocks": []}}, **kw)

    def command_body(self, user: str, text: str, *, channel: str = CHANNEL, channel_name: str = "sales") -> str:
        self.last_response_url = self.fake.response_url(f"cmd{next(_ids)}")
        return urlencode({
            "token": "legacy-verification-token", "team_id": TEAM, "team_domain": "pace-test",
            "channel_id": channel, "channel_name": channel_name, "user_id": user, "user_name": user.lower(),
            "command": "/pace", "text": text, "api_app_id": APP_ID, "is_enterprise_install": "false",
            "response_url": self.last_response_url, "trigger_id": f"{next(_ids)}.1234.abcdef{next(_ids)}",
        })

    def command(self, user: str, text: str, **kw):
        return self.post(self.command_body(user, text, **kw), "application/x-www-form-urlencoded")

    def interactive(self, payload: dict):
        return self.post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")

    def click(self, user: str, value: str, *, channel: str | None = CHANNEL, home: bool = False):
        base = {"type": "block_actions", "user": {"id": user, "username": user.lower(), "name": user.lower(),
                                                  "team_id": TEAM},
                "api_app_id": APP_ID, "token": "legacy-verification-token", "trigger_id": f"{next(_ids)}.99.ff",
                "team": {"id": TEAM, "domain": "pace-test"}, "enterprise": None, "is_enterprise_install": False,
                "state": {"values": {}},
                "actions": [{"action_id": "pace_cmd_0", "block_id": "b1", "type": "button", "value": value,
                             "text": {"type": "plain_text", "text": value, "emoji": True},
                             "action_ts": self._ts()}]}
        if home:
            base["container"] = {"type": "view", "view_id": "V0HOME"}
            base["view"] = {"id": "V0HOME", "team_id": TEAM, "type": "home", "blocks": [], "private_metadata": "",
                            "callback_id": "", "state": {"values": {}}, "hash": "1.abc"}
        else:
            self.last_response_url = self.fake.response_url(f"act{next(_ids)}")
            base["container"] = {"type": "message", "message_ts": self._ts(), "channel_id": channel,
                                 "is_ephemeral": False}
            base["channel"] = {"id": channel, "name": "sales"}
            base["message"] = {"type": "message", "user": BOT_USER, "ts": self._ts(), "text": "…"}
            base["response_url"] = self.last_response_url
        return self.interactive(base)

    def submit_log(self, user: str, **fields):
        """A view_submission of the "Log today" modal; fields by block id (day as YYYY-MM-DD)."""
        values = {}
        for block in ("dialed", "connected", "talk", "amount", "customer"):
            values[block] = {"value": {"type": "plain_text_input", "value": fields.get(block)}}
        values["day"] = {"value": {"type": "datepicker", "selected_date": fields.get("day")}}
        view_id = f"V0MODAL{next(_ids)}"
        return self.interactive({
            "type": "view_submission", "team": {"id": TEAM, "domain": "pace-test"},
            "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM},
            "api_app_id": APP_ID, "token": "legacy-verification-token", "trigger_id": f"{next(_ids)}.77.ee",
            "view": {"id": view_id, "team_id": TEAM, "type": "modal", "blocks": [], "private_metadata": "",
                     "callback_id": "pace_log", "state": {"values": values}, "hash": f"1764122400.{view_id}",
                     "title": {"type": "plain_text", "text": "Log today"}, "clear_on_close": False,
                     "notify_on_close": False, "close": None, "submit": None, "previous_view_id": None,
                     "root_view_id": view_id, "app_id": APP_ID, "external_id": "", "app_installed_team_id": TEAM,
                     "bot_id": "B0PACE01"},
            "response_urls": [], "is_enterprise_install": False, "enterprise": None,
        })


@pytest.fixture
def fake_slack():
    fake = FakeSlack()
    fake.add_user(ADMIN, "Grace Admin")
    fake.add_user(REP, "Alice Chen")
    fake.add_user(REP2, "王伟", locale="zh-CN")
    yield fake
    fake.close()


@pytest.fixture
def slack_app(db, clock):
    return App(make_settings(PACEBOT_DATABASE_URL=db.url, PACEBOT_ADMINS=f"slack:{ADMIN}"), db=db, clock=clock)


@pytest.fixture
def slack(slack_app, fake_slack, monkeypatch):
    """The bot serving Slack through the same `build_server` as `pacebot serve` (settings from the
    environment, as in production), and a workspace to drive it."""
    for name, value in {"SLACK_BOT_TOKEN": fake_slack.token, "SLACK_SIGNING_SECRET": SECRET,
                        "SLACK_API_URL": fake_slack.api_url, "SLACK_SEND_INTERVAL": "0",
                        "SLACK_RETRY_INTERVAL": "0.01", "SLACK_APP_TOKEN": ""}.items():
        monkeypatch.setenv(name, value)
    server, adapters = build_server(slack_app, ["slack"])
    server.ready = True
    workspace = Workspace(server, fake_slack)
    workspace.app, workspace.adapter = slack_app, adapters[0]
    yield workspace
    slack_app.background.drain()
