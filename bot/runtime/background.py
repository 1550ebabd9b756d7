"""Acknowledge first, work after: a task is recorded in the inbox (`bot.runtime.inbox`) before the platform gets
its 200, and threads of this process claim and run it. `pacebot serve` with worker processes replaces
this with `bot.runtime.workers.WorkerPool`, which hands the same rows to its processes instead."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait

from bot.runtime.inbox import Inbox, Runner
from bot.chat.tasks import TaskHandlers

log = logging.getLogger(__name__)


class Background:
    """`submit(task)` records it and wakes a thread. By default the threads run what is due and then
    rest (tests, the CLI); `keep_polling()` makes them watch the inbox for good (`PACEBOT_WORKERS=0`)."""

    def __init__(self, inbox: Inbox, handlers: TaskHandlers, workers: int = 4):
        self.inbox, self.handlers, self.workers = inbox, handlers, workers
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="pacebot-work")
        self._pending: set[Future] = set()
        self._lock = threading.Lock()
        self.runner: Runner | None = None

    def submit(self, task) -> int | None:
        """Record `task` (TypeError for anything that is not a task message) and have it run."""
        row_id = self.inbox.put(task)
        if self.runner is not None:
            self.runner.wake.set()
        elif row_id is not None:
            future = self._pool.submit(self._run_due)
            with self._lock:
                self._pending.add(future)
            future.add_done_callback(self._done)
        return row_id

    def _run_due(self) -> None:
        try:
            while self.inbox.run_one(self.handlers) is not None:
                pass
        except Exception:
            log.exception("running inbox tasks failed")

    def _done(self, future: Future) -> None:
        with self._lock:
            self._pending.discard(future)

    def keep_polling(self, poll: float = 1.0) -> None:
        """Threads that watch the inbox until `shutdown` (tasks of other processes, expired leases)."""
        self.runner = Runner(self.inbox, self.handlers, threads=self.workers, poll=poll)
        self.runner.start()

    def alive(self) -> tuple[bool, str]:
        return True, "in-process threads"

    def drain(self, timeout: float = 10.0) -> None:
        """Wait for the work submitted so far (tests, and a clean shutdown)."""
        import time

        deadline = time.monotonic() + timeout
        while True:  # a task may submit others (a form's answers)
            with self._lock:
                pending = set(self._pending)
            if not pending or time.monotonic() >= deadline:
                return
            wait(pending, timeout=deadline - time.monotonic())

    def shutdown(self) -> None:
        if self.runner is not None:
            self.runner.stop()
        self._pool.shutdown(wait=True, cancel_futures=False)
