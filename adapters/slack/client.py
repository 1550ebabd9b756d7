"""Outbound: rendered replies through slack_sdk, one message a second per channel, errors as SendError.

slack_sdk retries connection errors, 429s (after Retry-After) and 500/503s itself once we give it the
handlers; when its retries are spent we raise `SendError` so the caller delays the message, never drops it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.webhook import WebhookClient

from bot.core.chunks import parts_sent_on_error
from bot.delivery.errors import SendError
from bot.chat.messages import Incoming, Reply

from . import render

log = logging.getLogger(__name__)

RESPONSE_URL_USES = 5  # Slack accepts five posts to one response_url
# Errors after which the same call cannot succeed: tell the caller not to retry.
PERMANENT = {"channel_not_found", "not_in_channel", "is_archived", "invalid_auth", "account_inactive",
             "token_revoked", "no_permission", "missing_scope", "user_not_found", "cannot_dm_bot",
             "invalid_blocks", "msg_too_long", "msg_blocks_too_long", "restricted_action"}


def retry_handlers(server_retry_interval: float = 0.5) -> list:
    return [ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=2),
            ServerErrorRetryHandler(max_retry_count=2,
                                    interval_calculator=FixedValueRetryIntervalCalculator(server_retry_interval))]


class ChannelPacer:
    """About one message a second per channel, in this process (Slack's chat.postMessage limit)."""

    def __init__(self, interval: float, *, clock=time.monotonic, sleep=time.sleep):
        self.interval = interval
        self._clock, self._sleep = clock, sleep
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, channel: str) -> None:
        """Wait for the channel's next free slot; each caller gets its own slot, in arrival order."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next.get(channel, 0.0))
            self._next[channel] = slot + self.interval
        if slot > now:
            self._sleep(slot - now)


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
    """chat.postMessage (after conversations.open for people), response_url for slash commands."""

    def __init__(self, client: WebClient, *, send_interval: float, retry_handlers: list):
        self.client = client
        self.pacer = ChannelPacer(send_interval)
        self._retry_handlers = retry_handlers
        self._ims: dict[str, str] = {}
        self._sent: OrderedDict[tuple[str, str], None] = OrderedDict()
        self._sent_lock = threading.Lock()
        self._responses: OrderedDict[str, int] = OrderedDict()  # response_url -> posts made to it

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

    def post(self, channel: str, reply: Reply, *, direct: bool = False, thread_ts: str | None = None,
             start_part: int = 0) -> None:
        """The reply as one message, or several in order when it is too big for one (render.messages),
        from part `start_part` on. A SendError after some parts went says how many (`parts_sent`)."""
        if direct and not channel.startswith("D"):
            channel = self.im_channel(channel)
        if self._already_sent(reply.key, channel):
            log.info("slack: %s already sent to %s", reply.key, channel)
            return
        parts = render.messages(reply)
        for n, part in enumerate(parts):
            # A keyed reply retried in this process skips the parts that went before (part 2 of 3 got
            # a 429: part 1 is not posted twice), as does a retry that says where to start.
            part_key = f"{reply.key}#{n}" if reply.key is not None and len(parts) > 1 else None
            if n < start_part or (part_key is not None and self._already_sent(part_key, channel)):
                continue
            self.pacer.wait(channel)
            with parts_sent_on_error(n):
                try:
                    self.client.chat_postMessage(channel=channel, thread_ts=thread_ts, unfurl_links=False, **part)
                except SlackApiError as exc:
                    raise send_error(exc) from exc
                except OSError as exc:  # the network, after slack_sdk's own retries
                    raise SendError(f"slack: {exc}") from exc
            self._mark_sent(part_key, channel)
        self._mark_sent(reply.key, channel)
        if reply.image:
            self.upload_image(channel, reply, thread_ts=thread_ts)

    def upload_image(self, channel: str, reply: Reply, *, thread_ts: str | None = None) -> None:
        """A chart under its message (files_upload_v2). The text is already there, so a failure is logged
        rather than raised: raising would make the caller send the text a second time."""
        try:
            self.client.files_upload_v2(channel=channel, file=reply.image, thread_ts=thread_ts,
                                        title=render.to_plain(reply.title or "chart"))
        except Exception as exc:
            log.warning("slack: image %s to %s not uploaded: %s", reply.image, channel, exc)

    def respond(self, origin: Incoming, reply: Reply, *, public: bool, start_part: int = 0) -> None:
        """Answer a slash command or a button where it was used: only the person sees it, unless public.
        A reply in several parts takes one of the response_url's five posts per part."""
        url = origin.extra["response_url"]
        for n, part in enumerate(render.messages(reply)):
            if n < start_part:
                continue
            with self._sent_lock:
                uses = self._responses.get(url, 0)
                self._responses[url] = uses + 1
                while len(self._responses) > 10000:  # a response_url lives 30 minutes; old ones can go
                    self._responses.popitem(last=False)
            with parts_sent_on_error(n):
                if uses >= RESPONSE_URL_USES or not self._respond_once(url, origin, part, public=public):
                    self._ephemeral(origin, part, public=public)
        if reply.image:  # an ephemeral answer cannot hold a file: the chart goes to the channel or the DM
            self.upload_image(origin.channel_id if public else self.im_channel(origin.user_id), reply)

    def _respond_once(self, url: str, origin: Incoming, part: dict, *, public: bool) -> bool:
        """False when the response_url is expired or used up (the caller posts instead)."""
        self.pacer.wait(origin.channel_id)
        body = {"response_type": "in_channel" if public else "ephemeral", "replace_original": False, **part}
        try:
            response = WebhookClient(url, retry_handlers=self._retry_handlers).send_dict(body)
        except OSError as exc:
            raise SendError(f"slack: response_url: {exc}") from exc
        if response.status_code == 429:
            raise SendError("slack: response_url rate limited", retry_after=retry_after(response.headers))
        if response.status_code >= 500:
            raise SendError(f"slack: response_url server error {response.status_code}")
        if response.status_code != 200:  # expired or used up: post it the ordinary way
            log.info("slack: response_url answered %s; posting instead", response.status_code)
            with self._sent_lock:
                self._responses[url] = RESPONSE_URL_USES
            return False
        return True

    def _ephemeral(self, origin: Incoming, part: dict, *, public: bool) -> None:
        """One rendered message where the command was used: to the channel if public, to the person's
        DM from a DM, else ephemeral (only they see it)."""
        try:
            if public or origin.is_direct:
                channel = self.im_channel(origin.user_id) if origin.is_direct else origin.channel_id
                self.pacer.wait(channel)
                self.client.chat_postMessage(channel=channel, unfurl_links=False, **part)
            else:
                self.pacer.wait(origin.channel_id)
                self.client.chat_postEphemeral(channel=origin.channel_id, user=origin.user_id, **part)
        except SlackApiError as exc:
            raise send_error(exc) from exc
        except OSError as exc:
            raise SendError(f"slack: {exc}") from exc
