"""OCPP 1.6 Core provisioning: BootNotification and Heartbeat."""

from __future__ import annotations

from services.manager._context import CallContext, Clock, Payload, ocpp_time
from services.manager._policy import ChargerPolicy
from services.manager.store import BootInfo, ChargerStore


class Provisioning:
    def __init__(self, store: ChargerStore, policy: ChargerPolicy, clock: Clock) -> None:
        self._store = store
        self._policy = policy
        self._clock = clock

    async def boot_notification(self, ctx: CallContext, req: Payload) -> Payload:
        """Accept known chargers (and unknown ones under auto-registration); record identity."""
        now = self._clock()
        if not await self._policy.accepts_boot(ctx.charger_id):
            return {
                "status": "Rejected",
                "currentTime": ocpp_time(now),
                "interval": self._policy.retry_interval,
            }
        boot = BootInfo(
            vendor=req["chargePointVendor"],
            model=req["chargePointModel"],
            serial_number=req.get("chargePointSerialNumber")
            or req.get("chargeBoxSerialNumber", ""),
            firmware_version=req.get("firmwareVersion", ""),
            ocpp_version=ctx.ocpp_version,
        )
        await self._store.record_boot(ctx.charger_id, boot, "Accepted", now)
        return {
            "status": "Accepted",
            "currentTime": ocpp_time(now),
            "interval": self._policy.heartbeat_interval,
        }

    def heartbeat(self, ctx: CallContext, req: Payload) -> Payload:
        """Answer the time; last-seen is recorded for every call by the dispatcher."""
        return {"currentTime": ocpp_time(self._clock())}
