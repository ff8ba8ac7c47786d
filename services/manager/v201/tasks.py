"""OCPP 2.0.1 and 2.1 task tables: every CSMS→charger action, with the API method that
sends it, the ``commands/`` function that builds it, and what the charger's answer changes
(its result handler). The charger→CSMS side is ``router.py``. Adding a command:
docs/extending.md."""

from __future__ import annotations

from typing import Any

import orjson

from services.common import OcppVersion
from services.common._framing import CSMS_ACTIONS
from services.manager import commands
from services.manager._common_results import (
    local_list_version,
    purpose_16,
    request_answered,
    reservation_cancelled,
)
from services.manager._task_table import ResultContext, SentTask, TaskRoute, TaskTable

# --- result handlers ------------------------------------------------------------------


async def local_list_sent(ctx: ResultContext, task: SentTask, answer: dict[str, Any]) -> None:
    """SendLocalList Accepted: the list version sent is the charger's."""
    if answer["status"] == "Accepted":
        await ctx.stores.chargers.set_local_list_version(
            task.charger_id, int(task.payload["versionNumber"]), ctx.clock()
        )


async def profile_set(ctx: ResultContext, task: SentTask, answer: dict[str, Any]) -> None:
    """SetChargingProfile Accepted: the profile sent is installed, with the CSMS's id of the
    transaction its (charger's) transactionId names, when the CSMS knows it."""
    if answer["status"] != "Accepted":
        return
    sent = task.payload["chargingProfile"]
    transaction_id = None
    if sent.get("transactionId"):
        known = await ctx.stores.transactions.get_by_charger_transaction_id(
            task.charger_id, sent["transactionId"]
        )
        transaction_id = known.transaction_id if known is not None else None
    await ctx.stores.profiles.installed(
        charger_id=task.charger_id,
        connector_id=task.payload["evseId"],
        charging_profile_id=sent["id"],
        stack_level=sent["stackLevel"],
        purpose=purpose_16(sent["chargingProfilePurpose"]),
        transaction_id=transaction_id,
        profile_json=orjson.dumps(sent).decode(),
        at=ctx.clock(),
    )


async def profiles_cleared(ctx: ResultContext, task: SentTask, answer: dict[str, Any]) -> None:
    """ClearChargingProfile Accepted: the installed profiles it matches are forgotten."""
    if answer["status"] != "Accepted":
        return
    criteria = task.payload.get("chargingProfileCriteria") or {}
    purpose = criteria.get("chargingProfilePurpose")
    await ctx.stores.profiles.cleared(
        task.charger_id,
        charging_profile_id=task.payload.get("chargingProfileId"),
        connector_id=criteria.get("evseId"),
        purpose=purpose_16(purpose) if purpose else None,
        stack_level=criteria.get("stackLevel"),
    )


async def profiles_requested(ctx: ResultContext, task: SentTask) -> None:
    """Before GetChargingProfiles is sent: the charger may report before its answer
    reaches the CSMS."""
    await ctx.stores.smart_charging.profiles_requested(
        task.charger_id, task.payload["requestId"], status="", complete=False, at=task.sent_at
    )


async def profiles_answered(ctx: ResultContext, task: SentTask, answer: dict[str, Any]) -> None:
    """GetChargingProfiles answered: its status, beside the parts already reported."""
    await ctx.stores.smart_charging.profiles_answered(
        task.charger_id, task.payload["requestId"], status=answer["status"], at=ctx.clock()
    )


async def display_message_set(ctx: ResultContext, task: SentTask, answer: dict[str, Any]) -> None:
    """SetDisplayMessage Accepted: the message is recorded (replacing one with its id)."""
    if answer["status"] == "Accepted":
        info = task.payload["message"]
        await ctx.stores.station.put_display_messages(
            task.charger_id,
            [(info["id"], orjson.dumps(info).decode())],
            source="csms",
            at=ctx.clock(),
        )


async def display_message_cleared(
    ctx: ResultContext, task: SentTask, answer: dict[str, Any]
) -> None:
    """Accepted (cleared) or Unknown (the charger has no such message): either way the
    recorded message is forgotten."""
    if answer["status"] in ("Accepted", "Unknown"):
        await ctx.stores.station.remove_display_message(task.charger_id, task.payload["id"])


# --- the tables -----------------------------------------------------------------------

_RAW = "SendCall only"
_DEVICE_MODEL = "DeviceModelService"


def _recorded_by(method: str, what: str) -> str:
    return f"{what} recorded only by {method}"


