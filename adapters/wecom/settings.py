"""WeCom settings, read from the environment and `.env` like the core's, and validated at start."""

from __future__ import annotations

import base64
import binascii

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.core.config import SettingsError, build_settings

REQUIRED = ("WECOM_CORP_ID", "WECOM_AGENT_ID", "WECOM_SECRET", "WECOM_TOKEN", "WECOM_ENCODING_AES_KEY")


class WeComSettings(BaseSettings):
    """The self-built app's credentials (admin console → 应用管理 → the app) and its callback keys."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    corp_id: str = Field("", alias="WECOM_CORP_ID")
    agent_id: int | None = Field(None, alias="WECOM_AGENT_ID", gt=0)
    secret: SecretStr = Field(SecretStr(""), alias="WECOM_SECRET")
    token: str = Field("", alias="WECOM_TOKEN")
    encoding_aes_key: str = Field("", alias="WECOM_ENCODING_AES_KEY")
    api_base: str = Field("https://qyapi.weixin.qq.com", alias="WECOM_API_BASE")
    # The 通讯录同步 secret, if the app's own secret may not read the directory (see README).
    contacts_secret: SecretStr = Field(SecretStr(""), alias="WECOM_CONTACTS_SECRET")
    replay_window: int = Field(300, alias="WECOM_REPLAY_WINDOW", ge=30, le=3600)

    @field_validator("corp_id", "token", "encoding_aes_key", "api_base", mode="before")
    @classmethod
    def _strip(cls, value):
        return value.strip() if isinstance(value, str) else value

    @field_validator("agent_id", mode="before")
    @classmethod
    def _agent_id(cls, value):
        if isinstance(value, str) and not value.strip():
            return None  # `WECOM_AGENT_ID=` as in .env.example: not configured
        if isinstance(value, str) and not value.strip().isdigit():
            raise ValueError("is the app's AgentId, a number such as 1000002 (应用管理 → the app)")
        return value

    @field_validator("corp_id")
    @classmethod
    def _corp_id(cls, value: str) -> str:
        if value and not (value.startswith(("ww", "wx")) and value.isalnum()):
            raise ValueError("is the 企业ID from 我的企业 → 企业信息, e.g. ww1234567890abcdef")
        return value

    @field_validator("token")
    @classmethod
    def _token(cls, value: str) -> str:
        if value and not (value.isalnum() and len(value) <= 32):
            raise ValueError("is the callback Token (letters and digits, at most 32), from 接收消息 → 设置API接收")
        return value

    @field_validator("encoding_aes_key")
    @classmethod
    def _aes_key(cls, value: str) -> str:
        if not value:
            return value
        try:
            ok = len(value) == 43 and len(base64.b64decode(value + "=", validate=True)) == 32
        except (binascii.Error, ValueError):
            ok = False
        if not ok:
            raise ValueError("must be the 43-character EncodingAESKey shown next to the Token in 设置API接收")
        return value

    @field_validator("api_base")
    @classmethod
    def _api_base(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("must be a URL such as https://qyapi.weixin.qq.com")
        return value.rstrip("/")

    @property
    def configured(self) -> bool:
        return bool(self.corp_id)

    def missing(self) -> list[str]:
        values = {"WECOM_CORP_ID": self.corp_id, "WECOM_AGENT_ID": self.agent_id,
                  "WECOM_SECRET": self.secret.get_secret_value(), "WECOM_TOKEN": self.token,
                  "WECOM_ENCODING_AES_KEY": self.encoding_aes_key}
        return [name for name in REQUIRED if not values[name]]

    @property
    def webhook_prefix(self) -> str:
        """Group robot webhooks a team may configure must start with this (no posting elsewhere)."""
        return f"{self.api_base}/cgi-bin/webhook/send?key="


def load_wecom_settings(**overrides) -> WeComSettings | None:
    """The settings, None when WeCom is not configured at all; a half-done set-up is an error."""
    settings = build_settings(WeComSettings, "bad WeCom settings", **overrides)
    missing = settings.missing()
    if len(missing) == len(REQUIRED):
        return None
    if missing:
        raise SettingsError("WeCom is half configured; also set " + ", ".join(missing)
                            + " (see the README section on WeCom)")
    return settings
