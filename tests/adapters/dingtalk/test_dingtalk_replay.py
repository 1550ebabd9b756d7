"""DingTalk's callback signature covers the timestamp, not the body: a (timestamp, sign) pair seen once
is refused when it comes again, whatever body it carries, also by another process on the same database."""

from __future__ import annotations

from sqlmodel import select

from bot.app import App
from bot.store.db import Database
from bot.store.tables.sales import Person, Role
from tests.conftest import make_settings
from tests.dingtalk_support import (dt_settings, fake, make_adapter, message, post,  # noqa: F401
                                    seed, signed_headers, sqlite_app)

FORGED = 'team manager "Zhang Wei"'  # what the attacker wants said by the admin


def role_of(app, user: str) -> Role:
    with app.db.session() as s:
        return s.exec(select(Person).where(Person.name == user)).one().role


def captured_pair(adapter, app, fake, clock) -> dict:
    """A genuine callback from a rep, whose headers an attacker has seen."""
    headers = signed_headers(clock)
    assert post(adapter, message(fake, "help", user="zhangwei", clock=clock), headers)[0] == 200
    app.background.drain()
    return headers


def forged(fake, clock) -> dict:
    return message(fake, FORGED, user="boss", nick="Boss", clock=clock)


def test_a_replayed_signature_with_another_body_is_refused(sqlite_app, dt_settings, fake, clock):
    adapter = make_adapter(sqlite_app, dt_settings)
    seed(sqlite_app)
    headers = captured_pair(adapter, sqlite_app, fake, clock)
    sent_before = len(fake.sent)
    clock.advance(minutes=30)  # still within DingTalk's hour

    status, answer = post(adapter, forged(fake, clock), headers)

    assert status == 403 and answer == {"error": "replayed signature"}
    sqlite_app.background.drain()
    assert role_of(sqlite_app, "Zhang Wei") == Role.REP
    assert len(fake.sent) == sent_before
    # The same body freshly signed is what a genuine admin would send: it does promote.
    assert post(adapter, forged(fake, clock), signed_headers(clock))[0] == 200
    sqlite_app.background.drain()
    assert role_of(sqlite_app, "Zhang Wei") == Role.MANAGER


def test_another_process_refuses_a_pair_the_first_one_took(sqlite_app, dt_settings, fake, clock):
    first = make_adapter(sqlite_app, dt_settings)
    seed(sqlite_app)
    headers = captured_pair(first, sqlite_app, fake, clock)
    db = Database(sqlite_app.db.url)  # its own engine and pool, as a second `pacebot serve` has
    other = App(make_settings(PACEBOT_DATABASE_URL=db.url, PACEBOT_ADMINS="dingtalk:boss"), db=db, clock=clock)
    try:
        second = make_adapter(other, dt_settings)
        assert post(second, forged(fake, clock), headers)[0] == 403
        other.background.drain()
        assert role_of(other, "Zhang Wei") == Role.REP
    finally:
        db.dispose()
