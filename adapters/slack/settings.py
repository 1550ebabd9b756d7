"""The Slack adapter's own settings, read from the environment or `.env` like the core's."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.core.config import build_settings


class SlackSettings(BaseSettings):
    """SLACK_* variables; `.env.example` documents each one."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore",
                                      populate_by_name=True)

    bot_token: str = Field("", alias="SLACK_BOT_TOKEN")
    signing_secret: str = Field("", alias="SLACK_SIGNING_SECRET")
    app_token: str = Field("", alias="SLACK_APP_TOKEN")
    api_url: str = Field("https://slack.com/api/", alias="SLACK_API_URL")
    send_interval: float = Field(1.0, alias="SLACK_SEND_INTERVAL", ge=0, le=60)
    retry_interval: float = Field(0.5, alias="SLACK_RETRY_INTERVAL", ge=0, le=60)

    @field_validator("bot_token", "signing_secret", "app_token", mode="before")
    @classmethod
    def _strip(cls, value):
        return value.strip() if isinstance(value, str) else value

    @field_validator("bot_token")
    @classmethod
    def _bot_token(cls, value: str) -> str:
        if value and not value.startswith("xoxb-"):
            raise ValueError("must be the bot token (starts with xoxb-), from OAuth & Permissions")
        return value

    @field_validator("app_token")
    @classmethod
    def _app_token(cls, value: str) -> str:
        if value and not value.startswith("xapp-"):
            raise ValueError("must be an app-level token (starts with xapp-) with the connections:write scope")
        return value

    @field_validator("api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        value = value.strip()
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL such as https://slack.com/api/")
        return value if value.endswith("/") else value + "/"

    @model_validator(mode="after")
    def _pair(self):
        if bool(self.bot_token) != bool(self.signing_secret):
            missing = "SLACK_SIGNING_SECRET" if self.bot_token else "SLACK_BOT_TOKEN"
            raise ValueError(f"set both SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET, or neither ({missing} is empty)")
        if self.app_token and not self.bot_token:
            raise ValueError("SLACK_APP_TOKEN (Socket Mode) also needs SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET")
        return self

    @property
    def configured(self) -> bool:
        return bool(self.bot_token and self.signing_secret)


def load_slack_settings(**overrides) -> SlackSettings:
    """The Slack settings, validated (SettingsError with one line per problem)."""
    return build_settings(SlackSettings, "bad Slack settings", **overrides)