TASKS: TaskTable = {
    # Provisioning
    "GetBaseReport": TaskRoute(
        f"{_DEVICE_MODEL}.GetBaseReport",
        commands.device_model.get_base_report,
        unrecorded=_recorded_by(f"{_DEVICE_MODEL}.GetBaseReport", "a report is"),
    ),
    "GetReport": TaskRoute(
        f"{_DEVICE_MODEL}.GetReport",
        commands.device_model.get_report,
        unrecorded=_recorded_by(f"{_DEVICE_MODEL}.GetReport", "a report is"),
    ),
    "GetVariables": TaskRoute(
        f"{_DEVICE_MODEL}.GetVariables (also ChargerService.GetConfiguration)",
        commands.device_model.get_variables,
        unrecorded=_recorded_by(f"{_DEVICE_MODEL}.GetVariables", "values read are"),
    ),
    "SetVariables": TaskRoute(
        f"{_DEVICE_MODEL}.SetVariables (also ChargerService.ChangeConfiguration, "
        "RotateChargerPassword, SetSecurityProfile)",
        commands.device_model.set_variables,
        unrecorded=_recorded_by(f"{_DEVICE_MODEL}.SetVariables", "values set are"),
    ),
    "SetNetworkProfile": TaskRoute(
        # Not recorded by design: the profile holds VPN/APN secrets.
        "ChargerService.SetNetworkProfile",
        commands.set_network_profile,
    ),
    "Reset": TaskRoute("ChargerService.Reset (also SetSecurityProfile)", commands.reset),
    # Authorization, local list, transactions
    "ClearCache": TaskRoute("ChargerService.ClearCache", commands.clear_cache),
    "GetLocalListVersion": TaskRoute(
        "ChargerService.GetLocalListVersion",
        commands.get_local_list_version,
        result=local_list_version,
    ),
    "SendLocalList": TaskRoute(
        "ChargerService.SendLocalList", commands.send_local_list, result=local_list_sent
    ),
    "RequestStartTransaction": TaskRoute("ChargerService.StartCharging", commands.start_charging),
    "RequestStopTransaction": TaskRoute("ChargerService.StopCharging", commands.stop_charging),
    "GetTransactionStatus": TaskRoute(
        "ChargerService.GetTransactionStatus", commands.get_transaction_status
    ),
    "CostUpdated": TaskRoute(_RAW),
    # Availability, remote control
    "ChangeAvailability": TaskRoute(
        "ChargerService.ChangeAvailability", commands.change_availability
    ),
    "UnlockConnector": TaskRoute("ChargerService.UnlockConnector", commands.unlock_connector),
    "TriggerMessage": TaskRoute("ChargerService.TriggerMessage", commands.trigger_message),
    "DataTransfer": TaskRoute("ChargerService.DataTransfer", commands.data_transfer),
    # Reservation
    "ReserveNow": TaskRoute(
        "ChargerService.ReserveNow",
        commands.reserve_now,
        unrecorded=(
            "a reservation is recorded only by ChargerService.ReserveNow, which issues its "
            "id; a raw ReserveNow's reservationId is unknown to the CSMS"
        ),
    ),
    "CancelReservation": TaskRoute(
        "ChargerService.CancelReservation",
        commands.cancel_reservation,
        result=reservation_cancelled,
    ),
    # Smart charging
    "SetChargingProfile": TaskRoute(
        "ChargerService.SetChargingProfile", commands.set_charging_profile, result=profile_set
    ),
    "ClearChargingProfile": TaskRoute(
        "ChargerService.ClearChargingProfile",
        commands.clear_charging_profile,
        result=profiles_cleared,
    ),
    "GetChargingProfiles": TaskRoute(
        "ChargerService.GetChargingProfiles",
        commands.get_charging_profiles,
        before=profiles_requested,
        result=profiles_answered,
    ),
    "GetCompositeSchedule": TaskRoute(
        "ChargerService.GetCompositeSchedule", commands.get_composite_schedule
    ),
    # Firmware and logs
    "UpdateFirmware": TaskRoute(
        "ChargerService.UpdateFirmware, ChargerService.SignedUpdateFirmware",
        commands.update_firmware,
        result=request_answered,
    ),
    "GetLog": TaskRoute("ChargerService.GetLog", commands.get_log, result=request_answered),
    "PublishFirmware": TaskRoute(_RAW),
    "UnpublishFirmware": TaskRoute(_RAW),
    # Security
    "CertificateSigned": TaskRoute(
        "ChargerService.CertificateSigned (and the CA answering SignCertificate)",
        commands.certificate_signed,
    ),
    "InstallCertificate": TaskRoute(
        "ChargerService.InstallCertificate", commands.install_certificate
    ),
    "DeleteCertificate": TaskRoute("ChargerService.DeleteCertificate", commands.delete_certificate),
    "GetInstalledCertificateIds": TaskRoute(
        "ChargerService.GetInstalledCertificateIds", commands.get_installed_certificate_ids
    ),
    # Display messages, customer information
    "SetDisplayMessage": TaskRoute(
        "ChargerService.SetDisplayMessage",
        commands.set_display_message,
        result=display_message_set,
    ),
    "GetDisplayMessages": TaskRoute(
        "ChargerService.GetDisplayMessages",
        commands.get_display_messages,
        result=request_answered,
    ),
    "ClearDisplayMessage": TaskRoute(
        "ChargerService.ClearDisplayMessage",
        commands.clear_display_message,
        result=display_message_cleared,
    ),
    "CustomerInformation": TaskRoute(
        "ChargerService.CustomerInformation",
        commands.customer_information,
        result=request_answered,
    ),
    # Diagnostics: monitoring
    "SetVariableMonitoring": TaskRoute(
        f"{_DEVICE_MODEL}.SetVariableMonitoring",
        commands.device_model.set_variable_monitoring,
        unrecorded=_recorded_by(f"{_DEVICE_MODEL}.SetVariableMonitoring", "monitors are"),
    ),
    "ClearVariableMonitoring": TaskRoute(
        f"{_DEVICE_MODEL}.ClearVariableMonitoring",
        commands.device_model.clear_variable_monitoring,
        unrecorded=_recorded_by(
            f"{_DEVICE_MODEL}.ClearVariableMonitoring", "cleared monitors are forgotten"
        ),
    ),
    "GetMonitoringReport": TaskRoute(_RAW),
    "SetMonitoringBase": TaskRoute(_RAW),
    "SetMonitoringLevel": TaskRoute(_RAW),
}

#: OCPP 2.1: 2.0.1's actions, and those 2.1 added (sent raw: no typed method yet).
TASKS_21: TaskTable = {
    **TASKS,
    **{action: TaskRoute(_RAW) for action in sorted(CSMS_ACTIONS[OcppVersion.V21] - set(TASKS))},
}
