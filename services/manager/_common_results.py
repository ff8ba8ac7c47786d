"""Result handlers shared by every OCPP version's task table: the answers that change the
same thing, read the same way, in 1.6 and 2.0.1/2.1."""

from __future__ import annotations

from typing import Any

from services.manager import commands
from services.manager._task_table import ResultContext, SentTask

#: The kind of request a charger reports on later under the requestId it was sent.
REQUEST_KINDS = {
    "GetLog": "Log",
    "UpdateFirmware": "Firmware",
    "SignedUpdateFirmware": "Firmware",
    "GetDisplayMessages": "DisplayMessages",
    "CustomerInformation": "CustomerInformation",
}


async def local_list_version(ctx: ResultContext, task: SentTask, answer: dict[str, Any]) -> None:
    """GetLocalListVersion: the version the charger has is recorded."""
    version = commands.local_list_version_result(task.version, answer)
    await ctx.stores.chargers.set_local_list_version(task.charger_id, version, ctx.clock())


async def reservation_cancelled(ctx: ResultContext, task: SentTask, answer: dict[str, Any]) -> None:
    """CancelReservation Accepted: the reservation, if the CSMS knows it as this charger's,
    is recorded Cancelled."""
    if answer["status"] != "Accepted":
        return
    reservations = ctx.stores.reservations
    reservation = await reservations.get(task.payload["reservationId"])
    if reservation is not None and reservation.charger_id == task.charger_id:
        await reservations.cancel(reservation.reservation_id, ctx.clock())


async def request_answered(ctx: ResultContext, task: SentTask, answer: dict[str, Any]) -> None:
    """A request the charger will report on under its requestId; one it did not take
    (anything but Accepted/AcceptedCanceled) is complete at once. A 1.6 UpdateFirmware
    has no requestId and no status: nothing to record."""
    request_id = task.payload.get("requestId")
    if request_id is None or "status" not in answer:
        return
    status = str(answer["status"])
    await ctx.stores.station.request_answered(
        task.charger_id,
        REQUEST_KINDS[task.action],
        request_id,
        status=status,
        complete=status not in ("Accepted", "AcceptedCanceled"),
        sent_at=task.sent_at,
        data=str(answer.get("filename", "")),
    )


def purpose_16(name: str) -> str:
    """A charging profile purpose under its 1.6 name (how profiles are recorded)."""
    kind = commands.PURPOSE_FROM_16.get(name) or commands.PURPOSE_FROM_201.get(name)
    return commands.PURPOSE_16.get(kind, name) if kind is not None else name
