"""OCPP 1.6 task table: every CSMS→charger action, with the API method that sends it, the
``commands/`` function that builds it, and what the charger's answer changes (its result
handler). The charger→CSMS side is ``router.py``. Adding a command: docs/extending.md."""

from __future__ import annotations

from typing import Any

import orjson

from services.manager import commands
from services.manager._common_results import (
    local_list_version,
    purpose_16,
    request_answered,
    reservation_cancelled,
)
from services.manager._task_table import ResultContext, SentTask, TaskRoute, TaskTable

#: 1.6 configuration keys whose values are secrets (lower case: keys are CiStrings).
SECRET_KEYS = frozenset({"authorizationkey"})

# --- result handlers ------------------------------------------------------------------


async def configuration_read(ctx: ResultContext, task: SentTask, answer: dict[str, Any]) -> None:
    """GetConfiguration: the keys read are recorded (all keys asked: the record is replaced);
    secret keys are write-only, never kept."""
    entries = [
        (str(e["key"]), e.get("value"), bool(e["readonly"]))
        for e in answer.get("configurationKey", [])
        if str(e["key"]).lower() not in SECRET_KEYS
    ]
    await ctx.stores.configuration.record_read(
        task.charger_id, entries, ctx.clock(), complete=not task.payload.get("key")
    )


async def configuration_changed(ctx: ResultContext, task: SentTask, answer: dict[str, Any]) -> None:
    """ChangeConfiguration Accepted/RebootRequired: the value is recorded. The password key
    never is: RotateChargerPassword records its hash."""
    if task.payload["key"].lower() in SECRET_KEYS:
        return
    if answer["status"] in ("Accepted", "RebootRequired"):
        await ctx.stores.configuration.record_change(
            task.charger_id, task.payload["key"], task.payload["value"], ctx.clock()
        )


async def local_list_sent(ctx: ResultContext, task: SentTask, answer: dict[str, Any]) -> None:
    """SendLocalList Accepted: the list version sent is the charger's."""
    if answer["status"] == "Accepted":
        await ctx.stores.chargers.set_local_list_version(
            task.charger_id, int(task.payload["listVersion"]), ctx.clock()
        )


async def profile_set(ctx: ResultContext, task: SentTask, answer: dict[str, Any]) -> None:
    """SetChargingProfile Accepted: the profile sent is installed (replacing what the
    charger replaces: same id, or same stack level and purpose)."""
    if answer["status"] != "Accepted":
        return
    sent = task.payload["csChargingProfiles"]
    await ctx.stores.profiles.installed(
        charger_id=task.charger_id,
        connector_id=task.payload["connectorId"],
        charging_profile_id=sent["chargingProfileId"],
        stack_level=sent["stackLevel"],
        purpose=sent["chargingProfilePurpose"],
        transaction_id=sent.get("transactionId"),
        profile_json=orjson.dumps(sent).decode(),
        at=ctx.clock(),
    )


async def profiles_cleared(ctx: ResultContext, task: SentTask, answer: dict[str, Any]) -> None:
    """ClearChargingProfile Accepted: the installed profiles it matches are forgotten."""
    if answer["status"] != "Accepted":
        return
    sent = task.payload
    purpose = sent.get("chargingProfilePurpose")
    await ctx.stores.profiles.cleared(
        task.charger_id,
        charging_profile_id=sent.get("id"),
        connector_id=sent.get("connectorId"),
        purpose=purpose_16(purpose) if purpose else None,
        stack_level=sent.get("stackLevel"),
    )


# --- the table ------------------------------------------------------------------------

_RESERVATION_UNRECORDED = (
    "a reservation is recorded only by ChargerService.ReserveNow, which issues its id; "
    "a raw ReserveNow's reservationId is unknown to the CSMS"
)

TASKS: TaskTable = {
    # Core
    "ChangeAvailability": TaskRoute(
        "ChargerService.ChangeAvailability", commands.change_availability
    ),
    "ChangeConfiguration": TaskRoute(
        "ChargerService.ChangeConfiguration (also RotateChargerPassword, SetSecurityProfile)",
        commands.change_configuration,
        result=configuration_changed,
    ),
    "ClearCache": TaskRoute("ChargerService.ClearCache", commands.clear_cache),
    "DataTransfer": TaskRoute("ChargerService.DataTransfer", commands.data_transfer),
    "GetConfiguration": TaskRoute(
        "ChargerService.GetConfiguration, DeviceModelService.GetVariables",
        commands.get_configuration,
        result=configuration_read,
    ),
    "RemoteStartTransaction": TaskRoute("ChargerService.StartCharging", commands.start_charging),
    "RemoteStopTransaction": TaskRoute("ChargerService.StopCharging", commands.stop_charging),
    "Reset": TaskRoute("ChargerService.Reset", commands.reset),
    "UnlockConnector": TaskRoute("ChargerService.UnlockConnector", commands.unlock_connector),
    # Remote trigger (and the manager's status check of a charger back without a boot)
    "TriggerMessage": TaskRoute("ChargerService.TriggerMessage", commands.trigger_message),
    # Firmware management
    "GetDiagnostics": TaskRoute("ChargerService.GetDiagnostics", commands.get_diagnostics),
    # 1.6's answer is empty: progress arrives as FirmwareStatusNotification, unnumbered.
    "UpdateFirmware": TaskRoute("ChargerService.UpdateFirmware", commands.update_firmware),
    # Local auth list management
    "GetLocalListVersion": TaskRoute(
        "ChargerService.GetLocalListVersion",
        commands.get_local_list_version,
        result=local_list_version,
    ),
    "SendLocalList": TaskRoute(
        "ChargerService.SendLocalList", commands.send_local_list, result=local_list_sent
    ),
    # Reservation
    "CancelReservation": TaskRoute(
        "ChargerService.CancelReservation",
        commands.cancel_reservation,
        result=reservation_cancelled,
    ),
    "ReserveNow": TaskRoute(
        "ChargerService.ReserveNow", commands.reserve_now, unrecorded=_RESERVATION_UNRECORDED
    ),
    # Smart charging
    "ClearChargingProfile": TaskRoute(
        "ChargerService.ClearChargingProfile",
        commands.clear_charging_profile,
        result=profiles_cleared,
    ),
    "GetCompositeSchedule": TaskRoute(
        "ChargerService.GetCompositeSchedule", commands.get_composite_schedule
    ),
    "SetChargingProfile": TaskRoute(
        "ChargerService.SetChargingProfile", commands.set_charging_profile, result=profile_set
    ),
    # Security extension (1.6 security whitepaper)
    "CertificateSigned": TaskRoute(
        "ChargerService.CertificateSigned (and the CA answering SignCertificate)",
        commands.certificate_signed,
    ),
    "DeleteCertificate": TaskRoute("ChargerService.DeleteCertificate", commands.delete_certificate),
    "ExtendedTriggerMessage": TaskRoute(
        "ChargerService.TriggerMessage (when asked, or for a message only it can trigger)",
        commands.trigger_message,
    ),
    "GetInstalledCertificateIds": TaskRoute(
        "ChargerService.GetInstalledCertificateIds", commands.get_installed_certificate_ids
    ),
    "GetLog": TaskRoute("ChargerService.GetLog", commands.get_log, result=request_answered),
    "InstallCertificate": TaskRoute(
        "ChargerService.InstallCertificate", commands.install_certificate
    ),
    "SignedUpdateFirmware": TaskRoute(
        "ChargerService.SignedUpdateFirmware",
        commands.signed_update_firmware,
        result=request_answered,
    ),
}
