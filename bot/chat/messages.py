"""Platform-neutral messages: what adapters parse requests into and render replies from.

Reply text is "chat markdown", a small dialect every adapter can render: `**bold**`, `_italic_`,
`` `code` ``, lines starting with `- `, and a line holding only `---` between sections.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any


@dataclass(frozen=True)
class Incoming:
    """One thing a person said or did, from any platform."""

    platform: str  # "console", "slack", "wecom", "dingtalk"
    user_id: str  # the person's account id on that platform
    text: str
    channel_id: str  # where it was said; a reply with `Target.origin()` goes back here
    is_direct: bool = True  # a 1:1 chat with the bot, as opposed to a group channel
    event_id: str | None = None  # the platform's id, used to drop retried deliveries
    user_name: str | None = None  # display name the platform gave, used on first contact
    channel_name: str | None = None
    lang_hint: str | None = None  # the platform's locale for a new person
    tz_hint: str | None = None  # the platform's time zone for a new person (IANA name)
    received_at: datetime | None = None
    action: str | None = None  # a button's or menu's command, instead of typed text
    values: dict[str, Any] | None = None  # a submitted form's fields
    extra: dict[str, Any] = field(default_factory=dict)  # adapter-private data (response_url, webhook...)


class TargetKind(str, Enum):
    ORIGIN = "origin"  # back where the message came from
    PERSON = "person"  # a private message to a pacebot person
    TEAM = "team"  # the team's announcement channel, on every platform that has one


@dataclass(frozen=True)
class Target:
    kind: TargetKind
    id: int | None = None  # person id or team id

    @classmethod
    def origin(cls) -> Target:
        return cls(TargetKind.ORIGIN)

    @classmethod
    def person(cls, person_id: int) -> Target:
        return cls(TargetKind.PERSON, person_id)

    @classmethod
    def team(cls, team_id: int) -> Target:
        return cls(TargetKind.TEAM, team_id)


@dataclass(frozen=True)
class Button:
    """A choice; platforms without buttons show it as a numbered line the person can type."""

    label: str
    command: str  # the text that choosing it sends, e.g. "undo" or "me week"
    style: str | None = None  # "primary" | "danger"


@dataclass(frozen=True)
class Mention:
    """A person named in the text; adapters that can @-mention replace `name` with a real mention."""

    name: str
    accounts: dict[str, str]  # platform -> account id


class Priority(int, Enum):
    URGENT = 0  # a deal won
    NORMAL = 5
    BULK = 9  # digests


@dataclass
class Reply:
    """A message for people to read, rendered by each adapter in its richest fitting form."""

    text: str  # chat markdown, always complete on its own
    target: Target = field(default_factory=Target.origin)
    title: str | None = None
    buttons: list[Button] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    image: str | None = None  # path to a PNG to attach
    lang: str = "zh"
    kind: str = "answer"  # "answer" | "error" | "announcement" | "notice"
    priority: Priority = Priority.NORMAL
    key: str | None = None  # idempotency key for scheduled deliveries
    channel_label: str | None = None  # filled in for announcements: the channel's name

    def sections(self) -> list[str]:
        """The text split at `---` lines, empty sections dropped."""
        parts, current = [], []
        for line in self.text.splitlines():
            if line.strip() == "---":
                parts.append("\n".join(current).strip())
                current = []
            else:
                current.append(line)
        parts.append("\n".join(current).strip())
        return [p for p in parts if p]
