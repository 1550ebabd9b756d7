"""Where a message goes: a concrete address on one platform, and what an adapter offers to send there."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from bot.chat.messages import Incoming, Reply


@dataclass(frozen=True)
class Address:
    """A concrete place on one platform: a channel or a person's account."""

    platform: str
    id: str  # channel id, or account id when `is_direct`
    is_direct: bool
    label: str | None = None  # channel name or person name, for the console and logs


class Sender(Protocol):
    """What an adapter offers for replies it did not answer inline."""

    platform: str

    def send(self, address: Address, reply: Reply, origin: Incoming | None) -> None: ...
