"""The SQL charger store: PostgreSQL (asyncpg) or SQLite (aiosqlite).

Registrations and boots are group-committed (``_group``); heartbeats and connector
statuses are written behind (``_write_behind``). See
docs/adr/0005-persistence-and-write-behind.md.
"""

from __future__ import annotations

import builtins
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Self

from sqlalchemy import ColumnElement, Row, case, exists, not_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ._chargers import (
    MAX_BOOT_STATUS_LENGTH,
    BootInfo,
    ChargerAdmission,
    ChargerRecord,
    ConnectorRecord,
    check_charger_changes,
    check_device_status,
    check_local_list_version,
    check_ocpp_version,
    check_registration_status,
    exists_message,
)
from ._common import check_charger_id, check_page_size, decode_page_token, encode_page_token, utc
from ._engine import create_engine
from ._engine import migrate as migrate_engine
from ._errors import AlreadyExists, NotFound, StoreDataError
from ._group import GroupCommit
from ._schema import chargers, connectors, locations
from ._sqlbase import charger_not_found, unavailable
from ._write_behind import WriteBehind

__all__ = ["SqlChargerStore"]


#: Columns a BootNotification sets (besides last_seen_at, which only moves forward).
_BOOT_IDENTITY = (
    "vendor",
    "model",
    "serial_number",
    "firmware_version",
    "ocpp_version",
    "boot_status",
    "last_boot_at",
)


