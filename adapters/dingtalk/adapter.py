"""The DingTalk adapter: robot callbacks over HTTP (or Stream), replies through the sessionWebhook
while it lives and the robot OpenAPI after, team announcements to the team's group or its custom
robot. DingTalk's send limits are buckets of the shared limiter (`rate_bucket`): this adapter holds
nothing back, it raises `SendError(retry_after=...)` (130101, flow control) and the outbox waits. A
reply's image (the digest's chart) follows its text as a robot picture message, uploaded with the old
API's media upload; a custom group robot takes no uploads, so it gets the picture only by public URL."""

from __future__ import annotations

from typing import TYPE_CHECKING

import json
import logging
from collections.abc import Callable, Iterable
from datetime import timedelta
from pathlib import Path

from adapters.dingtalk.api import DingTalkApi
from adapters.dingtalk.config import DingTalkSettings
from adapters.dingtalk.hosts import on_dingtalk
from adapters.dingtalk.limits import FLOW_CONTROL_RETRY, ROBOT_WINDOWS
from adapters.dingtalk.parse import PLATFORM, check, parse
from adapters.dingtalk.render import Rendered, render_parts
from adapters.dingtalk.signing import WINDOW_MS, signed_webhook_url, verify
from bot.delivery.addressing import Address
from bot.delivery.errors import SendError
from bot.core.chunks import parts_sent_on_error
from bot.core.payloads import BadPayload, load_object
from bot.delivery.limiter import Bucket
from bot.chat.messages import Incoming, Reply
from bot.store.nonces import first_use
from bot.store.tables.dingtalk import DingTalkWebhook
from bot.chat.tasks import HandleMessage

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

CALLBACK_PATH = "/dingtalk/callback"
WEBHOOK_PREFIX = "webhook:"  # a team channel that is a custom group robot: "webhook:<team id>"
WEBHOOK_MARGIN_MS = 60_000  # do not use a sessionWebhook in its last minute
IMAGE_ATTEMPTS = 3  # tries, one after another, for a picture whose upload failed for a passing reason
REPLAY_KIND = "dingtalk-replay"  # one-time (timestamp, sign) pairs in bot.store.nonces
# A timestamp is accepted up to a window either side of our clock, so a pair stays valid for two windows
# of our time after it is first seen; kept that long, a pruned pair is one `verify` refuses anyway.
REPLAY_KEEP = timedelta(milliseconds=2 * WINDOW_MS)


