"""What a charger's answer to a task changes in the CSMS: one result handler per action.

The typed ChargerService RPCs and ``SendCall`` (the raw passthrough) send through the same
``TaskResults``, so a raw call records what the typed command would: configuration keys
(1.6 GetConfiguration / ChangeConfiguration), the local list version (SendLocalList /
GetLocalListVersion), charging profiles (SetChargingProfile / ClearChargingProfile, and
2.0.1 GetChargingProfiles reports), reservations cancelled, display messages, and the
requests a charger reports on later by id (GetLog, UpdateFirmware, SignedUpdateFirmware,
GetDisplayMessages, CustomerInformation).

Each handler reads only the payload sent and the answer (both schema-valid: the node
checked them), never the API request, which a raw call does not have. ``UNRECORDED``
names the actions whose effects a raw call does NOT record, with the reason; SendCall
says so in its answer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from services.common import OcppVersion
from services.manager import commands
from services.manager._context import Clock
from services.manager._stores import Stores

#: Actions a raw SendCall does not record, and why (the typed RPC to use instead).
UNRECORDED: dict[str, str] = {
    "ReserveNow": (
        "a reservation is recorded only by ChargerService.ReserveNow, which issues its id; "
        "a raw ReserveNow's reservationId is unknown to the CSMS"
    ),
    "GetVariables": "values read are recorded only by DeviceModelService.GetVariables",
    "SetVariables": "values set are recorded only by DeviceModelService.SetVariables",
    "GetBaseReport": "a report is recorded only when asked by DeviceModelService.GetBaseReport",
    "GetReport": "a report is recorded only when asked by DeviceModelService.GetReport",
    "SetVariableMonitoring": (
        "monitors are recorded only by DeviceModelService.SetVariableMonitoring"
    ),
    "ClearVariableMonitoring": (
        "cleared monitors are forgotten only by DeviceModelService.ClearVariableMonitoring"
    ),
}

#: 1.6 configuration keys whose values are secrets (lower case: keys are CiStrings).
_SECRET_KEYS_16 = frozenset({"authorizationkey"})

#: The kind of request a charger reports on later under the requestId it was sent.
_REQUEST_KINDS = {
    "GetLog": "Log",
    "UpdateFirmware": "Firmware",
    "SignedUpdateFirmware": "Firmware",
    "GetDisplayMessages": "DisplayMessages",
    "CustomerInformation": "CustomerInformation",
}


@dataclass(frozen=True, slots=True)
class SentTask:
    """A task as sent: to whom, in which OCPP version, what, and when."""

    charger_id: str
    version: OcppVersion
    action: str
    payload: dict[str, Any]
    sent_at: datetime


_Handler = Callable[[SentTask, dict[str, Any]], Awaitable[None]]


class TaskResults:
    """The result handlers, by action; ``before`` runs what must be recorded before sending."""

    def __init__(self, stores: Stores, clock: Clock) -> None:
        self._stores = stores
        self._clock = clock
        self._before: dict[str, Callable[[SentTask], Awaitable[None]]] = {
            "GetChargingProfiles": self._profiles_requested,
        }
        self._after: dict[str, _Handler] = {
            "GetConfiguration": self._configuration_read,
            "ChangeConfiguration": self._configuration_changed,
            "SendLocalList": self._local_list_sent,
            "GetLocalListVersion": self._local_list_version,
            "SetChargingProfile": self._profile_set,
            "ClearChargingProfile": self._profiles_cleared,
            "GetChargingProfiles": self._profiles_answered,
            "CancelReservation": self._reservation_cancelled,
            "SetDisplayMessage": self._display_message_set,
            "ClearDisplayMessage": self._display_message_cleared,
            **dict.fromkeys(_REQUEST_KINDS, self._request_answered),
        }

    def unrecorded(self, action: str) -> str:
        """Why a raw call of `action` records nothing ("" when it records what the typed
        command would)."""
        return UNRECORDED.get(action, "")

    async def before(self, task: SentTask) -> None:
        handler = self._before.get(task.action)
        if handler is not None:
            await handler(task)

    async def after(self, task: SentTask, answer: dict[str, Any]) -> None:
        handler = self._after.get(task.action)
        if handler is not None:
            await handler(task, answer)

    # --- configuration (1.6; 2.0.1 variables are DeviceModelService's) --------------------

    async def _configuration_read(self, task: SentTask, answer: dict[str, Any]) -> None:
        if not commands.is_16(task.version):
            return
        entries = [
            (str(e["key"]), e.get("value"), bool(e["readonly"]))
            for e in answer.get("configurationKey", [])
            if str(e["key"]).lower() not in _SECRET_KEYS_16  # write-only, never kept
        ]
        await self._stores.configuration.record_read(
            task.charger_id, entries, self._clock(), complete=not task.payload.get("key")
        )

    async def _configuration_changed(self, task: SentTask, answer: dict[str, Any]) -> None:
        if task.payload["key"].lower() in _SECRET_KEYS_16:
            return  # the password's hash is recorded by RotateChargerPassword, never the key
        if commands.is_16(task.version) and answer["status"] in ("Accepted", "RebootRequired"):
            await self._stores.configuration.record_change(
                task.charger_id, task.payload["key"], task.payload["value"], self._clock()
            )

    # --- local list -----------------------------------------------------------------------

    async def _local_list_sent(self, task: SentTask, answer: dict[str, Any]) -> None:
        if answer["status"] == "Accepted":
            key = "listVersion" if commands.is_16(task.version) else "versionNumber"
            await self._stores.chargers.set_local_list_version(
                task.charger_id, int(task.payload[key]), self._clock()
            )

    async def _local_list_version(self, task: SentTask, answer: dict[str, Any]) -> None:
        version = commands.local_list_version_result(task.version, answer)
        await self._stores.chargers.set_local_list_version(task.charger_id, version, self._clock())

    # --- smart charging -------------------------------------------------------------------

    async def _profile_set(self, task: SentTask, answer: dict[str, Any]) -> None:
        if answer["status"] != "Accepted":
            return
        if commands.is_16(task.version):
            sent = task.payload["csChargingProfiles"]
            connector, profile_id = task.payload["connectorId"], sent["chargingProfileId"]
            transaction_id = sent.get("transactionId")
            purpose = sent["chargingProfilePurpose"]
        else:
            sent = task.payload["chargingProfile"]
            connector, profile_id = task.payload["evseId"], sent["id"]
            transaction_id = None
            if sent.get("transactionId"):  # the charger's: recorded with the CSMS's id if known
                known = await self._stores.transactions.get_by_charger_transaction_id(
                    task.charger_id, sent["transactionId"]
                )
                transaction_id = known.transaction_id if known is not None else None
            purpose = _purpose_16(sent["chargingProfilePurpose"])
        await self._stores.profiles.installed(
            charger_id=task.charger_id,
            connector_id=connector,
            charging_profile_id=profile_id,
            stack_level=sent["stackLevel"],
            purpose=purpose,
            transaction_id=transaction_id,
            profile_json=orjson.dumps(sent).decode(),
            at=self._clock(),
        )

    async def _profiles_cleared(self, task: SentTask, answer: dict[str, Any]) -> None:
        if answer["status"] != "Accepted":
            return
        sent = task.payload
        if commands.is_16(task.version):
            criteria, profile_id, connector = sent, sent.get("id"), sent.get("connectorId")
        else:
            criteria = sent.get("chargingProfileCriteria") or {}
            profile_id, connector = sent.get("chargingProfileId"), criteria.get("evseId")
        purpose = criteria.get("chargingProfilePurpose")
        await self._stores.profiles.cleared(
            task.charger_id,
            charging_profile_id=profile_id,
            connector_id=connector,
            purpose=_purpose_16(purpose) if purpose else None,
            stack_level=criteria.get("stackLevel"),
        )

    async def _profiles_requested(self, task: SentTask) -> None:
        # Before sending: the charger may report before its answer reaches the CSMS.
        await self._stores.smart_charging.profiles_requested(
            task.charger_id, task.payload["requestId"], status="", complete=False, at=task.sent_at
        )

    async def _profiles_answered(self, task: SentTask, answer: dict[str, Any]) -> None:
        # Parts the charger reported before its answer arrived are kept.
        await self._stores.smart_charging.profiles_answered(
            task.charger_id, task.payload["requestId"], status=answer["status"], at=self._clock()
        )

    # --- reservations, display messages, requests reported on later ----------------------

    async def _reservation_cancelled(self, task: SentTask, answer: dict[str, Any]) -> None:
        if answer["status"] != "Accepted":
            return
        reservations = self._stores.reservations
        reservation = await reservations.get(task.payload["reservationId"])
        if reservation is not None and reservation.charger_id == task.charger_id:
            await reservations.cancel(reservation.reservation_id, self._clock())

    async def _display_message_set(self, task: SentTask, answer: dict[str, Any]) -> None:
        if answer["status"] == "Accepted":
            info = task.payload["message"]
            await self._stores.station.put_display_messages(
                task.charger_id,
                [(info["id"], orjson.dumps(info).decode())],
                source="csms",
                at=self._clock(),
            )

    async def _display_message_cleared(self, task: SentTask, answer: dict[str, Any]) -> None:
        """Accepted (cleared) or Unknown (the charger has no such message): either way the
        recorded message is forgotten."""
        if answer["status"] in ("Accepted", "Unknown"):
            await self._stores.station.remove_display_message(task.charger_id, task.payload["id"])

    async def _request_answered(self, task: SentTask, answer: dict[str, Any]) -> None:
        """A request the charger will report on under its requestId; one it did not take
        (anything but Accepted/AcceptedCanceled) is complete at once. A 1.6 UpdateFirmware
        has no requestId and no status: nothing to record."""
        request_id = task.payload.get("requestId")
        if request_id is None or "status" not in answer:
            return
        status = str(answer["status"])
        await self._stores.station.request_answered(
            task.charger_id,
            _REQUEST_KINDS[task.action],
            request_id,
            status=status,
            complete=status not in ("Accepted", "AcceptedCanceled"),
            sent_at=task.sent_at,
            data=str(answer.get("filename", "")),
        )


def _purpose_16(name: str) -> str:
    """A charging profile purpose under its 1.6 name (how profiles are recorded)."""
    kind = commands.PURPOSE_FROM_16.get(name) or commands.PURPOSE_FROM_201.get(name)
    return commands.PURPOSE_16.get(kind, name) if kind is not None else name
