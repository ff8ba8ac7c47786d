"""OCPP 1.6 Firmware Management (and security-extension) status notifications.

The security extension's notifications carry the requestId of SignedUpdateFirmware / GetLog
and are recorded on that request as 2.0.1's are (``services/manager/_firmware``).
"""

from __future__ import annotations

from services.manager._context import CallContext, Payload
from services.manager._firmware import RequestProgress
from services.manager.store import ChargerStore, StationStore


class Firmware:
    def __init__(self, chargers: ChargerStore, station: StationStore) -> None:
        self._chargers = chargers
        self._with_request_ids = RequestProgress(chargers, station)

    async def diagnostics_status_notification(self, ctx: CallContext, req: Payload) -> Payload:
        await self._chargers.set_diagnostics_status(ctx.charger_id, req["status"], ctx.received_at)
        return {}

    async def firmware_status_notification(self, ctx: CallContext, req: Payload) -> Payload:
        await self._chargers.set_firmware_status(ctx.charger_id, req["status"], ctx.received_at)
        return {}

    async def signed_firmware_status_notification(self, ctx: CallContext, req: Payload) -> Payload:
        return await self._with_request_ids.firmware_status_notification(ctx, req)

    async def log_status_notification(self, ctx: CallContext, req: Payload) -> Payload:
        return await self._with_request_ids.log_status_notification(ctx, req)
