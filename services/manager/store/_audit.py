"""The audit log's table: entries appended in batches, listed newest first.

``SqlAuditStore`` writes ``audit_log`` on PostgreSQL or SQLite; ``MemoryAuditStore`` keeps
entries in a list (unit tests). Both list newest first (by id: ids grow in the order
entries were written), with keyset page tokens that carry the filters (``_keyset``).

Entries are written as they are: a value too long for its column is cut to fit (with a
marker), and NUL characters, which PostgreSQL text cannot hold, are replaced, so an
entry about a hostile request (a charger id of 500 characters) is still recorded.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Row, and_, insert, select
from sqlalchemy.sql.elements import ColumnElement

from ._common import check_page_size, utc
from ._keyset import decode_keyset, encode_keyset, to_iso
from ._schema import audit_log
from ._sql import unavailable
from ._sqlbase import SqlStoreBase

__all__ = ["AuditEntryRecord", "AuditFilters", "AuditStore", "SqlAuditStore"]

#: Widest value of each bounded column of ``audit_log`` (None = text, unbounded).
COLUMN_WIDTHS: dict[str, int | None] = {
    "actor": 80,
    "role": 8,
    "action": 80,
    "charger_id": 48,
    "target": None,
    "outcome": 32,
    "detail": None,
    "source": 80,
}
#: Longest detail or target kept (they are text columns, but an entry is not a payload dump).
MAX_TEXT = 4000
_CUT = "…"


@dataclass(frozen=True, slots=True)
class AuditEntryRecord:
    """One row of ``audit_log``; ``entry_id`` is 0 until it is written."""

    entry_id: int
    at: datetime
    actor: str
    role: str
    action: str
    charger_id: str
    target: str
    outcome: str
    detail: str
    source: str


@dataclass(frozen=True, slots=True)
class AuditFilters:
    """What ``list`` selects; each None/"" selects all. ``since`` inclusive, ``until`` not."""

    actor: str = ""
    action: str = ""
    charger_id: str = ""
    outcome: str = ""
    since: datetime | None = None
    until: datetime | None = None

    def token_fields(self) -> dict[str, str | int | bool | None]:
        """The filters as page tokens carry them."""
        return {
            "actor": self.actor,
            "action": self.action,
            "charger_id": self.charger_id,
            "outcome": self.outcome,
            "since": to_iso(self.since) if self.since else None,
            "until": to_iso(self.until) if self.until else None,
        }


class AuditStore(Protocol):
    async def append(self, entries: Sequence[AuditEntryRecord]) -> None:
        """Write ``entries`` in one transaction (their ids are issued by the store).

        StoreUnavailable: nothing was written (retry); StoreDataError: a value was refused
        (retrying the same batch cannot help)."""

    async def list(
        self, filters: AuditFilters, *, page_size: int, page_token: str = ""
    ) -> tuple[builtins.list[AuditEntryRecord], str]:
        """Entries matching ``filters``, newest first, and the next page's token ("" = last)."""


def fitted(entry: AuditEntryRecord) -> AuditEntryRecord:
    """``entry`` with every value cut to its column and NUL characters replaced."""
    changes: dict[str, Any] = {}
    for name, width in COLUMN_WIDTHS.items():
        value: str = getattr(entry, name)
        limit = width if width is not None else MAX_TEXT
        clean = value.replace("\x00", "\ufffd")
        if len(clean) > limit:
            clean = clean[: limit - len(_CUT)] + _CUT
        if clean != value:
            changes[name] = clean
    return replace(entry, **changes) if changes else entry


_LISTING = "audit"


def _start_after(page_token: str, filters: AuditFilters) -> int | None:
    if not page_token:
        return None
    (after,) = decode_keyset(page_token, _LISTING, filters.token_fields(), (int,))
    return int(after)


def _next_token(page: Sequence[AuditEntryRecord], more: bool, filters: AuditFilters) -> str:
    if not more or not page:
        return ""
    return encode_keyset(_LISTING, [page[-1].entry_id], filters.token_fields())


class SqlAuditStore(SqlStoreBase):
    """``AuditStore`` on PostgreSQL or SQLite."""

    async def append(self, entries: Sequence[AuditEntryRecord]) -> None:
        if not entries:
            return
        rows = [
            {
                "at": utc(e.at),
                "actor": e.actor,
                "role": e.role,
                "action": e.action,
                "charger_id": e.charger_id,
                "target": e.target,
                "outcome": e.outcome,
                "detail": e.detail,
                "source": e.source,
            }
            for e in map(fitted, entries)
        ]
        async with unavailable("writing audit entries"), self._engine.begin() as conn:
            await conn.execute(insert(audit_log), rows)

    async def list(
        self, filters: AuditFilters, *, page_size: int, page_token: str = ""
    ) -> tuple[builtins.list[AuditEntryRecord], str]:
        check_page_size(page_size)
        after = _start_after(page_token, filters)
        table = audit_log
        conditions: builtins.list[ColumnElement[bool]] = []
        for name in ("actor", "action", "charger_id", "outcome"):
            value = getattr(filters, name)
            if value:
                conditions.append(table.c[name] == value)
        if filters.since is not None:
            conditions.append(table.c.at >= utc(filters.since))
        if filters.until is not None:
            conditions.append(table.c.at < utc(filters.until))
        if after is not None:
            conditions.append(table.c.id < after)
        query = select(table).order_by(table.c.id.desc()).limit(page_size + 1)
        if conditions:
            query = query.where(and_(*conditions))
        async with unavailable("listing audit entries"), self._reader.connect() as conn:
            rows = (await conn.execute(query)).all()
        page = [_record(row) for row in rows[:page_size]]
        return page, _next_token(page, len(rows) > page_size, filters)


def _record(row: Row[object]) -> AuditEntryRecord:
    return AuditEntryRecord(
        entry_id=row.id,
        at=row.at,
        actor=row.actor,
        role=row.role,
        action=row.action,
        charger_id=row.charger_id,
        target=row.target,
        outcome=row.outcome,
        detail=row.detail,
        source=row.source,
    )
