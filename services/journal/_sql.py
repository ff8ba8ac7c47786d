"""The journal on SQL: SQLite (aiosqlite) for `make run`, PostgreSQL (asyncpg) for small
deployments; SQLAlchemy Core, one table of its own (docs/adr/0014).

``journal_exchanges`` holds one row per exchange. Its ``id`` (an auto-increment key) is
the order of a charger's timeline and, base64-encoded, the opaque cursor: rows are
numbered as they are written, and an exchange is written when it ends, so a poll for
what is newer than a cursor (``Query.after``) never misses an exchange that started
before the last one it saw and ended after it. Two indexes: (charger_id, id) for the
timeline and its pages, its time filters included (they read that charger's rows from the
newest on), and (at_ms) for the retention sweep. A third on (charger_id, at_ms, id) cost
more than half the SQLite write rate (ADR 0014) for time windows far in the past only.

Batches are inserted with the driver's own executemany on positional rows (the statement
built once per dialect): through SQLAlchemy's insert() with a dict per row they cost twice
the CPU on PostgreSQL.

The table is created when missing (`open`), by whoever opens the journal first, the
node that writes it or the manager that reads it; it is not part of the business
schema's Alembic migrations because the journal may live in a database of its own.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
import os
from collections.abc import Sequence
from typing import Any

import asyncpg
from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    delete,
    event,
    select,
)
from sqlalchemy.engine import Connection, Row, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.schema import CreateIndex, CreateTable

from services.common import without_password
from services.journal._model import (
    BadCursor,
    Direction,
    Exchange,
    JournalError,
    Outcome,
    Query,
    Stored,
)

log = logging.getLogger(__name__)

__all__ = ["EXPIRE_CHUNK", "SqlJournal", "journal_table"]

#: Rows deleted per statement by `expire`: each chunk is a short transaction, so a large
#: sweep never holds SQLite's write lock (or a PostgreSQL snapshot) for long.
EXPIRE_CHUNK = 5_000

metadata = MetaData()

journal_table = Table(
    "journal_exchanges",
    metadata,
    # INTEGER PRIMARY KEY on SQLite: the rowid itself, never reused (AUTOINCREMENT is not
    # needed: ids only have to grow while rows newer than them exist).
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("charger_id", Text, nullable=False),
    Column("node_id", Text, nullable=False),
    Column("epoch", BigInteger, nullable=False),
    Column("direction", Text, nullable=False),
    Column("outcome", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("message_id", Text, nullable=False),
    Column("at_ms", BigInteger, nullable=False),
    Column("call_frame", Text, nullable=True),
    Column("answer_frame", Text, nullable=True),
    Column("answered_at_ms", BigInteger, nullable=True),
    Column("latency_ms", Float, nullable=True),
    Column("error_code", Text, nullable=False),
    Index("ix_journal_exchanges_charger", "charger_id", "id"),
    # The retention sweep's: BRIN on PostgreSQL (rows arrive in about at_ms order, and a
    # B-tree cost the server more per insert than the row itself), a B-tree on SQLite.
    Index("ix_journal_exchanges_at", "at_ms", postgresql_using="brin"),
)
#: The columns an insert fills, in the order of `_row`'s tuples.
_INSERTED = tuple(column.name for column in journal_table.columns if column.name != "id")

_CURSOR_PREFIX = b"sql:"
_t = journal_table.c


def encode_cursor(row_id: int) -> str:
    return base64.urlsafe_b64encode(_CURSOR_PREFIX + str(row_id).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The row id of a cursor `encode_cursor` made; BadCursor for anything else."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (binascii.Error, ValueError):
        raw = b""
    digits = raw[len(_CURSOR_PREFIX) :]
    if not raw.startswith(_CURSOR_PREFIX) or not digits.isdigit() or len(digits) > 19:
        raise BadCursor(
            f"cursor {cursor[:40]!r} was not handed out by this journal: pass back a cursor "
            "from a page of this journal, or none for the newest exchanges"
        )
    return int(digits)


def _text(value: str | None) -> str | None:
    """`value` storable as TEXT: PostgreSQL refuses NUL, which a malformed frame (or an id
    read from one) may hold; it is kept as the JSON escape ``\\u0000``."""
    if value is not None and "\x00" in value:
        return value.replace("\x00", "\\u0000")
    return value


#: Each enum member's plain string (``member.value`` is a slow descriptor lookup).
_PLAIN: dict[Direction | Outcome, str] = {
    **{member: member.value for member in Direction},
    **{member: member.value for member in Outcome},
}


def _row(exchange: Exchange) -> tuple[Any, ...]:
    """The values of `_INSERTED` for `exchange`."""
    return (
        exchange.charger_id,
        exchange.node_id,
        exchange.epoch,
        _PLAIN[exchange.direction],
        _PLAIN[exchange.outcome],
        _text(exchange.action),
        _text(exchange.message_id),
        exchange.at_ms,
        _text(exchange.call),
        _text(exchange.answer),
        exchange.answered_at_ms,
        exchange.latency_ms,
        _text(exchange.error_code),
    )


def _insert_sql(paramstyle: str) -> str:
    """The INSERT of one row of `_INSERTED`, in the driver's parameter style."""
    if paramstyle == "qmark":  # sqlite3 / aiosqlite
        marks = ["?"] * len(_INSERTED)
    elif paramstyle == "numeric_dollar":  # SQLAlchemy's asyncpg adapter
        marks = [f"${n}" for n in range(1, len(_INSERTED) + 1)]
    else:
        raise RuntimeError(f"no INSERT for the parameter style {paramstyle!r}")
    return f"INSERT INTO {journal_table.name} ({', '.join(_INSERTED)}) VALUES ({', '.join(marks)})"


