"""``DeviceModelStore`` on PostgreSQL or SQLite (tables ``device_*``, revision 0005):
bulk upserts, one transaction per call; a report's parts are staged as JSON until the
report is complete.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Row, delete, func, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ._common import check_page_size, utc
from ._device_model import (
    MAX_EVENTS_PER_CHARGER,
    DeviceEventRecord,
    MonitorRecord,
    ReportRecord,
    VariableKey,
    VariableRecord,
    check_report_kind,
    check_variable,
)
from ._keyset import decode_keyset, encode_keyset
from ._schema_201 import (
    device_events,
    device_monitors,
    device_report_parts,
    device_reports,
    device_variables,
)
from ._sqlbase import SqlStoreBase, require_charger, unavailable

__all__ = ["SqlDeviceModelStore", "decode_part", "encode_part"]


def _key_fields(key: VariableKey) -> dict[str, Any]:
    return {
        "component": key.component,
        "component_instance": key.component_instance,
        "evse_id": key.evse_id,
        "connector_id": key.connector_id,
        "variable": key.variable,
        "variable_instance": key.variable_instance,
    }


_STAGED = (
    "attribute_type",
    "value",
    "mutability",
    "persistent",
    "constant",
    "data_type",
    "unit",
    "min_limit",
    "max_limit",
    "values_list",
    "supports_monitoring",
)


def encode_part(variables: Sequence[VariableRecord]) -> str:
    """A report part's variables as the JSON staged in ``device_report_parts.data``."""
    return orjson.dumps(
        [[*_key_fields(v.key).values(), *(getattr(v, name) for name in _STAGED)] for v in variables]
    ).decode()


def decode_part(data: str) -> list[VariableRecord]:
    rows = orjson.loads(data)
    return [
        VariableRecord(VariableKey(*row[:6]), **dict(zip(_STAGED, row[6:], strict=True)))
        for row in rows
    ]


def _filters(
    charger_id: str, component: str, component_instance: str, evse_id: int | None, variable: str
) -> dict[str, str | int | None]:
    return {
        "charger_id": charger_id,
        "component": component.lower(),
        "component_instance": component_instance.lower(),
        "evse_id": evse_id,
        "variable": variable.lower(),
    }


_KEY_TYPES = (str, str, int, int, str, str, str)


def _variable_row(charger_id: str, v: VariableRecord, at: datetime) -> dict[str, Any]:
    return {
        "charger_id": charger_id,
        **_key_fields(v.key),
        **{name: getattr(v, name) for name in _STAGED},
        "value_source": v.value_source,
        "updated_at": at,
    }


