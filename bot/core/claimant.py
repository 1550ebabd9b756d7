"""Who holds a claimed row (an inbox task, an outbox message): `host:pid:` then a per-claimant suffix, so
that a process known dead has all its claims released by that prefix, whichever table holds them."""

from __future__ import annotations

import os
import socket


def process_prefix(pid: int | None = None) -> str:
    """`host:pid:`, the start of every claimant name of one process."""
    return f"{socket.gethostname()[:40]}:{pid or os.getpid()}:"
