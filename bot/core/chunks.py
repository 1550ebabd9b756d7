"""Long texts cut into pieces a platform accepts, at the most natural place that works: between
sections first, then between lines, and only a single over-long line is cut inside (never inside a
character). Nothing but the line breaks at the cuts is dropped, and the order is kept.

A reply sent as several messages can fail part-way: `parts_sent_on_error` marks the error with how many
parts had gone (`parts_sent`), and adapters' `send(..., start_part=n)` starts a retry there, so that
the parts that went are not sent twice.

`fits(text)` says whether one piece is small enough; platforms count differently (Slack characters,
WeCom UTF-8 bytes, DingTalk characters and escaped JSON bytes), so each adapter brings its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

Fits = Callable[[str], bool]


def by_chars(limit: int) -> Fits:
    return lambda text: len(text) <= limit


def by_bytes(limit: int) -> Fits:
    return lambda text: len(text.encode("utf-8")) <= limit


def pack(sections: list[str], fits: Fits, *, joiner: str = "\n\n") -> list[str]:
    """Sections joined with `joiner` into as few pieces as fit; a section too big for a piece of its
    own is cut at line ends (`split_lines`)."""
    pieces: list[str] = []
    current: str | None = None
    for section in sections:
        if not section:
            continue
        candidate = section if current is None else f"{current}{joiner}{section}"
        if fits(candidate):
            current = candidate
            continue
        if current is not None:
            pieces.append(current)
            current = None
        if fits(section):
            current = section
            continue
        parts = split_lines(section, fits)
        pieces.extend(parts[:-1])
        current = parts[-1] if parts else None
    if current is not None:
        pieces.append(current)
    return pieces


def split_lines(text: str, fits: Fits) -> list[str]:
    """Pieces that fit, cut at line ends where possible; a line too long on its own is cut hard."""
    pieces: list[str] = []
    current: str | None = None
    for line in text.split("\n"):
        candidate = line if current is None else f"{current}\n{line}"
        if fits(candidate):
            current = candidate
            continue
        if current is not None:
            pieces.append(current)
            current = None
        while not fits(line):
            cut = _longest_prefix(line, fits)
            pieces.append(line[:cut])
            line = line[cut:]
        current = line
    if current is not None and current.strip():
        pieces.append(current)
    return [p for p in pieces if p.strip()]


def _longest_prefix(line: str, fits: Fits) -> int:
    """The length of the longest prefix of `line` that fits (at least 1, so a cut always advances);
    a cut prefers the last space inside that prefix, so words stay whole where they can."""
    lo, hi = 1, len(line)
    while lo < hi:  # the largest n with fits(line[:n]); fits is monotonic in the prefix length
        mid = (lo + hi + 1) // 2
        if fits(line[:mid]):
            lo = mid
        else:
            hi = mid - 1
    space = line.rfind(" ", 0, lo)
    return space + 1 if space > lo // 2 else lo


@contextmanager
def parts_sent_on_error(sent: int) -> Iterator[None]:
    """An error raised inside says that `sent` parts went before it (`exc.parts_sent`), unless it
    already says so."""
    try:
        yield
    except Exception as exc:
        if not hasattr(exc, "parts_sent"):
            exc.parts_sent = sent
        raise
