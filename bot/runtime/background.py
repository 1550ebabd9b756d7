"""Acknowledge first, work after: slow work runs on a small thread pool after the platform got its 200."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait

log = logging.getLogger(__name__)


class Background:
    def __init__(self, workers: int = 4):
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="pacebot-work")
        self._pending: set[Future] = set()
        self._lock = threading.Lock()

    def submit(self, fn: Callable, *args, **kwargs) -> Future:
        future = self._pool.submit(self._run, fn, args, kwargs)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._done)
        return future

    @staticmethod
    def _run(fn, args, kwargs):
        try:
            return fn(*args, **kwargs)
        except Exception:
            log.exception("background work %s failed", getattr(fn, "__qualname__", fn))
            raise

    def _done(self, future: Future) -> None:
        with self._lock:
            self._pending.discard(future)

    def drain(self, timeout: float = 10.0) -> None:
        """Wait for the work submitted so far (tests, and a clean shutdown)."""
        with self._lock:
            pending = set(self._pending)
        wait(pending, timeout=timeout)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=False)
