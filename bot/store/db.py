"""The one `Database` object: engine, sessions and schema migrations (Alembic owns the schema)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import event, insert, inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

MIGRATIONS = Path(__file__).with_name("migrations")
MIGRATION_LOCK = 0x7061636564  # "paced": the advisory lock id held while the schema is migrated


def normalise_url(url: str) -> str:
    """Let `postgresql://` and `postgres://` URLs use psycopg 3, the driver we install."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def insert_ignore(dialect: str, model, values: dict, *conflict: str):
    """INSERT ... ON CONFLICT DO NOTHING on both databases we support."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    else:  # pragma: no cover - we support these two
        return insert(model).values(**values)
    return dialect_insert(model).values(**values).on_conflict_do_nothing(index_elements=list(conflict))


class Database:
    """Engine and session factory built from a URL; SQLite by default, PostgreSQL in production."""

    def __init__(self, url: str, *, echo: bool = False):
        self.url = normalise_url(url)
        kwargs: dict = {"echo": echo}
        if self.url.startswith("sqlite"):
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:
            kwargs["pool_pre_ping"] = True
            # A database that cannot be reached says so within seconds (/readyz, start-up), not minutes.
            kwargs["connect_args"] = {"connect_timeout": 10}
        self.engine: Engine = create_engine(self.url, **kwargs)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits when the block ends cleanly and rolls back on any error."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def alembic_config(self) -> Config:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        cfg.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        return cfg

    def upgrade(self, revision: str = "heads") -> None:
        """Create or upgrade the schema to `revision` (every feature branch's head by default).

        On PostgreSQL under an advisory lock taken on the migrating connection, so any number of
        processes may start at once: the first migrates, the others wait, then find nothing to do."""
        with self.engine.begin() as connection:
            if self.dialect == "postgresql":
                # Transaction-scoped: released at the commit (or rollback) that ends the migration,
                # and by the server if this process dies.
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            cfg = self.alembic_config()
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, revision)

    def current_revision(self) -> str | None:
        """The applied revisions, comma-separated (feature migrations may branch from a common base)."""
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as connection:
            heads = MigrationContext.configure(connection).get_current_heads()
        return ",".join(sorted(heads)) or None

    def has_schema(self) -> bool:
        return inspect(self.engine).has_table("alembic_version")

    def describe(self) -> str:
        """The URL without its password, for logs and the CLI."""
        return make_url(self.url).render_as_string(hide_password=True)

    def dispose(self) -> None:
        self.engine.dispose()


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
