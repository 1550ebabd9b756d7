"""One poller per process watching the deal and activity tables, which any process may write (chat
adapters, the console, another server). Event streams wait on it instead of each polling the database."""

from __future__ import annotations

import logging
import threading

from sqlalchemy import func
from sqlmodel import select

from bot.store.tables.sales import Activity, Deal

log = logging.getLogger(__name__)


class ChangeFeed:
    def __init__(self, db, poll_seconds: float):
        self.db, self.poll_seconds = db, poll_seconds
        self.seq = 0  # bumped whenever the tables' signature changes
        self._signature = None
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def signature(self):
        with self.db.session() as session:
            deals = session.exec(select(func.count(Deal.id), func.max(Deal.id),
                                        func.sum(Deal.voided.cast(type_=Deal.id.type)))).one()
            acts = session.exec(select(func.count(Activity.id), func.max(Activity.updated_at))).one()
        return tuple(deals) + tuple(acts)

    def ensure_started(self) -> None:
        with self._lock:
            if self._thread is None and not self._stop.is_set():
                self._signature = self.signature()
                self._thread = threading.Thread(target=self._run, name="pacebot-web-feed", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.poll_seconds):
            try:
                current = self.signature()
            except Exception:  # the database may be restarting: keep the streams, try again
                log.warning("dashboard feed could not read the database", exc_info=True)
                continue
            if current != self._signature:
                with self._cond:
                    self._signature = current
                    self.seq += 1
                    self._cond.notify_all()

    def wait(self, seq: int, timeout: float) -> int:
        """Block until something changed after `seq` (or the timeout); returns the new sequence."""
        with self._cond:
            self._cond.wait_for(lambda: self.seq != seq or self._stop.is_set(), timeout)
            return self.seq

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def stop(self) -> None:
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=5)
