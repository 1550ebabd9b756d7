"""The rep's own numbers for the form's period, from the same scorecard `me` shows, kept with the
session as plain strings so the manager later sees exactly what the rep saw."""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import Session

from bot.core.formatting import fmt_money, fmt_number, fmt_pct
from bot.store.tables.sales import Metric, Person, Team
from bot.core.periods import Period
from bot.services import scores, stats


def prefill(person: Person, team: Team | None, period: Period, fields: list[str], *, today, settings,
            session: Session) -> dict[str, str]:
    """{field: value as shown}; the raw figures for comparing are under `_raw`."""
    if not fields:
        return {}
    card = scores.scorecard(person, team, period, today=min(today, period.end), tiers=settings.tiers,
                            default_tz=settings.tz, session=session)
    lines = {line.metric: line for line in card.lines}
    currency = team.currency if team else "CNY"
    revenue = lines[Metric.REVENUE]
    values = {
        "calls": fmt_number(lines[Metric.CALLS].actual),
        "connected": fmt_number(lines[Metric.CONNECTED].actual),
        "connect_rate": fmt_pct(card.connect_rate),
        "talk": fmt_number(lines[Metric.TALK].actual),
        "deals": fmt_number(lines[Metric.DEALS].actual),
        "revenue": fmt_money(revenue.actual, currency),
        "revenue_target": fmt_money(revenue.target, currency) if revenue.target else "—",
        "revenue_percent": fmt_pct(revenue.pace.percent) if revenue.target else "—",
    }
    if "deals_list" in fields:
        deals = [d for d in stats.team_deals(team.id, period.start, period.end, session=session, limit=200)
                 if d.person_id == person.id] if team else []
        values["deals_list"] = "; ".join(
            f"{d.day.isoformat()} {fmt_money(Decimal(d.amount_cents) / 100, currency)}"
            + (f" {d.customer}" if d.customer else "") for d in deals[:20]) or "—"
    raw = {"calls": str(lines[Metric.CALLS].actual), "connect_rate": str(card.connect_rate or ""),
           "revenue": str(revenue.actual), "deals": str(lines[Metric.DEALS].actual),
           "revenue_percent": str(revenue.pace.percent) if revenue.target else ""}
    shown = {f: values[f] for f in fields}
    shown["_raw"] = raw
    return shown
