"""OCPP 2.0.1 provisioning: BootNotification and Heartbeat."""

from __future__ import annotations

from typing import cast

from services.manager._context import CallContext
from services.manager._provisioning import ProvisioningBase
from services.manager.store import BootInfo
from services.manager.v201.messages import BootNotificationRequest, BootNotificationResponse

_UNKNOWN_STATION = {"statusInfo": {"reasonCode": "UnknownStation"}}
_REJECTED = {
    "statusInfo": {
        "reasonCode": "Rejected",
        "additionalInfo": "an operator rejected or retired this station",
    }
}
#: Why a station is told Pending (a standard reason code, OCPP 2.0.1 appendix 5).
_DATABASE_UNAVAILABLE = {
    "statusInfo": {
        "reasonCode": "InternalError",
        "additionalInfo": "the CSMS cannot reach its database; boot again after the interval",
    }
}


class Provisioning(ProvisioningBase):
    async def boot_notification(
        self, ctx: CallContext, req: BootNotificationRequest
    ) -> BootNotificationResponse:
        """Register the charging station's identity (2.0.1 field names)."""
        station = req["chargingStation"]
        boot = BootInfo(
            vendor=station["vendorName"],
            model=station["model"],
            serial_number=station.get("serialNumber", ""),
            firmware_version=station.get("firmwareVersion", ""),
            ocpp_version=ctx.ocpp_version,
        )
        answer = await self.boot(
            ctx, boot, rejected=_REJECTED, pending=_DATABASE_UNAVAILABLE, unknown=_UNKNOWN_STATION
        )
        return cast(BootNotificationResponse, answer)
