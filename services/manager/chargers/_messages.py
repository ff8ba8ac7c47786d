"""Records as the API's messages: chargers, connectors, profiles, limits, needs, requests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from csms.v1 import chargers_pb2, smart_charging_pb2
from google.protobuf.timestamp_pb2 import Timestamp

from services.common import to_proto_version
from services.manager import commands
from services.manager._context import parse_ocpp_time
from services.manager._rows import shown
from services.manager.store import (
    CertificateRequestRecord,
    ChargerRecord,
    ChargerRequestRecord,
    ChargingLimitRecord,
    ChargingProfileRecord,
    ConnectorRecord,
    EVChargingNeedsRecord,
)
from services.registry import ChargerLocation


def _timestamp(at: datetime | None) -> Timestamp | None:
    if at is None:
        return None
    ts = Timestamp()
    ts.FromDatetime(at)
    return ts


_REGISTRATION_STATUSES = {
    "Accepted": chargers_pb2.REGISTRATION_STATUS_ACCEPTED,
    "Pending": chargers_pb2.REGISTRATION_STATUS_PENDING,
    "Rejected": chargers_pb2.REGISTRATION_STATUS_REJECTED,
}


def charger_message(
    record: ChargerRecord, location: ChargerLocation | None
) -> chargers_pb2.Charger:
    """The API view of a charger: the stored record plus where it is connected now."""
    charger = chargers_pb2.Charger(
        charger_id=record.charger_id,
        vendor=record.vendor,
        model=record.model,
        serial_number=record.serial_number,
        firmware_version=record.firmware_version,
        boot_status=record.boot_status,
        connected=location is not None,
        node_id=location.node_id if location else "",
        firmware_status=record.firmware_status,
        diagnostics_status=record.diagnostics_status,
        log_status=record.log_status,
        local_list_version=record.local_list_version,
        location_id=record.location_id,
        security_profile=record.security_profile,
        registration_status=_REGISTRATION_STATUSES.get(
            record.registration_status, chargers_pb2.REGISTRATION_STATUS_UNSPECIFIED
        ),
        description=record.description,
        has_password=record.has_password,
        password_rotation_pending=record.password_rotation_pending,
    )
    version = location.ocpp_version if location else record.ocpp_version
    # A charger added by an operator that never connected has spoken no version yet.
    never_connected = record.last_seen_at is None and record.last_boot_at is None
    if version and (location is not None or not never_connected):
        charger.ocpp_version = to_proto_version(version)
    for field, value in (
        ("registered_at", record.registered_at),
        ("last_boot_at", record.last_boot_at),
        ("last_seen_at", record.last_seen_at),
        ("retired_at", record.retired_at),
    ):
        ts = _timestamp(value)
        if ts is not None:
            getattr(charger, field).CopyFrom(ts)
    charger.connectors.extend(
        shown(
            record.connectors,
            _connector_message,
            lambda c: f"connector ({c.evse_id}, {c.connector_id}) of charger {record.charger_id!r}",
        )
    )
    return charger


def _connector_message(record: ConnectorRecord) -> chargers_pb2.Connector:
    connector = chargers_pb2.Connector(
        evse_id=record.evse_id,
        connector_id=record.connector_id,
        status=record.status,
        error_code=record.error_code,
        info=record.info,
        vendor_error_code=record.vendor_error_code,
    )
    connector.updated_at.FromDatetime(record.updated_at)
    return connector


def charger_named(record: ChargerRecord) -> str:
    return f"charger {record.charger_id!r}"


REQUEST_KINDS = {
    chargers_pb2.CHARGER_REQUEST_KIND_FIRMWARE: "Firmware",
    chargers_pb2.CHARGER_REQUEST_KIND_LOG: "Log",
    chargers_pb2.CHARGER_REQUEST_KIND_CUSTOMER_INFORMATION: "CustomerInformation",
    chargers_pb2.CHARGER_REQUEST_KIND_DISPLAY_MESSAGES: "DisplayMessages",
}
REQUEST_KINDS_FROM = {name: kind for kind, name in REQUEST_KINDS.items()}


def charging_limit_message(record: ChargingLimitRecord) -> smart_charging_pb2.ChargingLimit:
    limit = smart_charging_pb2.ChargingLimit(evse_id=record.evse_id, source=record.source)
    if record.is_grid_critical is not None:
        limit.is_grid_critical = record.is_grid_critical
    for schedule in orjson.loads(record.schedules_json):
        limit.schedules.append(commands.schedule_from_ocpp(schedule))
    limit.updated_at.FromDatetime(record.updated_at)
    return limit


def certificate_request_message(
    record: CertificateRequestRecord,
) -> chargers_pb2.CertificateRequest:
    item = chargers_pb2.CertificateRequest(
        id=record.request_id,
        certificate_type=record.certificate_type,
        csr=record.csr,
        status=record.status,
        status_reason=record.status_reason,
        certificate_chain=record.certificate_chain or "",
    )
    item.received_at.FromDatetime(record.received_at)
    if record.updated_at is not None:
        item.updated_at.FromDatetime(record.updated_at)
    return item


def charger_request_message(record: ChargerRequestRecord) -> chargers_pb2.ChargerRequest:
    item = chargers_pb2.ChargerRequest(
        kind=REQUEST_KINDS_FROM[record.kind],
        request_id=record.request_id,
        status=record.status,
        data=record.data,
        complete=record.complete,
    )
    item.created_at.FromDatetime(record.created_at)
    item.updated_at.FromDatetime(record.updated_at)
    return item


def _enum(enum: Any, prefix: str, name: object) -> Any:
    """The proto enum value PREFIX_NAME for an OCPP name ("Absolute", "W"); 0 if none."""
    try:
        return enum.Value(f"{prefix}_{str(name).upper()}")
    except ValueError:
        return 0


def installed_profile_message(
    record: ChargingProfileRecord,
) -> smart_charging_pb2.InstalledChargingProfile:
    """A recorded profile back as the API's message (from the 1.6 or 2.0.1 JSON sent)."""
    data = orjson.loads(record.profile_json)
    schedule = data["chargingSchedule"]
    profile = smart_charging_pb2.ChargingProfile(
        charging_profile_id=record.charging_profile_id,
        stack_level=record.stack_level,
        purpose=commands.PURPOSE_FROM_16[record.purpose],
        kind=_enum(
            smart_charging_pb2.ChargingProfileKind,
            "CHARGING_PROFILE_KIND",
            data["chargingProfileKind"],
        ),
        schedule=commands.schedule_from_ocpp(
            schedule[0] if isinstance(schedule, list) else schedule
        ),
    )
    if record.transaction_id is not None:
        profile.transaction_id = record.transaction_id
    if isinstance(data.get("transactionId"), str):  # 2.0.1: the charger's transactionId
        profile.charger_transaction_id = data["transactionId"]
    if "recurrencyKind" in data:
        profile.recurrency_kind = _enum(
            smart_charging_pb2.RecurrencyKind, "RECURRENCY_KIND", data["recurrencyKind"]
        )
    if "validFrom" in data:
        profile.valid_from.FromDatetime(parse_ocpp_time(data["validFrom"]))
    if "validTo" in data:
        profile.valid_to.FromDatetime(parse_ocpp_time(data["validTo"]))
    installed = smart_charging_pb2.InstalledChargingProfile(
        charger_id=record.charger_id, connector_id=record.connector_id, profile=profile
    )
    installed.installed_at.FromDatetime(record.installed_at)
    return installed


