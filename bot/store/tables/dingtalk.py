"""DingTalk's own table: custom group robots that carry a team's announcements (its departments' links
are in `directorylink`, see bot/models_directory.py)."""

from __future__ import annotations

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel


class DingTalkWebhook(SQLModel, table=True):
    """A custom group robot (自定义机器人) with its signing secret (加签), one per team."""

    __tablename__ = "dingtalk_webhook"
    team_id: int = Field(foreign_key="team.id", primary_key=True)
    url: str = Field(sa_column=Column(Text, nullable=False))
    secret: str = Field(sa_column=Column(Text, nullable=False))

