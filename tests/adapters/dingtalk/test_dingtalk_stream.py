"""Stream mode: messages arrive as the SDK's own frames and are ACKed at once while the pipeline works
on the pool; a repeated msgId acts once; a silent connection is replaced by the watchdog; stop() ends
the thread (the SDK's own start() could not be stopped)."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest

from sqlmodel import select

from adapters.dingtalk.config import DingTalkSettings
from adapters.dingtalk.sdk import load_sdk
from adapters.dingtalk.stream import StreamRunner, make_client
from bot.store.tables.sales import Activity
from tests.dingtalk_fake import APP_KEY, APP_SECRET, ROBOT_CODE
from tests.dingtalk_support import dt_settings, fake, make_adapter, message, seed, sqlite_app, texts  # noqa: F401


def frame(payload: dict, message_id: str = "stream-1") -> dict:
    """A CALLBACK frame as the gateway sends it over the websocket."""
    return {"specVersion": "1.0", "type": "CALLBACK",
            "headers": {"appId": "app-1", "connectionId": "conn-1", "contentType": "application/json",
                        "messageId": message_id, "time": "1764122400000", "topic": "/v1.0/im/bot/messages/get"},
            "data": json.dumps(payload, ensure_ascii=False)}


def test_handler_acks_and_hands_the_message_to_the_pipeline(sqlite_app, dt_settings, fake, clock):
    adapter = make_adapter(sqlite_app, dt_settings)
    seed(sqlite_app)
    sdk = load_sdk(dt_settings.api_base)
    client, handler = make_client(adapter)
    assert client.callback_handler_map[sdk.ChatbotMessage.TOPIC] is handler
    payload = message(fake, "log 80 30 2h", clock=clock, msg_id="msgSTREAM1")
    callback = sdk.CallbackMessage.from_dict(frame(payload))
    assert sdk.ChatbotMessage.from_dict(callback.data).message_id == "msgSTREAM1"
    for _ in range(2):  # the gateway redelivers when an ACK is late
        ack = asyncio.run(handler.raw_process(callback))
        assert ack.code == sdk.AckMessage.STATUS_OK and ack.headers.message_id == "stream-1"
    sqlite_app.background.drain()
    with sqlite_app.db.session() as s:
        assert len(s.exec(select(Activity)).all()) == 1
    assert "80" in texts(fake.to("/robot/sendBySession"))
    assert len(fake.to("/robot/sendBySession")) == 1


def test_group_mention_over_stream(sqlite_app, dt_settings, fake, clock):
    adapter = make_adapter(sqlite_app, dt_settings)
    seed(sqlite_app)
    _, handler = make_client(adapter)
    sdk = load_sdk(dt_settings.api_base)
    payload = message(fake, "@pacebot 排行榜", group="cidGROUP", clock=clock)
    asyncio.run(handler.raw_process(sdk.CallbackMessage.from_dict(frame(payload))))
    sqlite_app.background.drain()
    sent = fake.to("/robot/sendBySession")
    assert sent and sent[0].query["session"] == "cidGROUP"


@pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")
def test_watchdog_replaces_a_silent_connection_and_stop_ends_it(sqlite_app, fake, clock):
    """A real websocket gateway on 127.0.0.1 that sends one message and then goes quiet."""
    from websockets.sync.server import serve

    seed(sqlite_app)
    connections, acks = [], []
    second = threading.Event()

    def gateway(ws):
        connections.append(ws)
        if len(connections) == 1:
            ws.send(json.dumps(frame(message(fake, "me", clock=clock, msg_id="msgWS"), "ws-1")))
            acks.append(json.loads(ws.recv(timeout=5)))
        else:
            second.set()
        for _ in ws:  # then say nothing, as a hung gateway does
            pass

    server = serve(gateway, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    fake.ws_endpoint = f"ws://127.0.0.1:{server.socket.getsockname()[1]}"
    settings = DingTalkSettings(_env_file=None, DINGTALK_APP_KEY=APP_KEY, DINGTALK_APP_SECRET=APP_SECRET,
                                DINGTALK_ROBOT_CODE=ROBOT_CODE, DINGTALK_API_BASE=fake.url,
                                DINGTALK_OAPI_BASE=fake.url, DINGTALK_ALLOWED_HOSTS="127.0.0.1", DINGTALK_STREAM="1",
                                DINGTALK_STREAM_IDLE_SECONDS="0.3", DINGTALK_STREAM_BACKOFF_SECONDS="0")
    adapter = make_adapter(sqlite_app, settings)
    try:
        adapter.start()
        assert isinstance(adapter.stream, StreamRunner)
        assert second.wait(10), "the watchdog did not reconnect"
        assert adapter.stream.watchdog_restarts >= 1
        assert acks and acks[0]["code"] == 200 and acks[0]["headers"]["messageId"] == "ws-1"
        sqlite_app.background.drain()
        assert fake.to("/robot/sendBySession")  # the message was answered
    finally:
        adapter.stop()
        server.shutdown()
    assert not adapter.stream._thread.is_alive()
