"""Smart Charging commands: charging profiles to OCPP and back, composite schedules, and
2.0.1's GetChargingProfiles (answered later by ReportChargingProfiles)."""

from __future__ import annotations

from typing import Any

from csms.v1 import chargers_pb2, smart_charging_pb2

from services.common import OcppVersion
from services.manager._context import parse_ocpp_time
from services.manager._errors import InvalidArgument, UnsupportedByProtocol
from services.manager.commands._common import Call, check_connector, timestamp

PURPOSE_16 = {
    smart_charging_pb2.CHARGING_PROFILE_PURPOSE_CHARGER_MAX_PROFILE: "ChargePointMaxProfile",
    smart_charging_pb2.CHARGING_PROFILE_PURPOSE_TX_DEFAULT_PROFILE: "TxDefaultProfile",
    smart_charging_pb2.CHARGING_PROFILE_PURPOSE_TX_PROFILE: "TxProfile",
}
PURPOSE_201 = {
    **PURPOSE_16,
    smart_charging_pb2.CHARGING_PROFILE_PURPOSE_CHARGER_MAX_PROFILE: "ChargingStationMaxProfile",
}
PURPOSE_FROM_16 = {v: k for k, v in PURPOSE_16.items()}
#: Every 2.0.1 purpose, including the one only chargers report (external constraints).
_PURPOSE_201_ALL = {
    **PURPOSE_201,
    smart_charging_pb2.CHARGING_PROFILE_PURPOSE_EXTERNAL_CONSTRAINTS: (
        "ChargingStationExternalConstraints"
    ),
}
PURPOSE_FROM_201 = {v: k for k, v in _PURPOSE_201_ALL.items()}
#: 2.0.1 ChargingLimitSourceEnumType.
CHARGING_LIMIT_SOURCES = ("EMS", "Other", "SO", "CSO")
_EXTERNAL = smart_charging_pb2.CHARGING_PROFILE_PURPOSE_EXTERNAL_CONSTRAINTS
_KIND = {
    smart_charging_pb2.CHARGING_PROFILE_KIND_ABSOLUTE: "Absolute",
    smart_charging_pb2.CHARGING_PROFILE_KIND_RECURRING: "Recurring",
    smart_charging_pb2.CHARGING_PROFILE_KIND_RELATIVE: "Relative",
}
_RECURRENCY = {
    smart_charging_pb2.RECURRENCY_KIND_DAILY: "Daily",
    smart_charging_pb2.RECURRENCY_KIND_WEEKLY: "Weekly",
}
_RATE_UNIT = {
    smart_charging_pb2.CHARGING_RATE_UNIT_W: "W",
    smart_charging_pb2.CHARGING_RATE_UNIT_A: "A",
}
_RATE_UNIT_FROM = {v: k for k, v in _RATE_UNIT.items()}


def _schedule(
    schedule: smart_charging_pb2.ChargingSchedule, field: str, version: OcppVersion
) -> dict[str, Any]:
    if schedule.rate_unit not in _RATE_UNIT:
        raise InvalidArgument(
            f"{field}.rate_unit", "choose CHARGING_RATE_UNIT_W or CHARGING_RATE_UNIT_A"
        )
    if not schedule.periods:
        raise InvalidArgument(f"{field}.periods", "needs at least one period")
    periods = []
    previous = -1
    for index, period in enumerate(schedule.periods):
        where = f"{field}.periods[{index}]"
        if index == 0 and period.start_period != 0:
            raise InvalidArgument(f"{where}.start_period", "the first period must start at 0")
        if period.start_period <= previous:
            raise InvalidArgument(f"{where}.start_period", "periods must start in increasing order")
        if period.limit < 0:
            raise InvalidArgument(f"{where}.limit", "must not be negative")
        previous = period.start_period
        item: dict[str, Any] = {"startPeriod": period.start_period, "limit": round(period.limit, 1)}
        if period.HasField("number_phases"):
            if not 1 <= period.number_phases <= 3:
                raise InvalidArgument(f"{where}.number_phases", "must be 1, 2 or 3")
            item["numberPhases"] = period.number_phases
        if period.HasField("phase_to_use"):
            if version.is_16:
                raise InvalidArgument(
                    f"{where}.phase_to_use", "needs OCPP 2.0.1; a 1.6 charger picks the phase"
                )
            if not 1 <= period.phase_to_use <= 3 or item.get("numberPhases") != 1:
                raise InvalidArgument(
                    f"{where}.phase_to_use", "must be 1, 2 or 3, with number_phases 1"
                )
            item["phaseToUse"] = period.phase_to_use
        periods.append(item)
    out: dict[str, Any] = {
        "chargingRateUnit": _RATE_UNIT[schedule.rate_unit],
        "chargingSchedulePeriod": periods,
    }
    if schedule.HasField("duration"):
        if schedule.duration <= 0:
            raise InvalidArgument(f"{field}.duration", "must be positive")
        out["duration"] = schedule.duration
    if schedule.HasField("start_schedule"):
        out["startSchedule"] = timestamp(schedule.start_schedule)
    if schedule.HasField("min_charging_rate"):
        out["minChargingRate"] = round(schedule.min_charging_rate, 1)
    return out


