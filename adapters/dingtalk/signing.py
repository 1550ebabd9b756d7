"""DingTalk's one signature scheme, used twice: the robot callback's `timestamp`/`sign` headers and a
custom group robot's `timestamp`/`sign` query parameters. Both are base64(HMAC-SHA256(secret,
timestamp + "\\n" + secret)) with the timestamp in milliseconds."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from urllib.parse import quote_plus

WINDOW_MS = 60 * 60 * 1000  # DingTalk: a callback whose timestamp is over an hour off is not genuine


def sign(timestamp_ms: int | str, secret: str) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify(headers: Mapping[str, str], *, secret: str, now_ms: int, window_ms: int = WINDOW_MS) -> bool:
    """True only for a callback signed with our app secret within the window; `headers` lower-cased."""
    timestamp, signature = headers.get("timestamp", ""), headers.get("sign", "")
    # isascii: str.isdigit() is also true of "²" and "١", which int() refuses or reads as a number; a
    # millisecond timestamp has 13 digits (and int() refuses over 4,300).
    if not secret or not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 16) or not signature:
        return False
    if abs(now_ms - int(timestamp)) > window_ms:
        return False
    return hmac.compare_digest(sign(timestamp, secret).encode(), signature.encode())


def signed_webhook_url(url: str, secret: str, *, now_ms: int) -> str:
    """A custom robot's webhook URL with `timestamp` and url-encoded `sign` appended."""
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}timestamp={now_ms}&sign={quote_plus(sign(now_ms, secret))}"
