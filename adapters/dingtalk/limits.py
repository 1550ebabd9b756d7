"""DingTalk's send limits, kept in this process: a custom group robot takes 20 messages a minute and,
past that, refuses everything for ten minutes (errcode 130101). Messages over a limit are held and
sent again when their time comes, in order per destination; they never vanish."""

from __future__ import annotations

import threading
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

ROBOT_PER_MINUTE = 20
ROBOT_PENALTY = 600.0  # seconds DingTalk throttles a custom robot that sent too fast


class SendLimiter:
    """Sliding one-minute windows per destination, plus a "throttled until" per destination."""

    def __init__(self, clock: Callable[[], datetime]):
        self.clock = clock
        self._sent: dict[str, deque[datetime]] = defaultdict(deque)
        self._until: dict[str, datetime] = {}
        self._lock = threading.Lock()

    def acquire(self, key: str, per_minute: int | None = None) -> float:
        """Seconds until `key` may send again; 0 means "send now", and the send is counted at once
        (check and count under one lock, so that worker threads cannot overrun the window together)."""
        now = self.clock()
        with self._lock:
            wait = 0.0
            until = self._until.get(key)
            if until is not None:
                if until > now:
                    wait = (until - now).total_seconds()
                else:
                    del self._until[key]
            if per_minute is not None:
                stamps = self._sent[key]
                while stamps and stamps[0] <= now - timedelta(minutes=1):
                    stamps.popleft()
                if len(stamps) >= per_minute:
                    wait = max(wait, (stamps[0] + timedelta(minutes=1) - now).total_seconds())
                elif wait == 0:
                    stamps.append(now)
            return wait

    def throttle(self, key: str, seconds: float) -> None:
        """The platform said: nothing more to `key` for `seconds`."""
        with self._lock:
            until = self.clock() + timedelta(seconds=seconds)
            self._until[key] = max(until, self._until.get(key, until))


@dataclass(order=True)
class Held:
    due: datetime
    seq: int
    key: str = field(compare=False)
    item: Any = field(compare=False)  # whatever the sender needs to send it again
    attempts: int = field(default=0, compare=False)


class HeldQueue:
    """Messages waiting for a limit to pass. `due()` hands back, oldest first, those whose time came."""

    def __init__(self, clock: Callable[[], datetime], capacity: int = 5000):
        self.clock, self.capacity = clock, capacity
        self._items: list[Held] = []
        self._seq = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def full(self) -> bool:
        return len(self) >= self.capacity

    def waiting_for(self, key: str) -> bool:
        """Something for `key` is already held, so a new message must queue behind it to keep order."""
        with self._lock:
            return any(h.key == key for h in self._items)

    def hold(self, key: str, item: Any, after: float, attempts: int = 0) -> Held:
        with self._lock:
            self._seq += 1
            held = Held(self.clock() + timedelta(seconds=after), self._seq, key, item, attempts)
            # A destination's messages keep their order: none is due before one held earlier.
            for other in self._items:
                if other.key == key and other.due > held.due:
                    held.due = other.due
            self._items.append(held)
            self._items.sort()
            return held

    def take_due(self) -> list[Held]:
        now = self.clock()
        with self._lock:
            ready = [h for h in self._items if h.due <= now]
            self._items = [h for h in self._items if h.due > now]
            return ready

    def next_due(self) -> datetime | None:
        with self._lock:
            return self._items[0].due if self._items else None