def profile_to_ocpp(
    profile: smart_charging_pb2.ChargingProfile, version: OcppVersion, field: str = "profile"
) -> dict[str, Any]:
    """A ChargingProfile as the charger's OCPP version writes it; INVALID_ARGUMENT naming the field."""
    if profile.charging_profile_id <= 0:
        raise InvalidArgument(f"{field}.charging_profile_id", "must be positive")
    if profile.stack_level < 0:
        raise InvalidArgument(f"{field}.stack_level", "must not be negative")
    purposes = PURPOSE_16 if version.is_16 else PURPOSE_201
    if profile.purpose == _EXTERNAL:
        raise InvalidArgument(
            f"{field}.purpose",
            "EXTERNAL_CONSTRAINTS profiles come from the charger's external systems; "
            "the CSMS does not set them",
        )
    if profile.purpose not in purposes:
        raise InvalidArgument(f"{field}.purpose", "choose a CHARGING_PROFILE_PURPOSE_*")
    if profile.kind not in _KIND:
        raise InvalidArgument(f"{field}.kind", "choose a CHARGING_PROFILE_KIND_*")
    recurring = profile.kind == smart_charging_pb2.CHARGING_PROFILE_KIND_RECURRING
    if recurring != (profile.recurrency_kind in _RECURRENCY):
        raise InvalidArgument(
            f"{field}.recurrency_kind", "is required for, and only for, RECURRING profiles"
        )
    if not profile.HasField("schedule"):
        raise InvalidArgument(f"{field}.schedule", "is required")
    schedule = _schedule(profile.schedule, f"{field}.schedule", version)
    out: dict[str, Any] = {
        "stackLevel": profile.stack_level,
        "chargingProfilePurpose": purposes[profile.purpose],
        "chargingProfileKind": _KIND[profile.kind],
    }
    if recurring:
        out["recurrencyKind"] = _RECURRENCY[profile.recurrency_kind]
    if profile.HasField("valid_from"):
        out["validFrom"] = timestamp(profile.valid_from)
    if profile.HasField("valid_to"):
        out["validTo"] = timestamp(profile.valid_to)
    if version.is_16:
        if profile.charger_transaction_id:
            raise InvalidArgument(
                f"{field}.charger_transaction_id",
                "is a 2.0.1 transactionId; a 1.6 charger's transactions have the CSMS's ids: "
                "use transaction_id",
            )
        out["chargingProfileId"] = profile.charging_profile_id
        if profile.HasField("transaction_id"):
            out["transactionId"] = profile.transaction_id
        out["chargingSchedule"] = schedule
    else:
        out["id"] = profile.charging_profile_id
        # The charger's transactionId; the API resolves a CSMS transaction_id to it first.
        transaction = profile.charger_transaction_id
        if not transaction and profile.HasField("transaction_id"):
            transaction = str(profile.transaction_id)
        if transaction:
            if len(transaction) > 36:
                raise InvalidArgument(
                    f"{field}.charger_transaction_id", "must be at most 36 characters"
                )
            out["transactionId"] = transaction
        out["chargingSchedule"] = [{"id": profile.charging_profile_id, **schedule}]
    return out


def set_charging_profile(
    charger_id: str, version: OcppVersion, req: chargers_pb2.SetChargingProfileRequest
) -> Call:
    connector = check_connector("connector_id", req.connector_id, minimum=0)
    if not req.HasField("profile"):
        raise InvalidArgument("profile", "is required")
    profile = profile_to_ocpp(req.profile, version)
    tx_profile = req.profile.purpose == smart_charging_pb2.CHARGING_PROFILE_PURPOSE_TX_PROFILE
    if tx_profile and connector == 0:
        raise InvalidArgument("connector_id", "a TX_PROFILE applies to one connector, not 0")
    if (
        req.profile.purpose == smart_charging_pb2.CHARGING_PROFILE_PURPOSE_CHARGER_MAX_PROFILE
        and connector
    ):
        raise InvalidArgument("connector_id", "a CHARGER_MAX_PROFILE is set on connector 0")
    if tx_profile and not version.is_16 and "transactionId" not in profile:
        raise InvalidArgument(
            "profile.transaction_id",
            "a 2.0.1 TX_PROFILE names its transaction: set transaction_id (the CSMS's id) "
            "or charger_transaction_id",
        )
    if version.is_16:
        return "SetChargingProfile", {"connectorId": connector, "csChargingProfiles": profile}
    return "SetChargingProfile", {"evseId": connector, "chargingProfile": profile}


