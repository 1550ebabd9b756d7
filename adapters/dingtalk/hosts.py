"""Which hosts a URL taken from a DingTalk request (the sessionWebhook) may point at. The callback's
signature does not cover its body, so such a URL is only as trustworthy as its host: anything but
DingTalk's own (DINGTALK_ALLOWED_HOSTS) is dropped and the reply takes the robot OpenAPI instead."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

# The hosts DingTalk's docs and its SDK (dingtalk_stream) send robot messages to.
DINGTALK_HOSTS = ("oapi.dingtalk.com", "api.dingtalk.com")


def allowed(url: str | None, hosts: Iterable[str]) -> bool:
    """True for an http(s) URL whose host is one of `hosts` (exactly, case aside)."""
    if not url:
        return False
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return False
    return parts.scheme in ("https", "http") and host is not None and host in {h.lower() for h in hosts}


def on_dingtalk(url: str | None, hosts: Iterable[str], what: str) -> str | None:
    """`url` when it is on an allowed host, else None (logged without the query, which may hold a token)."""
    if url is None or allowed(url, hosts):
        return url
    try:  # the host alone: the query may hold a token, the netloc a password
        host = urlsplit(url).hostname or "?"
    except ValueError:
        host = "?"
    log.warning("dropped a DingTalk %s on a host that is not DingTalk's: %s", what, host)
    return None
