"""Boot and heartbeat logic shared by every OCPP version's provisioning handlers.

A BootNotification is answered even while the database is unavailable, never with an
InternalError (which a charger retries at once, for ever):

- a charger this manager already knows (admitted or looked up before) is answered
  ``Accepted`` with its heartbeat interval from what the manager holds, and its boot is
  kept in the ``BootBacklog`` until the database takes it;
- a charger it cannot vouch for is answered ``Pending`` with ``pending_interval``: the
  protocol's way of saying "not now, boot again after this many seconds".
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime
from typing import TypedDict

from csms.v1 import watch_pb2

from services.common import OcppVersion
from services.manager._context import CallContext, Clock, Payload, ocpp_time
from services.manager._policy import ChargerPolicy
from services.manager._watch import EventBus, charger_event
from services.manager.store import BootInfo, ChargerStore, StoreUnavailable

log = logging.getLogger(__name__)


class BootBacklog:
    """Boots answered Accepted while the database was unavailable, written once it is back.

    The latest boot per charger is kept, for at most ``limit`` chargers (beyond that the
    oldest is dropped and logged). One retry task, started by the first kept boot, writes
    the backlog every ``retry_min`` seconds, backing off to ``retry_max`` while the
    database keeps failing, and ends when the backlog is empty; ``aclose`` makes a last
    attempt and cancels it.
    """

    def __init__(
        self,
        store: ChargerStore,
        *,
        limit: int = 100_000,
        retry_min: float = 0.5,
        retry_max: float = 5.0,
    ) -> None:
        if limit < 1 or retry_min <= 0 or retry_max < retry_min:
            raise ValueError("limit must be positive and 0 < retry_min <= retry_max")
        self._store = store
        self._limit = limit
        self._retry_min = retry_min
        self._retry_max = retry_max
        #: charger id -> (boot, when), oldest first.
        self._pending: dict[str, tuple[BootInfo, datetime]] = {}
        self._retry: asyncio.Task[None] | None = None
        self._closed = False
        self.dropped = 0  # boots dropped to stay within ``limit``
        self.written = 0  # boots written after the database came back

    def __len__(self) -> int:
        return len(self._pending)

    def keep(self, charger_id: str, boot: BootInfo, at: datetime) -> None:
        """Hold `boot` until the database takes it (a later one of the charger replaces it)."""
        self._pending.pop(charger_id, None)
        self._pending[charger_id] = (boot, at)
        if len(self._pending) > self._limit:
            oldest = next(iter(self._pending))
            del self._pending[oldest]
            self.dropped += 1
            log.error(
                "boot backlog full (%d chargers): dropped the unrecorded boot of %s",
                self._limit,
                oldest,
            )
        if not self._closed and (self._retry is None or self._retry.done()):
            self._retry = asyncio.create_task(self._retry_until_written(), name="boot-backlog")

    def forget(self, charger_id: str) -> None:
        """A later boot of the charger was recorded: the kept one is stale."""
        self._pending.pop(charger_id, None)

    async def write(self) -> bool:
        """Write every kept boot; True when the backlog is empty afterwards."""
        taken = list(self._pending.items())
        # Submitted together, so the store's group commit writes them in few statements.
        outcomes = await asyncio.gather(
            *(
                self._store.record_boot(charger_id, boot, "Accepted", at)
                for charger_id, (boot, at) in taken
            ),
            return_exceptions=True,
        )
        for (charger_id, entry), outcome in zip(taken, outcomes, strict=True):
            if isinstance(outcome, StoreUnavailable):
                continue
            if self._pending.get(charger_id) is entry:  # not replaced meanwhile
                del self._pending[charger_id]
            if isinstance(outcome, BaseException):
                log.error("could not record the boot of %s: %r", charger_id, outcome)
            else:
                self.written += 1
        return not self._pending

    async def _retry_until_written(self) -> None:
        delay = self._retry_min
        while self._pending:
            await asyncio.sleep(delay)
            if await self.write():
                log.info("boots accepted during the database outage are recorded")
                return
            delay = min(delay * 2, self._retry_max)

    async def aclose(self) -> None:
        """Stop retrying after one last attempt (call before the store closes); idempotent."""
        if self._closed:
            return
        self._closed = True
        if self._retry is not None:
            self._retry.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._retry
        if self._pending and not await self.write():
            log.error(
                "closing: %d boots accepted during a database outage are not recorded",
                len(self._pending),
            )


class ProvisioningBase:
    """The version modules turn their BootNotification shape into a BootInfo and call `boot`."""

    #: Seconds a charger told ``Pending`` waits before it boots again.
    pending_interval = 30

    def __init__(
        self,
        store: ChargerStore,
        policy: ChargerPolicy,
        clock: Clock,
        bus: EventBus,
        backlog: BootBacklog,
    ) -> None:
        self._store = store
        self._policy = policy
        self._clock = clock
        self._bus = bus
        self._backlog = backlog

    async def boot(
        self,
        ctx: CallContext,
        boot: BootInfo,
        rejected: Payload | None = None,
        pending: Payload | None = None,
        unknown: Payload | None = None,
    ) -> Payload:
        """Answer the charger's registration status (Accepted, Pending, Rejected; an unknown
        charger without auto-registration is Rejected) and record its identity; `rejected`,
        `pending` and `unknown` add version-specific fields to those answers.

        While the database is unavailable: a charger the manager read before is answered as
        then (an Accepted boot is recorded later), any other is told Pending."""
        charger_id = ctx.charger_id
        now = self._clock()
        try:
            status = await self._policy.boot_status(charger_id, ctx.ocpp_version, now)
        except StoreUnavailable as exc:
            return self._pending(ctx, now, exc, pending)
        if status is None:
            self._booted(ctx, "Rejected", now)
            return {
                **_boot_answer(ctx.ocpp_version, "Rejected", now, self._policy.retry_interval),
                **(unknown or {}),
            }
        try:
            await self._store.record_boot(charger_id, boot, status, now)
        except StoreUnavailable as exc:
            if not self._policy.remembers(charger_id):
                return self._pending(ctx, now, exc, pending)
            log.warning(
                "%s; answered the boot of known charger %s, to record later", exc, charger_id
            )
            if status == "Accepted":
                self._backlog.keep(charger_id, boot, now)
        else:
            self._backlog.forget(charger_id)
        self._booted(ctx, status, now)
        if status == "Accepted":
            interval = self._policy.heartbeat_interval
        elif status == "Pending":
            interval = self.pending_interval
        else:
            interval = self._policy.retry_interval
        answer = _boot_answer(ctx.ocpp_version, status, now, interval)
        if status == "Rejected" and rejected:
            answer.update(rejected)
        return answer

    def _pending(
        self, ctx: CallContext, now: datetime, exc: StoreUnavailable, extra: Payload | None
    ) -> Payload:
        log.warning("%s; told charger %s to boot again later (Pending)", exc, ctx.charger_id)
        self._booted(ctx, "Pending", now)
        return {
            "status": "Pending",
            "currentTime": ocpp_time(now),
            "interval": self.pending_interval,
            **(extra or {}),
        }

    def _booted(self, ctx: CallContext, status: str, at: datetime) -> None:
        if self._bus.has_watchers:
            self._bus.publish(
                charger_event(
                    watch_pb2.EVENT_KIND_BOOTED, ctx.charger_id, ctx.ocpp_version, at, status=status
                )
            )

    def heartbeat(self, ctx: CallContext, req: Payload) -> HeartbeatResponse:
        """Answer the time; last-seen is recorded for every call by the dispatcher."""
        return {"currentTime": ocpp_time(self._clock())}


class HeartbeatResponse(TypedDict):
    """Heartbeat's answer, the same in every OCPP version."""

    currentTime: str


def _boot_answer(version: OcppVersion, status: str, now: datetime, interval: int) -> Payload:
    """BootNotification's answer, built in its schema's member order (no reorder per reply):
    1.6 status, currentTime, interval; 2.0.1/2.1 currentTime, interval, status."""
    if version.is_16:
        return {"status": status, "currentTime": ocpp_time(now), "interval": interval}
    return {"currentTime": ocpp_time(now), "interval": interval, "status": status}