def clear_charging_profile(
    charger_id: str, version: OcppVersion, req: chargers_pb2.ClearChargingProfileRequest
) -> Call:
    payload: dict[str, Any] = {}
    purposes = PURPOSE_16 if version.is_16 else PURPOSE_201
    if req.purpose == _EXTERNAL:
        raise InvalidArgument(
            "purpose", "EXTERNAL_CONSTRAINTS profiles are cleared by the charger, not the CSMS"
        )
    if req.purpose and req.purpose not in purposes:
        raise InvalidArgument("purpose", "unknown purpose")
    if version.is_16:
        if req.HasField("charging_profile_id"):
            payload["id"] = req.charging_profile_id
        if req.HasField("connector_id"):
            payload["connectorId"] = check_connector("connector_id", req.connector_id, minimum=0)
        if req.purpose:
            payload["chargingProfilePurpose"] = purposes[req.purpose]
        if req.HasField("stack_level"):
            payload["stackLevel"] = req.stack_level
        return "ClearChargingProfile", payload
    criteria: dict[str, Any] = {}
    if req.HasField("charging_profile_id"):
        payload["chargingProfileId"] = req.charging_profile_id
    if req.HasField("connector_id"):
        criteria["evseId"] = check_connector("connector_id", req.connector_id, minimum=0)
    if req.purpose:
        criteria["chargingProfilePurpose"] = purposes[req.purpose]
    if req.HasField("stack_level"):
        criteria["stackLevel"] = req.stack_level
    if criteria:
        payload["chargingProfileCriteria"] = criteria
    return "ClearChargingProfile", payload


def get_composite_schedule(
    charger_id: str, version: OcppVersion, req: chargers_pb2.GetCompositeScheduleRequest
) -> Call:
    connector = check_connector("connector_id", req.connector_id, minimum=0)
    if req.duration <= 0:
        raise InvalidArgument("duration", "must be a positive number of seconds")
    payload: dict[str, Any] = {"duration": req.duration}
    if req.rate_unit:
        if req.rate_unit not in _RATE_UNIT:
            raise InvalidArgument("rate_unit", "unknown rate unit")
        payload["chargingRateUnit"] = _RATE_UNIT[req.rate_unit]
    if version.is_16:
        payload["connectorId"] = connector
    else:
        payload["evseId"] = connector
    return "GetCompositeSchedule", payload


def schedule_from_ocpp(data: dict[str, Any]) -> smart_charging_pb2.ChargingSchedule:
    """A 1.6 or 2.0.1 charging schedule (or 2.0.1 composite schedule) as the API's message."""
    schedule = smart_charging_pb2.ChargingSchedule(
        rate_unit=_RATE_UNIT_FROM.get(
            data.get("chargingRateUnit", ""), smart_charging_pb2.CHARGING_RATE_UNIT_UNSPECIFIED
        )
    )
    if "duration" in data:
        schedule.duration = data["duration"]
    if "startSchedule" in data:
        schedule.start_schedule.FromDatetime(parse_ocpp_time(data["startSchedule"]))
    if "minChargingRate" in data:
        schedule.min_charging_rate = data["minChargingRate"]
    for period in data.get("chargingSchedulePeriod", []):
        item = schedule.periods.add(start_period=period["startPeriod"], limit=period["limit"])
        if "numberPhases" in period:
            item.number_phases = period["numberPhases"]
        if "phaseToUse" in period:
            item.phase_to_use = period["phaseToUse"]
    return schedule


def composite_schedule_result(
    version: OcppVersion, req: chargers_pb2.GetCompositeScheduleRequest, answer: dict[str, Any]
) -> chargers_pb2.GetCompositeScheduleResponse:
    response = chargers_pb2.GetCompositeScheduleResponse(
        status=answer["status"], connector_id=req.connector_id, reason=status_reason(answer)
    )
    if version.is_16:
        if "connectorId" in answer:
            response.connector_id = answer["connectorId"]
        if "scheduleStart" in answer:
            response.schedule_start.FromDatetime(parse_ocpp_time(answer["scheduleStart"]))
        if "chargingSchedule" in answer:
            response.schedule.CopyFrom(schedule_from_ocpp(answer["chargingSchedule"]))
        return response
    schedule = answer.get("schedule")
    if schedule:
        response.connector_id = schedule.get("evseId", req.connector_id)
        response.schedule_start.FromDatetime(parse_ocpp_time(schedule["scheduleStart"]))
        response.schedule.CopyFrom(schedule_from_ocpp(schedule))
    return response


