"""Tables of review forms: which teams fill which form, each person's session for one period (answers
kept as given, so a restart mid-form loses nothing), and feedback threads on targets."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.store.columns import UTCDateTime


def _ts(**kw):
    return Field(sa_column=Column(UTCDateTime(), **kw))


class FormAssignment(SQLModel, table=True):
    """A team fills this form on the form's schedule."""

    __tablename__ = "form_assignment"
    __table_args__ = (UniqueConstraint("team_id", "form"),)
    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id")
    form: str = Field(max_length=32)
    since: datetime = _ts(nullable=False)  # periods already past their deadline then are not asked for


class FormSession(SQLModel, table=True):
    """One person's answers to one form for one period. `status`: open (being filled), paused,
    submitted; `position` is the question being asked (len(questions) = the review)."""

    __tablename__ = "form_session"
    __table_args__ = (UniqueConstraint("person_id", "form", "period"),)
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    team_id: int | None = Field(default=None, foreign_key="team.id")
    form: str = Field(max_length=32)
    period: str = Field(max_length=16)  # "2026-W48", "2026-11"
    status: str = Field(default="open", max_length=12)
    position: int = 0
    editing: bool = False  # answering one question from the review: go back to the review after it
    answers: str = Field(default="{}", sa_column=Column(Text, nullable=False))  # {qid: {"raw", "value"}}
    numbers: str = Field(default="{}", sa_column=Column(Text, nullable=False))  # prefilled numbers, as shown
    submitted: str | None = Field(default=None, sa_column=Column(Text))  # answers at the last submission
    late: bool = False
    started_at: datetime = _ts(nullable=False)
    updated_at: datetime = _ts(nullable=False)
    submitted_at: datetime | None = _ts(nullable=True)


class TargetFeedback(SQLModel, table=True):
    """A rep contesting a target, and the answers in its thread (`parent_id` is the first message)."""

    __tablename__ = "target_feedback"
    id: int | None = Field(default=None, primary_key=True)
    parent_id: int | None = Field(default=None, foreign_key="target_feedback.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)  # whose target
    author_id: int = Field(foreign_key="person.id")
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = _ts(nullable=False)
