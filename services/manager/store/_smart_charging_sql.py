"""``SmartChargingStore`` on PostgreSQL or SQLite."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, insert, select, update

from ._common import utc
from ._schema_201 import (
    charging_limits,
    charging_profile_reports,
    ev_charging_needs,
    reported_profiles,
)
from ._smart_charging import (
    ChargingLimitRecord,
    ChargingProfileReportRecord,
    EVChargingNeedsRecord,
    ReportedProfileRecord,
)
from ._sqlbase import SqlStoreBase, require_charger, unavailable

__all__ = ["SqlSmartChargingStore"]


def _report(charger_id: str, request_id: int, at: datetime) -> ChargingProfileReportRecord:
    return ChargingProfileReportRecord(
        charger_id=charger_id,
        request_id=request_id,
        status="",
        complete=False,
        created_at=at,
        updated_at=at,
    )


def _profile_order(record: ReportedProfileRecord) -> tuple[int, str, int]:
    return (record.evse_id, record.source, record.charging_profile_id)


class SqlSmartChargingStore(SqlStoreBase):
    """``SmartChargingStore`` on PostgreSQL or SQLite."""

    async def set_charging_limit(self, record: ChargingLimitRecord) -> None:
        table = charging_limits
        values = {
            "is_grid_critical": record.is_grid_critical,
            "schedules": record.schedules_json,
            "updated_at": utc(record.updated_at),
        }
        statement = self._insert(table).values(
            charger_id=record.charger_id, evse_id=record.evse_id, source=record.source, **values
        )
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.charger_id, table.c.evse_id, table.c.source], set_=values
        )
        async with unavailable("recording a charging limit"), self._engine.begin() as conn:
            await require_charger(conn, record.charger_id, lock=True)
            await conn.execute(statement)

    async def clear_charging_limit(self, charger_id: str, evse_id: int, source: str) -> bool:
        table = charging_limits
        statement = delete(table).where(
            table.c.charger_id == charger_id, table.c.evse_id == evse_id, table.c.source == source
        )
        async with unavailable("clearing a charging limit"), self._engine.begin() as conn:
            result = await conn.execute(statement)
        return bool(result.rowcount)

    async def charging_limits(self, charger_id: str) -> builtins.list[ChargingLimitRecord]:
        table = charging_limits
        query = select(table).where(table.c.charger_id == charger_id)
        async with unavailable("listing charging limits"), self._reader.connect() as conn:
            rows = (await conn.execute(query)).all()
        records = [
            ChargingLimitRecord(
                charger_id=row.charger_id,
                evse_id=row.evse_id,
                source=row.source,
                is_grid_critical=row.is_grid_critical,
                schedules_json=row.schedules,
                updated_at=row.updated_at,
            )
            for row in rows
        ]
        records.sort(key=lambda r: (r.evse_id, r.source))
        return records

    async def set_ev_charging_needs(self, record: EVChargingNeedsRecord) -> None:
        table = ev_charging_needs
        values = {
            "requested_energy_transfer": record.requested_energy_transfer,
            "departure_time": (
                utc(record.departure_time) if record.departure_time is not None else None
            ),
            "max_schedule_tuples": record.max_schedule_tuples,
            "needs": record.needs_json,
            "status": record.status,
            "received_at": utc(record.received_at),
        }
        statement = self._insert(table).values(
            charger_id=record.charger_id, evse_id=record.evse_id, **values
        )
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.charger_id, table.c.evse_id], set_=values
        )
        async with unavailable("recording EV charging needs"), self._engine.begin() as conn:
            await require_charger(conn, record.charger_id, lock=True)
            await conn.execute(statement)

    async def ev_charging_needs(
        self, charger_id: str, evse_id: int | None = None
    ) -> builtins.list[EVChargingNeedsRecord]:
        table = ev_charging_needs
        query = select(table).where(table.c.charger_id == charger_id).order_by(table.c.evse_id)
        if evse_id is not None:
            query = query.where(table.c.evse_id == evse_id)
        async with unavailable("listing EV charging needs"), self._reader.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [
            EVChargingNeedsRecord(
                charger_id=row.charger_id,
                evse_id=row.evse_id,
                requested_energy_transfer=row.requested_energy_transfer,
                departure_time=row.departure_time,
                max_schedule_tuples=row.max_schedule_tuples,
                needs_json=row.needs,
                status=row.status,
                received_at=row.received_at,
            )
            for row in rows
        ]

    async def profiles_requested(
        self, charger_id: str, request_id: int, *, status: str, complete: bool, at: datetime
    ) -> None:
        table = charging_profile_reports
        record = replace(_report(charger_id, request_id, utc(at)), status=status, complete=complete)
        async with unavailable("recording a profile request"), self._engine.begin() as conn:
            await require_charger(conn, charger_id, lock=True)
            # Its reported profiles go with it (ON DELETE CASCADE).
            await conn.execute(
                delete(table).where(
                    table.c.charger_id == charger_id, table.c.request_id == request_id
                )
            )
            await conn.execute(insert(table).values(**_report_values(record)))

    async def profiles_answered(
        self, charger_id: str, request_id: int, *, status: str, at: datetime
    ) -> None:
        table = charging_profile_reports
        key = (table.c.charger_id == charger_id, table.c.request_id == request_id)
        at = utc(at)
        async with (
            unavailable("recording a profile request's answer"),
            self._engine.begin() as conn,
        ):
            await require_charger(conn, charger_id, lock=True)
            row = (await conn.execute(select(table.c.complete).where(*key))).first()
            if row is None:
                record = replace(
                    _report(charger_id, request_id, at),
                    status=status,
                    complete=status != "Accepted",
                )
                await conn.execute(insert(table).values(**_report_values(record)))
                return
            await conn.execute(
                update(table)
                .where(*key)
                .values(
                    status=status,
                    complete=bool(row.complete) or status != "Accepted",
                    updated_at=at,
                )
            )

    async def profiles_reported(
        self,
        charger_id: str,
        request_id: int,
        *,
        evse_id: int,
        source: str,
        profiles: Sequence[tuple[int, str]],
        tbc: bool,
        at: datetime,
    ) -> None:
        reports = charging_profile_reports
        key = (reports.c.charger_id == charger_id, reports.c.request_id == request_id)
        at = utc(at)
        rows = [
            {
                "charger_id": charger_id,
                "request_id": request_id,
                "evse_id": evse_id,
                "source": source,
                "charging_profile_id": profile_id,
                "profile": profile,
                "received_at": at,
            }
            for profile_id, profile in dict(profiles).items()
        ]
        async with unavailable("recording reported profiles"), self._engine.begin() as conn:
            await require_charger(conn, charger_id, lock=True)
            row = (await conn.execute(select(reports).where(*key))).first()
            if row is None:
                record = replace(_report(charger_id, request_id, at), complete=not tbc)
                await conn.execute(insert(reports).values(**_report_values(record)))
            else:
                # A part after the last one (parts out of order) does not reopen it.
                complete = row.complete or not tbc
                await conn.execute(
                    update(reports).where(*key).values(complete=complete, updated_at=at)
                )
            if rows:
                table = reported_profiles
                statement = self._insert(table).values(rows)
                statement = statement.on_conflict_do_update(
                    index_elements=[
                        table.c.charger_id,
                        table.c.request_id,
                        table.c.evse_id,
                        table.c.source,
                        table.c.charging_profile_id,
                    ],
                    set_={
                        "profile": statement.excluded.profile,
                        "received_at": statement.excluded.received_at,
                    },
                )
                await conn.execute(statement)

    async def profile_report(
        self, charger_id: str, request_id: int | None = None
    ) -> tuple[ChargingProfileReportRecord, builtins.list[ReportedProfileRecord]] | None:
        reports = charging_profile_reports
        query = select(reports).where(reports.c.charger_id == charger_id)
        if request_id is not None:
            query = query.where(reports.c.request_id == request_id)
        else:
            query = query.order_by(reports.c.created_at.desc(), reports.c.request_id.desc())
        table = reported_profiles
        async with unavailable("reading reported profiles"), self._reader.connect() as conn:
            row = (await conn.execute(query.limit(1))).first()
            if row is None:
                return None
            profile_rows = (
                await conn.execute(
                    select(table).where(
                        table.c.charger_id == charger_id, table.c.request_id == row.request_id
                    )
                )
            ).all()
        profiles = [
            ReportedProfileRecord(
                evse_id=p.evse_id,
                source=p.source,
                charging_profile_id=p.charging_profile_id,
                profile_json=p.profile,
                received_at=p.received_at,
            )
            for p in profile_rows
        ]
        profiles.sort(key=_profile_order)
        return _report_record(row), profiles


def _report_values(record: ChargingProfileReportRecord) -> dict[str, Any]:
    return {
        "charger_id": record.charger_id,
        "request_id": record.request_id,
        "status": record.status,
        "complete": record.complete,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
    }


def _report_record(row: Row[Any]) -> ChargingProfileReportRecord:
    return ChargingProfileReportRecord(
        charger_id=row.charger_id,
        request_id=row.request_id,
        status=row.status,
        complete=row.complete,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
