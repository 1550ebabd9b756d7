"""The WeCom adapter: callbacks in, application messages (with images), group chat messages and robot
webhooks out. WeCom drops what goes over its rates without an error, so every send names its bucket of
the shared limiter (`rate_bucket`); the outbox waits for room, and this adapter holds nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING

import logging
import mimetypes
from functools import partial
from pathlib import Path

from wechatpy.enterprise import WeChatCrypto

from bot.delivery.addressing import Address
from bot.delivery.errors import SendError
from bot.core.chunks import parts_sent_on_error
from bot.delivery.limiter import Bucket, Window
from bot.chat.messages import Incoming, Reply
from bot.chat.tasks import HandleMessage

from adapters.wecom import render
from adapters.wecom.callback import MAX_BODY, CallbackVerifier, callback_app
from adapters.wecom.client import PLATFORM, DbTokenStorage, WeComClient, send_error
from adapters.wecom.parse import parse
from adapters.wecom.settings import WeComSettings

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

CALLBACK_PATH = "/wecom/callback"
MEMBER = (Window(30, 60), Window(1000, 3600))  # message/send, per member
CHAT = (Window(200, 60), Window(10000, 86400))  # appchat/send: per member of the chat, so per chat
ROBOT = (Window(20, 60),)  # a group robot's webhook


class WeComAdapter:
    platform = PLATFORM
    max_body = MAX_BODY  # for bot.runtime.server

    def __init__(self, app: App, settings: WeComSettings):
        self.app, self.settings = app, settings
        storage = DbTokenStorage(app.db, app.clock)
        self.client = WeComClient(settings.corp_id, settings.secret.get_secret_value(), api_base=settings.api_base,
                                  storage=storage, key=f"{settings.corp_id}:{settings.agent_id}")
        contacts = settings.contacts_secret.get_secret_value()
        self.contacts = self.client if not contacts else WeComClient(
            settings.corp_id, contacts, api_base=settings.api_base, storage=storage,
            key=f"{settings.corp_id}:contacts")
        crypto = WeChatCrypto(settings.token, settings.encoding_aes_key, settings.corp_id)
        self.verifier = CallbackVerifier(crypto, app.db, app.clock, settings.replay_window)

    # -- inbound ------------------------------------------------------------------------------
    def routes(self) -> dict:
        return {CALLBACK_PATH: callback_app(self.verifier, self.receive)}

    def receive(self, xml: str) -> None:
        """A verified, decrypted callback: acted on in the background, after WeCom got its 200."""
        try:
            incoming = parse(xml, agent_id=self.settings.agent_id)
        except Exception:
            log.exception("could not read a WeCom callback")
            return
        if incoming is not None:
            self.app.background.submit(HandleMessage(incoming))  # on record before WeCom's 200

    def start(self) -> None:
        pass  # callbacks only: no connection to keep open

    def health(self) -> tuple[bool, str]:
        return True, "callbacks over HTTP"

    def stop(self) -> None:
        pass

    # -- outbound -----------------------------------------------------------------------------
    def _route(self, address: Address):
        """(bucket key, windows, cards allowed, markdown byte limit, post) for one address."""
        if address.is_direct:
            return f"user:{address.id}", MEMBER, True, render.APP_MARKDOWN_BYTES, partial(self._to_member, address.id)
        if address.id.startswith(self.settings.webhook_prefix):
            return f"robot:{address.id}", ROBOT, False, render.ROBOT_MARKDOWN_BYTES, partial(self._to_robot,
                                                                                              address.id)
        return f"chat:{address.id}", CHAT, False, render.APP_MARKDOWN_BYTES, partial(self._to_chat, address.id)

    def _bodies(self, reply: Reply, cards: bool, limit: int) -> list[dict]:
        return render.messages(reply, cards=cards, markdown_bytes=limit,
                               buttons_title=self.app.i18n.t(reply.lang, "wecom.buttons"),
                               short_labels=render.short_labels(self.app.i18n, reply.lang))

    def rate_bucket(self, address: Address, reply: Reply, origin: Incoming | None) -> Bucket:
        """The member, chat or group robot, counted once per WeCom message this reply makes."""
        key, windows, cards, limit, _ = self._route(address)
        cost = len(self._bodies(reply, cards, limit)) + (1 if reply.image else 0)
        return Bucket(PLATFORM, key, windows, cost=cost)

    def send(self, address: Address, reply: Reply, origin: Incoming | None, *, start_part: int = 0) -> None:
        """Raises SendError when WeCom did not take a message; the limiter already made room for all. For
        a reply in several messages the error says how many went (`parts_sent`), and `start_part`
        resumes after them."""
        key, _, cards, limit, post = self._route(address)
        robot = key.startswith("robot:")
        for n, body in enumerate(self._bodies(reply, cards, limit)):
            if n < start_part:
                continue
            with parts_sent_on_error(n):
                self._call(post, body)
        image = self._read_image(reply.image, robot=robot) if reply.image else None
        if image is not None:  # one more message to the same recipient, after the text
            self._send_image(key, post, image, robot=robot)

    @staticmethod
    def _read_image(path: str, *, robot: bool) -> tuple[str, bytes] | None:
        """The file's name and bytes, read now (the chart may be replaced before a queued send)."""
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            log.warning("WeCom: image %s not sent, cannot read it: %s", path, exc)
            return None
        if robot and len(data) > render.ROBOT_IMAGE_BYTES:
            log.warning("WeCom: image %s not sent, over a group robot's 2 MB", path)
            return None
        return Path(path).name, data

    def _send_image(self, key: str, post, image: tuple[str, bytes], *, robot: bool) -> None:
        """Upload as temporary media (robots take the bytes inline), then the image message. The text
        went first, so a failure is logged, not raised: raising would make the outbox resend the text."""
        name, data = image
        try:
            if robot:
                body = render.robot_image(data)
            else:
                kind = mimetypes.guess_type(name)[0] or "image/png"
                # Bytes, not an open file: the client resends the same request once on an expired token.
                media_id = self.client.media.upload("image", (name, data, kind))["media_id"]
                body = render.image_message(media_id)
            self._call(post, body)
        except Exception as exc:
            error = exc if isinstance(exc, SendError) else send_error(exc)
            log.warning("WeCom: image %s to %s not sent: %s", name, key, error)

    @staticmethod
    def _call(post, body: dict) -> None:
        try:
            post(body)
        except SendError:
            raise
        except Exception as exc:
            raise send_error(exc) from exc

    def _to_member(self, userid: str, body: dict) -> None:
        result = self.client.message.send(self.settings.agent_id, userid, msg=body)
        if result.get("invaliduser"):
            # Taken, but not delivered: the member is outside the app's visible range (可见范围).
            raise SendError(f"WeCom did not deliver to {result['invaliduser']}: outside the app's visible range",
                            permanent=True)

    def _to_chat(self, chatid: str, body: dict) -> None:
        self.client.post("appchat/send", data={"chatid": chatid, **body})

    def _to_robot(self, url: str, body: dict) -> None:
        self.client.post_webhook(url, body)
