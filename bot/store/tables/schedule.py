"""Tables of delivery: the outbox, shared send rates and their send log, per-team schedules, the hall
of fame, and APScheduler's own job table (declared here so that Alembic, not APScheduler, owns the schema)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Column, Float, Index, LargeBinary, String, Table, Text, UniqueConstraint
from sqlalchemy.sql.expression import false
from sqlmodel import Field, SQLModel

from bot.store.columns import UTCDateTime


def _ts(**kw):
    return Field(sa_column=Column(UTCDateTime(), **kw))


class OutboxStatus:
    PENDING = "pending"  # waiting for its turn (or for `not_before`)
    CLAIMED = "claimed"  # a dispatcher took it; nothing was sent yet
    SENDING = "sending"  # the send was attempted; a crash here leaves it unknown
    SENT = "sent"
    MERGED = "merged"  # sent inside another row's message (`merged_into`)
    FAILED = "failed"  # gave up: permanent error or too many attempts
    UNKNOWN = "unknown"  # a dispatcher died mid-send: not resent blindly (`pacebot outbox resend`)
    EXPIRED = "expired"  # no longer worth sending (a nudge that reached quiet hours)


class OutboxMessage(SQLModel, table=True):
    """One message for one address; `key` (job, period, recipient, address) makes it exactly once."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "priority", "not_before"),)
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(sa_column=Column(String(191), unique=True, nullable=False))
    platform: str = Field(max_length=16)
    address_id: str = Field(max_length=128)
    is_direct: bool = False
    label: str | None = Field(default=None, max_length=128)
    kind: str = Field(max_length=16)  # the Reply's kind; only announcements are merged
    priority: int = 5
    payload: str = Field(sa_column=Column(Text, nullable=False))  # the Reply as JSON
    status: str = Field(default=OutboxStatus.PENDING, max_length=8)
    attempts: int = 0
    parts_sent: int = 0  # of a reply sent as several messages, those that went before an error
    not_before: datetime = _ts(nullable=False)
    expires_at: datetime | None = _ts(nullable=True)
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_at: datetime | None = _ts(nullable=True)
    sent_at: datetime | None = _ts(nullable=True)
    merged_into: int | None = None
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = _ts(nullable=False)
    # Only the person at `address_id` may see it (their answer to a slash command in a channel, a DM).
    private: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default=false()))
    # The message it answers, as JSON: its one-time reply channel (Slack response_url, DingTalk
    # sessionWebhook and its expiry) and what answering in place needs (thread, command).
    origin: str | None = Field(default=None, sa_column=Column(Text))


class SendRate(SQLModel, table=True):
    """One rate bucket (a Slack channel, a DingTalk robot, a WeCom member): its row is the bucket's lock,
    and `next_at` is when the platform lets it send again after a throttle (`bot.delivery.limiter`)."""

    platform: str = Field(primary_key=True, max_length=16)
    bucket: str = Field(primary_key=True, max_length=128)
    next_at: datetime = _ts(nullable=False)


class SendLog(SQLModel, table=True):
    """One send counted against a rate bucket, kept for the bucket's longest window (`bot.delivery.limiter`)."""

    __table_args__ = (Index("ix_sendlog_bucket_at", "platform", "bucket", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    bucket: str = Field(max_length=128)
    at: datetime = _ts(nullable=False)


class TeamSchedule(SQLModel, table=True):
    """A team's own time for one job (crontab in the team's time zone), or the job switched off."""

    __table_args__ = (UniqueConstraint("team_id", "job"),)
    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id")
    job: str = Field(max_length=16)
    cron: str | None = Field(default=None, max_length=64)  # None: the default time
    enabled: bool = True


class Champion(SQLModel, table=True):
    """The hall of fame: the top places per metric of each month (ties share a place)."""

    __table_args__ = (UniqueConstraint("team_id", "month", "metric", "person_id"),)
    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id", index=True)
    month: str = Field(max_length=7)  # "2026-11"
    metric: str = Field(max_length=16)
    place: int
    person_id: int = Field(foreign_key="person.id")
    value: int = Field(sa_column=Column(BigInteger, nullable=False))  # base units


# APScheduler 3's SQLAlchemyJobStore table, exactly as it creates it (it skips creation when present).
apscheduler_jobs = Table(
    "apscheduler_jobs", SQLModel.metadata,
    Column("id", String(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)