def status_reason(answer: dict[str, Any]) -> str:
    """A 2.0.1 answer's statusInfo as "reasonCode[: additionalInfo]"; "" without one."""
    info = answer.get("statusInfo")
    if not isinstance(info, dict):
        return ""
    reason = str(info.get("reasonCode", ""))
    if info.get("additionalInfo"):
        reason += f": {info['additionalInfo']}"
    return reason


def get_charging_profiles(
    charger_id: str,
    version: OcppVersion,
    req: smart_charging_pb2.GetChargingProfilesRequest,
    request_id: int,
) -> Call:
    """2.0.1 GetChargingProfiles with the given request id; FAILED_PRECONDITION on 1.6."""
    if version.is_16:
        raise UnsupportedByProtocol(
            charger_id,
            version,
            "GetChargingProfiles needs OCPP 2.0.1 or later; "
            "ListChargingProfiles shows what the CSMS installed",
        )
    criterion: dict[str, Any] = {}
    if req.purpose:
        if req.purpose not in _PURPOSE_201_ALL:
            raise InvalidArgument("purpose", "unknown purpose")
        criterion["chargingProfilePurpose"] = _PURPOSE_201_ALL[req.purpose]
    if req.HasField("stack_level"):
        if req.stack_level < 0:
            raise InvalidArgument("stack_level", "must not be negative")
        criterion["stackLevel"] = req.stack_level
    if req.charging_profile_ids:
        for index, profile_id in enumerate(req.charging_profile_ids):
            if profile_id <= 0:
                raise InvalidArgument(f"charging_profile_ids[{index}]", "must be positive")
        criterion["chargingProfileId"] = list(req.charging_profile_ids)
    if req.charging_limit_sources:
        sources = list(req.charging_limit_sources)
        for index, source in enumerate(sources):
            if source not in CHARGING_LIMIT_SOURCES:
                raise InvalidArgument(
                    f"charging_limit_sources[{index}]",
                    f"{source!r} is not one of {', '.join(CHARGING_LIMIT_SOURCES)}",
                )
        if len(set(sources)) != len(sources):
            raise InvalidArgument("charging_limit_sources", "names a source twice")
        criterion["chargingLimitSource"] = sources
    payload: dict[str, Any] = {"requestId": request_id, "chargingProfile": criterion}
    if req.HasField("evse_id"):
        payload["evseId"] = check_connector("evse_id", req.evse_id, minimum=0)
    return "GetChargingProfiles", payload


_KIND_FROM = {v: k for k, v in _KIND.items()}
_RECURRENCY_FROM = {v: k for k, v in _RECURRENCY.items()}


def profile_from_ocpp(data: dict[str, Any]) -> smart_charging_pb2.ChargingProfile:
    """A 1.6 csChargingProfiles or 2.0.1 ChargingProfileType as the API's message (the
    first of a 2.0.1 profile's schedules; a 2.0.1 transactionId as charger_transaction_id)."""
    purpose = data["chargingProfilePurpose"]
    profile = smart_charging_pb2.ChargingProfile(
        charging_profile_id=data["id"] if "id" in data else data["chargingProfileId"],
        stack_level=data["stackLevel"],
        purpose=PURPOSE_FROM_16.get(purpose)
        or PURPOSE_FROM_201.get(purpose, smart_charging_pb2.CHARGING_PROFILE_PURPOSE_UNSPECIFIED),
        kind=_KIND_FROM.get(
            data["chargingProfileKind"], smart_charging_pb2.CHARGING_PROFILE_KIND_UNSPECIFIED
        ),
    )
    schedule = data["chargingSchedule"]
    if isinstance(schedule, list):
        schedule = schedule[0] if schedule else {}
    profile.schedule.CopyFrom(schedule_from_ocpp(schedule))
    if "recurrencyKind" in data:
        profile.recurrency_kind = _RECURRENCY_FROM.get(
            data["recurrencyKind"], smart_charging_pb2.RECURRENCY_KIND_UNSPECIFIED
        )
    if "validFrom" in data:
        profile.valid_from.FromDatetime(parse_ocpp_time(data["validFrom"]))
    if "validTo" in data:
        profile.valid_to.FromDatetime(parse_ocpp_time(data["validTo"]))
    transaction = data.get("transactionId")
    if isinstance(transaction, str):
        profile.charger_transaction_id = transaction
    elif isinstance(transaction, int):
        profile.transaction_id = transaction
    return profile
