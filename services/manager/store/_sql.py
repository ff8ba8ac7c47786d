"""The SQL charger store: PostgreSQL (asyncpg) or SQLite (aiosqlite), with write-behind.

Heartbeats and status notifications arrive in bursts and only the latest value per key
matters, so ``touch`` and ``set_connector_status`` go to a ``WriteBuffer`` (no I/O) and a
flusher task writes the buffer every ``flush_interval`` seconds, or as soon as
``max_buffered`` keys are pending, in one transaction of a few bulk statements. See
docs/adr/0005-persistence-and-write-behind.md.
"""

from __future__ import annotations

import asyncio
import builtins
import json
import logging
from collections.abc import AsyncIterator, Collection, Iterable, Sequence
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

from sqlalchemy import (
    ColumnElement,
    Row,
    bindparam,
    case,
    exists,
    func,
    not_,
    or_,
    select,
    update,
)
from sqlalchemy.exc import DataError as SqlDataError
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.exc import IntegrityError as SqlIntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ._buffer import PendingStatus, PendingWrites, StatusKey, WriteBuffer
from ._common import (
    check_charger_id,
    check_ocpp_version,
    check_page_size,
    decode_page_token,
    encode_page_token,
    is_plausible_connector,
    utc,
)
from ._engine import create_engine
from ._engine import migrate as migrate_engine
from ._errors import AlreadyExists, NotFound, StoreDataError, StoreUnavailable
from ._fleet_common import check_device_status, check_local_list_version
from ._group import GroupCommit
from ._lifecycle import check_charger_changes, check_registration_status, exists_message
from ._records import BootInfo, ChargerAdmission, ChargerRecord, ConnectorRecord
from ._schema import chargers, connectors, locations, transaction_anomalies
from ._sqlbase import SqlStoreBase, charger_not_found

__all__ = ["SqlChargerStore"]

logger = logging.getLogger(__name__)

#: The buffer holds at most ``max_buffered * BACKLOG_FACTOR`` keys while the database is
#: unreachable; beyond that the oldest written values are dropped (and logged).
BACKLOG_FACTOR = 4
#: Longest wait between flush attempts while the database keeps failing.
MAX_RETRY_DELAY = 5.0
#: Longest values of the short columns (longer input is a caller bug: ValueError).
MAX_STATUS_LENGTH = 32
MAX_BOOT_STATUS_LENGTH = 16

_UNAVAILABLE = (DBAPIError, OSError, TimeoutError)
#: SQLSTATE classes of values the database refuses: 22 data exception (NUL in text,
#: out-of-range number, bad encoding), 23 integrity constraint violation.
_DATA_SQLSTATE_CLASSES = frozenset({"22", "23"})
#: Raised by drivers for a value they cannot send (asyncpg's client-side DataError is a
#: ValueError; sqlite3 raises OverflowError for an integer beyond 64 bits).
BAD_VALUE = (ValueError, TypeError, OverflowError)

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


