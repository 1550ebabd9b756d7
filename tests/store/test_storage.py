"""Schema and storage: Alembic owns the schema, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel, select

import bot.store.tables.sales  # noqa: F401
from bot.store.tables.sales import Activity, Person


def test_migrations_match_the_models(db):
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []


def test_upgrade_is_idempotent_and_at_head(db):
    db.upgrade()
    assert db.current_revision() is not None
    assert db.has_schema()


def test_indexes_for_the_hot_queries(db):
    inspector = inspect(db.engine)
    deal_indexes = {tuple(ix["column_names"]) for ix in inspector.get_indexes("deal")}
    assert ("person_id", "day") in deal_indexes and ("team_id", "day") in deal_indexes
    uniques = {tuple(u["column_names"]) for u in inspector.get_unique_constraints("activity")}
    assert ("person_id", "day") in uniques


def test_timestamps_come_back_aware_utc(db):
    stamp = datetime(2026, 11, 26, 2, 0, tzinfo=timezone.utc)
    with db.session() as s:
        s.add(Person(name="T", created_at=stamp))
    with db.session() as s:
        person = s.exec(select(Person)).one()
        assert person.created_at == stamp and person.created_at.tzinfo is not None


def test_naive_timestamps_are_refused(db):
    with pytest.raises(Exception):
        with db.session() as s:
            s.add(Person(name="T", created_at=datetime(2026, 11, 26)))


def test_one_row_per_person_and_day(db):
    from datetime import date

    from sqlalchemy.exc import IntegrityError

    stamp = datetime(2026, 11, 26, tzinfo=timezone.utc)
    with db.session() as s:
        person = Person(name="T", created_at=stamp)
        s.add(person)
        s.flush()
        pid = person.id
        s.add(Activity(person_id=pid, day=date(2026, 11, 26), updated_at=stamp))
    with pytest.raises(IntegrityError):
        with db.session() as s:
            s.add(Activity(person_id=pid, day=date(2026, 11, 26), updated_at=stamp))
