"""Answer worker processes for `pacebot serve`: the serving process verifies, parses, records the work in
the inbox and acknowledges; worker processes claim the recorded tasks and do the work (answers, modals,
announcements).

Why processes and not threads: an answer costs milliseconds of Python CPU, and in the serving process it
would hold the GIL that every acknowledgement needs. Slack gives an ack 3 seconds and shows the person an
error when it is late; an answer has no such deadline. So the workers also run at a lower OS priority
(`PACEBOT_WORKER_NICE`): on a busy machine acknowledgements get the CPU first.

Nothing travels between the processes but a byte down a pipe per worker ("w": look at the inbox, "q":
stop), written without blocking: a worker that hangs can never hold up an acknowledgement (a shared
multiprocessing Event would: its `set()` waits for every sleeping process). The tasks are rows (`bot.runtime.inbox`), typed messages
(`bot.chat.tasks`) that a worker runs through its own App's dispatch table. A worker killed outright loses
nothing: the pool sees it die, puts what it had claimed back in line and starts another; a whole machine
that dies leaves its claims to expire (`PACEBOT_INBOX_LEASE`) and another serving process takes them.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import select
import signal
import threading
import time

from bot.core.lifeline import die_with_parent
from bot.runtime.inbox import Runner, worker_name
from bot.runtime.logs import configure_logging, installed_secrets

log = logging.getLogger(__name__)

THREADS = 4  # tasks one worker runs at once (they mostly wait on the database and the platforms)
RESPAWN_PAUSE = 1.0  # seconds between looks for a dead worker to replace
POLL = 1.0  # seconds between looks at the inbox without a wake-up (other processes' tasks, expired leases)


class WorkerPool:
    """Stands in for `App.background` in the serving process: records each task, then wakes a worker."""

    def __init__(self, app, processes: int, *, build, nice: int = 0, poll: float = POLL,
                 respawn_pause: float = RESPAWN_PAUSE):
        """`build(settings)` makes a worker's App with its adapters (bot.app.build_worker_app)."""
        self.app, self.processes, self.nice, self.poll, self.build = app, processes, nice, poll, build
        self.respawn_pause = respawn_pause
        self._ctx = multiprocessing.get_context("spawn")  # a fresh interpreter: no copied locks or sockets
        self._workers: list[tuple[multiprocessing.Process, object, object]] = []  # (process, ready, pipe)
        self._stopping = threading.Event()
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

    def submit(self, task) -> int | None:
        """Record `task` in the inbox (TypeError for anything that is not a task message, bot.chat.tasks), then
        wake the workers; returns its row id, or None for a retry of a task already recorded."""
        row_id = self.app.inbox.put(task)
        self._tell(b"w")
        return row_id

    def _tell(self, what: bytes) -> None:
        with self._lock:
            pipes = [pipe for _, _, pipe in self._workers]
        for pipe in pipes:
            _write(pipe, what)

    def pids(self) -> list[int]:
        with self._lock:
            return [p.pid for p, _, _ in self._workers]

    def alive(self) -> tuple[bool, str]:
        """For /readyz: every worker process is running."""
        with self._lock:
            dead = [p.pid for p, _, _ in self._workers if not p.is_alive()]
            count = len(self._workers)
        if dead:
            return False, f"answer worker(s) {', '.join(map(str, dead))} not running ({count - len(dead)}/{count} alive)"
        return True, f"{count} answer worker(s) alive"

    def drain(self, timeout: float = 10.0) -> None:
        """Wait until the inbox has nothing left to run (tests)."""
        deadline = time.monotonic() + timeout
        while self.app.inbox.backlog() and time.monotonic() < deadline:
            time.sleep(0.05)

    def shutdown(self, timeout: float = 8.0) -> None:
        """Have the workers finish the tasks they are running, for up to `timeout` seconds (`docker stop`
        waits 10), and stop; what is not started stays in the inbox for the next start."""
        self._stopping.set()
        self._tell(b"q")
        with self._lock:
            workers = list(self._workers)
        deadline = time.monotonic() + timeout
        for process, _, _ in workers:
            process.join(max(0.0, deadline - time.monotonic()))
        stuck = [process for process, _, _ in workers if process.is_alive()]
        if stuck:
            log.warning("answer workers had not finished their tasks in %.0f s; they are stopped, and their "
                        "tasks run again at the next start", timeout)
        for process in stuck:
            process.kill()  # workers ignore SIGTERM (see run_worker)
            process.join(5)
        for process, _, pipe in workers:
            self._release(process)
            pipe.close()

    def _spawn(self):
        ready = self._ctx.Event()
        reader, writer = self._ctx.Pipe(duplex=False)
        process = self._ctx.Process(target=run_worker,
                                    args=(self.build, self.app.settings, ready, reader, self.nice, self.poll,
                                          installed_secrets(), os.getpid()),
                                    name="pacebot-worker", daemon=True)
        process.start()
        reader.close()  # the worker has its own copy
        os.set_blocking(writer.fileno(), False)
        return process, ready, writer

    def _release(self, process) -> None:
        """Put a dead worker's claims back in line: its unsent outbox rows first, so that the re-run of
        its tasks finds them pending and sends them."""
        try:
            self.app.outbox.release_claims_of(worker_name(process.pid))
            released = self.app.inbox.release_claims_of(worker_name(process.pid))
        except Exception:
            log.exception("could not put the tasks of answer worker %s back in line", process.pid)
            return
        if released:
            log.warning("%d task(s) of answer worker %s are due again", released, process.pid)

    def _watch(self) -> None:
        """Replace a worker that died; what it had claimed is due again at once."""
        while not self._stopping.wait(self.respawn_pause):
            with self._lock:
                for n, (process, _, pipe) in enumerate(self._workers):
                    if not process.is_alive() and not self._stopping.is_set():
                        log.error("answer worker %s exited (code %s); starting another", process.pid,
                                  process.exitcode)
                        pipe.close()
                        self._release(process)
                        self._workers[n] = self._spawn()
                        for _, _, other in self._workers:
                            _write(other, b"w")


