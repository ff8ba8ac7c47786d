"""Boot and heartbeat logic shared by every OCPP version's provisioning handlers."""

from __future__ import annotations

from datetime import datetime

from csms.v1 import watch_pb2

from services.manager._context import CallContext, Clock, Payload, ocpp_time
from services.manager._policy import ChargerPolicy
from services.manager._watch import EventBus, charger_event
from services.manager.store import BootInfo, ChargerStore


class ProvisioningBase:
    """The version modules turn their BootNotification shape into a BootInfo and call `boot`."""

    def __init__(
        self, store: ChargerStore, policy: ChargerPolicy, clock: Clock, bus: EventBus
    ) -> None:
        self._store = store
        self._policy = policy
        self._clock = clock
        self._bus = bus

    async def boot(
        self, ctx: CallContext, boot: BootInfo, rejected: Payload | None = None
    ) -> Payload:
        """Accept known chargers (and unknown ones under auto-registration) and record
        their identity; `rejected` adds version-specific fields to a rejection."""
        now = self._clock()
        if not await self._policy.accepts_boot(ctx.charger_id):
            self._booted(ctx, "Rejected", now)
            return {
                **_boot_answer(ctx.ocpp_version, "Rejected", now, self._policy.retry_interval),
                **(rejected or {}),
            }
        await self._store.record_boot(ctx.charger_id, boot, "Accepted", now)
        self._booted(ctx, "Accepted", now)
        return _boot_answer(ctx.ocpp_version, "Accepted", now, self._policy.heartbeat_interval)

    def _booted(self, ctx: CallContext, status: str, at: datetime) -> None:
        if self._bus.has_watchers:
            self._bus.publish(
                charger_event(
                    watch_pb2.EVENT_KIND_BOOTED, ctx.charger_id, ctx.ocpp_version, at, status=status
                )
            )

    def heartbeat(self, ctx: CallContext, req: Payload) -> Payload:
        """Answer the time; last-seen is recorded for every call by the dispatcher."""
        return {"currentTime": ocpp_time(self._clock())}


def _boot_answer(version: str, status: str, now: datetime, interval: int) -> Payload:
    """BootNotification's answer, built in its schema's member order (no reorder per reply):
    1.6 status, currentTime, interval; 2.0.1/2.1 currentTime, interval, status."""
    if version == "1.6":
        return {"status": status, "currentTime": ocpp_time(now), "interval": interval}
    return {"currentTime": ocpp_time(now), "interval": interval, "status": status}
