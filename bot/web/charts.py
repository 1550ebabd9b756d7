"""Geometry for the server-rendered SVG charts (the templates draw them; no JavaScript, no library)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from bot.web.data import Day

WIDTH, HEIGHT, PAD = 720, 220, 28


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    w: float
    h: float
    kind: str  # css class
    title: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    labels: list[tuple[float, str]]  # x, text under the axis
    top: str  # the value at the top of the scale
    legend: list[tuple[str, str]]  # css class, text


def daily_bars(days: list[Day], labels: dict[str, str]) -> Chart:
    """Dials and connected side by side per day."""
    peak = max([d.dialed for d in days] + [1])
    slot = (WIDTH - 2 * PAD) / max(len(days), 1)
    bars, ticks = [], []
    for i, d in enumerate(days):
        x = PAD + i * slot
        for j, (value, kind) in enumerate(((d.dialed, "dialed"), (d.connected, "connected"))):
            h = (HEIGHT - 2 * PAD) * value / peak
            bars.append(Bar(round(x + j * slot * 0.42 + slot * 0.08, 1), round(HEIGHT - PAD - h, 1),
                            round(slot * 0.4, 1), round(h, 1), kind, f"{d.day:%m-%d} {labels[kind]} {value}"))
        if len(days) <= 10 or i % max(1, len(days) // 8) == 0:
            ticks.append((round(x + slot / 2, 1), f"{d.day:%m-%d}"))
    legend = [("dialed", labels["dialed"]), ("connected", labels["connected"])]
    return Chart(WIDTH, HEIGHT, bars, ticks, str(peak if days else 0), legend)


def revenue_bars(days: list[Day]) -> Chart:
    peak = max([d.revenue for d in days] + [Decimal(1)])
    slot = (WIDTH - 2 * PAD) / max(len(days), 1)
    bars = []
    for i, d in enumerate(days):
        if d.revenue:
            h = float((HEIGHT - 2 * PAD) * d.revenue / peak)
            bars.append(Bar(round(PAD + i * slot + slot * 0.15, 1), round(HEIGHT - PAD - h, 1), round(slot * 0.7, 1),
                            round(h, 1), "revenue", f"{d.day:%m-%d} {d.revenue:,.0f} ({d.deals})"))
    ticks = [(round(PAD + i * slot + slot / 2, 1), f"{d.day:%m-%d}") for i, d in enumerate(days)
             if len(days) <= 10 or i % max(1, len(days) // 8) == 0]
    return Chart(WIDTH, HEIGHT, bars, ticks, f"{peak:,.0f}" if days else "0", [])


@dataclass(frozen=True)
class Step:
    label: str
    value: int
    width: float  # of the widest step, 0..100
    rate: str | None  # conversion from the previous step


def funnel(days: list[Day], labels: dict[str, str]) -> list[Step]:
    values = [("dialed", sum(d.dialed for d in days)), ("connected", sum(d.connected for d in days)),
              ("deals", sum(d.deals for d in days))]
    top = max(values[0][1], 1)
    steps, previous = [], None
    for kind, value in values:
        rate = None
        if previous is not None:
            rate = f"{Decimal(value) * 100 / previous:.1f}%" if previous else "—"
        # A visible sliver even for a handful of deals out of thousands of dials.
        steps.append(Step(labels[kind], value, max(2.0, round(100 * value / top, 1)) if value else 0.0, rate))
        previous = value
    return steps
