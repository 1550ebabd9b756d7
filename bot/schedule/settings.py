"""The scheduled messages' settings (`.env.example`, section "Scheduled messages"), loaded when scheduling
starts and passed down; nothing here is kept between loads."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.core.config import build_settings


class ScheduleSettings(BaseSettings):
    """When each job fires by default, quiet hours, the job store's grace time and where charts go."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    enabled: bool = Field(True, alias="PACEBOT_SCHEDULER")
    digest: str = Field("0 9 * * mon", alias="PACEBOT_DIGEST_CRON")
    champions: str = Field("0 10 * * *", alias="PACEBOT_CHAMPIONS_CRON")
    nudge: str = Field("0 18 * * *", alias="PACEBOT_NUDGE_CRON")
    forms: str = Field("*/5 * * * *", alias="PACEBOT_FORMS_CRON")  # review forms: asks, reminders, summaries
    quiet_hours: str = Field("21:00-08:00", alias="PACEBOT_QUIET_HOURS")
    misfire_grace: int = Field(3600, alias="PACEBOT_MISFIRE_GRACE", ge=1)
    retry: float = Field(30.0, alias="PACEBOT_SCHEDULER_RETRY", gt=0)
    chart_dir: str = Field("charts", alias="PACEBOT_CHART_DIR")


def load_schedule_settings() -> ScheduleSettings:
    """Read them now (from the environment and `.env`); raises SettingsError when one is bad."""
    return build_settings(ScheduleSettings, "bad schedule settings")
