"""The digest's chart: a week's daily calls (bars) and cumulative revenue against the pace line, drawn
with matplotlib's Agg backend (no display) to a PNG."""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import warnings
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
from matplotlib import font_manager  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import StrMethodFormatter  # noqa: E402

from bot.core.lifeline import die_with_parent  # noqa: E402

log = logging.getLogger(__name__)

class ChartPool:
    """Processes that draw charts, one per core: drawing is CPU-bound Python, and a Monday morning
    draws one chart per team, so one process (one core, the GIL) was the digests' bottleneck. Spawned,
    not forked, because the bot's process runs threads (waitress, the scheduler) that fork would copy
    mid-flight. The processes start with the first chart; whoever builds the pool shuts it down. They die
    with the process that owns the pool, even a `kill -9` of it (bot.core.lifeline)."""

    def __init__(self, workers: int | None = None):
        self.workers = workers or max(1, os.cpu_count() or 1)
        self._pool: ProcessPoolExecutor | None = None
        # The executor starts its processes in the thread that submits. PR_SET_PDEATHSIG kills a child when
        # the thread that started it ends, and the callers' threads (a job's, a command's) come and go: so
        # every submit goes through this one thread, which lives as long as the pool.
        self._submitter: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def draw_week(self, path: Path, **kwargs) -> Path:
        """`draw_week` in the chart processes; waits for the file."""
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(max_workers=self.workers,
                                                 mp_context=multiprocessing.get_context("spawn"),
                                                 initializer=die_with_parent, initargs=(os.getpid(),))
                self._submitter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pacebot-charts")
            pool, submitter = self._pool, self._submitter
        future = submitter.submit(pool.submit, draw_week, path, **kwargs).result(timeout=120)
        return future.result(timeout=120)

    def shutdown(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
            submitter, self._submitter = self._submitter, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        if submitter is not None:
            submitter.shutdown(wait=True)


# Fonts with Chinese glyphs, best first (Debian's fonts-noto-cjk provides the first two).
CJK_FONTS = ("Noto Sans CJK SC", "Noto Serif CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei",
             "Microsoft YaHei", "PingFang SC", "SimHei")


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The first installed CJK font family, or None (labels then fall back to the default font)."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    found = next((name for name in CJK_FONTS if name in installed), None)
    if found is None:
        log.warning("no CJK font installed (apt-get install fonts-noto-cjk): Chinese chart labels will be boxes")
    return found


def draw_week(path: Path, *, title: str, day_labels: list[str], revenue: list, calls: list[int],
              pace: list | None, labels: dict[str, str]) -> Path:
    """Write the chart to `path`; `labels` holds the translated 'revenue', 'calls' and 'pace' words."""
    family = cjk_font()
    fig = Figure(figsize=(7, 3.6), dpi=100)
    # Fixed margins instead of tight_layout: that draws the figure an extra time and was a third of
    # the cost of every digest (500 teams' charts on Monday morning).
    fig.subplots_adjust(left=0.15, right=0.89, top=0.88, bottom=0.1)
    ax = fig.add_subplot()
    calls_ax = ax.twinx()
    xs = range(len(day_labels))
    calls_ax.bar(xs, calls, color="#c7d7ee", label=labels["calls"], zorder=1)
    cumulative, running = [], 0.0
    for value in revenue:
        running += float(value)
        cumulative.append(running)
    ax.set_zorder(calls_ax.get_zorder() + 1)
    ax.patch.set_visible(False)
    ax.plot(xs, cumulative, marker="o", color="#1f6f43", linewidth=2, label=labels["revenue"])
    if pace is not None:
        ax.plot(xs, [float(v) for v in pace], linestyle="--", color="#b23b3b", label=labels["pace"])
    ax.set_xticks(list(xs), day_labels)
    ax.set_ylabel(labels["revenue"])
    calls_ax.set_ylabel(labels["calls"])
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    handles = ax.get_legend_handles_labels()
    bar_handles = calls_ax.get_legend_handles_labels()
    ax.legend(handles[0] + bar_handles[0], handles[1] + bar_handles[1], loc="upper left", fontsize=8)
    ax.set_title(title)
    if family:
        for text in [ax.title, ax.yaxis.label, calls_ax.yaxis.label, *ax.get_xticklabels(),
                     *ax.get_legend().get_texts()]:
            text.set_fontfamily(family)
    path.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        if family is None:  # one warning was logged already; not one per missing glyph
            warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        fig.savefig(path, format="png")
    return path