class DingTalkAdapter:
    platform = PLATFORM

    def __init__(self, app: App, settings: DingTalkSettings, *, http=None):
        self.app, self.settings = app, settings
        self.api = DingTalkApi(settings, app.db, app.clock, http=http)
        self.stream = None

    # -- lifecycle --------------------------------------------------------------------------------
    def routes(self) -> dict[str, Callable]:
        return {CALLBACK_PATH: self.callback}

    def start(self) -> None:
        if self.settings.stream:
            from adapters.dingtalk.stream import StreamRunner

            self.stream = StreamRunner(self)
            self.stream.start()

    def stop(self) -> None:
        if self.stream is not None:
            self.stream.stop()

    def health(self) -> tuple[bool, str]:
        """For /readyz: the Stream connection, when Stream mode is configured."""
        if not self.settings.stream:
            return True, "callbacks over HTTP"
        if self.stream is None or not self.stream.connected:
            return False, "DingTalk Stream is not connected"
        return True, "DingTalk Stream connected"

    # -- inbound ----------------------------------------------------------------------------------
    def now_ms(self) -> int:
        return int(self.app.clock().timestamp() * 1000)

    def callback(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        """The robot's HTTP message callback: verify, parse, acknowledge, work in the background. The
        signature covers only the timestamp, not the body, so each (timestamp, sign) pair acts once."""
        if environ.get("REQUEST_METHOD") != "POST":
            return _respond(start_response, "405 Method Not Allowed", {"error": "POST only"})
        headers = {"timestamp": environ.get("HTTP_TIMESTAMP", ""), "sign": environ.get("HTTP_SIGN", "")}
        if not verify(headers, secret=self.settings.app_secret, now_ms=self.now_ms()):
            log.warning("refused a DingTalk callback with a missing, wrong or stale signature")
            return _respond(start_response, "403 Forbidden", {"error": "bad signature"})
        length = int(environ.get("CONTENT_LENGTH") or 0)  # the server checked and bounded it
        try:
            payload = check(load_object(environ["wsgi.input"].read(length) or b"{}"))
        except BadPayload as exc:
            return _respond(start_response, "400 Bad Request", {"error": str(exc)})
        if not first_use(self.app.db, REPLAY_KIND, f"{headers['timestamp']}:{headers['sign']}",
                         now=self.app.clock(), keep=REPLAY_KEEP):
            log.warning("refused a DingTalk callback whose timestamp and sign were used before")
            return _respond(start_response, "403 Forbidden", {"error": "replayed signature"})
        self.accept(payload)
        return _respond(start_response, "200 OK", {"msgtype": "empty"})

    def accept(self, payload: dict) -> Incoming | None:
        """A robot message from either transport: parsed now, handled on the worker pool."""
        incoming = parse(payload, now=self.app.clock(), api_base=self.settings.api_base,
                         allowed_hosts=self.settings.allowed_hosts)
        if incoming is not None:
            self.app.background.submit(HandleMessage(incoming))  # on record before the ack
        return incoming

    # -- outbound ---------------------------------------------------------------------------------
    def rate_bucket(self, address: Address, reply: Reply, origin: Incoming | None) -> Bucket:
        """The robot this goes through: the group's (or the custom robot's), or the app's for 1:1 messages.
        A picture sent after its text is one more message."""
        robot = "app" if address.is_direct else address.id
        picture = bool(reply.image) and not address.id.startswith(WEBHOOK_PREFIX)
        return Bucket(PLATFORM, robot, ROBOT_WINDOWS, cost=len(render_parts(reply)) + (1 if picture else 0))

    def send(self, address: Address, reply: Reply, origin: Incoming | None, *, start_part: int = 0) -> None:
        """Send now, a long reply as several messages (render_parts); raises SendError when DingTalk did
        not take one (`retry_after`: 130101 or flow control, for the outbox to wait; `parts_sent` says how
        many went, and `start_part` resumes after them) or never will (`permanent`)."""
        if address.id.startswith(WEBHOOK_PREFIX):
            self._send_custom_robot(address, reply, start_part)
            return  # its picture, if any, went inside the text
        if (webhook := self._session_webhook(address, origin)) is not None:
            no_at = (lambda m: None) if address.is_direct else None  # @ only means something in a group
            send_one = lambda part: self.api.webhook(webhook, part.webhook())  # noqa: E731
            parts = render_parts(reply, staff_id_of=no_at)
        elif address.is_direct:
            parts = render_parts(reply, staff_id_of=lambda m: None)

            def send_one(part: Rendered) -> None:
                if not self._robot_send(address, *part.openapi()):
                    raise SendError(f"DingTalk flow-controlled {address.id}", retry_after=FLOW_CONTROL_RETRY)
        else:
            parts = render_parts(reply)
            send_one = lambda part: self._robot_send(address, *part.openapi())  # noqa: E731
        self._send_parts(parts, send_one, start_part)
        if reply.image:
            self._image_after_text(address, reply)

    @staticmethod
    def _send_parts(parts: list[Rendered], send_one: Callable[[Rendered], object], start_part: int) -> None:
        for n, part in enumerate(parts):
            if n >= start_part:
                with parts_sent_on_error(n):
                    send_one(part)

    def _session_webhook(self, address: Address, origin: Incoming | None) -> str | None:
        if origin is None or origin.platform != PLATFORM or origin.channel_id != address.id:
            return None
        url, expires = origin.extra.get("session_webhook"), origin.extra.get("session_webhook_expires_ms")
        # Checked again here for origins recorded before hosts were checked, or under other settings.
        url = on_dingtalk(url, self.settings.allowed_hosts, "sessionWebhook")
        if url and expires and int(expires) - WEBHOOK_MARGIN_MS > self.now_ms():
            return url
        return None

    def _robot_send(self, address: Address, msg_key: str, param: str) -> bool:
        """One robot OpenAPI message: 1:1 batchSend to a person, or group send; False when flow-controlled."""
        if not address.is_direct:
            self.api.openapi("/v1.0/robot/groupMessages/send", {
                "robotCode": self.settings.robot, "openConversationId": address.id,
                "msgKey": msg_key, "msgParam": param})
            return True
        data = self.api.openapi("/v1.0/robot/oToMessages/batchSend", {
            "robotCode": self.settings.robot, "userIds": [address.id], "msgKey": msg_key, "msgParam": param})
        if address.id in (data.get("invalidStaffIdList") or []):
            raise SendError(f"DingTalk does not know staff id {address.id}", permanent=True)
        return address.id not in (data.get("flowControlledStaffIdList") or [])

    # -- pictures ---------------------------------------------------------------------------------
    def _image_after_text(self, address: Address, reply: Reply) -> None:
        """The text went; its picture follows (the limiter counted it with the text). Nothing here raises:
        a raise would make the outbox send the text again. A passing failure is tried again at once."""
        if not Path(reply.image).is_file():
            log.warning("dingtalk: image %s for %s is missing; sent the text alone", reply.image, address.id)
            return
        for attempt in range(1, IMAGE_ATTEMPTS + 1):
            try:
                media_id = self.api.upload_image(Path(reply.image))
                if not self._robot_send(address, "sampleImageMsg", json.dumps({"photoURL": media_id})):
                    raise SendError(f"DingTalk flow-controlled {address.id}", permanent=True)
                return
            except (SendError, OSError) as exc:
                if isinstance(exc, SendError) and not exc.permanent and attempt < IMAGE_ATTEMPTS:
                    continue
                log.warning("dingtalk: image %s to %s not sent (%s); the text went alone",
                            reply.image, address.id, exc)
                return

    def _send_custom_robot(self, address: Address, reply: Reply, start_part: int = 0) -> None:
        team_id = int(address.id.removeprefix(WEBHOOK_PREFIX))
        with self.app.db.session() as session:
            hook = session.get(DingTalkWebhook, team_id)
            url, secret = (hook.url, hook.secret) if hook else (None, None)
        if url is None:
            raise SendError(f"team {team_id} has no DingTalk custom robot any more", permanent=True)
        parts = render_parts(reply)
        if reply.image:
            parts[-1] = self._with_public_image(parts[-1], reply, address)
        self._send_parts(parts, lambda part: self.api.webhook(
            signed_webhook_url(url, secret, now_ms=self.now_ms()), part.webhook()), start_part)

    def _with_public_image(self, rendered: Rendered, reply: Reply, address: Address) -> Rendered:
        """A custom robot cannot take an upload: the picture goes in as markdown only when it already
        has a public URL (a path on disk has none)."""
        url = reply.image if reply.image.startswith(("https://", "http://")) else None
        if url is None:
            log.info("dingtalk: the custom robot %s takes no uploads and image %s has no public URL; "
                     "sent the text alone", address.id, reply.image)
            return rendered
        kind = "markdown" if rendered.msgtype == "text" else rendered.msgtype
        return Rendered(kind, rendered.title, f"{rendered.text}\n\n![{rendered.title}]({url})",
                        rendered.buttons, rendered.at_user_ids)


def _respond(start_response: Callable, status: str, body: dict) -> list[bytes]:
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]
