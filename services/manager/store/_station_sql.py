"""``StationStore`` on PostgreSQL or SQLite."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, insert, select, update

from ._common import utc
from ._schema_201 import charger_requests, display_messages
from ._sqlbase import SqlStoreBase, require_charger, unavailable
from ._station import (
    MAX_REQUEST_PAGE,
    ChargerRequestRecord,
    DisplayMessageRecord,
    check_request_kind,
    check_source,
)

__all__ = ["SqlStationStore"]


def _check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_REQUEST_PAGE:
        raise ValueError(f"limit {limit} is not between 1 and {MAX_REQUEST_PAGE}")
    return limit


def _reported(
    record: ChargerRequestRecord,
    at: datetime,
    status: str | None,
    complete: bool | None,
    part: tuple[int, str] | None,
) -> ChargerRequestRecord:
    """``record`` after a report (the rule both implementations share)."""
    changes: dict[str, Any] = {"updated_at": at}
    if status is not None:
        changes["status"] = status
    if complete is not None:
        changes["complete"] = complete
    if part is not None and part[0] > record.seq_no:
        changes["seq_no"] = part[0]
        changes["data"] = record.data + part[1]
    return replace(record, **changes)


def _answered(
    existing: ChargerRequestRecord | None,
    charger_id: str,
    kind: str,
    request_id: int,
    status: str,
    complete: bool,
    sent_at: datetime,
    data: str,
) -> ChargerRequestRecord:
    """The request after the charger's answer (the rule both implementations share)."""
    if existing is None or existing.created_at < sent_at:
        fresh = _new_request(charger_id, kind, request_id, sent_at)
        return replace(fresh, status=status, complete=complete, data=data)
    return replace(existing, data=existing.data or data)


def _new_request(charger_id: str, kind: str, request_id: int, at: datetime) -> ChargerRequestRecord:
    return ChargerRequestRecord(
        charger_id=charger_id,
        kind=kind,
        request_id=request_id,
        status="",
        data="",
        seq_no=-1,
        complete=False,
        created_at=at,
        updated_at=at,
    )


def _request_record(row: Row[Any]) -> ChargerRequestRecord:
    return ChargerRequestRecord(
        charger_id=row.charger_id,
        kind=row.kind,
        request_id=row.request_id,
        status=row.status,
        data=row.data,
        seq_no=row.seq_no,
        complete=row.complete,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _values(record: ChargerRequestRecord) -> dict[str, Any]:
    return {
        "status": record.status,
        "data": record.data,
        "seq_no": record.seq_no,
        "complete": record.complete,
        "updated_at": record.updated_at,
    }


class SqlStationStore(SqlStoreBase):
    """``StationStore`` on PostgreSQL or SQLite."""

    async def request_answered(
        self,
        charger_id: str,
        kind: str,
        request_id: int,
        *,
        status: str,
        complete: bool,
        sent_at: datetime,
        data: str = "",
    ) -> None:
        check_request_kind(kind)
        table = charger_requests
        key = (
            table.c.charger_id == charger_id,
            table.c.kind == kind,
            table.c.request_id == request_id,
        )
        async with unavailable("recording a charger request"), self._engine.begin() as conn:
            await require_charger(conn, charger_id, lock=True)
            row = (await conn.execute(select(table).where(*key))).first()
            existing = _request_record(row) if row is not None else None
            record = _answered(
                existing, charger_id, kind, request_id, status, complete, utc(sent_at), data
            )
            await conn.execute(delete(table).where(*key))
            await conn.execute(
                insert(table).values(
                    charger_id=charger_id,
                    kind=kind,
                    request_id=request_id,
                    created_at=record.created_at,
                    **_values(record),
                )
            )

    async def request_reported(
        self,
        charger_id: str,
        kind: str,
        request_id: int,
        *,
        at: datetime,
        status: str | None = None,
        complete: bool | None = None,
        part: tuple[int, str] | None = None,
    ) -> ChargerRequestRecord:
        check_request_kind(kind)
        table = charger_requests
        key = (
            table.c.charger_id == charger_id,
            table.c.kind == kind,
            table.c.request_id == request_id,
        )
        async with unavailable("recording a charger report"), self._engine.begin() as conn:
            await require_charger(conn, charger_id, lock=True)
            row = (await conn.execute(select(table).where(*key))).first()
            if row is None:
                record = _new_request(charger_id, kind, request_id, utc(at))
                record = _reported(record, utc(at), status, complete, part)
                await conn.execute(
                    insert(table).values(
                        charger_id=charger_id,
                        kind=kind,
                        request_id=request_id,
                        created_at=record.created_at,
                        **_values(record),
                    )
                )
            else:
                record = _reported(_request_record(row), utc(at), status, complete, part)
                await conn.execute(update(table).where(*key).values(**_values(record)))
        return record

    async def list_requests(
        self,
        charger_id: str,
        *,
        kind: str | None = None,
        request_id: int | None = None,
        limit: int = 50,
    ) -> builtins.list[ChargerRequestRecord]:
        table = charger_requests
        query = (
            select(table)
            .where(table.c.charger_id == charger_id)
            .order_by(table.c.created_at.desc(), table.c.kind, table.c.request_id.desc())
            .limit(_check_limit(limit))
        )
        if kind is not None:
            query = query.where(table.c.kind == check_request_kind(kind))
        if request_id is not None:
            query = query.where(table.c.request_id == request_id)
        async with unavailable("listing charger requests"), self._reader.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [_request_record(row) for row in rows]

    async def put_display_messages(
        self, charger_id: str, messages: Sequence[tuple[int, str]], *, source: str, at: datetime
    ) -> None:
        check_source(source)
        if not messages:
            return
        table = display_messages
        rows = [
            {
                "charger_id": charger_id,
                "message_id": message_id,
                "message": message,
                "source": source,
                "updated_at": utc(at),
            }
            for message_id, message in dict(messages).items()
        ]
        statement = self._insert(table).values(rows)
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.charger_id, table.c.message_id],
            set_={
                "message": statement.excluded.message,
                "source": statement.excluded.source,
                "updated_at": statement.excluded.updated_at,
            },
        )
        async with unavailable("recording display messages"), self._engine.begin() as conn:
            await require_charger(conn, charger_id, lock=True)
            await conn.execute(statement)

    async def remove_display_message(self, charger_id: str, message_id: int) -> bool:
        table = display_messages
        statement = delete(table).where(
            table.c.charger_id == charger_id, table.c.message_id == message_id
        )
        async with unavailable("removing a display message"), self._engine.begin() as conn:
            result = await conn.execute(statement)
        return bool(result.rowcount)

    async def display_messages(self, charger_id: str) -> builtins.list[DisplayMessageRecord]:
        table = display_messages
        query = select(table).where(table.c.charger_id == charger_id).order_by(table.c.message_id)
        async with unavailable("listing display messages"), self._reader.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [
            DisplayMessageRecord(
                charger_id=row.charger_id,
                message_id=row.message_id,
                message_json=row.message,
                source=row.source,
                updated_at=row.updated_at,
            )
            for row in rows
        ]
