"""The DingTalk adapter: robot callbacks over HTTP (or Stream), replies through the sessionWebhook
while it lives and the robot OpenAPI after, team announcements to the team's group or its custom
robot, and DingTalk's send limits honoured by holding messages until they may go. A reply's image
(the digest's chart) follows its text as a robot picture message, uploaded with the old API's
media upload; a custom group robot takes no uploads, so it gets the picture only by public URL."""

from __future__ import annotations

from typing import TYPE_CHECKING

import json
import logging
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from adapters.dingtalk.api import DingTalkApi, Throttled
from adapters.dingtalk.config import DingTalkSettings
from adapters.dingtalk.limits import ROBOT_PENALTY, ROBOT_PER_MINUTE, HeldQueue, SendLimiter
from adapters.dingtalk.parse import PLATFORM, parse
from adapters.dingtalk.render import Rendered, render_parts
from adapters.dingtalk.signing import signed_webhook_url, verify
from bot.delivery.addressing import Address
from bot.core.chunks import parts_sent_on_error
from bot.delivery.errors import SendError
from bot.chat.messages import Incoming, Reply
from bot.store.tables.dingtalk import DingTalkWebhook

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

CALLBACK_PATH = "/dingtalk/callback"
WEBHOOK_PREFIX = "webhook:"  # a team channel that is a custom group robot: "webhook:<team id>"
WEBHOOK_MARGIN_MS = 60_000  # do not use a sessionWebhook in its last minute
FLOW_CONTROL_RETRY = 60.0  # seconds before a flow-controlled 1:1 message is tried again
IMAGE_ATTEMPTS = 3  # tries for a picture whose upload or send failed for a passing reason


