"""WeCom directory links: which pacebot team a WeCom department became, so a renamed department
updates its team instead of creating another."""

from __future__ import annotations

from sqlmodel import Field, SQLModel


class WeComDepartment(SQLModel, table=True):
    __tablename__ = "wecom_department"

    dept_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    team_id: int = Field(foreign_key="team.id", unique=True)
    name: str = Field(max_length=80)  # the department's name when last synced
