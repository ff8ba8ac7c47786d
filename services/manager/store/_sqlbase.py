"""What the SQL stores share: an engine they do not own, dialect-specific INSERT,
``column IN ids`` with one bound parameter, and the one check that a charger exists.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Insert,
    String,
    Table,
    Text,
    any_,
    bindparam,
    func,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DataError as SqlDataError
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.exc import IntegrityError as SqlIntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ._engine import READ_ONLY
from ._errors import NotFound, StoreDataError, StoreUnavailable
from ._group import GroupCommit
from ._schema import chargers

__all__ = [
    "BAD_VALUE",
    "SqlStoreBase",
    "charger_not_found",
    "is_data_error",
    "require_charger",
    "unavailable",
]


def charger_not_found(charger_id: str) -> NotFound:
    """The error of every store write naming a charger the CSMS does not have."""
    return NotFound(f"charger {charger_id!r} does not exist")


async def require_charger(conn: AsyncConnection, charger_id: str, *, lock: bool = False) -> None:
    """NotFound unless the charger exists. ``lock`` holds its row until commit on
    PostgreSQL (``FOR NO KEY UPDATE``), so two writes about one charger (two parts of one
    report, two profile installs) apply one after the other; SQLite's ``BEGIN IMMEDIATE``
    already does that."""
    query = select(chargers.c.id).where(chargers.c.id == charger_id)
    if lock:
        query = query.with_for_update(key_share=True)
    if await conn.scalar(query) is None:
        raise charger_not_found(charger_id)


class SqlStoreBase:
    """Holds the engine (owned by ``SqlChargerStore``: closing it is the owner's job)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        #: Reads: on SQLite a deferred BEGIN, so they never take the write lock.
        self._reader = engine.execution_options(**{READ_ONLY: True})
        self._dialect = engine.dialect.name

    @property
    def engine(self) -> AsyncEngine:
        """The engine the store runs on."""
        return self._engine

    async def finish_batches(self) -> None:
        """Wait for the batches already submitted to this store's group commits (at
        shutdown, before the engine is disposed)."""
        for value in list(vars(self).values()):
            if isinstance(value, GroupCommit):
                await value.aclose()

    def _insert(self, table: Table) -> Any:
        """``INSERT`` with ``on_conflict_do_*`` for this dialect (both spell it the same)."""
        insert: Insert = (
            postgresql.insert(table) if self._dialect == "postgresql" else sqlite.insert(table)
        )
        return insert

    def _in(self, column: ColumnElement[Any], values: Iterable[Any]) -> ColumnElement[bool]:
        """``column IN values`` with ONE bound parameter (strings or integers).

        PostgreSQL: ``= ANY(:array)``; SQLite: ``IN (SELECT value FROM json_each(:json))``.
        """
        items = sorted(set(values))
        if self._dialect == "postgresql":
            kind: Any = BigInteger if items and isinstance(items[0], int) else String
            return column == any_(bindparam(None, items, type_=postgresql.ARRAY(kind)))
        table = func.json_each(bindparam(None, json.dumps(items), type_=Text)).table_valued("value")
        return column.in_(select(table.c.value))


_UNAVAILABLE = (DBAPIError, OSError, TimeoutError)


#: SQLSTATE classes of values the database refuses: 22 data exception (NUL in text,
#: out-of-range number, bad encoding), 23 integrity constraint violation.
_DATA_SQLSTATE_CLASSES = frozenset({"22", "23"})


#: Raised by drivers for a value they cannot send (asyncpg's client-side DataError is a
#: ValueError; sqlite3 raises OverflowError for an integer beyond 64 bits).
BAD_VALUE = (ValueError, TypeError, OverflowError)


@asynccontextmanager
async def unavailable(doing: str) -> AsyncIterator[None]:
    """Turn driver, network and timeout errors into StoreUnavailable, and a value the
    database refuses into StoreDataError (an outage is retried; bad data never is)."""
    try:
        yield
    except (*_UNAVAILABLE, StatementError) as exc:
        reason = "timed out" if isinstance(exc, TimeoutError) else str(exc).splitlines()[0]
        if is_data_error(exc):
            raise StoreDataError(f"the database refused a value while {doing}: {reason}") from exc
        raise StoreUnavailable(f"database unavailable while {doing}: {reason}") from exc


def is_data_error(exc: BaseException) -> bool:
    """Whether ``exc`` (or what it wraps) says a value was refused, not that the database
    is unreachable: SQLSTATE class 22/23, SQLAlchemy's DataError/IntegrityError, or a
    driver's ValueError/TypeError/OverflowError for a value it cannot send."""
    current: BaseException | None = exc
    for _ in range(6):  # the chain is short: SQLAlchemy error -> adapter error -> driver error
        if current is None:
            return False
        if isinstance(current, (SqlDataError, SqlIntegrityError, *BAD_VALUE)):
            return True
        state = getattr(current, "sqlstate", None)
        if isinstance(state, str) and state[:2] in _DATA_SQLSTATE_CLASSES:
            return True
        if isinstance(current, StatementError) and not isinstance(current, DBAPIError):
            return True  # raised while binding parameters: a value, not the connection
        orig = getattr(current, "orig", None)
        current = orig if isinstance(orig, BaseException) else current.__cause__
    return False
