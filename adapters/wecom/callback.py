"""`/wecom/callback`: URL verification (GET) and encrypted messages and events (POST).

wechatpy checks the signature, decrypts with the EncodingAESKey and checks the corp id; it checks no
timestamp age, so a replay window against the app clock and a nonce cache (`bot.store.nonces`, kind
"wecom-nonce", shared by every process) are added here. Whatever fails is refused with 403
(signature, corp id, stale or replayed) or 400 (malformed), with the reason as the body, and nothing is
done. xmltodict, which reads the envelope before the signature is checked, expands no entities, so an
XML bomb is only a malformed envelope."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from urllib.parse import parse_qs

from wechatpy.enterprise import WeChatCrypto
from wechatpy.enterprise.exceptions import InvalidCorpIdException
from wechatpy.exceptions import InvalidSignatureException

from bot.store.db import Database
from bot.store.nonces import first_use

log = logging.getLogger(__name__)

NONCE_PLATFORM = "wecom-nonce"
MAX_BODY = 64 * 1024  # WeCom's callbacks are a few KiB; the HTTP server refuses larger bodies (413)


class Refused(Exception):
    def __init__(self, status: str, reason: str):
        super().__init__(reason)
        self.status = status


class CallbackVerifier:
    """Signature, AES, corp id, replay window and nonce cache for one app's callbacks."""

    def __init__(self, crypto: WeChatCrypto, db: Database, clock: Callable[[], datetime], window: int):
        self.crypto, self.db, self.clock, self.window = crypto, db, clock, window

    def _params(self, query: dict[str, str], *names: str) -> list[str]:
        values = [query.get(name, "") for name in names]
        if not all(values):
            raise Refused("400 Bad Request", "missing " + ", ".join(n for n, v in zip(names, values) if not v))
        return values

    def _fresh(self, timestamp: str) -> None:
        try:
            sent = int(timestamp)
        except ValueError:
            raise Refused("400 Bad Request", "bad timestamp") from None
        if abs(self.clock().timestamp() - sent) > self.window:
            raise Refused("403 Forbidden", "stale timestamp")

    def echo(self, query: dict[str, str]) -> str:
        """GET: the decrypted echostr, which WeCom expects back to accept the URL."""
        signature, timestamp, nonce, echostr = self._params(query, "msg_signature", "timestamp", "nonce", "echostr")
        self._fresh(timestamp)
        return self._decrypt(lambda: self.crypto.check_signature(signature, timestamp, nonce, echostr))

    def open(self, query: dict[str, str], body: bytes) -> str:
        """POST: the decrypted message XML, once per nonce."""
        signature, timestamp, nonce = self._params(query, "msg_signature", "timestamp", "nonce")
        self._fresh(timestamp)
        xml = self._decrypt(lambda: self.crypto.decrypt_message(body, signature, timestamp, nonce))
        self._first_nonce(f"{timestamp}:{nonce}")
        return xml

    @staticmethod
    def _decrypt(fn: Callable[[], str]) -> str:
        try:
            return fn()
        except InvalidSignatureException:
            raise Refused("403 Forbidden", "bad signature") from None
        except InvalidCorpIdException:
            raise Refused("403 Forbidden", "another corp id") from None
        except Exception as exc:  # malformed XML, base64, padding or length: nothing to act on
            raise Refused("400 Bad Request", f"undecryptable ({type(exc).__name__})") from None

    def _first_nonce(self, key: str) -> None:
        # Nonces older than two windows are pruned: their timestamps are refused as stale by then.
        if not first_use(self.db, NONCE_PLATFORM, key, now=self.clock(), keep=timedelta(seconds=2 * self.window)):
            raise Refused("403 Forbidden", "replayed nonce")


def callback_app(verifier: CallbackVerifier, on_message: Callable[[str], None]):
    """The WSGI app: verify, hand the decrypted XML to `on_message` (which must not block), answer."""

    def app(environ, start_response):
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        method = environ.get("REQUEST_METHOD", "GET")
        try:
            if method == "GET":
                return _answer(start_response, "200 OK", verifier.echo(query).encode())
            if method != "POST":
                return _answer(start_response, "405 Method Not Allowed", b"")
            length = int(environ.get("CONTENT_LENGTH") or 0)  # the server refused more than MAX_BODY
            xml = verifier.open(query, environ["wsgi.input"].read(length))
        except Refused as exc:
            log.warning("WeCom callback refused: %s", exc)
            return _answer(start_response, exc.status, str(exc).encode())
        on_message(xml)
        # An empty 200 tells WeCom not to retry and not to expect a passive reply.
        return _answer(start_response, "200 OK", b"")

    return app


def _answer(start_response, status: str, body: bytes):
    start_response(status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))])
    return [body]