class WriteBehind(SqlStoreBase):
    """The write-behind half of ``SqlChargerStore``: heartbeats and connector statuses go
    to a ``WriteBuffer`` and a flusher task writes them in bulk (see the module docstring)."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        flush_interval: float,
        max_buffered: int,
        flush_timeout: float,
    ) -> None:
        if flush_interval <= 0 or flush_timeout <= 0:
            raise ValueError("flush_interval and flush_timeout must be positive")
        if max_buffered < 1:
            raise ValueError(f"max_buffered must be positive, got {max_buffered}")
        super().__init__(engine)
        self._flush_interval = flush_interval
        self._flush_timeout = flush_timeout
        self._max_buffered = max_buffered
        self._buffer = WriteBuffer(limit=max_buffered * BACKLOG_FACTOR)
        #: Values dropped from the buffer that have been logged already.
        self._dropped_reported = 0
        #: Buffered writes the database refused (see ``rejected``).
        self._rejected = 0
        #: Statuses for connectors far beyond those reported (see ``phantoms``).
        self._phantoms = 0
        #: One flush at a time: the flusher, reads and aclose all go through it.
        self._flush_lock = asyncio.Lock()
        #: Set when ``max_buffered`` keys are pending (or by aclose): the flusher runs at once.
        self._wake = asyncio.Event()
        #: Set by ``aclose``: the flusher finishes its current flush and returns.
        self._stop = asyncio.Event()
        self._flusher: asyncio.Task[None] | None = None
        self._closed = False

    def _start_flusher(self) -> None:
        self._flusher = asyncio.create_task(self._flush_forever(), name="charger-store-flusher")

    @property
    def pending(self) -> int:
        """How many keys are buffered and not yet written."""
        return len(self._buffer)

    @property
    def phantoms(self) -> int:
        """How many statuses named a connector far beyond those its charger reported: each
        was recorded as an anomaly instead of creating a connector (ADR 0010)."""
        return self._phantoms

    @property
    def rejected(self) -> int:
        """How many buffered writes the database refused (bad values), each set aside alone."""
        return self._rejected

    @property
    def dropped(self) -> int:
        """How many buffered values were dropped because the database stayed unavailable."""
        return self._buffer.dropped

    def touch(self, charger_id: str, at: datetime) -> None:
        self._check_open()
        self._buffer.touch(check_charger_id(charger_id), utc(at))
        self._after_buffering()

    def set_connector_status(
        self,
        charger_id: str,
        evse_id: int,
        connector_id: int,
        status: str,
        error_code: str,
        info: str,
        vendor_error_code: str,
        at: datetime,
    ) -> None:
        self._check_open()
        if not status or len(status) > MAX_STATUS_LENGTH:
            raise ValueError(f"connector status must be 1..{MAX_STATUS_LENGTH} characters")
        self._buffer.set_status(
            (check_charger_id(charger_id), evse_id, connector_id),
            PendingStatus(status, error_code, info, vendor_error_code, utc(at)),
        )
        self._after_buffering()

    async def flush(self) -> None:
        """Write everything buffered in one transaction; StoreUnavailable keeps the values."""
        if not self._buffer and not self._flush_lock.locked():
            return
        async with self._flush_lock:
            if not self._buffer:
                return
            # A part the database refuses a value of is split in halves until the bad
            # rows stand alone: they are rejected, every other row commits (ADR 0010).
            parts = [self._buffer.take()]
            while parts:
                part = parts.pop()
                try:
                    async with (
                        unavailable(f"flushing {len(part)} buffered writes"),
                        asyncio.timeout(self._flush_timeout),
                    ):
                        try:
                            await self._write(part)
                        except BAD_VALUE as exc:
                            raise StoreDataError(f"a value could not be sent: {exc}") from exc
                except StoreDataError as exc:
                    if len(part) > 1:
                        parts.extend(_halves(part))
                    else:
                        await self._reject(part, exc)
                except BaseException:
                    # Failed, timed out or cancelled: keep the values for the next flush.
                    # (If the commit went through after all, writing them again is harmless.)
                    for unwritten in (part, *parts):
                        self._buffer.restore(unwritten)
                    raise

    async def _record_rejected(
        self, charger_id: str, kind: str, row: dict[str, Any], error: StoreDataError
    ) -> None:
        """Record a write the database refused in ``transaction_anomalies`` (as JSON, so it
        always fits); a failure to record it is logged, never raised."""
        payload = json.dumps({**row, "error": str(error)}, ensure_ascii=True, default=str)
        try:
            async with unavailable("recording a rejected write"), self._engine.begin() as conn:
                await conn.execute(
                    transaction_anomalies.insert().values(
                        charger_id=charger_id,
                        kind=kind,
                        transaction_id=None,
                        payload=payload,
                        received_at=datetime.now(UTC),
                    )
                )
        except (StoreDataError, StoreUnavailable) as exc:
            # Never raised: the flush that rejected the row must go on with the others.
            logger.error("could not record the rejected write as an anomaly: %s", exc)

    async def _reject(self, part: PendingWrites, error: StoreDataError) -> None:
        """Set aside one buffered write the database refused: count it, log it, and record it
        as an anomaly (best effort: the anomaly's payload is JSON, so it always fits)."""
        self._rejected += 1
        row: dict[str, Any]
        if part.statuses:
            (charger_id, evse_id, connector_id), value = next(iter(part.statuses.items()))
            kind = "rejected-connector-status"
            row = {
                "evseId": evse_id,
                "connectorId": connector_id,
                "status": value.status,
                "errorCode": value.error_code,
                "info": value.info,
                "vendorErrorCode": value.vendor_error_code,
                "timestamp": value.at.isoformat(),
            }
        else:
            charger_id, seen_at = next(iter(part.seen.items()))
            kind, row = "rejected-heartbeat", {"timestamp": seen_at.isoformat()}
        logger.error(
            "rejected a buffered write of charger %r the database refused (%s): %s",
            charger_id,
            kind,
            error,
        )
        await self._record_rejected(charger_id, kind, row, error)

    async def _write(self, taken: PendingWrites) -> None:
        async with self._engine.begin() as conn:
            statuses = taken.statuses
            if statuses:
                wanted = {charger_id for charger_id, _, _ in statuses}
                # The known chargers, each with the highest connector id of each of its
                # EVSEs: a status far beyond them creates no phantom connector (ADR 0010).
                layouts: dict[str, dict[int, int]] = {}
                for charger_id, evse_id, highest in await conn.execute(
                    select(chargers.c.id, connectors.c.evse_id, func.max(connectors.c.connector_id))
                    .select_from(
                        chargers.outerjoin(connectors, connectors.c.charger_id == chargers.c.id)
                    )
                    .where(self._in(chargers.c.id, wanted))
                    .group_by(chargers.c.id, connectors.c.evse_id)
                ):
                    layout = layouts.setdefault(charger_id, {})
                    if evse_id is not None:
                        layout[evse_id] = highest
                known = set(layouts)
                phantoms = [
                    key
                    for key in sorted(key for key in statuses if key[0] in known)
                    if not is_plausible_connector(layouts[key[0]], key[1], key[2])
                ]
                if phantoms:
                    await self._record_phantoms(conn, phantoms, statuses)
                skipped = set(phantoms)
                if unknown := wanted - known:
                    logger.warning(
                        "dropped connector statuses of %d unknown chargers (e.g. %s)",
                        len(unknown),
                        ", ".join(sorted(unknown)[:5]),
                    )
                rows = [
                    {
                        "charger_id": charger_id,
                        "evse_id": evse_id,
                        "connector_id": connector_id,
                        "status": value.status,
                        "error_code": value.error_code,
                        "info": value.info,
                        "vendor_error_code": value.vendor_error_code,
                        "updated_at": value.at,
                    }
                    for (charger_id, evse_id, connector_id), value in statuses.items()
                    if charger_id in known and (charger_id, evse_id, connector_id) not in skipped
                ]
                if rows:
                    insert = self._insert(connectors)
                    await conn.execute(
                        insert.on_conflict_do_update(
                            index_elements=connectors.primary_key.columns,
                            set_={
                                name: insert.excluded[name]
                                for name in (
                                    "status",
                                    "error_code",
                                    "info",
                                    "vendor_error_code",
                                    "updated_at",
                                )
                            },
                            where=connectors.c.updated_at <= insert.excluded.updated_at,
                        ),
                        rows,
                    )
            if taken.seen:
                # Rows of unknown chargers match nothing: nothing is written for them.
                await conn.execute(
                    update(chargers)
                    .where(
                        chargers.c.id == bindparam("charger_id"),
                        or_(
                            chargers.c.last_seen_at.is_(None),
                            chargers.c.last_seen_at < bindparam("at"),
                        ),
                    )
                    .values(last_seen_at=bindparam("at")),
                    [{"charger_id": cid, "at": at} for cid, at in taken.seen.items()],
                )

    async def _record_phantoms(
        self,
        conn: AsyncConnection,
        keys: builtins.list[StatusKey],
        statuses: dict[StatusKey, PendingStatus],
    ) -> None:
        """Record statuses for connectors far beyond what their chargers reported as
        anomalies (in the flush's transaction), instead of creating phantom connectors."""
        self._phantoms += len(keys)
        logger.warning(
            "recorded %d statuses for connectors their chargers never reported as anomalies "
            "instead of creating connectors (e.g. charger %r EVSE %d connector %d)",
            len(keys),
            *keys[0],
        )
        now = datetime.now(UTC)
        await conn.execute(
            transaction_anomalies.insert(),
            [
                {
                    "charger_id": charger_id,
                    "kind": "status-for-unreported-connector",
                    "transaction_id": None,
                    "payload": json.dumps(
                        {
                            "evseId": evse_id,
                            "connectorId": connector_id,
                            "status": statuses[key].status,
                            "errorCode": statuses[key].error_code,
                            "timestamp": statuses[key].at.isoformat(),
                        },
                        ensure_ascii=True,
                    ),
                    "received_at": now,
                }
                for key in keys
                for charger_id, evse_id, connector_id in (key,)
            ],
        )

    def _after_buffering(self) -> None:
        if len(self._buffer) >= self._max_buffered:
            self._wake.set()

    async def _flush_forever(self) -> None:
        """The flusher: every ``flush_interval`` or when woken; backs off while failing."""
        failures = 0
        while True:
            if failures:
                # Retry later whatever the buffer does; only aclose cuts the wait short.
                delay = min(self._flush_interval * 2**failures, MAX_RETRY_DELAY)
                await _wait(self._stop, delay)
            else:
                await _wait(self._wake, self._flush_interval)  # aclose sets it too
            if self._stop.is_set():
                return
            self._wake.clear()
            try:
                await self.flush()
            except StoreUnavailable as exc:
                failures += 1
                logger.error("%s; %d keys kept for the next attempt", exc, len(self._buffer))
            else:
                failures = 0
            self._report_dropped()

    def _report_dropped(self) -> None:
        dropped = self._buffer.dropped
        if dropped > self._dropped_reported:
            logger.error(
                "the database stayed unavailable: dropped %d buffered writes (oldest first) "
                "to keep at most %d pending",
                dropped - self._dropped_reported,
                self._buffer.limit,
            )
            self._dropped_reported = dropped

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("the charger store is closed")
        if self._flusher is not None and self._flusher.done():
            raise RuntimeError("the charger store's flusher has stopped") from (
                None if self._flusher.cancelled() else self._flusher.exception()
            )

    def _stop_flusher(self) -> None:
        """The first step of closing: refuse writes from now on and tell the flusher to end."""
        self._closed = True
        self._stop.set()
        self._wake.set()

    async def _close_writes(self) -> None:
        """Wait for the flusher, flush what is left, dispose the engine; StoreUnavailable if
        the last flush failed (those writes are lost, logged)."""
        try:
            if self._flusher is not None:
                await self._flusher  # it ends after its current flush, if any
            try:
                await self.flush()
            except StoreUnavailable:
                self._buffer.dropped += len(self._buffer)
                logger.error("closing: could not write %d buffered keys", len(self._buffer))
                raise
            finally:
                self._report_dropped()
        finally:
            if self._flusher is not None and not self._flusher.done():
                self._flusher.cancel()
                with suppress(asyncio.CancelledError):
                    await self._flusher
            await self._engine.dispose()


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


def _halves(part: PendingWrites) -> tuple[PendingWrites, PendingWrites]:
    """``part`` split in two of (nearly) equal size, write order kept."""
    items: list[tuple[str, Any, Any]] = [("seen", k, v) for k, v in part.seen.items()]
    items += [("status", k, v) for k, v in part.statuses.items()]
    middle = len(items) // 2
    first, second = PendingWrites(), PendingWrites()
    for index, (kind, key, value) in enumerate(items):
        target = first if index < middle else second
        if kind == "seen":
            target.seen[key] = value
        else:
            target.statuses[key] = value
    return first, second


async def _wait(event: asyncio.Event, seconds: float) -> None:
    """Until ``event`` is set or ``seconds`` pass."""
    with suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await event.wait()


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
