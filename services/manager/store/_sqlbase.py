"""What the SQL id tag, transaction and reservation stores share: an engine they do not
own, dialect-specific INSERT, and ``column IN ids`` with one bound parameter.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
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
from sqlalchemy.ext.asyncio import AsyncEngine

from ._engine import READ_ONLY

__all__ = ["SqlStoreBase"]


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
