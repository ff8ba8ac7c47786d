"""OCPP 1.6 Core provisioning: BootNotification and Heartbeat."""

from __future__ import annotations

from typing import cast

from services.manager._context import CallContext
from services.manager._provisioning import ProvisioningBase
from services.manager.store import BootInfo
from services.manager.v16.messages import BootNotificationRequest, BootNotificationResponse


class Provisioning(ProvisioningBase):
    async def boot_notification(
        self, ctx: CallContext, req: BootNotificationRequest
    ) -> BootNotificationResponse:
        """Register the charge point's identity (1.6 field names)."""
        boot = BootInfo(
            vendor=req["chargePointVendor"],
            model=req["chargePointModel"],
            serial_number=req.get("chargePointSerialNumber")
            or req.get("chargeBoxSerialNumber", ""),
            firmware_version=req.get("firmwareVersion", ""),
            ocpp_version=ctx.ocpp_version,
        )
        return cast(BootNotificationResponse, await self.boot(ctx, boot))
