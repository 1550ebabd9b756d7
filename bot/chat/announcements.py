"""Announcements to a team's channel that more than one entry point makes (chat, the ingest API)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from bot.chat.messages import Mention, Priority, Reply, Target
from bot.core.periods import PeriodKind, period_containing
from bot.services import org, stats
from bot.store.tables.sales import Deal


def deal_announcement(i18n, person, team, deal: Deal, *, today: date, session) -> Reply:
    """The team channel's congratulation for a deal, however it arrived (chat, the ingest API)."""
    month = period_containing(PeriodKind.MONTH, today)
    totals = stats.person_totals(None, month.start, month.end, team_id=team.id, session=session)
    team_revenue = Decimal(sum(t.revenue for t in totals.values())) / 100
    mine = totals.get(person.id)
    text = i18n.render(
        team.lang, "deal_announcement", name=person.name, amount=Decimal(deal.amount_cents) / 100,
        customer=deal.customer, currency=deal.currency, month_revenue=Decimal(mine.revenue) / 100 if mine else 0,
        month_deals=mine.deals if mine else 0, team_revenue=team_revenue, team=team.name)
    accounts = org.accounts_of(person.id, session=session)
    return Reply(text=text, target=Target.team(team.id), lang=team.lang, kind="announcement",
                 priority=Priority.URGENT, mentions=[Mention(person.name, accounts)], key=f"deal:{deal.id}")
