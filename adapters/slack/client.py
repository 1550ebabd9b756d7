"""Outbound: rendered replies through slack_sdk, errors as SendError; nothing is held here.

slack_sdk retries connection errors and 500/503s itself once we give it the handlers. A 429 is not
retried here: it becomes `SendError(retry_after=...)` at once, and the outbox holds back the channel's
rate bucket for every process and sends again after. Channel pacing (about one message a second) and
a response_url's five uses are counted in the shared limiter (`bot.delivery.limiter`), not in this process.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, ServerErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.webhook import WebhookClient

from bot.delivery.addressing import Address

from bot.delivery.errors import SendError
from bot.core.chunks import parts_sent_on_error
from bot.delivery.limiter import Bucket, Limiter, Window, every
from bot.chat.messages import Incoming, Reply, TargetKind

from . import render

log = logging.getLogger(__name__)

RESPONSE_URL_USES = 5  # Slack accepts five posts to one response_url...
RESPONSE_URL_TTL = timedelta(minutes=30)  # ...within thirty minutes of the command
# Errors after which the same call cannot succeed: tell the caller not to retry.
PERMANENT = {"channel_not_found", "not_in_channel", "is_archived", "invalid_auth", "account_inactive",
             "token_revoked", "no_permission", "missing_scope", "user_not_found", "cannot_dm_bot",
             "invalid_blocks", "msg_too_long", "msg_blocks_too_long", "restricted_action", "user_not_in_channel"}


def retry_handlers(server_retry_interval: float = 0.5) -> list:
    """Connection errors and 5xx only: a 429 goes back to the outbox (see the module docstring)."""
    return [ConnectionErrorRetryHandler(max_retry_count=2),
            ServerErrorRetryHandler(max_retry_count=2,
                                    interval_calculator=FixedValueRetryIntervalCalculator(server_retry_interval))]


def retry_after(headers) -> float:
    """Slack's Retry-After in seconds (headers come as str or list values, in any case); 1 if absent."""
    for key, value in (headers or {}).items():
        if key.lower() == "retry-after":
            value = value[0] if isinstance(value, (list, tuple)) else value
            try:
                return float(value)
            except (TypeError, ValueError):
                break
    return 1.0


def send_error(exc: SlackApiError) -> SendError:
    response = exc.response
    status = getattr(response, "status_code", None) or 0
    error = response.get("error") if isinstance(getattr(response, "data", None), dict) else None
    if status == 429 or error == "ratelimited":
        return SendError(f"slack: rate limited ({error})", retry_after=retry_after(response.headers))
    if status >= 500:
        return SendError(f"slack: server error {status}")
    return SendError(f"slack: {error or status}", permanent=error in PERMANENT)


