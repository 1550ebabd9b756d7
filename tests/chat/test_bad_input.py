"""Every kind of bad input gets a clear message with an example, and changes nothing stored."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.store.tables.sales import Activity, Deal, Leave, Target


@pytest.fixture
def rep(chat):
    admin = chat("admin", name="Ada Admin", lang="en")
    rep = chat("rep", name="Rita Rep", lang="en")
    rep.say("help")
    admin.say("team create Floor")
    admin.say('team add "Rita Rep" Floor')
    assert "Logged today" in rep.say("log 50 20 1h")  # something stored before the bad input
    return rep


def snapshot(app):
    with app.db.session() as s:
        return [sorted(repr(r.model_dump(exclude={"updated_at", "created_at"})) for r in s.exec(select(m)).all())
                for m in (Activity, Deal, Target, Leave)]


CASES = [
    ("log 30 80 1h", "can't connect more calls than you dialed (80 connected, 30 dialed)", True),
    ("log 80 30 25h", "more than a day has", True),
    ("log 80 30 abc", "can't read abc as a talk time", True),
    ("log 80 x", "", True),
    ("log -5 3 1h", "Numbers can't be negative (-5)", True),
    ("log 80 30 1h 2026-11-27", "2026-11-27 is in the future", False),
    ("log 80 30 1h 2026-11-01", "more than 7 days ago", False),
    ("log", "Something is missing", True),
    ("won 0 Acme", "must be more than zero", True),
    ("won -5k Acme", "must be more than zero", True),
    ("won lots Acme", "can't read lots as an amount", True),
    ("won", "Something is missing", True),
    ("me fortnight", "can't read fortnight as a period", True),
    ("top calls decade", "can't read decade as a period", True),
    ("target team revenue 1m", "Only managers can do that", False),
    ("away 2026-12-05..2026-12-01", "end must not be before the start", True),
    ("lang fr", "not a language I speak", True),
    ("team promote me", "team promote is not a team command", True),
    ("flibbertigibbet", "I don't know the command flibbertigibbet", False),
    ("80 dials, 32 connected, and a pony", "Nothing was saved", False),
    ("signed a deal", "A deal needs an amount", False),
    ("签了一单", "A deal needs an amount: 签了一单", False),
]


@pytest.mark.parametrize("text,expected,with_example", CASES, ids=[c[0] for c in CASES])
def test_bad_input(rep, app, text, expected, with_example):
    before = snapshot(app)
    out = rep.say(text)
    assert out.startswith("⚠️"), out
    assert expected in out, out
    assert ("Write it like this" in out) == with_example, out
    assert snapshot(app) == before
    assert "Traceback" not in out


def test_internal_error_is_friendly_and_rolls_back(rep, app):
    """A real fault half-way through a message (the deal table is missing): nothing of it stays."""
    from sqlalchemy import text

    with app.db.session() as s:
        before = s.exec(select(Activity)).all()[0].model_dump()
        s.exec(text("ALTER TABLE deal RENAME TO deal_moved"))
    try:
        out = rep.say("60 dials, 20 connected, closed Acme for 5k")
    finally:
        with app.db.session() as s:
            s.exec(text("ALTER TABLE deal_moved RENAME TO deal"))
    assert "went wrong on my side and nothing was saved" in out and "deal" not in out.lower()
    with app.db.session() as s:
        assert s.exec(select(Activity)).all()[0].model_dump() == before
