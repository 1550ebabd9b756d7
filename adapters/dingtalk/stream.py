"""Stream mode: the bot connects out to DingTalk's gateway with the dingtalk-stream SDK, so no public
URL is needed.

The SDK's own `start()` is not used: it swallows cancellation (it can never be stopped), pings without
noticing a dead peer, and blocks its event loop on `requests`. Here the SDK's client still opens the
connection, parses frames and builds ACKs, but the loop is ours, in a thread we own: every frame is
ACKed at once while the message goes to the worker pool, a watchdog reconnects when no frame arrived
for DINGTALK_STREAM_IDLE_SECONDS (the gateway pings every few seconds), and `stop()` ends it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from typing import TYPE_CHECKING
from urllib.parse import quote_plus

import requests

from adapters.dingtalk.sdk import load_sdk

if TYPE_CHECKING:
    from adapters.dingtalk.adapter import DingTalkAdapter

log = logging.getLogger(__name__)


def make_client(adapter: DingTalkAdapter):
    """The SDK client with our chatbot handler registered; built after the SDK's endpoint is set."""
    sdk = load_sdk(adapter.settings.api_base)
    settings = adapter.settings

    class Handler(sdk.ChatbotHandler):
        """ACK at once; the message itself is handled on the worker pool, never in this loop."""

        async def process(self, callback: sdk.CallbackMessage):
            try:
                adapter.accept(callback.data)
            except Exception:
                log.exception("could not take a DingTalk Stream message")
                return sdk.AckMessage.STATUS_SYSTEM_EXCEPTION, "error"
            return sdk.AckMessage.STATUS_OK, "OK"

    class Client(sdk.DingTalkStreamClient):
        def open_connection(self):
            """As the SDK's, but at DINGTALK_API_BASE and with a timeout (the SDK's can hang)."""
            body = {"clientId": self.credential.client_id, "clientSecret": self.credential.client_secret,
                    "subscriptions": [{"type": "CALLBACK", "topic": t} for t in self.callback_handler_map],
                    "ua": "pacebot-dingtalk-stream", "localIp": self.get_host_ip()}
            try:
                resp = requests.post(settings.api_base.rstrip("/") + "/v1.0/gateway/connections/open",
                                     json=body, timeout=10)
                resp.raise_for_status()
                return resp.json()
            except (requests.RequestException, ValueError) as exc:
                log.error("DingTalk Stream: opening a connection failed: %s", exc)
                return None

    # The SDK logs every gateway ping as an "unknown topic" warning; only its errors are worth reading.
    sdk_log = logging.getLogger("adapters.dingtalk.sdk_client")
    sdk_log.setLevel(logging.ERROR)
    client = Client(sdk.Credential(settings.app_key, settings.app_secret), logger=sdk_log)
    handler = Handler()
    client.register_callback_handler(sdk.ChatbotMessage.TOPIC, handler)
    client.pre_start()
    return client, handler


class StreamRunner:
    """Keeps one Stream connection up in its own thread and event loop until `stop()`."""

    def __init__(self, adapter: DingTalkAdapter):
        self.adapter = adapter
        self.client, self.handler = make_client(adapter)
        self.idle = adapter.settings.stream_idle_seconds
        self.backoff = adapter.settings.stream_backoff_seconds
        self.connections = 0  # connections opened so far
        self.connected = False  # a connection is open now (for /readyz)
        self.watchdog_restarts = 0
        self._stopping = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task | None = None
        self._thread: threading.Thread | None = None
        self._tasks: set[asyncio.Task] = set()

    def start(self) -> None:
        self._stopping.clear()
        self._thread = threading.Thread(target=self._main, name="dingtalk-stream", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        loop, task = self._loop, self._task
        if loop is not None and task is not None and not loop.is_closed():
            loop.call_soon_threadsafe(task.cancel)
        if self._thread is not None:
            self._thread.join(timeout)

    def _main(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        try:
            self._task = loop.create_task(self._run())
            loop.run_until_complete(self._task)
        except asyncio.CancelledError:
            pass
        finally:
            pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
            for task in pending:  # frames still being routed when we stopped
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                await self._connect_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the gateway went away or answered oddly: connect again
                log.warning("DingTalk Stream connection ended: %r", exc)
            if self._stopping.is_set():
                break
            await asyncio.sleep(self.backoff)

    async def _connect_once(self) -> None:
        import websockets

        loop = asyncio.get_running_loop()
        connection = await loop.run_in_executor(None, self.client.open_connection)
        if not connection:
            return
        uri = f'{connection["endpoint"]}?ticket={quote_plus(connection["ticket"])}'
        async with websockets.connect(uri, ping_interval=20, ping_timeout=20, close_timeout=2) as ws:
            self.client.websocket = ws
            self.connections += 1
            self.connected = True
            log.info("DingTalk Stream connected (%d)", self.connections)
            try:
                while not self._stopping.is_set():
                    try:
                        raw = await asyncio.wait_for(ws.recv(), timeout=self.idle)
                    except asyncio.TimeoutError:
                        self.watchdog_restarts += 1
                        log.warning("DingTalk Stream: no frame for %.0fs; reconnecting", self.idle)
                        return
                    task = asyncio.create_task(self.client.background_task(json.loads(raw)))
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)
            finally:
                self.connected = False
