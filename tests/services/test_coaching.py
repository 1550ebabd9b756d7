"""Coaching hints on fixed data: each rep's weakest funnel step against the team median."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from sqlmodel import select

from bot.store.tables.sales import Activity, Deal, Person, Team
from bot.core.periods import PeriodKind, period_containing
from bot.services import coaching

NOW = datetime(2026, 11, 26, tzinfo=timezone.utc)
# name: (dials, connected, talk minutes, deals, revenue in yuan)
FUNNELS = {
    "Alice Chen": (400, 160, 480, 4, 400_000),  # strong everywhere
    "Ben Carter": (400, 60, 200, 2, 200_000),  # connects 15 % against a 37.6 % median
    "Cy Young": (420, 150, 450, 1, 100_000),  # one deal from 150 connected calls
    "Di Ng": (380, 150, 460, 4, 120_000),  # many small deals
}


@pytest.fixture
def team(chat, app):
    admin = chat("admin", name="Ada Admin", lang="en")
    for i, name in enumerate(["Grace Hill", *FUNNELS]):
        chat(f"u{i}", name=name, lang="en").say("help")
    admin.say("team create East")
    for name in ["Grace Hill", *FUNNELS]:
        admin.say(f'team add "{name}" East')
    admin.say('team manager "Grace Hill"')
    with app.db.session() as s:
        ids = {p.name: p.id for p in s.exec(select(Person)).all()}
        for name, (dials, connected, talk, deals, revenue) in FUNNELS.items():
            s.add(Activity(person_id=ids[name], day=date(2026, 11, 20), dialed=dials, connected=connected,
                           talk_minutes=talk, updated_at=NOW))
            for n in range(deals):
                s.add(Deal(person_id=ids[name], day=date(2026, 11, 20), created_at=NOW,
                           amount_cents=revenue * 100 // deals))
    return chat


def test_weakest_step_against_the_median(team, app):
    month = period_containing(PeriodKind.MONTH, date(2026, 11, 26))
    with app.db.session() as s:
        east = s.exec(select(Team)).one()
        hints = {h.name: h for h in coaching.team_hints(east, month, "en", session=s)}
        ben = s.exec(select(Person).where(Person.name == "Ben Carter")).one()
        digest = coaching.hint_for_person(ben, east, month, "zh", session=s)
    assert {name: h.step for name, h in hints.items()} == {
        "Alice Chen": None, "Ben Carter": "connect_rate", "Cy Young": "conversion", "Di Ng": "deal_size"}
    ben_hint = hints["Ben Carter"]
    assert ben_hint.value == Decimal("0.15") and ben_hint.ratio == Decimal("0.40")
    assert ben_hint.median == (Decimal(150) / 420 + Decimal(150) / 380) / 2
    assert "Calling times and lists" in ben_hint.topic
    assert digest.step == "connect_rate" and "外呼时段" in digest.topic  # what a weekly digest calls per rep


def test_too_few_reps_give_no_hint(team, app):
    month = period_containing(PeriodKind.MONTH, date(2026, 11, 26))
    config = coaching.CoachingConfig(Decimal("0.85"), 5, coaching.load_config().topics)
    with app.db.session() as s:
        east = s.exec(select(Team)).one()
        funnels = coaching.funnels(east, month, session=s)
    assert all(coaching.hint_for(f, funnels, "en", config).step is None for f in funnels)


def test_coach_command_for_a_rep_and_for_the_manager(team):
    out = team("u2").say("coach")
    assert "Your weakest step is connect rate: 15% against a team median of 37.6% (40% of it)." in out
    assert "Training: Calling times and lists" in out
    assert "no weak step" in team("u1").say("coach").lower()
    out = team("u0").say("coach team")
    assert "Cy Young: weakest is deals per connected call" in out and "Di Ng: weakest is average deal size" in out
    assert "¥30,000 against a team median of ¥100,000" in out
    assert team("u0").say("coach") == out  # a manager without numbers of their own sees the team
    assert "Ben Carter" in team("u0").say('coach "Ben Carter"')
    assert "Only managers" in team("u2").say('coach "Cy Young"')
    assert "no calls or deals recorded for 2026-10" in team("u2").say("coach last month")
    team("u3").say("lang zh")
    assert "你最薄弱的环节是接通到成交的转化率" in team("u3").say("辅导")
