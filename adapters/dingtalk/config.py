"""The DingTalk adapter's settings, read from the environment and `.env` like the core's."""

from __future__ import annotations

from pydantic import Field

from adapters.dingtalk.hosts import DINGTALK_HOSTS
from pydantic_settings import BaseSettings, SettingsConfigDict


class DingTalkSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    app_key: str = Field("", alias="DINGTALK_APP_KEY")  # also the Stream client id
    app_secret: str = Field("", alias="DINGTALK_APP_SECRET")
    robot_code: str = Field("", alias="DINGTALK_ROBOT_CODE")  # defaults to the app key (as DingTalk does)
    stream: bool = Field(False, alias="DINGTALK_STREAM")
    api_base: str = Field("https://api.dingtalk.com", alias="DINGTALK_API_BASE")
    oapi_base: str = Field("https://oapi.dingtalk.com", alias="DINGTALK_OAPI_BASE")
    # The only hosts a URL taken from a callback (its sessionWebhook) may point at; tests add their fake's.
    allowed_hosts_csv: str = Field(",".join(DINGTALK_HOSTS), alias="DINGTALK_ALLOWED_HOSTS")
    # Stream watchdog: reconnect when the gateway sent no frame (its pings included) for this long.
    stream_idle_seconds: float = Field(90.0, alias="DINGTALK_STREAM_IDLE_SECONDS", gt=0)
    stream_backoff_seconds: float = Field(3.0, alias="DINGTALK_STREAM_BACKOFF_SECONDS", ge=0)

    @property
    def configured(self) -> bool:
        return bool(self.app_key and self.app_secret)

    @property
    def allowed_hosts(self) -> tuple[str, ...]:
        return tuple(h.strip().lower() for h in self.allowed_hosts_csv.split(",") if h.strip())

    @property
    def robot(self) -> str:
        return self.robot_code or self.app_key
