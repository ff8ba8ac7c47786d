"""Write-behind of the charger store: heartbeats and connector statuses, flushed in bulk.

Heartbeats and status notifications arrive in bursts and only the latest value per key
matters, so ``touch`` and ``set_connector_status`` go to a ``WriteBuffer`` (no I/O) and a
flusher task writes the buffer every ``flush_interval`` seconds, or as soon as
``max_buffered`` keys are pending, in one transaction of a few bulk statements. A value
the database refuses is set aside as an anomaly, never retried (ADR 0010). See
docs/adr/0005-persistence-and-write-behind.md.
"""

from __future__ import annotations

import asyncio
import builtins
import json
import logging
import time
from contextlib import suppress
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services import metrics

from ._buffer import PendingStatus, PendingWrites, StatusKey, WriteBuffer
from ._chargers import MAX_STATUS_LENGTH
from ._common import check_charger_id, utc
from ._errors import StoreDataError, StoreUnavailable
from ._schema import chargers, connectors, transaction_anomalies
from ._sqlbase import BAD_VALUE, SqlStoreBase, unavailable

__all__ = [
    "BACKLOG_FACTOR",
    "MAX_RETRY_DELAY",
    "NEW_CONNECTOR_ALLOWANCE",
    "WriteBehind",
    "is_plausible_connector",
]

logger = logging.getLogger(__name__)


#: The buffer holds at most ``max_buffered * BACKLOG_FACTOR`` keys while the database is
#: unreachable; beyond that the oldest written values are dropped (and logged).
BACKLOG_FACTOR = 4


#: Longest wait between flush attempts while the database keeps failing.
MAX_RETRY_DELAY = 5.0


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
        metrics.watch_write_behind(self)  # pending and dropped, read at scrape time

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
            started = time.perf_counter()
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
            metrics.write_behind_flushed(time.perf_counter() - started)

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
                metrics.write_behind_flush_failed()
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
        metrics.forget_write_behind(self)

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


#: How far beyond the ids a charger has reported a new connector or EVSE id may be. A
#: status for an id further out (connector 99 of a one-connector charger) creates no
#: phantom connector: the store records it as an anomaly instead (ADR 0010). Chargers
#: report their connectors in order at boot, so real ones are well within it.
NEW_CONNECTOR_ALLOWANCE = 4


def is_plausible_connector(layout: dict[int, int], evse_id: int, connector_id: int) -> bool:
    """Whether a status for (evse_id, connector_id) may create or update a connector, given
    ``layout`` (EVSE id -> highest connector id reported on it); updates ``layout`` if so.

    Known connectors always pass; a new one passes if its EVSE id is at most the highest
    known EVSE id + NEW_CONNECTOR_ALLOWANCE and its connector id at most the highest on
    that EVSE (0 for a new EVSE) + NEW_CONNECTOR_ALLOWANCE.
    """
    on_evse = layout.get(evse_id)
    if on_evse is not None and connector_id <= on_evse:
        return True
    highest_evse = max(layout, default=0)
    if evse_id > highest_evse + NEW_CONNECTOR_ALLOWANCE:
        return False
    if connector_id > (on_evse or 0) + NEW_CONNECTOR_ALLOWANCE:
        return False
    layout[evse_id] = max(on_evse or 0, connector_id)
    return True


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
