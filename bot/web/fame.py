"""The dashboard's hall of fame: monthly champions are kept by the scheduled-messages feature, not here.

The composition gives the dashboard a `HallOfFame` with its providers: `fn(team, session)` returns the
team's `FameEntry`s, newest period first; the team page shows them, and nothing without a provider.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlmodel import Session

from bot.store.tables.sales import Team
from bot.services.champions import hall_of_fame


@dataclass(frozen=True)
class FameEntry:
    period: str  # a period label, e.g. "2026-10"
    metric: str  # a Metric value
    rank: int  # 1 for the champion, 2 and 3 for the runner-ups
    name: str
    value: Decimal  # display units, as bot.core.metrics.from_base gives them


Provider = Callable[[Team, Session], list[FameEntry]]


class HallOfFame:
    """The providers one dashboard shows, given when it is built."""

    def __init__(self, providers: Iterable[Provider] = ()):
        self.providers = tuple(providers)

    def periods(self, team: Team, *, session: Session, limit: int = 36) -> list[tuple[str, list[FameEntry]]]:
        """Entries from every provider, grouped by period, newest first."""
        entries = [entry for provider in self.providers for entry in provider(team, session)]
        periods: dict[str, list[FameEntry]] = {}
        for entry in sorted(entries, key=lambda e: (e.period, -e.rank), reverse=True)[:limit]:
            periods.setdefault(entry.period, []).append(entry)
        return list(periods.items())


def champion_entries(team: Team, session: Session) -> list[FameEntry]:
    """The monthly champions the scheduler recorded, as the team page shows them."""
    return [FameEntry(label, board.metric.value, p.place, p.name, p.value)
            for label, boards in hall_of_fame(team.id, months=12, session=session)
            for board in boards for p in board.placings]