class SqlDeviceModelStore(SqlStoreBase):
    """``DeviceModelStore`` on PostgreSQL or SQLite; bulk upserts, one transaction per call."""

    async def report_requested(
        self, charger_id: str, request_id: int, kind: str, at: datetime
    ) -> None:
        check_report_kind(kind)
        at = utc(at)
        r = device_reports
        async with unavailable("recording a report request"), self._engine.begin() as conn:
            await require_charger(conn, charger_id)
            await conn.execute(
                delete(r).where(r.c.charger_id == charger_id, r.c.completed_at.is_(None))
            )
            upsert = self._insert(r).values(
                charger_id=charger_id, request_id=request_id, kind=kind, requested_at=at
            )
            await conn.execute(
                upsert.on_conflict_do_update(
                    index_elements=[r.c.charger_id, r.c.request_id],
                    set_={"kind": kind, "requested_at": at, "completed_at": None},
                )
            )
            await conn.execute(
                delete(device_report_parts).where(
                    device_report_parts.c.charger_id == charger_id,
                    device_report_parts.c.request_id == request_id,
                )
            )

    async def add_report_part(
        self,
        charger_id: str,
        request_id: int,
        seq_no: int,
        last: bool,
        variables: Sequence[VariableRecord],
        at: datetime,
    ) -> bool:
        for v in variables:
            check_variable(v)
        if seq_no < 0:
            raise ValueError(f"seq_no must not be negative, got {seq_no}")
        at = utc(at)
        r, p = device_reports, device_report_parts
        async with unavailable("recording a report part"), self._engine.begin() as conn:
            await require_charger(conn, charger_id)
            await conn.execute(
                self._insert(r)
                .values(
                    charger_id=charger_id,
                    request_id=request_id,
                    kind="Unrequested",
                    requested_at=at,
                )
                .on_conflict_do_nothing()
            )
            # Lock the report row: parts of one report apply one after the other.
            report = (
                await conn.execute(
                    select(r.c.kind, r.c.completed_at)
                    .where(r.c.charger_id == charger_id, r.c.request_id == request_id)
                    .with_for_update()
                )
            ).one()
            if report.completed_at is not None:
                return False
            part = self._insert(p).values(
                charger_id=charger_id,
                request_id=request_id,
                seq_no=seq_no,
                is_last=last,
                data=encode_part(variables),
                received_at=at,
            )
            await conn.execute(
                part.on_conflict_do_update(
                    index_elements=[p.c.charger_id, p.c.request_id, p.c.seq_no],
                    set_={"is_last": last, "data": part.excluded.data, "received_at": at},
                )
            )
            mine = (p.c.charger_id == charger_id, p.c.request_id == request_id)
            staged = (await conn.execute(select(p.c.seq_no, p.c.is_last).where(*mine))).all()
            if not _complete([(row.seq_no, row.is_last) for row in staged]):
                return False
            rows = (await conn.execute(select(p.c.data).where(*mine).order_by(p.c.seq_no))).all()
            report_variables = [v for row in rows for v in decode_part(row.data)]
            await self._apply(conn, charger_id, report.kind, report_variables, at)
            await conn.execute(delete(p).where(*mine))
            # Keep this report as the latest complete one; forget the older complete ones.
            await conn.execute(
                update(r)
                .where(r.c.charger_id == charger_id, r.c.request_id == request_id)
                .values(completed_at=at)
            )
            await conn.execute(
                delete(r).where(
                    r.c.charger_id == charger_id,
                    r.c.request_id != request_id,
                    r.c.completed_at.is_not(None),
                )
            )
        return True

    async def _apply(
        self,
        conn: AsyncConnection,
        charger_id: str,
        kind: str,
        variables: Sequence[VariableRecord],
        at: datetime,
    ) -> None:
        t = device_variables
        if kind == "FullInventory":
            await conn.execute(delete(t).where(t.c.charger_id == charger_id))
        # A variable given twice: the later part wins, as it would one after the other.
        rows = {v.sort_key(): _variable_row(charger_id, v, at) for v in variables}
        if not rows:
            return
        upsert = self._insert(t)
        await conn.execute(
            upsert.on_conflict_do_update(
                index_elements=list(t.primary_key.columns),
                set_={
                    name: upsert.excluded[name]
                    for name in (*_STAGED[1:], "value_source", "updated_at")
                },
            ),
            list(rows.values()),
        )

    async def record_values(
        self,
        charger_id: str,
        values: Sequence[tuple[VariableKey, str, str]],
        source: str,
        at: datetime,
    ) -> None:
        at = utc(at)
        rows = {}
        for key, attribute_type, value in values:
            record = check_variable(VariableRecord(key, attribute_type, value, value_source=source))
            rows[record.sort_key()] = {
                "charger_id": charger_id,
                **_key_fields(key),
                "attribute_type": attribute_type,
                "value": value,
                "value_source": source,
                "updated_at": at,
            }
        t = device_variables
        async with unavailable("recording variable values"), self._engine.begin() as conn:
            await require_charger(conn, charger_id)
            if not rows:
                return
            upsert = self._insert(t)
            await conn.execute(
                upsert.on_conflict_do_update(
                    index_elements=list(t.primary_key.columns),
                    set_={
                        name: upsert.excluded[name]
                        for name in ("value", "value_source", "updated_at")
                    },
                ),
                list(rows.values()),
            )

    async def list_variables(
        self,
        charger_id: str,
        *,
        page_size: int,
        page_token: str = "",
        component: str = "",
        component_instance: str = "",
        evse_id: int | None = None,
        variable: str = "",
    ) -> tuple[builtins.list[VariableRecord], str]:
        check_page_size(page_size)
        filters = _filters(charger_id, component, component_instance, evse_id, variable)
        t = device_variables
        order = (
            t.c.component,
            t.c.component_instance,
            t.c.evse_id,
            t.c.connector_id,
            t.c.variable,
            t.c.variable_instance,
            t.c.attribute_type,
        )
        conditions: list[ColumnElement[bool]] = [t.c.charger_id == charger_id]
        if page_token:
            after = decode_keyset(page_token, "variables", filters, _KEY_TYPES)
            conditions.append(tuple_(*order) > tuple_(*after))
        if component:
            conditions.append(func.lower(t.c.component) == component.lower())
        if component_instance:
            conditions.append(func.lower(t.c.component_instance) == component_instance.lower())
        if evse_id is not None:
            conditions.append(t.c.evse_id == evse_id)
        if variable:
            conditions.append(func.lower(t.c.variable) == variable.lower())
        query = select(t).where(*conditions).order_by(*order).limit(page_size + 1)
        async with unavailable("listing variables"), self._reader.connect() as conn:
            rows = (await conn.execute(query)).all()
        page = [_variable_record(row) for row in rows[:page_size]]
        token = ""
        if len(rows) > page_size:
            token = encode_keyset("variables", list(page[-1].sort_key()), filters)
        return page, token

    async def reports(self, charger_id: str) -> builtins.list[ReportRecord]:
        r = device_reports
        query = select(r).where(r.c.charger_id == charger_id).order_by(r.c.request_id)
        async with unavailable("reading reports"), self._reader.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [
            ReportRecord(row.request_id, row.kind, row.requested_at, row.completed_at)
            for row in rows
        ]

    async def set_monitors(
        self, charger_id: str, monitors: Sequence[MonitorRecord], *, replace_all: bool = False
    ) -> None:
        rows = {m.monitor_id: _monitor_row(charger_id, m) for m in monitors}
        t = device_monitors
        async with unavailable("recording monitors"), self._engine.begin() as conn:
            await require_charger(conn, charger_id)
            if replace_all:
                await conn.execute(delete(t).where(t.c.charger_id == charger_id))
            if not rows:
                return
            upsert = self._insert(t)
            await conn.execute(
                upsert.on_conflict_do_update(
                    index_elements=[t.c.charger_id, t.c.monitor_id],
                    set_={
                        c.name: upsert.excluded[c.name]
                        for c in t.columns
                        if c.name not in ("charger_id", "monitor_id")
                    },
                ),
                list(rows.values()),
            )

    async def remove_monitors(self, charger_id: str, monitor_ids: Iterable[int]) -> int:
        ids = set(monitor_ids)
        if not ids:
            return 0
        t = device_monitors
        statement = delete(t).where(t.c.charger_id == charger_id, self._in(t.c.monitor_id, ids))
        async with unavailable("forgetting monitors"), self._engine.begin() as conn:
            result = await conn.execute(statement)
        return int(result.rowcount)

    async def list_monitors(self, charger_id: str) -> builtins.list[MonitorRecord]:
        t = device_monitors
        query = select(t).where(t.c.charger_id == charger_id).order_by(t.c.monitor_id)
        async with unavailable("listing monitors"), self._reader.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [
            MonitorRecord(
                monitor_id=row.monitor_id,
                key=_row_key(row),
                type=row.type,
                value=row.value,
                severity=row.severity,
                transaction=bool(row.transaction_only),
                updated_at=row.updated_at,
            )
            for row in rows
        ]

    async def add_events(
        self,
        charger_id: str,
        events: Sequence[DeviceEventRecord],
        *,
        keep: int = MAX_EVENTS_PER_CHARGER,
    ) -> None:
        rows = [_event_row(charger_id, e) for e in events]
        t = device_events
        async with unavailable("recording events"), self._engine.begin() as conn:
            await require_charger(conn, charger_id)
            if not rows:
                return
            await conn.execute(t.insert(), rows)
            oldest_kept = (
                select(t.c.id)
                .where(t.c.charger_id == charger_id)
                .order_by(t.c.id.desc())
                .offset(keep)
                .limit(1)
                .scalar_subquery()
            )
            await conn.execute(delete(t).where(t.c.charger_id == charger_id, t.c.id <= oldest_kept))

    async def list_events(
        self, charger_id: str, *, page_size: int, page_token: str = ""
    ) -> tuple[builtins.list[DeviceEventRecord], str]:
        check_page_size(page_size)
        filters = {"charger_id": charger_id}
        t = device_events
        query = (
            select(t)
            .where(t.c.charger_id == charger_id)
            .order_by(t.c.id.desc())
            .limit(page_size + 1)
        )
        if page_token:
            (before,) = decode_keyset(page_token, "device_events", filters, (int,))
            query = query.where(t.c.id < before)
        async with unavailable("listing events"), self._reader.connect() as conn:
            rows = (await conn.execute(query)).all()
        page = [_event_record(row) for row in rows[:page_size]]
        token = ""
        if len(rows) > page_size:
            token = encode_keyset("device_events", [page[-1].id], filters)
        return page, token


