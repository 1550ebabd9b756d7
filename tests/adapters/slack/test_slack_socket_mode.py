"""Socket Mode: the same bolt app behind slack_sdk's built-in Socket Mode client. Requests are built as
the client builds them from Slack's WebSocket envelopes and fed to bolt's handler; no network."""

from __future__ import annotations

import json
import logging

import pytest

import adapters.slack as slack_pkg
from adapters.slack.settings import SlackSettings
from tests.fakes.slack_workspace import (  # noqa: F401
    CHANNEL, REP, SECRET, Workspace, fake_slack, slack_app,
)


class Envelopes:
    """Stands in for the WebSocket: what the handler would write back to Slack."""

    logger = logging.getLogger("socket-test")

    def __init__(self):
        self.sent = []

    def send_socket_mode_response(self, response):
        self.sent.append(response)


@pytest.fixture
def socket_bot(slack_app, fake_slack):
    settings = SlackSettings(_env_file=None, SLACK_BOT_TOKEN=fake_slack.token, SLACK_SIGNING_SECRET=SECRET,
                             SLACK_APP_TOKEN="xapp-1-A0PACE0001-1234-abcdef", SLACK_API_URL=fake_slack.api_url,
                             SLACK_SEND_INTERVAL=0)
    adapter = slack_pkg.build(slack_app, settings)
    slack_app.add_sender(adapter)
    handler = adapter.socket_handler()
    yield adapter, handler
    slack_app.background.drain()
    adapter.stop()


def test_events_and_commands_over_socket_mode(socket_bot, fake_slack, slack_app):
    from slack_sdk.socket_mode.request import SocketModeRequest

    adapter, handler = socket_bot
    ws = Envelopes()
    event = json.loads(Workspace.event_body({"type": "message", "user": REP, "text": "help", "ts": "1.1",
                                             "channel": "D0REP0001", "event_ts": "1.1", "channel_type": "im"},
                                            event_id="Ev0SOCKET01"))
    handler.handle(ws, SocketModeRequest(type="events_api", envelope_id="env-1", payload=event,
                                         accepts_response_payload=False))
    # Slack redelivers over the socket when it missed our ack: the same event, acted on once.
    handler.handle(ws, SocketModeRequest(type="events_api", envelope_id="env-2", payload=event,
                                         accepts_response_payload=False, retry_attempt=1, retry_reason="timeout"))
    slack_app.background.drain()
    assert [r.envelope_id for r in ws.sent] == ["env-1", "env-2"]
    assert len(fake_slack.messages("D0REP0001")) == 2  # welcome and help

    command = {"token": "x", "team_id": "T0PACE01", "channel_id": CHANNEL, "channel_name": "sales",
               "user_id": REP, "user_name": "alice", "command": "/pace", "text": "me",
               "response_url": fake_slack.response_url("socket-cmd"), "trigger_id": "1.2.socket"}
    handler.handle(ws, SocketModeRequest(type="slash_commands", envelope_id="env-3", payload=command,
                                         accepts_response_payload=True))
    slack_app.background.drain()
    assert ws.sent[-1].envelope_id == "env-3"
    assert fake_slack.sent("response_url")[-1].args["response_type"] == "ephemeral"


def test_modal_errors_go_back_in_the_socket_response(socket_bot, fake_slack, slack_app):
    from slack_sdk.socket_mode.request import SocketModeRequest

    adapter, handler = socket_bot
    ws = Envelopes()
    values = {"dialed": {"value": {"type": "plain_text_input", "value": "eighty"}},
              "day": {"value": {"type": "datepicker", "selected_date": None}}}
    payload = {"type": "view_submission", "team": {"id": "T0PACE01"}, "user": {"id": REP, "username": "alice"},
               "api_app_id": "A0PACE0001", "trigger_id": "1.3.x",
               "view": {"id": "V0SOCK", "type": "modal", "callback_id": "pace_log", "private_metadata": "",
                        "state": {"values": values}, "hash": "1.x", "blocks": []}}
    handler.handle(ws, SocketModeRequest(type="interactive", envelope_id="env-4", payload=payload,
                                         accepts_response_payload=True))
    answer = ws.sent[-1].payload
    assert answer["response_action"] == "errors" and "eighty" in answer["errors"]["dialed"]


def test_start_connects_only_with_an_app_token(slack_app, fake_slack):
    settings = SlackSettings(_env_file=None, SLACK_BOT_TOKEN=fake_slack.token, SLACK_SIGNING_SECRET=SECRET,
                             SLACK_API_URL=fake_slack.api_url)
    adapter = slack_pkg.build(slack_app, settings)
    adapter.start()  # HTTP only: nothing to connect
    assert adapter._socket is None
    adapter.stop()
