"""wechatpy's WeCom client, pointed at the configured API base, with its access token kept in the
database (`bot.services.tokens`) so that every bot process shares one token instead of fighting."""

from __future__ import annotations

import logging

import requests
from wechatpy.enterprise import WeChatClient
from wechatpy.exceptions import APILimitedException, WeChatClientException
from wechatpy.session import SessionStorage

from bot.core.clock import Clock
from bot.store.db import Database
from bot.delivery.errors import SendError
from bot.services import tokens

log = logging.getLogger(__name__)

PLATFORM = "wecom"
# 40014 invalid access_token, 42001 access_token expired: fetch a new token and resend once.
EXPIRED_TOKEN = frozenset({40014, 42001})
# Errors a later retry may fix: system busy, API frequency limits, upstream hiccups.
TRANSIENT = frozenset({-1, 45009, 45033, 45011, 41049, 60020})
TIMEOUT = 10  # seconds for each API call


class DbTokenStorage(SessionStorage):
    """wechatpy's session storage over our shared token table; only access tokens go through it."""

    def __init__(self, db: Database, clock: Clock):
        self.db, self.clock = db, clock

    def get(self, key, default=None):
        with self.db.session() as session:
            value = tokens.get_token(PLATFORM, key, now=self.clock(), session=session)
        return default if value is None else value

    def set(self, key, value, ttl=None):
        with self.db.session() as session:
            tokens.put_token(PLATFORM, key, value, expires_in=float(ttl or 7200), now=self.clock(), session=session)

    def delete(self, key):
        with self.db.session() as session:
            tokens.drop_token(PLATFORM, key, session=session)


class _TimeoutSession(requests.Session):
    """wechatpy fetches tokens without a timeout; no call may hang a worker thread forever."""

    def request(self, *args, timeout=None, **kwargs):
        return super().request(*args, timeout=timeout or TIMEOUT, **kwargs)


class WeComClient(WeChatClient):
    """The enterprise client with a configurable base URL and our token handling.

    wechatpy hard-codes the gettoken URL and, on an expired token, refetches and retries without
    limit; here the token comes from the configured base and an expired one is refreshed once."""

    def __init__(self, corp_id: str, secret: str, *, api_base: str, storage: SessionStorage, key: str):
        self.API_BASE_URL = api_base.rstrip("/") + "/cgi-bin/"
        self._token_key = key
        super().__init__(corp_id, secret, session=storage, timeout=TIMEOUT, auto_retry=False)
        self._http = _TimeoutSession()

    @property
    def access_token_key(self):
        return self._token_key

    def fetch_access_token(self):
        return self._fetch_access_token(url=self.API_BASE_URL + "gettoken",
                                        params={"corpid": self.corp_id, "corpsecret": self.secret})

    @property
    def access_token(self):
        # The shared storage knows the expiry; wechatpy's own `expires_at` is per process.
        token = self.session.get(self.access_token_key)
        if token:
            return token
        self.fetch_access_token()
        return self.session.get(self.access_token_key)

    def _request(self, method, url_or_endpoint, **kwargs):
        fresh = dict(kwargs, params=dict(kwargs.get("params") or {}))
        try:
            return super()._request(method, url_or_endpoint, **fresh)
        except WeChatClientException as exc:
            if exc.errcode not in EXPIRED_TOKEN:
                raise
            log.info("WeCom token rejected (%s); fetching a new one and resending once", exc.errcode)
            self.session.delete(self.access_token_key)
            return super()._request(method, url_or_endpoint, **dict(kwargs, params=dict(kwargs.get("params") or {})))

    def post_webhook(self, url: str, payload: dict) -> dict:
        """A group robot's webhook: the key in its URL is the credential, no access token is sent."""
        res = self._http.post(url, json=payload, timeout=self.timeout)
        res.raise_for_status()
        return self._handle_result(res)


def send_error(exc: Exception) -> SendError:
    """wechatpy's and requests' failures as our SendError, saying whether retrying may help."""
    if isinstance(exc, APILimitedException) or getattr(exc, "errcode", None) == 45009:
        return SendError(f"WeCom rate limit: {exc}", retry_after=60)
    if isinstance(exc, WeChatClientException) and exc.errcode is not None:
        return SendError(f"WeCom error {exc.errcode}: {exc.errmsg}", permanent=exc.errcode not in TRANSIENT
                         and exc.errcode not in EXPIRED_TOKEN)
    return SendError(f"WeCom unreachable: {exc}")  # network errors and HTTP 5xx: try again later
