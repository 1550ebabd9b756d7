"""Delivery to Slack: direct messages open the IM first, one message a second per channel (scaled down
here), and acks stay fast under load because the work runs after them (a real HTTP server)."""

from __future__ import annotations

import http.client
import threading
import time

from waitress.server import create_server

from bot.chat.messages import Reply, Target
from bot.app import build_server
from tests.fakes.slack_workspace import (  # noqa: F401
    ADMIN, CHANNEL, REP, SECRET, Workspace, fake_slack, sign, slack, slack_app,
)


def test_a_message_to_a_person_opens_the_im_channel_first(slack):
    from bot.services import org

    slack.dm(REP, "hello")
    slack.app.background.drain()
    with slack.app.db.session() as session:
        person = org.find_account("slack", REP, session=session)
    slack.app.deliver([Reply(text="private note", target=Target.person(person.id))])
    slack.app.deliver([Reply(text="another", target=Target.person(person.id))])
    # The outbox holds one message a second per channel: the second goes when the clock has moved on.
    slack.app.clock.advance(seconds=2)
    slack.app.outbox.dispatch()
    calls = [c for c in slack.fake.sent() if c.method in ("conversations.open", "chat.postMessage")]
    assert [c.method for c in calls[-3:]] == ["conversations.open", "chat.postMessage", "chat.postMessage"]
    assert calls[-3].args["users"] == REP and calls[-1].args["channel"] == "D0REP0001"


def test_acks_stay_fast_under_load_over_real_http(slack_app, fake_slack, monkeypatch):
    """Forty people use /pace at once while Slack is slow to take each answer: each request is still
    answered at once (Slack allows 3 s), and every answer is delivered afterwards."""
    for name, value in {"SLACK_BOT_TOKEN": fake_slack.token, "SLACK_SIGNING_SECRET": SECRET,
                        "SLACK_API_URL": fake_slack.api_url, "SLACK_SEND_INTERVAL": "0",
                        "SLACK_APP_TOKEN": ""}.items():
        monkeypatch.setenv(name, value)
    fake_slack.latency["response_url"] = 0.05
    server, _ = build_server(slack_app, ["slack"])
    http_server = create_server(server, host="127.0.0.1", port=0, threads=8)
    port = http_server.effective_port
    stopping = threading.Event()

    def run():
        try:
            http_server.run()
        except OSError:  # waitress's loop, closed from this thread while it waits in select()
            if not stopping.is_set():
                raise

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    workspace = Workspace(server, fake_slack)
    bodies = [workspace.command_body(ADMIN, "help") for _ in range(40)]
    results = []

    def call(body):
        ts = int(time.time())
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("POST", "/slack/events", body=body.encode(), headers={
            "Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": str(ts),
            "X-Slack-Signature": sign(body, ts)})
        status = conn.getresponse().status
        conn.close()
        results.append((status, time.monotonic()))  # when the ack came back

    try:
        threads = [threading.Thread(target=call, args=(b,)) for b in bodies]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        slack_app.background.drain(timeout=30)
    finally:
        stopping.set()
        http_server.close()
        thread.join(5)
    assert [s for s, _ in results] == [200] * 40
    # The answers took 41 × 0.05 s on four worker threads; every ack came back before the last of them,
    # so no ack waited for the work behind it (an order, not a timing threshold).
    answers = [c.at for c in fake_slack.sent("response_url")]
    assert len(answers) == 41  # forty helps and one welcome
    assert answers[-1] - answers[0] >= 9 * 0.045
    assert max(acked for _, acked in results) < answers[-1]


def test_a_chart_is_uploaded_under_its_message(slack, tmp_path):
    png = tmp_path / "chart.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    slack.adapter.post(CHANNEL, Reply(text="the week", title="Calls", image=str(png)))
    methods = [c.method for c in slack.fake.sent()][1:]
    assert methods == ["chat.postMessage", "files.getUploadURLExternal", "upload", "files.completeUploadExternal"]
    assert slack.fake.sent("upload")[0].args["_bytes"] == png.read_bytes()
    assert slack.fake.sent("files.completeUploadExternal")[0].args["channel_id"] == CHANNEL