class SqlChargerStore(WriteBehind):
    """``ChargerStore`` on PostgreSQL or SQLite; make one with ``await SqlChargerStore.open``."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        flush_interval: float,
        max_buffered: int,
        flush_timeout: float,
    ) -> None:
        super().__init__(
            engine,
            flush_interval=flush_interval,
            max_buffered=max_buffered,
            flush_timeout=flush_timeout,
        )
        # Registrations and boots arrive in storms (a node restart): group-commit them.
        self._registrations: GroupCommit[dict[str, Any], None] = GroupCommit(
            self._write_registrations, on_rejected=self._registration_rejected
        )
        self._boots: GroupCommit[dict[str, Any], None] = GroupCommit(
            self._write_boots, on_rejected=self._boot_rejected
        )
        # Every handshake reads its charger's admission row: a reconnect storm reads them
        # in batches (one SELECT ... IN per batch) instead of one round trip each.
        self._admissions: GroupCommit[str, dict[str, ChargerAdmission]] = GroupCommit(
            self._read_admissions
        )

    @classmethod
    async def open(
        cls,
        url: str,
        *,
        migrate: bool = True,
        flush_interval: float = 0.2,
        max_buffered: int = 5000,
        flush_timeout: float = 10.0,
        busy_timeout: float = 5.0,
    ) -> Self:
        """Connect to ``url``, apply migrations unless ``migrate=False``, start the flusher.

        ``flush_timeout`` bounds one flush transaction; ``busy_timeout`` is how long
        SQLite waits for its write lock.
        """
        engine = create_engine(url, busy_timeout=busy_timeout)
        try:
            if migrate:
                async with unavailable("applying migrations"):
                    await migrate_engine(engine)
            store = cls(
                engine,
                flush_interval=flush_interval,
                max_buffered=max_buffered,
                flush_timeout=flush_timeout,
            )
        except BaseException:
            await engine.dispose()
            raise
        store._start_flusher()
        return store

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def is_known(self, charger_id: str) -> bool:
        async with unavailable("reading a charger"), self._reader.connect() as conn:
            found = await conn.scalar(select(chargers.c.id).where(chargers.c.id == charger_id))
        return found is not None

    async def register(
        self,
        charger_id: str,
        ocpp_version: str,
        at: datetime,
        *,
        registration_status: str = "Accepted",
    ) -> None:
        self._check_open()
        await self._registrations.submit(
            {
                "id": check_charger_id(charger_id),
                "ocpp_version": check_ocpp_version(ocpp_version),
                "registered_at": utc(at),
                "registration_status": check_registration_status(registration_status),
            }
        )

    async def _write_registrations(self, rows: builtins.list[dict[str, Any]]) -> None:
        unique = builtins.list({row["id"]: row for row in rows}.values())
        statement = self._insert(chargers).on_conflict_do_nothing(index_elements=[chargers.c.id])
        async with unavailable("registering chargers"), self._engine.begin() as conn:
            await conn.execute(statement, unique)

    async def admission(self, charger_id: str) -> ChargerAdmission | None:
        self._check_open()
        found = await self._admissions.submit(charger_id)
        return found.get(charger_id)

    async def _read_admissions(self, ids: builtins.list[str]) -> dict[str, ChargerAdmission]:
        query = select(
            chargers.c.id,
            chargers.c.security_profile,
            chargers.c.registration_status,
            chargers.c.retired_at,
            chargers.c.password_hash,
            chargers.c.new_password_hash,
        ).where(self._in(chargers.c.id, ids))
        async with unavailable("reading chargers to admit"), self._reader.connect() as conn:
            rows = (await conn.execute(query)).all()
        return {
            row.id: ChargerAdmission(
                charger_id=row.id,
                security_profile=row.security_profile,
                registration_status=row.registration_status,
                retired=row.retired_at is not None,
                password_hash=row.password_hash,
                new_password_hash=row.new_password_hash,
            )
            for row in rows
        }

    async def create(
        self,
        charger_id: str,
        *,
        security_profile: int = 0,
        password_hash: str | None = None,
        description: str = "",
        location_id: str = "",
        registration_status: str = "Accepted",
        at: datetime,
    ) -> ChargerRecord:
        self._check_open()
        fields = check_charger_changes(
            {
                "security_profile": security_profile,
                "password_hash": password_hash,
                "description": description,
                "location_id": location_id,
                "registration_status": registration_status,
            }
        )
        statement = (
            self._insert(chargers)
            .values(
                id=check_charger_id(charger_id),
                # The version it speaks is learnt when it boots; the column needs one until then.
                ocpp_version="1.6",
                registered_at=utc(at),
                **_columns(fields),
            )
            .on_conflict_do_nothing(index_elements=[chargers.c.id])
        )
        async with unavailable("creating a charger"), self._engine.begin() as conn:
            await self._check_location(conn, fields["location_id"])
            if (await conn.execute(statement)).rowcount == 0:
                retired = await conn.scalar(
                    select(chargers.c.retired_at).where(chargers.c.id == charger_id)
                )
                raise AlreadyExists(exists_message(charger_id, retired is not None))
            return await self._must_get(conn, charger_id)

    async def update(self, charger_id: str, *, at: datetime, **changes: Any) -> ChargerRecord:
        self._check_open()
        utc(at)
        fields = check_charger_changes(changes)
        await self.flush()  # the record read back shows buffered statuses
        async with unavailable("updating a charger"), self._engine.begin() as conn:
            if "location_id" in fields:
                await self._check_location(conn, fields["location_id"])
            if fields:
                statement = (
                    update(chargers).where(chargers.c.id == charger_id).values(_columns(fields))
                )
                if (await conn.execute(statement)).rowcount == 0:
                    raise charger_not_found(charger_id)
            return await self._must_get(conn, charger_id)

    async def retire(self, charger_id: str, at: datetime) -> ChargerRecord:
        self._check_open()
        statement = (
            update(chargers)
            .where(chargers.c.id == charger_id, chargers.c.retired_at.is_(None))
            .values(retired_at=utc(at))
        )
        await self.flush()  # the record read back shows buffered statuses
        async with unavailable("retiring a charger"), self._engine.begin() as conn:
            await conn.execute(statement)  # already retired: it keeps its first retired_at
            return await self._must_get(conn, charger_id)

    async def restore(self, charger_id: str, at: datetime) -> ChargerRecord:
        self._check_open()
        utc(at)
        statement = update(chargers).where(chargers.c.id == charger_id).values(retired_at=None)
        await self.flush()  # the record read back shows buffered statuses
        async with unavailable("restoring a charger"), self._engine.begin() as conn:
            await conn.execute(statement)
            return await self._must_get(conn, charger_id)

    async def _check_location(self, conn: AsyncConnection, location_id: str | None) -> None:
        if not location_id:
            return
        found = await conn.scalar(select(locations.c.id).where(locations.c.id == location_id))
        if found is None:
            raise NotFound(f"location {location_id!r} does not exist")

    async def _must_get(self, conn: AsyncConnection, charger_id: str) -> ChargerRecord:
        rows = (await conn.execute(select(chargers).where(chargers.c.id == charger_id))).all()
        if not rows:
            raise charger_not_found(charger_id)
        by_charger = await self._connectors_of(conn, [charger_id])
        return _charger_record(rows[0], by_charger.get(charger_id, ()))

    async def record_boot(self, charger_id: str, boot: BootInfo, status: str, at: datetime) -> None:
        self._check_open()
        at = utc(at)
        if not status or len(status) > MAX_BOOT_STATUS_LENGTH:
            raise ValueError(f"boot status must be 1..{MAX_BOOT_STATUS_LENGTH} characters")
        await self._boots.submit(
            {
                "id": check_charger_id(charger_id),
                "registered_at": at,
                "last_seen_at": at,
                "vendor": boot.vendor,
                "model": boot.model,
                "serial_number": boot.serial_number,
                "firmware_version": boot.firmware_version,
                "ocpp_version": check_ocpp_version(boot.ocpp_version),
                "boot_status": status,
                "last_boot_at": at,
            }
        )

    async def _write_boots(self, rows: builtins.list[dict[str, Any]]) -> None:
        unique = builtins.list({row["id"]: row for row in rows}.values())  # the latest wins
        insert = self._insert(chargers)
        statement = insert.on_conflict_do_update(
            index_elements=[chargers.c.id],
            set_={
                **{name: insert.excluded[name] for name in _BOOT_IDENTITY},
                "last_seen_at": _later(chargers.c.last_seen_at, insert.excluded.last_seen_at),
            },
        )
        async with unavailable("recording boots"), self._engine.begin() as conn:
            await conn.execute(statement, unique)

    async def get(self, charger_id: str) -> ChargerRecord | None:
        await self.flush()
        async with unavailable("reading a charger"), self._reader.connect() as conn:
            rows = (await conn.execute(select(chargers).where(chargers.c.id == charger_id))).all()
            if not rows:
                return None
            by_charger = await self._connectors_of(conn, [charger_id])
        return _charger_record(rows[0], by_charger.get(charger_id, ()))

    async def list(
        self,
        *,
        page_size: int,
        page_token: str = "",
        status: str | None = None,
        only_ids: Collection[str] | None = None,
        exclude_ids: Collection[str] | None = None,
        location_id: str | None = None,
        retired: bool | None = None,
    ) -> tuple[builtins.list[ChargerRecord], str]:
        check_page_size(page_size)
        after = decode_page_token(page_token, status) if page_token else None
        if only_ids is not None and not only_ids:
            return [], ""
        query = select(chargers).order_by(chargers.c.id).limit(page_size + 1)
        if retired is not None:
            column = chargers.c.retired_at
            query = query.where(column.is_not(None) if retired else column.is_(None))
        if after is not None:
            query = query.where(chargers.c.id > after)
        if status is not None:
            query = query.where(
                exists().where(
                    connectors.c.charger_id == chargers.c.id, connectors.c.status == status
                )
            )
        if only_ids is not None:
            query = query.where(self._in(chargers.c.id, only_ids))
        if exclude_ids:
            query = query.where(not_(self._in(chargers.c.id, exclude_ids)))
        if location_id is not None:
            # "" keeps the chargers assigned to no location.
            query = query.where(
                chargers.c.location_id == location_id
                if location_id
                else chargers.c.location_id.is_(None)
            )
        await self.flush()
        async with unavailable("listing chargers"), self._reader.connect() as conn:
            rows = (await conn.execute(query)).all()
            page = rows[:page_size]
            by_charger = await self._connectors_of(conn, [row.id for row in page])
        records = [_charger_record(row, by_charger.get(row.id, ())) for row in page]
        token = encode_page_token(page[-1].id, status) if len(rows) > page_size else ""
        return records, token

    async def set_firmware_status(self, charger_id: str, status: str, at: datetime) -> None:
        await self._set_device_status("firmware_status", charger_id, status, at)

    async def set_diagnostics_status(self, charger_id: str, status: str, at: datetime) -> None:
        await self._set_device_status("diagnostics_status", charger_id, status, at)

    async def set_log_status(self, charger_id: str, status: str, at: datetime) -> None:
        await self._set_device_status("log_status", charger_id, status, at)

    async def set_local_list_version(self, charger_id: str, version: int, at: datetime) -> None:
        self._check_open()
        utc(at)
        statement = (
            update(chargers)
            .where(chargers.c.id == check_charger_id(charger_id))
            .values(local_list_version=check_local_list_version(version))
        )
        async with unavailable("recording a local list version"), self._engine.begin() as conn:
            await conn.execute(statement)  # an unknown charger matches no row

    async def _set_device_status(
        self, column: str, charger_id: str, status: str, at: datetime
    ) -> None:
        self._check_open()
        statement = (
            update(chargers)
            .where(chargers.c.id == check_charger_id(charger_id))
            .values({column: check_device_status(status), "status_updated_at": utc(at)})
        )
        async with unavailable(f"recording a {column}"), self._engine.begin() as conn:
            await conn.execute(statement)  # an unknown charger matches no row

    async def _connectors_of(
        self, conn: AsyncConnection, charger_ids: Sequence[str]
    ) -> dict[str, builtins.list[ConnectorRecord]]:
        if not charger_ids:
            return {}
        query = (
            select(connectors)
            .where(self._in(connectors.c.charger_id, charger_ids))
            .order_by(connectors.c.charger_id, connectors.c.evse_id, connectors.c.connector_id)
        )
        by_charger: dict[str, builtins.list[ConnectorRecord]] = {}
        for row in await conn.execute(query):
            by_charger.setdefault(row.charger_id, []).append(
                ConnectorRecord(
                    evse_id=row.evse_id,
                    connector_id=row.connector_id,
                    status=row.status,
                    error_code=row.error_code,
                    info=row.info,
                    vendor_error_code=row.vendor_error_code,
                    updated_at=row.updated_at,
                )
            )
        return by_charger

    async def _boot_rejected(self, row: dict[str, Any], error: StoreDataError) -> None:
        await self._record_rejected(row["id"], "rejected-boot", row, error)

    async def _registration_rejected(self, row: dict[str, Any], error: StoreDataError) -> None:
        await self._record_rejected(row["id"], "rejected-registration", row, error)

    async def aclose(self) -> None:
        """Stop the flusher, flush what is left, dispose the engine; idempotent.

        Raises StoreUnavailable if the last flush failed (those writes are lost, logged).
        """
        if self._closed:
            return
        self._stop_flusher()
        await self._registrations.aclose()
        await self._boots.aclose()
        await self._admissions.aclose()
        await self._close_writes()


def _later(current: ColumnElement[datetime], new: ColumnElement[datetime]) -> Any:
    """SQL for "the later of two timestamps, NULL counting as the earliest"."""
    return case((or_(current.is_(None), current < new), new), else_=current)


def _charger_record(row: Row[Any], connector_records: Iterable[ConnectorRecord]) -> ChargerRecord:
    return ChargerRecord(
        charger_id=row.id,
        vendor=row.vendor,
        model=row.model,
        serial_number=row.serial_number,
        firmware_version=row.firmware_version,
        ocpp_version=row.ocpp_version,
        boot_status=row.boot_status,
        registered_at=row.registered_at,
        last_boot_at=row.last_boot_at,
        last_seen_at=row.last_seen_at,
        connectors=tuple(connector_records),
        firmware_status=row.firmware_status,
        diagnostics_status=row.diagnostics_status,
        log_status=row.log_status,
        status_updated_at=row.status_updated_at,
        local_list_version=row.local_list_version,
        location_id=row.location_id or "",
        security_profile=row.security_profile,
        registration_status=row.registration_status,
        description=row.description,
        has_password=row.password_hash is not None,
        password_rotation_pending=row.new_password_hash is not None,
        retired_at=row.retired_at,
    )


def _columns(fields: dict[str, Any]) -> dict[str, Any]:
    """Checked changes as column values ("" location = NULL, the column's "none")."""
    if "location_id" in fields:
        fields = {**fields, "location_id": fields["location_id"] or None}
    if "password_hash" in fields:
        # An operator-set password replaces any rotation in progress.
        fields = {**fields, "new_password_hash": None}
    return fields