class DingTalkAdapter:
    platform = PLATFORM

    def __init__(self, app: App, settings: DingTalkSettings, *, http=None):
        self.app, self.settings = app, settings
        self.api = DingTalkApi(settings, app.db, app.clock, http=http)
        self.limiter = SendLimiter(app.clock)
        self.held = HeldQueue(app.clock)
        # Parts of a long reply already sent, by the reply object (a held reply is the same object), so
        # that a reply stopped at part 2 of 3 (throttled) goes on from part 2, not from part 1 again.
        self._progress: dict[int, tuple[Reply, int]] = {}
        self._progress_lock = threading.Lock()
        self.stream = None
        self._stop = threading.Event()
        self._resender: threading.Thread | None = None

    # -- lifecycle --------------------------------------------------------------------------------
    def routes(self) -> dict[str, Callable]:
        return {CALLBACK_PATH: self.callback}

    def start(self) -> None:
        self._stop.clear()
        self._resender = threading.Thread(target=self._resend_loop, name="dingtalk-resend", daemon=True)
        self._resender.start()
        if self.settings.stream:
            from adapters.dingtalk.stream import StreamRunner

            self.stream = StreamRunner(self)
            self.stream.start()

    def stop(self) -> None:
        self._stop.set()
        if self.stream is not None:
            self.stream.stop()
        if self._resender is not None:
            self._resender.join(timeout=5)
        self.flush_due()

    # -- inbound ----------------------------------------------------------------------------------
    def now_ms(self) -> int:
        return int(self.app.clock().timestamp() * 1000)

    def callback(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        """The robot's HTTP message callback: verify, parse, acknowledge, work in the background."""
        if environ.get("REQUEST_METHOD") != "POST":
            return _respond(start_response, "405 Method Not Allowed", {"error": "POST only"})
        headers = {"timestamp": environ.get("HTTP_TIMESTAMP", ""), "sign": environ.get("HTTP_SIGN", "")}
        if not verify(headers, secret=self.settings.app_secret, now_ms=self.now_ms()):
            log.warning("refused a DingTalk callback with a missing, wrong or stale signature")
            return _respond(start_response, "403 Forbidden", {"error": "bad signature"})
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            payload = json.loads(environ["wsgi.input"].read(length) or b"{}")
        except (ValueError, KeyError):
            return _respond(start_response, "400 Bad Request", {"error": "not JSON"})
        self.accept(payload)
        return _respond(start_response, "200 OK", {"msgtype": "empty"})

    def accept(self, payload: dict) -> Incoming | None:
        """A robot message from either transport: parsed now, handled on the worker pool."""
        incoming = parse(payload, now=self.app.clock(), api_base=self.settings.api_base)
        if incoming is not None:
            self.app.background.submit(self.app.process, incoming)
        return incoming

    # -- outbound ---------------------------------------------------------------------------------
    def send(self, address: Address, reply: Reply, origin: Incoming | None, *, start_part: int = 0) -> None:
        """Send now, or hold it when a limit is reached; raises SendError only when it cannot even be
        held (`retry_after`) or can never go (`permanent`). `start_part`: the first part to send of a
        reply in several (a retry after an error that said `parts_sent`)."""
        if start_part:
            with self._progress_lock:
                self._progress[id(reply)] = (reply, start_part)
        key = address.id
        if self.held.waiting_for(key):
            self._hold(address, reply, origin, 0.0)
            return
        wait = self.limiter.acquire(key, self._per_minute(address))
        if wait > 0:
            self._hold(address, reply, origin, wait)
            return
        self._deliver(address, reply, origin)

    def _per_minute(self, address: Address) -> int | None:
        return ROBOT_PER_MINUTE if address.id.startswith(WEBHOOK_PREFIX) else None

    def _hold(self, address: Address, reply: Reply, origin: Incoming | None, after: float,
              attempts: int = 0, image_only: bool = False) -> None:
        if self.held.full():
            raise SendError(f"too many DingTalk messages waiting; {address.id} gets this one later",
                            retry_after=max(after, 1.0))
        self.held.hold(address.id, (address, reply, origin, image_only), after, attempts)
        log.info("holding a DingTalk message to %s for %.0fs (send limit)", address.id, after)

    def _deliver(self, address: Address, reply: Reply, origin: Incoming | None, attempts: int = 0,
                 image_only: bool = False) -> None:
        if image_only:  # its text went before; the limiter already counted this one
            self._send_image(address, reply, origin, attempts)
            return
        key = address.id
        try:
            if key.startswith(WEBHOOK_PREFIX):
                self._send_custom_robot(address, reply)
                return  # its picture, if any, went inside the text
            elif (webhook := self._session_webhook(address, origin)) is not None:
                no_at = (lambda m: None) if address.is_direct else None  # @ only means something in a group
                self._send_parts(reply, render_parts(reply, staff_id_of=no_at),
                                 lambda part: self.api.webhook(webhook, part.webhook()))
            elif address.is_direct:
                if not self._send_direct(address, reply, origin, attempts):
                    return  # held, picture and all
            else:
                self._send_parts(reply, render_parts(reply),
                                 lambda part: self._robot_send(address, *part.openapi()))
        except Throttled:
            self.limiter.throttle(key, ROBOT_PENALTY)
            self._hold(address, reply, origin, ROBOT_PENALTY, attempts + 1)
            return
        except SendError as exc:
            if exc.permanent:
                raise
            self._hold(address, reply, origin, exc.retry_after or 1.0, attempts + 1)
            return
        if reply.image:
            self._image_after_text(address, reply, origin)

    def _session_webhook(self, address: Address, origin: Incoming | None) -> str | None:
        if origin is None or origin.platform != PLATFORM or origin.channel_id != address.id:
            return None
        url, expires = origin.extra.get("session_webhook"), origin.extra.get("session_webhook_expires_ms")
        if url and expires and int(expires) - WEBHOOK_MARGIN_MS > self.now_ms():
            return url
        return None

    def _send_direct(self, address: Address, reply: Reply, origin: Incoming | None, attempts: int) -> bool:
        """False when DingTalk flow-controlled the person and the message is held for later."""
        parts = render_parts(reply, staff_id_of=lambda m: None)
        if self._send_parts(reply, parts, lambda part: self._robot_send(address, *part.openapi())):
            return True
        self._hold(address, reply, origin, FLOW_CONTROL_RETRY, attempts + 1)
        return False

    def _send_parts(self, reply: Reply, parts: list[Rendered], send_one, pace=None) -> bool:
        """Each part in order from the first not yet sent; False (and the rest kept for later) when
        `send_one` answers False. A raise also keeps the place, for the held reply's next try.
        `pace()` gives the seconds until one more message may go, asked before every part but the
        first of this try (whose turn the caller took): each part counts against a robot's rate."""
        with self._progress_lock:
            start = self._progress.get(id(reply), (reply, 0))[1]
        for n in range(start, len(parts)):
            if pace is not None and n > start and (wait := pace()) > 0:
                raise SendError(f"DingTalk: part {n + 1} of {len(parts)} waits for the robot's rate",
                                retry_after=wait)
            try:
                with parts_sent_on_error(n):
                    sent = send_one(parts[n])
            except SendError as exc:
                if exc.permanent:  # the reply will not come back: forget its place
                    with self._progress_lock:
                        self._progress.pop(id(reply), None)
                raise
            if sent is False:
                done = False
                break
            with self._progress_lock:
                self._progress[id(reply)] = (reply, n + 1)
        else:
            done = True
        if done:
            with self._progress_lock:
                self._progress.pop(id(reply), None)
        return done

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
    def _image_after_text(self, address: Address, reply: Reply, origin: Incoming | None) -> None:
        """The text went; its picture is one more message under the same limits. Nothing here raises:
        a raise would make the caller send the text again."""
        if not Path(reply.image).is_file():
            log.warning("dingtalk: image %s for %s is missing; sent the text alone", reply.image, address.id)
            return
        wait = self.limiter.acquire(address.id, self._per_minute(address))
        if wait > 0:
            self._hold_image(address, reply, origin, wait, 0)
        else:
            self._send_image(address, reply, origin, 0)

    def _send_image(self, address: Address, reply: Reply, origin: Incoming | None, attempts: int) -> None:
        """Upload, then sampleImageMsg with the media_id; a passing failure is tried again later."""
        try:
            media_id = self.api.upload_image(Path(reply.image))
            param = json.dumps({"photoURL": media_id})
            if not self._robot_send(address, "sampleImageMsg", param):
                self._hold_image(address, reply, origin, FLOW_CONTROL_RETRY, attempts + 1)
        except (SendError, OSError) as exc:
            retry = isinstance(exc, SendError) and not exc.permanent and attempts + 1 < IMAGE_ATTEMPTS
            if retry:
                self._hold_image(address, reply, origin, exc.retry_after or 1.0, attempts + 1)
            else:
                log.warning("dingtalk: image %s to %s not sent (%s); the text went alone",
                            reply.image, address.id, exc)

    def _hold_image(self, address: Address, reply: Reply, origin: Incoming | None, after: float,
                    attempts: int) -> None:
        try:
            self._hold(address, reply, origin, after, attempts, image_only=True)
        except SendError as exc:
            log.warning("dingtalk: image %s to %s dropped: %s", reply.image, address.id, exc)

    def _send_custom_robot(self, address: Address, reply: Reply) -> None:
        team_id = int(address.id.removeprefix(WEBHOOK_PREFIX))
        with self.app.db.session() as session:
            hook = session.get(DingTalkWebhook, team_id)
            url, secret = (hook.url, hook.secret) if hook else (None, None)
        if url is None:
            raise SendError(f"team {team_id} has no DingTalk custom robot any more", permanent=True)
        parts = render_parts(reply)
        if reply.image:
            parts[-1] = self._with_public_image(parts[-1], reply, address)
        self._send_parts(reply, parts, lambda part: self.api.webhook(
            signed_webhook_url(url, secret, now_ms=self.now_ms()), part.webhook()),
            pace=lambda: self.limiter.acquire(address.id, self._per_minute(address)))

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

    # -- held messages ----------------------------------------------------------------------------
    def flush_due(self) -> int:
        """Send again what waited long enough; returns how many went out."""
        sent, blocked = 0, set()
        for held in self.held.take_due():
            address, reply, origin, image_only = held.item
            wait = 0.0 if held.key in blocked else self.limiter.acquire(held.key, self._per_minute(address))
            if held.key in blocked or wait > 0:
                blocked.add(held.key)
                self.held.hold(held.key, held.item, wait, held.attempts)
                continue
            before = len(self.held)
            try:
                self._deliver(address, reply, origin, held.attempts, image_only)
            except SendError as exc:
                log.error("dropping a DingTalk message to %s: %s", address.id, exc)
                continue
            if len(self.held) > before:
                blocked.add(held.key)
            else:
                sent += 1
        return sent

    def _resend_loop(self) -> None:
        while not self._stop.wait(self.settings.resend_tick_seconds):
            try:
                self.flush_due()
            except Exception:
                log.exception("resending held DingTalk messages failed")


def _respond(start_response: Callable, status: str, body: dict) -> list[bytes]:
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]
