"""DingTalk's HTTP APIs: the new OpenAPI (api.dingtalk.com), the old one (oapi.dingtalk.com) and
webhooks, with access tokens kept in the shared DB cache and fetched again when DingTalk rejects them.

Errors come back as `bot.delivery.errors.SendError`: `retry_after` when waiting helps, `permanent` when not.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import requests

from adapters.dingtalk.config import DingTalkSettings
from adapters.dingtalk.limits import ROBOT_PENALTY
from bot.store.db import Database
from bot.delivery.errors import SendError
from bot.services import tokens

log = logging.getLogger(__name__)

PLATFORM = "dingtalk"
TIMEOUT = 10
THROTTLED = 130101  # custom robot: over 20 a minute, throttled for ten minutes
OLD_TOKEN_ERRORS = {40001, 40014, 42001}  # invalid / expired access_token on oapi
OLD_BUSY_ERRORS = {90018, 90002, -1}  # too many requests, system busy
NEW_TOKEN_CODES = {"InvalidAuthentication", "InvalidAccessToken", "Forbidden.AccessDenied.AccessTokenExpired"}


class Throttled(SendError):
    """A webhook answered 130101: it takes nothing more for ten minutes."""


class DingTalkApi:
    def __init__(self, settings: DingTalkSettings, db: Database, clock: Callable[[], datetime],
                 http: requests.Session | None = None):
        self.settings, self.db, self.clock = settings, db, clock
        self.http = http or requests.Session()

    # -- tokens -----------------------------------------------------------------------------------
    def app_token(self, *, fresh: bool = False) -> str:
        """The app access token of the new API (POST /v1.0/oauth2/accessToken)."""
        return self._token("app", fresh, self._fetch_app_token)

    def oapi_token(self, *, fresh: bool = False) -> str:
        """The old API's access token (GET /gettoken?appkey&appsecret)."""
        return self._token("oapi", fresh, self._fetch_oapi_token)

    def _token(self, kind: str, fresh: bool, fetch) -> str:
        key = f"{kind}:{self.settings.app_key}"
        with self.db.session() as session:
            value = None if fresh else tokens.get_token(PLATFORM, key, now=self.clock(), session=session)
        if value:
            return value
        value, expires_in = fetch()
        with self.db.session() as session:
            tokens.put_token(PLATFORM, key, value, expires_in=expires_in, now=self.clock(), session=session)
        return value

    def _fetch_app_token(self) -> tuple[str, float]:
        resp = self._request("POST", self.settings.api_base + "/v1.0/oauth2/accessToken",
                             json={"appKey": self.settings.app_key, "appSecret": self.settings.app_secret})
        data = _json(resp)
        if resp.status_code != 200 or "accessToken" not in data:
            raise SendError(f"DingTalk refused the app credentials: {resp.status_code} {data}", permanent=True)
        return data["accessToken"], float(data.get("expireIn", 7200))

    def _fetch_oapi_token(self) -> tuple[str, float]:
        resp = self._request("GET", self.settings.oapi_base + "/gettoken",
                             params={"appkey": self.settings.app_key, "appsecret": self.settings.app_secret})
        data = _json(resp)
        if data.get("errcode") != 0:
            raise SendError(f"DingTalk refused the app credentials: {data}", permanent=True)
        return data["access_token"], float(data.get("expires_in", 7200))

    def forget_tokens(self) -> None:
        with self.db.session() as session:
            for kind in ("app", "oapi"):
                tokens.drop_token(PLATFORM, f"{kind}:{self.settings.app_key}", session=session)

    # -- calls ------------------------------------------------------------------------------------
    def openapi(self, path: str, body: dict) -> dict:
        """POST to the new API with the app token; a rejected token is fetched again once."""
        for attempt in (0, 1):
            token = self.app_token(fresh=attempt == 1)
            resp = self._request("POST", self.settings.api_base + path, json=body,
                                 headers={"x-acs-dingtalk-access-token": token})
            data = _json(resp)
            if resp.status_code == 200:
                return data
            code = str(data.get("code", ""))
            if resp.status_code == 401 or code in NEW_TOKEN_CODES:
                log.info("DingTalk rejected the app token (%s); fetching a new one", code or resp.status_code)
                continue
            if resp.status_code == 429 or "QpsLimit" in code or "Throttling" in code:
                raise SendError(f"DingTalk {path}: {code or resp.status_code}",
                                retry_after=_retry_after(resp, 1.0))
            if resp.status_code >= 500:
                raise SendError(f"DingTalk {path}: {resp.status_code}", retry_after=5.0)
            raise SendError(f"DingTalk {path}: {resp.status_code} {data}", permanent=True)
        raise SendError(f"DingTalk {path}: a fresh app token was rejected too", permanent=True)

    def oapi(self, path: str, body: dict) -> dict:
        """POST JSON to the old API with its token; a rejected token is fetched again once."""
        return self._oapi_call(path, lambda token: self._request(
            "POST", self.settings.oapi_base + path, json=body, params={"access_token": token}))

    def upload_image(self, file: Path) -> str:
        """Upload a picture with the old API's media upload (POST /media/upload?type=image, multipart
        field `media`); returns its media_id, which the robot's sampleImageMsg takes as photoURL."""
        content = file.read_bytes()  # read once: a retry with a fresh token posts it again
        data = self._oapi_call("/media/upload", lambda token: self._request(
            "POST", self.settings.oapi_base + "/media/upload", params={"access_token": token, "type": "image"},
            files={"media": (file.name, content, "image/png")}))
        if not data.get("media_id"):
            raise SendError(f"DingTalk /media/upload gave no media_id: {data}", permanent=True)
        return data["media_id"]

    def _oapi_call(self, path: str, call: Callable[[str], requests.Response]) -> dict:
        for attempt in (0, 1):
            resp = call(self.oapi_token(fresh=attempt == 1))
            data = _json(resp)
            errcode = data.get("errcode")
            if errcode == 0:
                return data
            if errcode in OLD_TOKEN_ERRORS:
                log.info("DingTalk rejected the oapi token (%s); fetching a new one", errcode)
                continue
            if errcode in OLD_BUSY_ERRORS or resp.status_code >= 500:
                raise SendError(f"DingTalk {path}: {data}", retry_after=1.0)
            raise SendError(f"DingTalk {path}: {data}", permanent=True)
        raise SendError(f"DingTalk {path}: a fresh token was rejected too", permanent=True)

    def webhook(self, url: str, body: dict) -> None:
        """POST to a sessionWebhook or a (signed) custom robot webhook; DingTalk answers errcode in 200s."""
        resp = self._request("POST", url, json=body)
        data = _json(resp)
        errcode = data.get("errcode", 0 if resp.status_code == 200 else None)
        if errcode == 0:
            return
        if errcode == THROTTLED:
            raise Throttled(f"DingTalk webhook throttled (130101): {data.get('errmsg')}", retry_after=ROBOT_PENALTY)
        if resp.status_code == 429 or resp.status_code >= 500:
            raise SendError(f"DingTalk webhook: {resp.status_code}", retry_after=_retry_after(resp, 5.0))
        raise SendError(f"DingTalk webhook refused: {resp.status_code} {data}", permanent=True)

    def _request(self, method: str, url: str, **kw) -> requests.Response:
        try:
            return self.http.request(method, url, timeout=TIMEOUT, **kw)
        except requests.RequestException as exc:
            raise SendError(f"DingTalk unreachable: {exc}", retry_after=5.0) from exc


def _json(resp: requests.Response) -> dict:
    try:
        data = resp.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _retry_after(resp: requests.Response, default: float) -> float:
    try:
        return max(float(resp.headers.get("Retry-After", default)), 0.0)
    except ValueError:
        return default
