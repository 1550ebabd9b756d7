"""Typed task messages: the work after an acknowledgement, as small dataclasses that travel as JSON
through the inbox (`bot.runtime.inbox`) to whichever process claims them.

A task names what is to be done, never a method: each type is run by the handler registered for it
(`TaskHandlers`), per platform where the platform's adapter does it its own way (Slack's modals).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime
from typing import Any

from bot.chat.messages import Button, Incoming, Mention, Priority, Reply, Target, TargetKind


@dataclass(frozen=True)
class HandleMessage:
    """Handle what a person said or did and deliver the replies."""

    incoming: Incoming


@dataclass(frozen=True)
class OpenLogModal:
    """Slack: `/pace log` without numbers opens the log form (the typed usage when it cannot)."""

    incoming: Incoming


@dataclass(frozen=True)
class OpenFormModal:
    """Slack: `/pace report` opens the review form that is due, as a modal."""

    incoming: Incoming


@dataclass(frozen=True)
class SubmitForm:
    """A review form's modal, checked and acknowledged: record the answers."""

    platform: str
    user_id: str
    form_id: str
    period: str
    values: dict[str, Any]
    event_id: str | None = None


@dataclass(frozen=True)
class Deliver:
    """Replies made elsewhere (the ingest API's announcements), to deliver."""

    replies: list[Reply] = field(default_factory=list)


Task = HandleMessage | OpenLogModal | OpenFormModal | SubmitForm | Deliver
TYPES: dict[str, type] = {t.__name__: t for t in (HandleMessage, OpenLogModal, OpenFormModal, SubmitForm, Deliver)}


RUN_MARK = "inbox_task"  # in `Incoming.extra` while a task runs from the inbox: its row id


def marked(task, row_id: int):
    """The task as one run from the inbox: its message carries the row id, so that the router keeps its
    replies until the task is done (and a re-run of it may send them)."""
    incoming = getattr(task, "incoming", None)
    if incoming is None:
        return task
    return replace(task, incoming=replace(incoming, extra={**incoming.extra, RUN_MARK: row_id}))


def platform_of(task) -> str | None:
    incoming = getattr(task, "incoming", None)
    return incoming.platform if incoming is not None else getattr(task, "platform", None)


def task_key(task) -> str:
    """The dedupe key: the platform and its event id (a retried delivery adds no second task), or a
    fresh one for work without an id."""
    incoming = getattr(task, "incoming", None)
    event_id = incoming.event_id if incoming is not None else getattr(task, "event_id", None)
    if event_id:
        return f"{type(task).__name__}:{platform_of(task)}:{event_id}"[:191]
    return f"{type(task).__name__}:{uuid.uuid4()}"


# -- JSON -------------------------------------------------------------------------------------------
def encode(task) -> tuple[str, str]:
    """(kind, payload) for the inbox row; TypeError for anything that is not a task message."""
    kind = type(task).__name__
    if TYPES.get(kind) is not type(task):
        raise TypeError(f"{task!r} is not a task message (one of {', '.join(TYPES)})")
    data = {}
    for f in fields(task):
        value = getattr(task, f.name)
        if isinstance(value, Incoming):
            value = incoming_to_dict(value)
        elif f.name == "replies":
            value = [reply_to_dict(r) for r in value]
        data[f.name] = value
    return kind, json.dumps(data, ensure_ascii=False)


def decode(kind: str, payload: str):
    cls = TYPES[kind]
    data = json.loads(payload)
    if "incoming" in data:
        data["incoming"] = incoming_from_dict(data["incoming"])
    if "replies" in data:
        data["replies"] = [reply_from_dict(r) for r in data["replies"]]
    return cls(**data)


def incoming_to_dict(incoming: Incoming) -> dict:
    data = asdict(incoming)
    if incoming.received_at is not None:
        data["received_at"] = incoming.received_at.isoformat()
    return data


def incoming_from_dict(data: dict) -> Incoming:
    data = dict(data)
    if data.get("received_at"):
        data["received_at"] = datetime.fromisoformat(data["received_at"])
    return Incoming(**data)


def reply_to_dict(reply: Reply) -> dict:
    data = asdict(reply)
    data["target"] = {"kind": reply.target.kind.value, "id": reply.target.id}
    data["priority"] = int(reply.priority)
    return data


def reply_from_dict(data: dict) -> Reply:
    data = dict(data)
    data["target"] = Target(TargetKind(data["target"]["kind"]), data["target"]["id"])
    data["buttons"] = [Button(**b) for b in data["buttons"]]
    data["mentions"] = [Mention(**m) for m in data["mentions"]]
    data["priority"] = Priority(data["priority"])
    return Reply(**data)


def replies_to_json(replies: list[Reply]) -> str:
    return json.dumps([reply_to_dict(r) for r in replies], ensure_ascii=False)


def replies_from_json(text: str) -> list[Reply]:
    return [reply_from_dict(r) for r in json.loads(text)]


# -- the dispatch table -------------------------------------------------------------------------------
class TaskHandlers:
    """Task type (and platform) to the function that runs it: a platform's own handler first, then the
    type's default."""

    def __init__(self) -> None:
        self._table: dict[tuple[type, str | None], Callable[[Any], None]] = {}
        self.after: list[Callable[[Any], None]] = []  # run after any task's handler returned

    def register(self, task_type: type, handler: Callable[[Any], None], platform: str | None = None) -> None:
        self._table[(task_type, platform)] = handler

    def handler_for(self, task) -> Callable[[Any], None]:
        found = self._table.get((type(task), platform_of(task))) or self._table.get((type(task), None))
        if found is None:
            raise LookupError(f"no handler for {type(task).__name__} on {platform_of(task)} in this process")
        return found

    def run(self, task) -> None:
        self.handler_for(task)(task)
        for hook in self.after:
            hook(task)
