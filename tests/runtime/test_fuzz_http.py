"""Hypothesis fuzzes every route of `pacebot serve`'s HTTP front (Slack, WeCom GET and POST, DingTalk, the
ingest API, the dashboard, /healthz, /readyz), unsigned and correctly signed so that the fuzz reaches
past verification: never a 5xx, never an exception out of the server, and a refused request (4xx)
changes no row of any table. The body limit is checked on every route too.

The everyday run tries `EXAMPLES` requests per route, on SQLite and PostgreSQL like every storage test;
the `slow` run (CI's .ci/run includes it) tries `SLOW_EXAMPLES` of each signed kind on PostgreSQL."""

from __future__ import annotations

import io
import json
import string
import time
from urllib.parse import urlencode
from wsgiref.util import setup_testing_defaults

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import inspect, text

from bot.app import App, build_server
from bot.services import apikeys, org, weblinks
from bot.store.tables.sales import Role
from bot.services.audit import CLI
from tests.conftest import make_settings
from tests.dingtalk_fake import APP_KEY, APP_SECRET, ROBOT_CODE, FakeDingTalk
from tests.dingtalk_support import message, signed_headers
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_workspace import ADMIN, APP_ID, REP, SECRET, Workspace, sign
from tests.wecom_fake import FakeWeComAPI, WeComCallbacks, event_xml, text_xml, wecom_env

EXAMPLES, SLOW_EXAMPLES = 50, 300

# -- values -------------------------------------------------------------------------------------------
scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=False),
                    st.text(max_size=20), st.sampled_from(["", "0", "1.5", "²", "\x00", "me", "help", "2026-11-26"]))
json_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)), max_leaves=12)
raw_bytes = st.one_of(st.binary(max_size=300), st.just(b"[" * 3000), st.just(b'{"a":' * 300 + b"1" + b"}" * 300),
                      json_values.map(lambda v: json.dumps(v).encode()))


def mutated(template: dict):
    """`template` with each field kept, dropped or replaced by any JSON value, nested objects likewise."""
    def field(value):
        keep = mutated(value) if isinstance(value, dict) else st.just(value)
        return st.one_of(keep, keep, json_values, st.just(_DROP))

    return st.fixed_dictionaries({k: field(v) for k, v in template.items()}).map(
        lambda d: {k: v for k, v in d.items() if v is not _DROP})


_DROP = object()
segments = st.one_of(st.text(string.ascii_letters + string.digits + "._-%²١", max_size=12),
                     st.sampled_from(["1", "2", "0", "9" * 40, "rep", "events", "export.csv", "export.xlsx",
                                      "login", "logout", "_static", "team", "board.css", "²"]))


# -- the server -------------------------------------------------------------------------------------
class Front:
    """The whole HTTP front with every platform configured, and what each request did to the tables."""

    def __init__(self, app, server, wecom: WeComCallbacks, dingtalk: FakeDingTalk, api_key: str, cookie: str):
        self.app, self.server, self.wecom, self.dingtalk = app, server, wecom, dingtalk
        self.api_key, self.cookie = api_key, cookie
        self.tables = [t for t in inspect(app.db.engine).get_table_names() if t != "alembic_version"]

    def counts(self) -> dict[str, int]:
        self.app.background.drain()
        with self.app.db.engine.connect() as connection:
            return {t: connection.execute(text(f'SELECT COUNT(*) FROM "{t}"')).scalar() for t in self.tables}

    def request(self, method: str, path: str, body: bytes = b"", *, query: str = "", headers: dict | None = None,
                chunked: bool = False) -> tuple[int, bytes]:
        """One request as waitress would pass it; refused ones must leave every table as it was."""
        before = self.counts()
        environ: dict = {}
        setup_testing_defaults(environ)
        environ.update({"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query,
                        "wsgi.input": io.BytesIO(body), "CONTENT_TYPE": "application/json"})
        if chunked:
            environ["wsgi.input_terminated"] = True
        else:
            environ["CONTENT_LENGTH"] = str(len(body))
        for name, value in (headers or {}).items():
            key = name.upper().replace("-", "_")
            environ[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}"] = value
        seen = {}
        out = b"".join(self.server(environ, lambda status, _headers: seen.update(status=int(status[:3]))))
        status = seen["status"]
        assert status < 500, (method, path, status, out[:300])
        if 400 <= status < 500:
            assert self.counts() == before, f"{method} {path} was refused ({status}) but changed rows"
        return status, out


