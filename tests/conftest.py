"""Shared fixtures: a migrated database on SQLite and on the real PostgreSQL, a fixed clock, the app,
and console conversations that go through the whole pipeline."""

from __future__ import annotations

import io
import os
from contextlib import contextmanager
import shutil
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, text

from bot.app import App
from bot.core.config import Settings
from bot.store.db import Database

PG_URL = os.environ.get("PACEBOT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REQUIRE_PG = os.environ.get("PACEBOT_REQUIRE_POSTGRES") == "1"
# Thursday 26 November 2026, 10:00 in Shanghai.
NOW = datetime(2026, 11, 26, 2, 0, tzinfo=timezone.utc)


class FixedClock:
    """A clock tests move by hand; never sleeps."""

    def __init__(self, now: datetime = NOW):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, now: datetime) -> None:
        self.now = now

    def advance(self, **kw) -> None:
        self.now += timedelta(**kw)


def _pg_available() -> bool:
    try:
        engine = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("db") / "template.db"
    db = Database(f"sqlite:///{path}")
    db.upgrade()
    db.dispose()
    return path


@contextmanager
def fresh_pg(prefix: str = "pacebot_test"):
    """The URL of a new, empty PostgreSQL database, dropped afterwards (fails under REQUIRE_PG, else skips,
    when the server is unreachable)."""
    if not _pg_available():
        if REQUIRE_PG:
            pytest.fail(f"PostgreSQL is required (PACEBOT_REQUIRE_POSTGRES=1) but {PG_URL} is unreachable")
        pytest.skip(f"no PostgreSQL at {PG_URL}")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def pg_database():
    """A throwaway PostgreSQL database, migrated once; each test starts from empty tables."""
    with fresh_pg() as url:
        db = Database(url)
        db.upgrade()
        db.dispose()
        yield url


def _empty_pg(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        tables = [r[0] for r in conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname='public' AND tablename <> 'alembic_version'"))]
        if tables:
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request, tmp_path, sqlite_template):
    """A migrated, empty database: every storage test runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "pacebot.db"
        shutil.copy(sqlite_template, path)
        database = Database(f"sqlite:///{path}")
    else:
        url = request.getfixturevalue("pg_database")
        _empty_pg(url)
        database = Database(url)
    yield database
    database.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_db(request, tmp_path):
    """A database with no schema at all, to migrate step by step."""
    if request.param == "sqlite":
        db = Database(f"sqlite:///{tmp_path / 'empty.db'}")
        yield db
        db.dispose()
        return
    with fresh_pg("pacebot_mig") as url:
        db = Database(url)
        yield db
        db.dispose()


@pytest.fixture
def clock():
    return FixedClock()


def make_settings(**overrides) -> Settings:
    values = {"PACEBOT_ADMINS": "console:admin", "PACEBOT_LANG": "en", "PACEBOT_TZ": "Asia/Shanghai"}
    values.update(overrides)
    return Settings(_env_file=None, **values)


@pytest.fixture
def settings(db):
    return make_settings(PACEBOT_DATABASE_URL=db.url)


@pytest.fixture
def app(settings, db, clock):
    return App(settings, db=db, clock=clock)


class Chat:
    """One person typing into the app's console adapter; `say` returns all the bot printed for it
    (their replies, and announcements or private messages it caused)."""

    def __init__(self, adapter, user: str, name: str | None = None, channel: str | None = None,
                 lang: str | None = None):
        self.adapter, self.identity = adapter, dict(user_id=user, name=name, channel=channel, lang=lang)

    def say(self, line: str) -> str:
        for key, value in self.identity.items():
            setattr(self.adapter, key, value)
        out = self.adapter.out
        start = out.tell()
        self.adapter.say(line)
        out.seek(start)
        return out.read().strip()


@pytest.fixture
def console(app):
    from adapters.console.adapter import ConsoleAdapter

    return ConsoleAdapter(app, "nobody", out=io.StringIO())


@pytest.fixture
def chat(console):
    def open_chat(user: str, **kw) -> Chat:
        return Chat(console, user, **kw)

    return open_chat
