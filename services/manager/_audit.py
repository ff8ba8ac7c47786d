"""The audit log's entry, the interface that takes entries, and the writer (`AuditLog`).

Who did what, when, to which charger, and the outcome: every command sent, every change to
chargers, id tags, tokens and security settings, and every refused login (operator or
charger). Callers hand an `AuditRecord` to an `AuditSink`, which never blocks and never
raises: auditing must not slow or fail the call it records.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from services.manager._context import Clock, utc_now
from services.manager.store import (
    AuditEntryRecord,
    AuditStore,
    StoreDataError,
    StoreUnavailable,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One audit entry (the columns of ``audit_log``)."""

    actor: str  # token name, "charger:<id>" for a charger's refused login, or "anonymous"
    action: str  # "ChargerService/Reset", "charger.login", ...
    outcome: str  # "OK" or a gRPC status code name ("PERMISSION_DENIED", ...)
    role: str = ""  # viewer | operator | admin | ""
    charger_id: str = ""
    target: str = ""  # other object concerned: id tag, token id, location
    detail: str = ""  # request summary without secrets, or the refusal's reason
    source: str = ""  # peer address
    at: datetime | None = None  # None = when the sink takes it


class AuditSink(Protocol):
    def record(self, entry: AuditRecord) -> None:
        """Take `entry` for writing; never blocks, never raises."""


class DiscardAudit:
    """An `AuditSink` that keeps nothing (unit tests of single handlers)."""

    def record(self, entry: AuditRecord) -> None:
        pass


def _aware(at: datetime) -> datetime:
    """``at``, taken as UTC when it has no time zone (a caller's slip must not cost the entry)."""
    return at if at.tzinfo is not None and at.utcoffset() is not None else at.replace(tzinfo=UTC)


