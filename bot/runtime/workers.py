"""Answer worker processes for `pacebot serve`: the serving process verifies, parses and acknowledges;
the work after the acknowledgement (answers, modals, announcements) runs in worker processes.

Why processes and not threads: an answer costs milliseconds of Python CPU, and in the serving process it
would hold the GIL that every acknowledgement needs. Slack gives an ack 3 seconds and shows the person an
error when it is late; an answer has no such deadline. So the workers also run at a lower OS priority
(`PACEBOT_WORKER_NICE`): on a busy machine acknowledgements get the CPU first.

A worker builds the same App and adapters from the same settings (it sends, it serves nothing) and makes
the call the serving process handed over: `submit(adapter._work, incoming)` there becomes
`adapter._work(incoming)` on the worker's own adapter for that platform.
"""

from __future__ import annotations

import itertools
import logging
import multiprocessing
import os
import queue as queues
import signal
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

THREADS = 4  # calls one worker runs at once (they mostly wait on the database and the platforms)
RESPAWN_PAUSE = 1.0  # seconds between looks for a dead worker to replace


class WorkerPool:
    """Stands in for `App.background` in the serving process and hands each call to a worker process."""

    def __init__(self, app, processes: int, *, nice: int = 0):
        self.app, self.processes, self.nice = app, processes, nice
        self._ctx = multiprocessing.get_context("spawn")  # a fresh interpreter: no copied locks or sockets
        # One queue per worker: a worker killed while it waits on a shared queue would take the queue's
        # lock with it and leave its replacement waiting forever.
        self._workers: list[tuple[multiprocessing.Process, object, object]] = []  # (process, ready, queue)
        self._turn = itertools.count()
        self._stopping = threading.Event()
        self._halt = self._ctx.Event()  # tells workers to stop taking calls off the queue
        self._lock = threading.Lock()
        self._watcher: threading.Thread | None = None

    def start(self, timeout: float = 60.0) -> None:
        """Start the workers and wait until each has built its App and adapters."""
        with self._lock:
            self._workers = [self._spawn() for _ in range(self.processes)]
        deadline = time.monotonic() + timeout
        for process, ready, _ in self._workers:
            while not ready.wait(0.2):
                if not process.is_alive() or time.monotonic() > deadline:
                    raise RuntimeError(f"answer worker {process.name} did not start (exit code {process.exitcode}); "
                                       "its log above says why")
        self._watcher = threading.Thread(target=self._watch, name="pacebot-workers", daemon=True)
        self._watcher.start()

    def submit(self, fn: Callable, *args, **kwargs) -> None:
        """Queue `fn(*args, **kwargs)` for a worker; `fn` is a method of the App or of a platform adapter."""
        call = (self._owner(fn), fn.__name__, args, kwargs)
        with self._lock:
            _, _, queue = self._workers[next(self._turn) % len(self._workers)]
        queue.put(call)

    def _owner(self, fn: Callable) -> str:
        owner = getattr(fn, "__self__", None)
        if owner is self.app:
            return "app"
        platform = getattr(owner, "platform", None)
        if platform is not None and self.app.senders.get(platform) is owner:
            return platform
        raise TypeError(f"{fn!r} cannot run in a worker process: only methods of the App or of an adapter can")

    def shutdown(self, timeout: float = 8.0) -> None:
        """Let the workers finish what is queued for up to `timeout` seconds (`docker stop` waits 10), then
        have them finish only the calls they are running, and stop."""
        self._stopping.set()
        with self._lock:
            workers = list(self._workers)
        for _, _, queue in workers:
            queue.put(None)
        deadline = time.monotonic() + timeout
        for process, _, _ in workers:
            process.join(max(0.0, deadline - time.monotonic()))
        if any(process.is_alive() for process, _, _ in workers):
            log.warning("answer workers had not finished the queue in %.0f s; what was still queued is dropped",
                        timeout)
            self._halt.set()
            for process, _, _ in workers:
                process.join(5)
                if process.is_alive():
                    process.kill()  # workers ignore SIGTERM (see run_worker)
                    process.join(5)
        for _, _, queue in workers:
            _discard(queue)

    def _spawn(self):
        ready, queue = self._ctx.Event(), self._ctx.Queue()
        process = self._ctx.Process(target=run_worker, args=(self.app.settings, queue, ready, self._halt, self.nice),
                                    name="pacebot-worker", daemon=True)
        process.start()
        return process, ready, queue

    def _watch(self) -> None:
        """Replace a worker that died (the calls it was running are lost, as in a crash of one process)."""
        while not self._stopping.wait(RESPAWN_PAUSE):
            with self._lock:
                for n, (process, _, queue) in enumerate(self._workers):
                    if not process.is_alive() and not self._stopping.is_set():
                        log.error("answer worker %s exited (code %s); starting another (what was queued for it "
                                  "is lost)", process.pid, process.exitcode)
                        _discard(queue)
                        self._workers[n] = self._spawn()


def run_worker(settings, queue, ready, halt, nice: int) -> None:
    """A worker process's life: build the App and adapters, then run handed-over calls until told to stop."""
    # The serving process decides when to stop (it sends one None per worker after its own SIGTERM or
    # Ctrl-C), so a signal to the whole process group must not cut a worker's calls short.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if nice:
        os.nice(nice)
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from bot.app import App
    from bot.runtime.background import Background
    from bot.app import build_server

    app = App(settings)
    app.background = Background(workers=THREADS)
    build_server(app)  # the same adapters as the serving process, here only to send
    free = threading.Semaphore(THREADS)  # take a call off the queue only when a thread is free: what is
    ready.set()                          # still queued is what a shutdown may drop
    try:
        while True:
            free.acquire()
            item = _next(queue, halt)
            if item is None:
                break
            owner, name, args, kwargs = item
            target = app if owner == "app" else app.senders.get(owner)
            if target is None:
                log.error("no %s adapter in this worker; a call to %s was dropped", owner, name)
                free.release()
                continue
            future = app.background.submit(getattr(target, name), *args, **kwargs)
            future.add_done_callback(lambda _: free.release())
    finally:
        app.background.shutdown()


def _next(queue, halt):
    """The next call, or None when told to stop or when the serving process is gone (killed outright)."""
    parent = multiprocessing.parent_process()
    while not halt.is_set():
        try:
            return queue.get(timeout=0.5)
        except queues.Empty:
            if parent is not None and not parent.is_alive():
                log.warning("the serving process is gone; this answer worker stops")
                return None
    return None


def _discard(queue) -> None:
    """Close a worker's queue without waiting to flush it: with its reader gone, flushing would block the
    serving process's exit for ever (multiprocessing joins a queue's feeder thread at exit)."""
    queue.cancel_join_thread()
    queue.close()
