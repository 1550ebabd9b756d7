"""How fast this machine is right now, printed beside every benchmark's figures: shared 2-core machines
vary from day to day (neighbours), so figures from two days compare only next to these."""

from __future__ import annotations

import os
import time


def speed() -> dict:
    """Seconds for ten million iterations of a pure-Python loop (best of three), and the core count."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        total = 0
        for n in range(10_000_000):
            total += n
        best = min(best, time.perf_counter() - started)
    return {"python_loop_10M_s": round(best, 3), "cpus": os.cpu_count()}


def line(figures: dict) -> str:
    return (f"machine: {figures['cpus']} CPUs; a 10M-iteration Python loop takes {figures['python_loop_10M_s']} s "
            "(lower is faster)")