def run_worker(build, settings, ready, pipe, nice: int, poll: float = POLL, secrets=(),
               parent_pid: int | None = None) -> None:
    """A worker process's life: build the App and adapters (`build(settings)`, a module-level function of
    the composition root, so that it pickles), then claim and run tasks until told to stop. `secrets` are
    the values the serving process's log filter masks (it read every platform's settings)."""
    if parent_pid is not None:
        # At once, even stuck in a call: the loop's own look at the parent below needs the loop to run.
        # (The pool starts workers from its long-lived threads, as PR_SET_PDEATHSIG requires.)
        die_with_parent(parent_pid)
    # The serving process decides when to stop (it writes "q" after its own SIGTERM or Ctrl-C), so a
    # signal to the whole process group must not cut a worker's tasks short.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if nice:
        os.nice(nice)
    configure_logging(settings.log_level, secrets)
    app = build(settings)  # the same App and adapters as the serving process, here to run tasks and send
    runner = Runner(app.inbox, app.tasks, threads=THREADS, poll=poll)
    runner.start()
    ready.set()
    parent = multiprocessing.parent_process()
    fd = pipe.fileno()
    while True:
        readable, _, _ = select.select([fd], [], [], 0.5)
        if readable:
            try:
                said = os.read(fd, 4096)
            except OSError:
                said = b"q"
            if not said or b"q" in said:  # told to stop, or the serving process closed its end
                break
            runner.wake.set()
        elif parent is not None and not parent.is_alive():
            log.warning("the serving process is gone; this answer worker stops")
            break
    runner.stop(timeout=30)


def _write(pipe, what: bytes) -> None:
    """Never blocks: a full pipe already holds a wake-up (and a stuck worker is the watcher's business)."""
    try:
        os.write(pipe.fileno(), what)
    except (BlockingIOError, BrokenPipeError, OSError, ValueError):
        pass