def ev_charging_needs_message(record: EVChargingNeedsRecord) -> smart_charging_pb2.EVChargingNeeds:
    """Recorded EV charging needs as the API's message (from the 2.0.1 chargingNeeds JSON)."""
    data = orjson.loads(record.needs_json)
    needs = smart_charging_pb2.EVChargingNeeds(
        evse_id=record.evse_id,
        requested_energy_transfer=record.requested_energy_transfer,
        status=record.status,
    )
    if record.departure_time is not None:
        needs.departure_time.FromDatetime(record.departure_time)
    if record.max_schedule_tuples is not None:
        needs.max_schedule_tuples = record.max_schedule_tuples
    ac = data.get("acChargingParameters")
    if ac:
        needs.ac.CopyFrom(
            smart_charging_pb2.ACChargingParameters(
                energy_amount=ac["energyAmount"],
                ev_min_current=ac["evMinCurrent"],
                ev_max_current=ac["evMaxCurrent"],
                ev_max_voltage=ac["evMaxVoltage"],
            )
        )
    dc = data.get("dcChargingParameters")
    if dc:
        needs.dc.CopyFrom(
            smart_charging_pb2.DCChargingParameters(
                ev_max_current=dc["evMaxCurrent"], ev_max_voltage=dc["evMaxVoltage"]
            )
        )
        for field, key in (
            ("energy_amount", "energyAmount"),
            ("ev_max_power", "evMaxPower"),
            ("state_of_charge", "stateOfCharge"),
            ("ev_energy_capacity", "evEnergyCapacity"),
            ("full_soc", "fullSoC"),
            ("bulk_soc", "bulkSoC"),
        ):
            if key in dc:
                setattr(needs.dc, field, dc[key])
    needs.received_at.FromDatetime(record.received_at)
    return needs
