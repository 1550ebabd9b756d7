"""What the outbox and the adapters share: where a message goes (`Address`), what can send it
(`Sender`), and what a sender raises when the platform did not take it (`SendError`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from bot.messages import Incoming, Reply


@dataclass(frozen=True)
class Address:
    """A concrete place on one platform: a channel, or a person's account when `is_direct`. A private
    message always has a direct address: whatever route the adapter takes, only that person sees it."""

    platform: str
    id: str  # channel id, or account id when `is_direct`
    is_direct: bool
    label: str | None = None  # channel name or person name, for the console and logs


class Sender(Protocol):
    """What an adapter offers the outbox. `send` never holds a message back: over a limit it raises
    `SendError(retry_after=...)`. Optional: `rate_bucket(address, reply, origin) -> Bucket | None` (the
    limit this send counts against; the outbox's defaults otherwise) and `answers_privately(origin,
    reply) -> bool` (an answer in a channel that only its asker may see, e.g. a Slack slash command)."""

    platform: str

    def send(self, address: Address, reply: Reply, origin: Incoming | None) -> None: ...


class SendError(Exception):
    """A send that failed. `retry_after` (seconds) when the platform said when, which holds back the
    whole rate bucket; `permanent` when retrying cannot help (unknown channel, bad token)."""

    def __init__(self, message: str, *, retry_after: float | None = None, permanent: bool = False):
        super().__init__(message)
        self.retry_after = retry_after
        self.permanent = permanent

