"""Firmware and log progress shared by every OCPP version's firmware handlers.

The latest status is the charger's ``firmware_status`` / ``log_status``; with a
``requestId`` (2.0.1 FirmwareStatusNotification / LogStatusNotification, and 1.6's security
extension SignedFirmwareStatusNotification / LogStatusNotification) it is also recorded on
that request (UpdateFirmware / SignedUpdateFirmware / GetLog), complete once the status is
final.
"""

from __future__ import annotations

from services.manager._context import CallContext, Payload
from services.manager.store import ChargerStore, StationStore

#: Statuses after which the charger reports nothing more on the request.
FINAL_FIRMWARE_STATUSES = frozenset(
    {
        "Installed",
        "DownloadFailed",
        "InstallationFailed",
        "InstallVerificationFailed",
        "InvalidSignature",
    }
)
FINAL_LOG_STATUSES = frozenset(
    {
        "Uploaded",
        "UploadFailure",
        "BadMessage",
        "NotSupportedOperation",
        "PermissionDenied",
        "AcceptedCanceled",
    }
)


class RequestProgress:
    """Firmware and log status notifications that may name the request they report on."""

    def __init__(self, chargers: ChargerStore, station: StationStore) -> None:
        self._chargers = chargers
        self._station = station

    async def firmware_status_notification(self, ctx: CallContext, req: Payload) -> Payload:
        status = req["status"]
        await self._chargers.set_firmware_status(ctx.charger_id, status, ctx.received_at)
        if "requestId" in req:
            await self._station.request_reported(
                ctx.charger_id,
                "Firmware",
                req["requestId"],
                at=ctx.received_at,
                status=status,
                complete=status in FINAL_FIRMWARE_STATUSES,
            )
        return {}

    async def log_status_notification(self, ctx: CallContext, req: Payload) -> Payload:
        status = req["status"]
        await self._chargers.set_log_status(ctx.charger_id, status, ctx.received_at)
        if "requestId" in req:
            await self._station.request_reported(
                ctx.charger_id,
                "Log",
                req["requestId"],
                at=ctx.received_at,
                status=status,
                complete=status in FINAL_LOG_STATUSES,
            )
        return {}
