"""Engines with settings fit for each dialect, and applying the Alembic migrations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

from services.common._tracing import TRACING, instrument_engine

__all__ = ["READ_ONLY", "alembic_config", "create_engine", "migrate"]

#: Execution option marking a read-only transaction: on SQLite it begins DEFERRED instead
#: of IMMEDIATE, so reads never take the write lock; on PostgreSQL it runs in autocommit
#: (each statement its own transaction, the same READ COMMITTED snapshot per statement),
#: which saves the BEGIN and ROLLBACK round trips around every read.
READ_ONLY = "csms_read_only"

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def create_engine(
    url: str,
    *,
    pool_size: int = 10,
    pool_timeout: float = 10.0,
    connect_timeout: float = 10.0,
    busy_timeout: float = 5.0,
) -> AsyncEngine:
    """An async engine for ``postgresql+asyncpg://`` or ``sqlite+aiosqlite://`` URLs.

    PostgreSQL: a pool of ``pool_size`` (+ as many overflow) connections, ``connect_timeout``
    per connection attempt. A connection the server closed (a restart) is replaced at
    check-out; no ``pool_pre_ping``, which costs three round trips (BEGIN, ``;``, ROLLBACK)
    per check-out and was a tenth of the manager's CPU under a charging-session load. A
    connection lost without the socket closing fails its statement, and SQLAlchemy then
    discards the whole pool.

    SQLite: WAL journal (readers never block the writer), ``synchronous=NORMAL`` (durable
    across process crashes), foreign keys on, a ``busy_timeout`` wait for the write lock,
    and SQLAlchemy in charge of BEGIN: ``BEGIN IMMEDIATE`` for writes so a transaction
    never fails half-way upgrading a read lock, ``BEGIN`` for reads (``READ_ONLY``).
    """
    sa_url = make_url(url)
    if sa_url.drivername == "postgresql+asyncpg":
        engine = create_async_engine(
            sa_url,
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_timeout=pool_timeout,
            connect_args={"timeout": connect_timeout},
        )
        event.listen(engine.sync_engine, "checkout", _closed_by_server)
        event.listen(engine.sync_engine, "engine_connect", _autocommit_reads)
        if TRACING.on:
            instrument_engine(engine)
        return engine
    if sa_url.drivername == "sqlite+aiosqlite":
        if sa_url.database in (None, "", ":memory:"):
            raise ValueError(
                f"{url!r}: an in-memory SQLite database is one connection, which concurrent "
                "transactions cannot share; give a file path, e.g. sqlite+aiosqlite:///var/csms.sqlite3"
            )
        engine = create_async_engine(sa_url, connect_args={"timeout": busy_timeout})
        busy_ms = int(busy_timeout * 1000)

        def on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
            # Stop the sqlite3 driver from issuing its own (late, DEFERRED) BEGIN.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
                cursor.execute("PRAGMA foreign_keys=ON")
                cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
            finally:
                cursor.close()

        def on_begin(connection: Connection) -> None:
            read_only = connection.get_execution_options().get(READ_ONLY, False)
            connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

        event.listen(engine.sync_engine, "connect", on_connect)
        event.listen(engine.sync_engine, "begin", on_begin)
        if TRACING.on:
            instrument_engine(engine)
        return engine
    raise ValueError(
        f"unsupported database URL scheme {sa_url.drivername!r}: "
        "use postgresql+asyncpg:// or sqlite+aiosqlite:///path"
    )


def _closed_by_server(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """Check-out hook: asyncpg notices at once when the server closes the socket (a
    restart terminates every backend); the pool then connects anew. No round trip."""
    connection = getattr(dbapi_connection, "_connection", None)
    if connection is not None and connection.is_closed():
        raise DisconnectionError("the server closed the connection")


def _autocommit_reads(connection: Connection) -> None:
    """PostgreSQL: a ``READ_ONLY`` connection runs without BEGIN/ROLLBACK (reset to the
    default isolation when it goes back to the pool)."""
    if connection.get_execution_options().get(READ_ONLY, False):
        connection.execution_options(isolation_level="AUTOCOMMIT")


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic configured in code (no ini file): our migrations, on ``connection``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    config.attributes["connection"] = connection
    return config


async def migrate(engine: AsyncEngine, revision: str = "head") -> None:
    """Upgrade the database to ``revision`` in one transaction; a no-op when up to date."""

    def upgrade(connection: Connection) -> None:
        command.upgrade(alembic_config(connection), revision)

    async with engine.begin() as connection:
        await connection.run_sync(upgrade)