class SlackSender:
    """chat.postMessage (after conversations.open for people), response_url for slash commands and
    buttons, chat.postEphemeral for a private answer in a channel once its response_url is spent."""

    platform = "slack"

    def __init__(self, client: WebClient, *, limiter: Limiter, clock: Callable[[], datetime],
                 send_interval: float, retry_handlers: list):
        self.client, self.limiter, self.clock = client, limiter, clock
        self.send_interval = send_interval
        self._retry_handlers = retry_handlers
        self._ims: dict[str, str] = {}
        self._sent: OrderedDict[tuple[str, str], None] = OrderedDict()
        self._sent_lock = threading.Lock()

    # -- what the outbox asks ------------------------------------------------------------------
    def rate_bucket(self, address: Address, reply: Reply, origin: Incoming | None) -> Bucket | None:
        """The channel the post lands in (about one a second each); none for a response_url, which Slack
        does not pace by channel (its five uses are counted in `_respond`; a 429 there holds back only
        its own message)."""
        origin = self._answered(reply, origin)
        if self.response_url(origin) is not None:
            return None
        in_channel = address.is_direct and origin is not None and not origin.is_direct
        channel = origin.channel_id if in_channel else address.id
        return Bucket(self.platform, channel, every(self.send_interval), cost=len(render.messages(reply)))

    def send(self, address: Address, reply: Reply, origin: Incoming | None, *, start_part: int = 0) -> None:
        """A direct address is private whatever the route: the response_url ephemerally, then
        chat.postEphemeral in the channel it was asked in, or the person's DM. Never the channel.
        A reply too big for one Slack message goes as several (render.messages); an error part-way says
        how many went (`parts_sent`) and `start_part` resumes after them."""
        origin = self._answered(reply, origin)
        parts = render.messages(reply)
        for n, part in enumerate(parts):
            if n < start_part:
                continue
            with parts_sent_on_error(n):
                self._send_part(address, reply, part, origin, n=n, last=n == len(parts) - 1)

    def _send_part(self, address: Address, reply: Reply, part: dict, origin: Incoming | None, *, n: int,
                   last: bool) -> None:
        url = self.response_url(origin)
        image = (reply.image, reply.title) if last and reply.image else None  # the chart follows the last part
        key = f"{reply.key}#{n}" if reply.key is not None and n else reply.key
        if address.is_direct:
            if url and self._respond(url, origin, part, image, public=False):
                return
            if origin is not None and not origin.is_direct:
                self._ephemeral(origin.channel_id, address.id, part)
            else:
                self._post_part(address.id, part, image, key=key, direct=True)
            return
        if url and self._respond(url, origin, part, image, public=True):
            return
        thread = origin.extra.get("thread_ts") if origin is not None and origin.channel_id == address.id else None
        self._post_part(address.id, part, image, key=key, thread_ts=thread)

    def _answered(self, reply: Reply, origin: Incoming | None) -> Incoming | None:
        """The origin, when this reply answers it here (only answers go back where someone spoke)."""
        if origin is None or origin.platform != self.platform or reply.target.kind is not TargetKind.ORIGIN:
            return None
        return origin

    def response_url(self, origin: Incoming | None) -> str | None:
        """The origin's response_url while Slack still takes it (30 minutes)."""
        url = origin.extra.get("response_url") if origin is not None else None
        if not url:
            return None
        if origin.received_at is not None and self.clock() - origin.received_at >= RESPONSE_URL_TTL:
            return None
        return url

    # -- the calls -----------------------------------------------------------------------------
    # Idempotency inside this process: a reply with a key (a deal's announcement) goes to a place once.
    def _already_sent(self, key: str | None, channel: str) -> bool:
        with self._sent_lock:
            return key is not None and (key, channel) in self._sent

    def _mark_sent(self, key: str | None, channel: str) -> None:
        if key is None:
            return
        with self._sent_lock:
            self._sent[(key, channel)] = None
            while len(self._sent) > 10000:
                self._sent.popitem(last=False)

    def im_channel(self, user_id: str) -> str:
        """A person's direct-message channel with the bot (conversations.open, cached)."""
        if user_id not in self._ims:
            try:
                self._ims[user_id] = self.client.conversations_open(users=user_id)["channel"]["id"]
            except SlackApiError as exc:
                raise send_error(exc) from exc
        return self._ims[user_id]

    def post(self, channel: str, reply: Reply, *, direct: bool = False, thread_ts: str | None = None) -> None:
        """A reply to a channel (or a person's DM) with chat.postMessage, in as many messages as it needs."""
        parts = render.messages(reply)
        for n, part in enumerate(parts):
            image = (reply.image, reply.title) if n == len(parts) - 1 and reply.image else None
            key = f"{reply.key}#{n}" if reply.key is not None and n else reply.key
            with parts_sent_on_error(n):
                self._post_part(channel, part, image, key=key, direct=direct, thread_ts=thread_ts)

    def _post_part(self, channel: str, part: dict, image: tuple[str, str | None] | None = None, *,
                   key: str | None = None, direct: bool = False, thread_ts: str | None = None) -> None:
        """One rendered message (a part of a reply) with chat.postMessage, and its chart under it."""
        if direct and not channel.startswith("D"):
            channel = self.im_channel(channel)
        if self._already_sent(key, channel):
            log.info("slack: %s already sent to %s", key, channel)
            return
        try:
            self.client.chat_postMessage(channel=channel, thread_ts=thread_ts, unfurl_links=False, **part)
        except SlackApiError as exc:
            raise send_error(exc) from exc
        except OSError as exc:  # the network, after slack_sdk's own retries
            raise SendError(f"slack: {exc}") from exc
        self._mark_sent(key, channel)
        if image:
            self.upload_image(channel, *image, thread_ts=thread_ts)

    def upload_image(self, channel: str, image: str, title: str | None = None, *, thread_ts: str | None = None) -> None:
        """A chart under its message (files_upload_v2). The text is already there, so a failure is logged
        rather than raised: raising would make the caller send the text a second time."""
        try:
            self.client.files_upload_v2(channel=channel, file=image, thread_ts=thread_ts,
                                        title=render.to_plain(title or "chart"))
        except Exception as exc:
            log.warning("slack: image %s to %s not uploaded: %s", image, channel, exc)

    def _respond(self, url: str, origin: Incoming, part: dict, image: tuple[str, str | None] | None, *,
                 public: bool) -> bool:
        """Post to the response_url; False when it is spent (five uses, expired or refused), so the
        caller takes the next route. A 429 or 5xx raises: the outbox tries the same way again later."""
        uses = Bucket(self.platform, "response_url:" + hashlib.sha256(url.encode()).hexdigest()[:48],
                      (Window(RESPONSE_URL_USES, RESPONSE_URL_TTL.total_seconds()),))
        if self.limiter.acquire(uses) is not None:  # counted in the database: every process, every retry
            return False
        body = {"response_type": "in_channel" if public else "ephemeral", "replace_original": False, **part}
        try:
            response = WebhookClient(url, retry_handlers=self._retry_handlers).send_dict(body)
        except OSError as exc:
            raise SendError(f"slack: response_url: {exc}") from exc
        if response.status_code == 429:
            raise SendError("slack: response_url rate limited", retry_after=retry_after(response.headers))
        if response.status_code >= 500:
            raise SendError(f"slack: response_url server error {response.status_code}")
        if response.status_code != 200:  # expired or used up
            log.info("slack: response_url answered %s; answering another way", response.status_code)
            self.limiter.block(uses, self.clock() + RESPONSE_URL_TTL)
            return False
        if image:  # an ephemeral answer cannot hold a file: the chart goes to the channel or the DM
            self.upload_image(origin.channel_id if public else self.im_channel(origin.user_id), *image)
        return True

    def _ephemeral(self, channel: str, user: str, part: dict) -> None:
        try:
            self.client.chat_postEphemeral(channel=channel, user=user, **part)
        except SlackApiError as exc:
            raise send_error(exc) from exc
        except OSError as exc:
            raise SendError(f"slack: {exc}") from exc