class AuditLog:
    """The manager's `AuditSink`: a bounded queue in memory, written to the audit table
    in batches by a background task.

    ``record`` never waits and never raises. When ``max_pending`` entries are waiting (the
    database is down, or slower than the entries come), a new entry is dropped, counted in
    ``dropped``, and a warning names the count (at most one per ``warn_interval``): the
    log never loses entries silently. While the database is unavailable the writer keeps
    the batch it failed to write and retries every ``retry_interval`` seconds, so nothing
    that fits the bound is lost. ``aclose`` writes what is waiting (for at most
    ``close_timeout`` seconds; what is then still unwritten is counted and logged).

    Use as ``async with AuditLog(store) as audit`` or ``start()`` + ``aclose()``.
    """

    def __init__(
        self,
        store: AuditStore,
        *,
        clock: Clock = utc_now,
        max_pending: int = 10_000,
        batch_size: int = 500,
        flush_interval: float = 0.2,
        retry_interval: float = 1.0,
        close_timeout: float = 5.0,
        warn_interval: float = 10.0,
    ) -> None:
        if max_pending < 1 or batch_size < 1:
            raise ValueError("max_pending and batch_size must be positive")
        self._store = store
        self._clock = clock
        self.max_pending = max_pending
        self.batch_size = batch_size
        self.flush_interval = flush_interval
        self.retry_interval = retry_interval
        self.close_timeout = close_timeout
        self.warn_interval = warn_interval
        self._pending: deque[AuditEntryRecord] = deque()
        self._wake = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self._closed = False
        #: Entries dropped since the start (queue full, or recorded after close).
        self.dropped = 0
        #: Entries written to the table since the start.
        self.written = 0
        self._dropped_unreported = 0
        self._drop_reason = ""
        self._last_drop_warning = -float("inf")
        self._outage_logged = False

    @property
    def pending(self) -> int:
        """Entries taken and not yet written."""
        return len(self._pending)

    # --- AuditSink -------------------------------------------------------------------------

    def record(self, entry: AuditRecord) -> None:
        """Queue ``entry`` for writing; never blocks, never raises."""
        try:
            if self._closed or len(self._pending) >= self.max_pending:
                self._drop(
                    "the audit log is closed (the manager is stopping)"
                    if self._closed
                    else f"its queue is full ({len(self._pending)} waiting for the database, "
                    f"at most {self.max_pending}: AUDIT_QUEUE); the database is unavailable "
                    "or slower than the entries come"
                )
                return
            self._pending.append(
                AuditEntryRecord(
                    entry_id=0,
                    at=_aware(entry.at) if entry.at is not None else self._clock(),
                    actor=entry.actor,
                    role=entry.role,
                    action=entry.action,
                    charger_id=entry.charger_id,
                    target=entry.target,
                    outcome=entry.outcome,
                    detail=entry.detail,
                    source=entry.source,
                )
            )
            if len(self._pending) >= self.batch_size:
                self._wake.set()
        except Exception:  # auditing must never fail the call it records
            log.exception("could not queue an audit entry (%s %s)", entry.action, entry.outcome)

    def _drop(self, why: str) -> None:
        self.dropped += 1
        self._dropped_unreported += 1
        self._drop_reason = why
        self._report_drops()

    def _report_drops(self) -> None:
        """Warn of the entries dropped since the last warning, at most once per warn_interval."""
        now = time.monotonic()
        if self._dropped_unreported and now - self._last_drop_warning >= self.warn_interval:
            log.warning(
                "audit entries dropped: %d since the last warning (%d in all), because %s",
                self._dropped_unreported,
                self.dropped,
                self._drop_reason,
            )
            self._dropped_unreported = 0
            self._last_drop_warning = now

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_forever(), name="audit-writer")

    async def __aenter__(self) -> AuditLog:
        self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Write what is waiting (up to ``close_timeout``), then stop; idempotent."""
        if self._closed:
            return
        self._closed = True
        self._wake.set()
        writer = self._writer
        if writer is not None:
            try:
                async with asyncio.timeout(self.close_timeout):
                    await asyncio.shield(writer)
            except TimeoutError:
                writer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await writer
            except asyncio.CancelledError:
                writer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await writer
                raise
        if self._pending:
            self.dropped += len(self._pending)
            log.error(
                "%d audit entries could not be written before shutdown (the database did "
                "not take them within %.1f s) and are lost",
                len(self._pending),
                self.close_timeout,
            )
            self._pending.clear()
        if self._dropped_unreported:
            log.warning(
                "audit entries dropped: %d since the last warning (%d in all), because %s",
                self._dropped_unreported,
                self.dropped,
                self._drop_reason,
            )
            self._dropped_unreported = 0

    # --- the writer ------------------------------------------------------------------------

    async def _write_forever(self) -> None:
        while True:
            if not self._pending:
                if self._closed:
                    return
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.flush_interval):
                        await self._wake.wait()
                self._wake.clear()
                continue
            batch = list(itertools.islice(self._pending, self.batch_size))
            done = await self._write(batch)
            for _ in range(done):
                self._pending.popleft()
            self._report_drops()  # drops after the last warning are not left unsaid
            if done < len(batch):
                # The database is unavailable: keep the rest and retry after a pause.
                await asyncio.sleep(self.retry_interval)

    async def _write(self, batch: list[AuditEntryRecord]) -> int:
        """Write ``batch``; how many of its first entries are done with (written, or
        refused by the database and dropped). Fewer than all: the database is unavailable."""
        try:
            await self._store.append(batch)
            done = len(batch)
            self.written += done
        except StoreUnavailable as exc:
            self._outage(exc)
            return 0
        except Exception:  # StoreDataError, or a bug an entry triggers
            # One entry the database refuses (or that breaks the store) must not hold back
            # the others: write them one by one and drop (and log) only the failing ones.
            done = await self._write_one_by_one(batch)
        if done == len(batch) and self._outage_logged:
            log.info("audit entries are written again")
            self._outage_logged = False
        return done

    async def _write_one_by_one(self, batch: list[AuditEntryRecord]) -> int:
        for done, entry in enumerate(batch):
            try:
                await self._store.append([entry])
                self.written += 1
            except StoreUnavailable as exc:
                self._outage(exc)
                return done
            except StoreDataError as exc:
                self.dropped += 1
                log.error(
                    "an audit entry (%s by %s, %s) was refused by the database and dropped: %s",
                    entry.action,
                    entry.actor,
                    entry.outcome,
                    exc,
                )
            except Exception:  # a bug: the entry is dropped, loudly
                self.dropped += 1
                log.exception(
                    "an audit entry (%s by %s, %s) could not be written and was dropped",
                    entry.action,
                    entry.actor,
                    entry.outcome,
                )
        return len(batch)

    def _outage(self, exc: Exception) -> None:
        if not self._outage_logged:
            log.warning(
                "audit entries wait for the database (%d waiting, at most %d kept): %s",
                len(self._pending),
                self.max_pending,
                exc,
            )
            self._outage_logged = True
