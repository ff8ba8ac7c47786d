"""OCPP 1.6 Firmware Management (and security-extension) status notifications."""

from __future__ import annotations

from services.manager._context import CallContext, Payload
from services.manager.store import ChargerStore


class Firmware:
    def __init__(self, chargers: ChargerStore) -> None:
        self._chargers = chargers

    async def diagnostics_status_notification(self, ctx: CallContext, req: Payload) -> Payload:
        await self._chargers.set_diagnostics_status(ctx.charger_id, req["status"], ctx.received_at)
        return {}

    async def firmware_status_notification(self, ctx: CallContext, req: Payload) -> Payload:
        await self._chargers.set_firmware_status(ctx.charger_id, req["status"], ctx.received_at)
        return {}

    async def signed_firmware_status_notification(self, ctx: CallContext, req: Payload) -> Payload:
        await self._chargers.set_firmware_status(ctx.charger_id, req["status"], ctx.received_at)
        return {}

    async def log_status_notification(self, ctx: CallContext, req: Payload) -> Payload:
        await self._chargers.set_log_status(ctx.charger_id, req["status"], ctx.received_at)
        return {}
