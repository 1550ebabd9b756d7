"""Settings from the environment and a `.env` file, validated once at start."""

from __future__ import annotations

from functools import cached_property
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.core.currencies import check_currency
from bot.core.pace import DEFAULT_BONUS_TIERS, BonusTier, parse_bonus_tiers

LANGS = ("zh", "en")


class Settings(BaseSettings):
    """Every setting pacebot reads; `.env.example` documents each one."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = Field("sqlite:///pacebot.db", alias="PACEBOT_DATABASE_URL")
    tz: str = Field("Asia/Shanghai", alias="PACEBOT_TZ")
    lang: str = Field("zh", alias="PACEBOT_LANG")
    currency: str = Field("CNY", alias="PACEBOT_CURRENCY")
    admins: str = Field("", alias="PACEBOT_ADMINS")
    log_window_days: int = Field(7, alias="PACEBOT_LOG_WINDOW_DAYS", ge=0, le=366)
    bonus_tiers: str = Field(DEFAULT_BONUS_TIERS, alias="PACEBOT_BONUS_TIERS")
    leaderboard_rows: int = Field(10, alias="PACEBOT_LEADERBOARD_ROWS", ge=1, le=100)
    log_level: str = Field("WARNING", alias="PACEBOT_LOG_LEVEL")
    workers: int = Field(1, alias="PACEBOT_WORKERS", ge=0, le=64)
    worker_nice: int = Field(10, alias="PACEBOT_WORKER_NICE", ge=0, le=19)
    inbox_lease: float = Field(60.0, alias="PACEBOT_INBOX_LEASE", gt=0)  # seconds before a task is run again
    api_max_body: int = Field(2 << 20, alias="PACEBOT_API_MAX_BODY", ge=1024, le=100 << 20)  # bytes per request

    @field_validator("tz")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}; use an IANA name such as Asia/Shanghai") from exc
        return value

    @field_validator("lang")
    @classmethod
    def _lang(cls, value: str) -> str:
        value = value.strip().lower().replace("_", "-")
        value = {"zh-cn": "zh", "en-us": "en", "en-gb": "en"}.get(value, value)
        if value not in LANGS:
            raise ValueError(f"must be one of {', '.join(LANGS)}")
        return value

    @field_validator("bonus_tiers")
    @classmethod
    def _tiers(cls, value: str) -> str:
        parse_bonus_tiers(value)
        return value

    @field_validator("admins")
    @classmethod
    def _admins(cls, value: str) -> str:
        for item in filter(None, (part.strip() for part in value.split(","))):
            if ":" not in item or not all(item.split(":", 1)):
                raise ValueError(f"{item!r} is not platform:id (e.g. slack:U012AB3CD,wecom:zhangsan)")
        return value

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        return check_currency(value)

    @cached_property
    def admin_accounts(self) -> frozenset[tuple[str, str]]:
        """(platform, account id) pairs named in PACEBOT_ADMINS."""
        pairs = (p.strip().split(":", 1) for p in self.admins.split(",") if p.strip())
        return frozenset((platform.strip().lower(), account.strip()) for platform, account in pairs)

    @cached_property
    def tiers(self) -> tuple[BonusTier, ...]:
        return parse_bonus_tiers(self.bonus_tiers)


class SettingsError(Exception):
    """Raised with a readable list of bad settings."""


def build_settings(cls: type[BaseSettings], title: str = "bad settings", **overrides):
    """Any settings class (core, platforms, web, schedule), pydantic's error turned into one line per
    bad variable, named as in `.env.example`."""
    try:
        return cls(**overrides)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            name = str(err["loc"][0]) if err["loc"] else ""
            field = cls.model_fields.get(name)
            env = field.alias if field and field.alias else (name or cls.__name__)
            lines.append(f"{env}: {err['msg'].removeprefix('Value error, ')}")
        raise SettingsError(f"{title}:\n  " + "\n  ".join(lines)) from None


def load_settings(**overrides) -> Settings:
    """The core settings, validated; a bad value raises SettingsError with one line per problem."""
    return build_settings(Settings, **overrides)
