"""The seam for the hall of fame: monthly champions are kept by the scheduled-messages feature, not here.

That feature registers a provider, `register(fn)`, where `fn(team, session)` returns the team's
`FameEntry`s, newest period first; the team page shows them, and nothing when no provider is registered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from sqlmodel import Session

from bot.store.tables.sales import Team


@dataclass(frozen=True)
class FameEntry:
    period: str  # a period label, e.g. "2026-10"
    metric: str  # a Metric value
    rank: int  # 1 for the champion, 2 and 3 for the runner-ups
    name: str
    value: Decimal  # display units, as bot.core.metrics.from_base gives them


Provider = Callable[[Team, Session], list[FameEntry]]
PROVIDERS: list[Provider] = []


def register(provider: Provider) -> None:
    if provider not in PROVIDERS:
        PROVIDERS.append(provider)


def hall_of_fame(team: Team, *, session: Session, limit: int = 36) -> list[tuple[str, list[FameEntry]]]:
    """Entries from every provider, grouped by period, newest first."""
    entries = [entry for provider in PROVIDERS for entry in provider(team, session)]
    periods: dict[str, list[FameEntry]] = {}
    for entry in sorted(entries, key=lambda e: (e.period, -e.rank), reverse=True)[:limit]:
        periods.setdefault(entry.period, []).append(entry)
    return list(periods.items())
