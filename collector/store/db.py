"""Engines for SQLite (a file, WAL mode, foreign keys on) and PostgreSQL; migrations at start."""

from __future__ import annotations

import fcntl
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from agent.errors import ConfigError, IctinfraError
from collector.config import DatabasePool

MIGRATIONS = Path(__file__).with_name("migrations")
BUSY_TIMEOUT_MS = 10_000  # how long a SQLite writer waits for another's lock
VERSION_TABLE = "alembic_version"
MIGRATION_LOCK_KEY = 74170001  # pg_advisory_xact_lock's key: any constant no other tool uses


class StoreMissingError(IctinfraError):
    """The database holds no collector store: it was never created (`--init`), or is not ours."""


class StoreNewerError(IctinfraError):
    """The database's schema comes from a newer collector than this one (see docs/upgrade.md)."""


def normalise_url(database_url: str) -> str:
    """`postgresql://` means psycopg 3 (the driver we ship), not SQLAlchemy's psycopg2 default."""
    for prefix in ("postgresql://", "postgres://"):
        if database_url.startswith(prefix):
            return "postgresql+psycopg://" + database_url.removeprefix(prefix)
    return database_url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@contextmanager
def no_wait(conn: Connection) -> Iterator[None]:
    """Writes in the block fail at once (OperationalError) instead of waiting for another
    writer's lock: for bookkeeping a request must never wait on (a token's last use)."""
    if conn.dialect.name != "sqlite":
        conn.exec_driver_sql("SET LOCAL lock_timeout = '100ms'")
        yield
        return
    conn.exec_driver_sql("PRAGMA busy_timeout=0")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


def _sqlite_file(url: URL) -> Path | None:
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def shown(url: URL) -> str:
    """The URL for a message: its password (if any) as ***."""
    return url.render_as_string(hide_password=True)


DEFAULT_POOL = DatabasePool()  # what a command without `--config` gets (SQLite ignores it)


def make_engine(
    database_url: str, create: bool = False, pool: DatabasePool = DEFAULT_POOL
) -> Engine:
    """An engine; `create`: make a SQLite file's directory (else a missing file stays missing)."""
    try:
        url = make_url(normalise_url(database_url))
    except ArgumentError:
        raise ConfigError(
            "database_url", ["not a database URL (sqlite:///... or postgresql://...)"]
        ) from None
    if url.get_backend_name() == "sqlite":
        path = _sqlite_file(url)
        if path is not None and not create and not path.exists():
            raise StoreMissingError(f"no collector database at {path}")
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.get_backend_name() != "postgresql":
        raise ConfigError("database_url", [f"unsupported database {url.get_backend_name()!r}"])
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=pool.size,
        max_overflow=pool.overflow,
        pool_timeout=pool.timeout,
    )


def check_store(engine: Engine) -> None:
    """StoreMissingError unless the database holds a migrated collector schema."""
    from collector.store.schema import metadata

    with engine.connect() as connection:
        present = set(inspect(connection).get_table_names())
    if VERSION_TABLE in present:
        return  # ours: `upgrade` brings it to the newest migration
    missing = [name for name in (VERSION_TABLE, *metadata.tables) if name not in present]
    where = shown(engine.url)
    raise StoreMissingError(
        f"the database {where} holds no collector schema (missing tables: {', '.join(missing)})"
    )


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration: idempotent, and run once when replicas start
    together (the others wait for the lock, then find the schema at head). A store already at
    head takes no lock."""
    from alembic import command
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    scripts = ScriptDirectory.from_config(config)
    heads = set(scripts.get_heads())
    with engine.connect() as connection:
        current = _current_heads(connection)
    if current == heads:
        return  # nothing to run, and nothing to log
    known = {script.revision for script in scripts.walk_revisions()}
    _refuse_unknown(current, known, heads, engine)
    with _sqlite_lock(engine), engine.begin() as connection:
        if connection.dialect.name == "postgresql":  # held until this transaction ends
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
            )
        if _current_heads(connection) == heads:
            return  # another process migrated while this one waited
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _refuse_unknown(current: set[str], known: set[str], heads: set[str], engine: Engine) -> None:
    """StoreNewerError when the database is at a revision this collector does not ship."""
    unknown = sorted(current - known)
    if unknown:
        raise StoreNewerError(
            f"the database {shown(engine.url)} is at schema revision {', '.join(unknown)}, "
            f"newer than this collector knows (its newest is {', '.join(sorted(heads))}): "
            "run the collector version that wrote it, or restore or downgrade the database "
            "as docs/upgrade.md says"
        )


def _current_heads(connection: Connection) -> set[str]:
    from alembic.runtime.migration import MigrationContext

    with _quiet("alembic.runtime.migration"):
        return set(MigrationContext.configure(connection).get_current_heads())


@contextmanager
def _sqlite_lock(engine: Engine) -> Iterator[None]:
    """For a SQLite file, an exclusive lock on `FILE.migrate-lock` beside it, held past the
    commit: a second process reads the schema's version only once the first one's is written."""
    path = _sqlite_file(engine.url)
    if path is None:
        yield
        return
    with path.with_name(path.name + ".migrate-lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file is closed
        yield


@contextmanager
def _quiet(name: str) -> Iterator[None]:
    """The logger `name` held to warnings (alembic's "Context impl SQLiteImpl." lines)."""
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def ping(engine: Engine) -> None:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
