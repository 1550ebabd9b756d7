"""DingTalk's own tables: custom group robots that carry a team's announcements, and which DingTalk
department each synced team came from (so that a renamed department updates its team)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Text
from sqlmodel import Field, SQLModel


class DingTalkWebhook(SQLModel, table=True):
    """A custom group robot (自定义机器人) with its signing secret (加签), one per team."""

    __tablename__ = "dingtalk_webhook"
    team_id: int = Field(foreign_key="team.id", primary_key=True)
    url: str = Field(sa_column=Column(Text, nullable=False))
    secret: str = Field(sa_column=Column(Text, nullable=False))


class DingTalkDepartment(SQLModel, table=True):
    """A DingTalk department (dept_id) synced as a pacebot team."""

    __tablename__ = "dingtalk_department"
    dept_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    team_id: int = Field(foreign_key="team.id", index=True)
