"""Coaching hints from the funnel: which step (dials → connected → deals, talk time per call, average
deal size) a rep is weakest at against the team median, and the training topic it points to.

The topics and the threshold live in `templates/coaching.yaml`. `hint_for_person` is what a weekly
digest calls per rep; `team_hints` gives a manager every rep at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from statistics import median

import yaml
from sqlmodel import Session

from bot.store.tables.sales import Person, Team
from bot.core.periods import Period
from bot.services import stats
from bot.services.plan import reps_of

STEPS = ("dials", "connect_rate", "talk", "conversion", "deal_size")  # funnel order: ties go to the earlier
CONFIG_FILE = Path(__file__).resolve().parents[2] / "templates" / "coaching.yaml"


@dataclass(frozen=True)
class CoachingConfig:
    threshold: Decimal
    min_reps: int
    topics: dict[str, dict[str, str]]  # step -> lang -> text


@lru_cache(maxsize=4)
def load_config(path: Path = CONFIG_FILE) -> CoachingConfig:
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    topics = data["steps"]
    missing = [s for s in STEPS if s not in topics or not {"en", "zh"} <= set(topics[s])]
    if missing:
        raise ValueError(f"{path.name} needs en and zh texts for: {', '.join(missing)}")
    return CoachingConfig(Decimal(str(data.get("threshold", "0.85"))), int(data.get("min_reps", 3)), topics)


@dataclass(frozen=True)
class Funnel:
    person_id: int
    name: str
    totals: stats.Totals

    def value(self, step: str) -> Decimal | None:
        """The step's value, or None where it cannot be judged (nothing to divide by)."""
        t = self.totals
        ratios = {"connect_rate": (t.connected, t.calls), "talk": (t.talk, t.connected),
                  "conversion": (t.deals, t.connected), "deal_size": (Decimal(t.revenue) / 100, t.deals)}
        if step == "dials":
            return Decimal(t.calls) if t.calls or t.deals else None
        numerator, denominator = ratios[step]
        return Decimal(numerator) / Decimal(denominator) if denominator else None


@dataclass(frozen=True)
class Hint:
    person_id: int
    name: str
    step: str | None  # None: no step is weak
    value: Decimal | None
    median: Decimal | None
    ratio: Decimal | None  # value ÷ median
    topic: str | None


def funnels(team: Team, period: Period, *, session: Session) -> list[Funnel]:
    """The team's reps who recorded anything in the period."""
    reps = reps_of(team.id, session=session)
    totals = stats.person_totals([p.id for p in reps], period.start, period.end, session=session)
    return [Funnel(p.id, p.name, totals[p.id]) for p in reps if totals[p.id].calls or totals[p.id].deals]


def medians(team_funnels: list[Funnel]) -> dict[str, Decimal | None]:
    result = {}
    for step in STEPS:
        values = [v for f in team_funnels if (v := f.value(step)) is not None]
        result[step] = median(values) if values else None
    return result


def hint_for(funnel: Funnel, team_funnels: list[Funnel], lang: str, config: CoachingConfig | None = None) -> Hint:
    config = config or load_config()
    none = Hint(funnel.person_id, funnel.name, None, None, None, None, None)
    if len(team_funnels) < config.min_reps:
        return none
    mids = medians(team_funnels)
    weakest = None
    for step in STEPS:
        value, mid = funnel.value(step), mids[step]
        if value is None or not mid:
            continue
        ratio = value / mid
        if ratio < config.threshold and (weakest is None or ratio < weakest[2]):
            weakest = (step, value, ratio, mid)
    if weakest is None:
        return none
    step, value, ratio, mid = weakest
    topic = config.topics[step].get(lang) or config.topics[step]["en"]
    return Hint(funnel.person_id, funnel.name, step, value, mid, ratio.quantize(Decimal("0.01")), topic)


def team_hints(team: Team, period: Period, lang: str, *, session: Session) -> list[Hint]:
    """Every rep with numbers in the period, weakest step first found (managers' view and digests)."""
    team_funnels = funnels(team, period, session=session)
    return [hint_for(f, team_funnels, lang) for f in team_funnels]


def hint_for_person(person: Person, team: Team, period: Period, lang: str, *, session: Session) -> Hint | None:
    """One rep's hint for a digest: None when they recorded nothing in the period."""
    team_funnels = funnels(team, period, session=session)
    mine = next((f for f in team_funnels if f.person_id == person.id), None)
    return hint_for(mine, team_funnels, lang) if mine else None