def _complete(parts: Iterable[tuple[int, bool]]) -> bool:
    """Whether staged ``(seq_no, last)`` parts make a whole report: 0..last, none missing."""
    seqs = dict(parts)
    last = [seq for seq, is_last in seqs.items() if is_last]
    return bool(last) and all(seq in seqs for seq in range(min(last) + 1))


def _row_key(row: Row[Any]) -> VariableKey:
    return VariableKey(
        row.component,
        row.component_instance,
        row.evse_id,
        row.connector_id,
        row.variable,
        row.variable_instance,
    )


def _variable_record(row: Row[Any]) -> VariableRecord:
    return VariableRecord(
        key=_row_key(row),
        attribute_type=row.attribute_type,
        value=row.value,
        mutability=row.mutability,
        persistent=bool(row.persistent),
        constant=bool(row.constant),
        data_type=row.data_type,
        unit=row.unit,
        min_limit=row.min_limit,
        max_limit=row.max_limit,
        values_list=row.values_list,
        supports_monitoring=bool(row.supports_monitoring),
        value_source=row.value_source,
        updated_at=row.updated_at,
    )


def _monitor_row(charger_id: str, m: MonitorRecord) -> dict[str, Any]:
    m.key.check()
    return {
        "charger_id": charger_id,
        "monitor_id": m.monitor_id,
        **_key_fields(m.key),
        "type": m.type,
        "value": m.value,
        "severity": m.severity,
        "transaction_only": m.transaction,
        "updated_at": utc(m.updated_at),
    }


def _event_row(charger_id: str, e: DeviceEventRecord) -> dict[str, Any]:
    e.key.check()
    return {
        "charger_id": charger_id,
        "event_id": e.event_id,
        "timestamp": utc(e.timestamp),
        "event_trigger": e.trigger,
        "cause": e.cause,
        "actual_value": e.actual_value,
        "tech_code": e.tech_code,
        "tech_info": e.tech_info,
        "cleared": e.cleared,
        "transaction_id": e.transaction_id,
        **_key_fields(e.key),
        "variable_monitoring_id": e.variable_monitoring_id,
        "notification_type": e.notification_type,
        "received_at": utc(e.received_at),
    }


def _event_record(row: Row[Any]) -> DeviceEventRecord:
    return DeviceEventRecord(
        id=row.id,
        event_id=row.event_id,
        timestamp=row.timestamp,
        trigger=row.event_trigger,
        cause=row.cause,
        actual_value=row.actual_value,
        tech_code=row.tech_code,
        tech_info=row.tech_info,
        cleared=bool(row.cleared),
        transaction_id=row.transaction_id,
        key=_row_key(row),
        variable_monitoring_id=row.variable_monitoring_id,
        notification_type=row.notification_type,
        received_at=row.received_at,
    )
