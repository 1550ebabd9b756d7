"""The dashboard's own settings (same `.env` as the rest), kept apart so the core settings stay small."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class WebSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    public_url: str = Field("http://localhost:8080", alias="PACEBOT_PUBLIC_URL")
    # Signs sign-in links; when empty, a random key is made once and kept in the database.
    secret: str = Field("", alias="PACEBOT_WEB_SECRET")
    login_minutes: int = Field(10, alias="PACEBOT_WEB_LOGIN_MINUTES", ge=1, le=24 * 60)
    session_hours: int = Field(12, alias="PACEBOT_WEB_SESSION_HOURS", ge=1, le=24 * 90)
    # How often the server looks for deals logged by any process, in seconds.
    poll_seconds: float = Field(1.0, alias="PACEBOT_WEB_POLL_SECONDS", gt=0, le=60)
    # An event stream is closed after this long; the browser reconnects at once (frees server threads).
    stream_seconds: float = Field(300, alias="PACEBOT_WEB_STREAM_SECONDS", gt=0)
    # Streams held open at once per process (each holds one of the server's threads); boards beyond
    # this still update, by reconnecting every few seconds.
    max_streams: int = Field(8, alias="PACEBOT_WEB_MAX_STREAMS", ge=0, le=1000)

    @property
    def base(self) -> str:
        return self.public_url.rstrip("/")

    @property
    def secure_cookie(self) -> bool:
        return self.public_url.startswith("https://")
