"""``AuditStore`` on PostgreSQL or SQLite (``audit_log``): newest first, keyset pages."""

from __future__ import annotations

import builtins
from collections.abc import Sequence

from sqlalchemy import Row, and_, insert, select
from sqlalchemy.sql.elements import ColumnElement

from ._audit import AuditEntryRecord, AuditFilters, fitted
from ._common import check_page_size, utc
from ._keyset import decode_keyset, encode_keyset
from ._schema_operators import audit_log
from ._sqlbase import SqlStoreBase, unavailable

__all__ = ["SqlAuditStore"]


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
