"""Hold WeCom's delivery rates in-process, because WeCom drops what goes over them without an error.

App messages: 30 a minute and 1,000 an hour per member; a group robot: 20 a minute. A message over a
rate waits in its recipient's queue (order kept) and goes when a slot frees, by a timer; tests move an
injected clock and call `run_due()` instead of waiting. Fairness across processes is not handled here.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.clock import Clock
from bot.delivery.errors import SendError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Window:
    limit: int
    seconds: int


MEMBER = (Window(30, 60), Window(1000, 3600))  # message/send, per member
CHAT = (Window(200, 60), Window(10000, 86400))  # appchat/send: per member of the chat, so per chat
ROBOT = (Window(20, 60),)  # a group robot's webhook
MAX_ATTEMPTS = 3


class RateLimiter:
    """Sliding windows per key: when the next message to `key` may go, and recording that it went."""

    def __init__(self, clock: Clock):
        self.clock = clock
        self._sent: dict[str, deque[datetime]] = defaultdict(deque)

    def wait(self, key: str, windows: tuple[Window, ...]) -> float:
        """Seconds until one more message to `key` stays within every window (0: now)."""
        now, sent = self.clock(), self._sent[key]
        longest = max(w.seconds for w in windows)
        while sent and sent[0] <= now - timedelta(seconds=longest):
            sent.popleft()
        delay = 0.0
        for window in windows:
            if len(sent) >= window.limit:
                # The message that must leave this window before another may enter it.
                oldest = sent[len(sent) - window.limit]
                delay = max(delay, (oldest + timedelta(seconds=window.seconds) - now).total_seconds())
        return delay

    def record(self, key: str) -> None:
        self._sent[key].append(self.clock())


Job = Callable[[], None]
Scheduler = Callable[[float, Callable[[], None]], None]


def timer_scheduler(delay: float, fn: Callable[[], None]) -> None:
    timer = threading.Timer(delay, fn)
    timer.daemon = True
    timer.start()


@dataclass
class _Waiting:
    job: Job
    windows: tuple[Window, ...]
    attempt: int = 1
    not_before: datetime | None = None  # after the platform asked for a pause


class Pacer:
    """Sends now when the rates allow, else queues per recipient; `run_due()` sends what may go."""

    def __init__(self, clock: Clock, schedule: Scheduler = timer_scheduler):
        self.limiter = RateLimiter(clock)
        self.clock, self.schedule = clock, schedule
        self._queues: dict[str, deque[_Waiting]] = {}
        self._lock = threading.Lock()
        self._armed_at: datetime | None = None  # when the one pending timer fires

    def submit(self, key: str, windows: tuple[Window, ...], job: Job) -> bool:
        """True when `job` ran now (its errors reach the caller); False when it waits its turn."""
        with self._lock:
            run_now = key not in self._queues and self.limiter.wait(key, windows) <= 0
            if run_now:
                self.limiter.record(key)
            else:
                self._queues.setdefault(key, deque()).append(_Waiting(job, windows))
        if run_now:
            job()
        else:
            log.info("WeCom rate for %s reached; a message waits its turn", key)
            self._reschedule()
        return run_now

    def pending(self) -> int:
        with self._lock:
            return sum(len(q) for q in self._queues.values())

    def run_due(self) -> int:
        """Send every queued message whose slot has come; returns how many went."""
        sent = 0
        while True:
            with self._lock:
                ready = self._next_ready()
            if ready is None:
                break
            key, item = ready
            try:
                item.job()
                sent += 1
            except SendError as exc:
                if exc.permanent or item.attempt >= MAX_ATTEMPTS:
                    log.error("WeCom message to %s dropped after %d attempt(s): %s", key, item.attempt, exc)
                    continue
                item.attempt += 1
                item.not_before = self.clock() + timedelta(seconds=exc.retry_after or 5.0)
                with self._lock:  # back to the head of its queue, after the platform's pause
                    self._queues.setdefault(key, deque()).appendleft(item)
            except Exception:
                log.exception("WeCom message to %s failed", key)
        self._reschedule()
        return sent

    def _delay(self, key: str, item: _Waiting) -> float:
        delay = self.limiter.wait(key, item.windows)
        if item.not_before is not None:
            delay = max(delay, (item.not_before - self.clock()).total_seconds())
        return delay

    def _next_ready(self):
        for key, queue in list(self._queues.items()):
            if self._delay(key, queue[0]) <= 0:
                item = queue.popleft()
                if not queue:
                    del self._queues[key]
                self.limiter.record(key)
                return key, item
        return None

    def _reschedule(self) -> None:
        """Keep one timer armed for the earliest queued message."""
        with self._lock:
            delays = [self._delay(key, queue[0]) for key, queue in self._queues.items()]
            if not delays:
                return
            delay = max(min(delays), 0.01)
            due = self.clock() + timedelta(seconds=delay)
            if self._armed_at is not None and self._armed_at <= due:
                return
            self._armed_at = due
        self.schedule(delay, self._fire)

    def _fire(self) -> None:
        with self._lock:
            self._armed_at = None
        self.run_due()
