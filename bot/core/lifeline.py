"""Child processes that die with their parent: a `kill -9` of the bot must not leave its chart-drawing or
answer worker processes running (holding memory, database connections and, for workers, claims).

On Linux the kernel does it: prctl(PR_SET_PDEATHSIG, SIGKILL), called first thing in the child. Elsewhere
(or where prctl fails) a daemon thread looks at the parent once a `check_every` seconds and ends the process.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def die_with_parent(parent_pid: int, *, check_every: float = 0.5, prctl: bool = True) -> str:
    """Make this process end when process `parent_pid` does; returns how ("prctl" or "watch").

    PR_SET_PDEATHSIG fires when the *thread* that started this process ends, not only the whole process:
    whoever starts children with it must start them from a thread that lives as long as the process (the
    main thread, or a thread kept for it, as bot.schedule.chart.ChartPool does). `prctl=False` takes the
    portable way (tests of it)."""
    how = "watch"
    if prctl and sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0:
                how = "prctl"
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent_pid:  # the parent died before the signal was asked for: nobody would send it
        os._exit(1)
    if how == "watch":
        threading.Thread(target=_watch, args=(parent_pid, check_every), name="pacebot-lifeline",
                         daemon=True).start()
    return how


def _watch(parent_pid: int, check_every: float) -> None:
    stop = threading.Event()
    while not stop.wait(check_every):
        if os.getppid() != parent_pid:  # reparented: the parent is gone
            os._exit(1)