@pytest.fixture
def front(db, clock, monkeypatch, tmp_path):
    slack_api, wecom_api, dingtalk = FakeSlack(), FakeWeComAPI(), FakeDingTalk(clock)
    env = {"SLACK_BOT_TOKEN": slack_api.token, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": slack_api.api_url,
           "SLACK_SEND_INTERVAL": "0", "SLACK_RETRY_INTERVAL": "0.01", "SLACK_APP_TOKEN": "",
           **wecom_env(wecom_api), "DINGTALK_APP_KEY": APP_KEY, "DINGTALK_APP_SECRET": APP_SECRET,
           "DINGTALK_ROBOT_CODE": ROBOT_CODE, "DINGTALK_API_BASE": dingtalk.url, "DINGTALK_OAPI_BASE": dingtalk.url,
           "DINGTALK_ALLOWED_HOSTS": "127.0.0.1", "PACEBOT_WEB_STREAM_SECONDS": "0.05",
           "PACEBOT_WEB_POLL_SECONDS": "0.01", "PACEBOT_PUBLIC_URL": "http://localhost:8080"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    app = App(make_settings(PACEBOT_DATABASE_URL=db.url, PACEBOT_ADMINS=f"slack:{ADMIN}"), db=db, clock=clock)
    with app.db.session() as session:
        team = org.create_team("East", tz="Asia/Shanghai", currency="CNY", lang="en", now=clock(), session=session)
        manager = org.register("slack", REP, "Mia Manager", lang="en", role=Role.MANAGER, now=clock(),
                               session=session)
        manager.team_id = team.id
        session.add(manager)
        session.flush()
        api_key = apikeys.create("fuzz", actor=CLI, now=clock(), session=session)[1]
        cookie = weblinks.open_session(manager.id, hours=8, now=clock(), session=session)
    server, _ = build_server(app, ["slack", "wecom", "dingtalk"])
    server.ready = True
    yield Front(app, server, WeComCallbacks(server, clock), dingtalk, api_key, cookie)
    server.dashboard.stop()
    app.background.drain()
    for fake in (slack_api, wecom_api, dingtalk):
        fake.close()


def fuzz(examples: int = EXAMPLES):
    return settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


CASES: dict[str, tuple] = {}  # name -> (request function, strategies), for the slow run


def case(**strategies):
    """An everyday fuzz test of `fn` over `strategies`, remembered for the slow run."""
    def wrap(fn):
        CASES[fn.__name__.removeprefix("test_")] = (fn, strategies)
        return fuzz()(given(**strategies)(fn))

    return wrap


# -- Slack ------------------------------------------------------------------------------------------
SLACK_EVENT = json.loads(Workspace.event_body({"type": "message", "user": REP, "text": "help", "ts": "1.2",
                                                "channel": "D0REP0001", "event_ts": "1.2", "channel_type": "im"}))
SLACK_COMMAND = {"token": "t", "team_id": "T1", "channel_id": "C0SALES01", "channel_name": "sales", "user_id": REP,
                 "user_name": "rep", "command": "/pace", "text": "help", "api_app_id": APP_ID,
                 "response_url": "http://127.0.0.1:9/none", "trigger_id": "1.2.3"}
SLACK_CLICK = {"type": "block_actions", "user": {"id": REP, "username": "rep"}, "api_app_id": APP_ID,
               "trigger_id": "1.9.f", "team": {"id": "T1"}, "channel": {"id": "D0REP0001"},
               "container": {"type": "message", "channel_id": "D0REP0001"},
               "actions": [{"action_id": "pace_cmd_0", "value": "help", "type": "button"}]}
SLACK_MODAL = {"type": "view_submission", "user": {"id": REP, "username": "rep"}, "api_app_id": APP_ID,
               "team": {"id": "T1"}, "view": {"id": "V1", "callback_id": "pace_log", "hash": "h", "private_metadata": "",
                                             "state": {"values": {"dialed": {"value": {"value": "80"}},
                                                                  "day": {"value": {"selected_date": "2026-11-26"}}}}}}


def slack_bodies():
    form = mutated(SLACK_COMMAND).map(lambda d: (urlencode({k: str(v) for k, v in d.items()}),
                                                 "application/x-www-form-urlencoded"))
    interactions = st.one_of(mutated(SLACK_CLICK), mutated(SLACK_MODAL)).map(
        lambda d: (urlencode({"payload": json.dumps(d)}), "application/x-www-form-urlencoded"))
    events = st.one_of(mutated(SLACK_EVENT), json_values).map(lambda d: (json.dumps(d), "application/json"))
    return st.one_of(form, interactions, events)


@case(body=slack_bodies(), stamp=st.one_of(st.none(), st.sampled_from(["1.5", "abc", "", "-1", "²"])))
def test_slack_signed(front, body, stamp):
    data, content_type = body
    timestamp = stamp if stamp is not None else str(int(time.time()))
    front.request("POST", "/slack/events", data.encode(), headers={
        "Content-Type": content_type, "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": sign(data, timestamp)})


@case(body=raw_bytes, content_type=st.sampled_from(["application/json", "application/x-www-form-urlencoded", ""]),
       method=st.sampled_from(["POST", "GET", "PUT"]))
def test_slack_unsigned(front, body, content_type, method):
    front.request(method, "/slack/events", body, headers={"Content-Type": content_type,
                                                         "X-Slack-Signature": "v0=" + "0" * 64,
                                                         "X-Slack-Request-Timestamp": str(int(time.time()))})


# -- WeCom ------------------------------------------------------------------------------------------
wecom_xml = st.one_of(
    st.builds(text_xml, st.text(max_size=12), st.text(max_size=40), st.integers(-5, 2**64), st.text(max_size=12)),
    st.builds(event_xml, st.text(max_size=12), st.sampled_from(["click", "template_card_event", "enter_agent", ""]),
              st.text(max_size=12), st.text(max_size=12)),
    st.text(max_size=200))
queries = st.dictionaries(st.sampled_from(["msg_signature", "timestamp", "nonce", "echostr", "x"]),
                          st.one_of(st.text(max_size=30), st.sampled_from(["1.5", "²", "9" * 5000])), max_size=5)


@case(plain=wecom_xml)
def test_wecom_signed(front, plain):
    try:
        query, body = front.wecom.sign(plain)
    except Exception:  # wechatpy cannot seal what is no text (surrogates): nothing to send
        return
    front.request("POST", "/wecom/callback", body, query=urlencode(query), headers={"Content-Type": "text/xml"})


@case(method=st.sampled_from(["GET", "POST", "DELETE"]), query=queries, body=raw_bytes)
def test_wecom_unsigned(front, method, query, body):
    front.request(method, "/wecom/callback", body, query=urlencode(query), headers={"Content-Type": "text/xml"})


# -- DingTalk ---------------------------------------------------------------------------------------
@case(data=st.data())
def test_dingtalk_signed(front, data):
    template = message(front.dingtalk, "help", clock=front.app.clock)
    body = data.draw(st.one_of(mutated(template).map(lambda d: json.dumps(d).encode()), raw_bytes))
    front.request("POST", "/dingtalk/callback", body, headers=signed_headers(front.app.clock))


@case(body=raw_bytes, headers=st.dictionaries(st.sampled_from(["timestamp", "sign"]),
                                               st.one_of(st.text(max_size=20), st.sampled_from(["²", "1" * 5000]))))
def test_dingtalk_unsigned(front, body, headers):
    front.request("POST", "/dingtalk/callback", body, headers={k: v.encode("utf-8", "replace").decode("latin-1")
                                                                for k, v in headers.items()})


# -- the ingest API ---------------------------------------------------------------------------------
API_ITEMS = {"/api/v1/activity": {"rep": f"slack:{REP}", "day": "2026-11-25", "dialed": 80, "connected": 30,
                                  "talk_minutes": 90},
             "/api/v1/deals": {"external_id": "CRM-1", "rep": f"slack:{REP}", "day": "2026-11-25",
                               "amount": "1200", "currency": "CNY", "customer": "Acme"}}


@case(data=st.data(), path=st.sampled_from(sorted(API_ITEMS)))
def test_api_signed(front, data, path):
    item = mutated(API_ITEMS[path])
    body = data.draw(st.one_of(item.map(json.dumps), st.lists(item, max_size=3).map(json.dumps),
                               raw_bytes.map(lambda b: b.decode("latin-1"))))
    front.request("POST", path, body.encode("utf-8", "surrogatepass"),
                  headers={"Authorization": f"Bearer {front.api_key}"})


@case(path=st.sampled_from([*sorted(API_ITEMS), "/api/v1/openapi.json", "/api/v1/x"]),
       method=st.sampled_from(["GET", "POST"]), body=raw_bytes,
       auth=st.sampled_from(["", "Bearer", "Bearer pb_nope", "Basic x"]))
def test_api_unsigned(front, path, method, body, auth):
    front.request(method, path, body, headers={"Authorization": auth} if auth else {})


# -- the dashboard, health and unknown paths -------------------------------------------------------
@case(signed=st.booleans(), root=st.sampled_from(["/team", "/board"]), parts=st.lists(segments, max_size=4),
       method=st.sampled_from(["GET", "POST"]), body=raw_bytes,
       query=st.dictionaries(st.sampled_from(["lang", "t", "after", "metric", "period"]), st.text(max_size=10)),
       last_event=st.sampled_from(["", "5", "9" * 40, "²"]))
def test_dashboard(front, signed, root, parts, method, body, query, last_event):
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if signed:
        headers["Cookie"] = f"pacebot_session={front.cookie}"
    if last_event:
        headers["Last-Event-ID"] = last_event
    status, _ = front.request(method, "/".join([root, *parts]), body, query=urlencode(query), headers=headers)
    assert status != 500  # 403 is a valid refusal (CSRF, rights)


@case(path=st.sampled_from(["/healthz", "/readyz", "/", "/nothing", "/slack", "/api"]),
       method=st.sampled_from(["GET", "POST", "HEAD"]), body=raw_bytes)
def test_health_and_unknown_paths(front, path, method, body):
    front.request(method, path, body)


# -- body limits ------------------------------------------------------------------------------------
ROUTES = {"/slack/events": 1 << 20, "/wecom/callback": 64 << 10, "/dingtalk/callback": 1 << 20,
          "/api/v1/activity": 2 << 20, "/team/login": 1 << 20, "/board/x": 1 << 20}


@pytest.mark.parametrize("path", sorted(ROUTES))
def test_every_route_refuses_an_oversized_body(front, path):
    limit = ROUTES[path]
    headers = signed_headers(front.app.clock) if path.startswith("/dingtalk") else {}
    # A signed 10 MB DingTalk body used to be read and taken.
    assert front.request("POST", path, b"{" + b" " * (limit - 2) + b"}", headers=headers)[0] != 413
    assert front.request("POST", path, b" " * (limit + 1), headers=headers)[0] == 413
    assert front.request("POST", path, b" " * (limit + 1), chunked=True, headers=headers)[0] == 413
    assert front.request("POST", path, b"{}", headers={**headers, "Content-Length": "12x"})[0] == 400


# -- the slow run -----------------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("db", ["postgres"], indirect=True)
@pytest.mark.parametrize("name", sorted(CASES))
def test_more_examples_on_postgres(front, name):
    fn, strategies = CASES[name]
    fuzz(SLOW_EXAMPLES)(given(**strategies)(fn))(front=front)