def _stored(row: Row[Any]) -> Stored:
    return Stored(
        cursor=encode_cursor(row.id),
        exchange=Exchange(
            charger_id=row.charger_id,
            node_id=row.node_id,
            epoch=row.epoch,
            direction=Direction(row.direction),
            outcome=Outcome(row.outcome),
            action=row.action,
            message_id=row.message_id,
            at_ms=row.at_ms,
            call=row.call_frame,
            answer=row.answer_frame,
            answered_at_ms=row.answered_at_ms,
            latency_ms=row.latency_ms,
            error_code=row.error_code,
        ),
    )


class SqlJournal:
    """A `Journal` in a SQL database (``sqlite+aiosqlite:///path`` or
    ``postgresql+asyncpg://...``); `open` before use, `aclose` after."""

    def __init__(
        self,
        url: str,
        *,
        retention_s: float | None = None,
        connect_timeout: float = 10.0,
        busy_timeout: float = 5.0,
        pool_size: int = 4,
    ) -> None:
        try:
            sa_url = make_url(url)
        except ArgumentError:
            raise ValueError(
                f"JOURNAL_URL {without_password(url)!r} is not a database URL, e.g. "
                "sqlite+aiosqlite:///var/journal.sqlite"
            ) from None
        if sa_url.drivername not in ("sqlite+aiosqlite", "postgresql+asyncpg"):
            raise ValueError(
                f"JOURNAL_URL {without_password(url)!r}: the SQL journal takes "
                "sqlite+aiosqlite:///path or postgresql+asyncpg://user@host/db"
            )
        if sa_url.drivername == "sqlite+aiosqlite" and sa_url.database in (None, "", ":memory:"):
            raise ValueError(
                f"JOURNAL_URL {url!r}: an in-memory SQLite journal would be lost at exit and "
                "seen by no reader; give a file path, e.g. sqlite+aiosqlite:///var/journal.sqlite"
            )
        self.url = url
        self.retention_s = retention_s  # the writer's sweep deletes older exchanges
        self._sa_url = sa_url
        # SQLite: the file's directory, which must exist (checked at `open`)
        self._sqlite_directory = os.path.dirname(os.path.abspath(sa_url.database or ""))
        self._connect_timeout = connect_timeout
        self._busy_timeout = busy_timeout
        self._pool_size = pool_size
        self._engine: AsyncEngine | None = None
        self._insert = ""  # the INSERT in this driver's parameter style (`open`)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self._sa_url.get_backend_name()

    def _create_engine(self) -> AsyncEngine:
        if self.dialect == "postgresql":
            return create_async_engine(
                self._sa_url,
                pool_size=self._pool_size,
                max_overflow=self._pool_size,
                pool_timeout=self._connect_timeout,
                pool_pre_ping=True,  # the journal's few statements can afford the round trip
                connect_args={"timeout": self._connect_timeout},
                hide_parameters=True,  # frames never in errors or logs
            )
        engine = create_async_engine(
            self._sa_url, connect_args={"timeout": self._busy_timeout}, hide_parameters=True
        )
        busy_ms = int(self._busy_timeout * 1000)

        def on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
            cursor = dbapi_connection.cursor()
            try:
                # WAL: the manager reads the file while the node writes it (make run).
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
                cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
            finally:
                cursor.close()

        event.listen(engine.sync_engine, "connect", on_connect)
        return engine

    def _failed(self, what: str, exc: BaseException) -> JournalError:
        """The error for a failed statement: the driver's own message, not SQLAlchemy's
        (which repeats the statement, and a batch's statement is a thousand rows long)."""
        reason = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
        text = f"{type(reason).__name__}: {reason}"
        if len(text) > 300:
            text = text[:297] + "..."
        return JournalError(f"journal at {without_password(self.url)}: {what} failed: {text}")

    @property
    def engine(self) -> AsyncEngine:
        if self._engine is None:
            raise RuntimeError("SqlJournal used before open()")
        return self._engine

    async def open(self) -> None:
        """Connect and create the table and its indexes when missing."""
        if self._engine is not None:
            return
        if self.dialect == "sqlite":
            # Said before aiosqlite tries: its worker thread outlives a failed connect and
            # reports to the event loop later, when that loop may be gone.
            directory = self._sqlite_directory
            if not await asyncio.to_thread(os.path.isdir, directory):
                raise self._failed(
                    "opening",
                    FileNotFoundError(f"{directory} is not a directory; create it first"),
                )
        engine = self._create_engine()
        try:
            try:
                async with engine.begin() as connection:
                    await connection.run_sync(_create_schema)
            except IntegrityError:
                # PostgreSQL: another process created it at the same moment (IF NOT EXISTS
                # does not cover that race); it is there now.
                async with engine.begin() as connection:
                    await connection.run_sync(_create_schema)
        except (SQLAlchemyError, OSError) as exc:
            await engine.dispose()
            raise self._failed("opening", exc) from exc
        self._insert = _insert_sql(engine.dialect.paramstyle)
        self._engine = engine

    async def write(self, exchanges: Sequence[Exchange]) -> None:
        if not exchanges:
            return
        engine = self.engine
        rows = [_row(exchange) for exchange in exchanges]
        try:
            if self.dialect == "postgresql":
                # COPY: one statement for the batch, a third of the server's CPU of an
                # INSERT per row (the journal shares the machine with the CSMS's database).
                async with engine.connect() as connection:
                    raw = await connection.get_raw_connection()
                    driver = raw.driver_connection
                    assert driver is not None  # an open asyncpg connection
                    await driver.copy_records_to_table(
                        journal_table.name, records=rows, columns=_INSERTED
                    )
            else:
                async with engine.begin() as connection:
                    await connection.exec_driver_sql(self._insert, rows)
        except (SQLAlchemyError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise self._failed(f"writing {len(rows)} exchanges", exc) from exc

    async def query(self, query: Query) -> list[Stored]:
        statement = select(journal_table).where(_t.charger_id == query.charger_id)
        if query.actions:
            statement = statement.where(_t.action.in_(query.actions))
        if query.direction is not None:
            statement = statement.where(_t.direction == query.direction.value)
        if query.since_ms is not None:
            statement = statement.where(_t.at_ms >= query.since_ms)
        if query.until_ms is not None:
            statement = statement.where(_t.at_ms < query.until_ms)
        if query.before is not None:
            statement = statement.where(_t.id < decode_cursor(query.before))
        if query.after is not None:
            statement = statement.where(_t.id > decode_cursor(query.after)).order_by(_t.id.asc())
        else:
            statement = statement.order_by(_t.id.desc())
        statement = statement.limit(query.limit)
        try:
            async with self.engine.connect() as connection:
                rows = (await connection.execute(statement)).all()
        except (SQLAlchemyError, OSError) as exc:
            raise self._failed("reading", exc) from exc
        stored = []
        for row in rows:
            try:
                stored.append(_stored(row))
            except ValueError as exc:  # a row another version wrote: skip it, keep the page
                log.warning("journal row %s skipped: %s", row.id, exc)
        return stored

    async def expire(self, older_than_ms: int) -> int:
        """Delete exchanges with at_ms < older_than_ms, EXPIRE_CHUNK rows per transaction."""
        chunk = select(_t.id).where(_t.at_ms < older_than_ms).limit(EXPIRE_CHUNK).scalar_subquery()
        statement = delete(journal_table).where(_t.id.in_(chunk))
        deleted = 0
        try:
            while True:
                async with self.engine.begin() as connection:
                    count = (await connection.execute(statement)).rowcount
                deleted += count
                if count < EXPIRE_CHUNK:
                    return deleted
        except (SQLAlchemyError, OSError) as exc:
            raise self._failed("expiring", exc) from exc

    async def aclose(self) -> None:
        if self._engine is not None:
            engine, self._engine = self._engine, None
            await engine.dispose()


def _create_schema(connection: Connection) -> None:
    """The table and its indexes, each only if missing (IF NOT EXISTS: two processes that
    open one journal at once do not trip over each other)."""
    connection.execute(CreateTable(journal_table, if_not_exists=True))
    for index in sorted(journal_table.indexes, key=lambda index: str(index.name)):
        connection.execute(CreateIndex(index, if_not_exists=True))
