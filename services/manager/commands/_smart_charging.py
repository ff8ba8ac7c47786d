"""Smart Charging commands: charging profiles to OCPP, and composite schedules back."""

from __future__ import annotations

from typing import Any

from csms.v1 import chargers_pb2, smart_charging_pb2

from services.manager._context import parse_ocpp_time
from services.manager._errors import InvalidArgument
from services.manager.commands._common import Call, check_connector, is_16, timestamp

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


def _schedule(schedule: smart_charging_pb2.ChargingSchedule, field: str) -> dict[str, Any]:
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
    profile: smart_charging_pb2.ChargingProfile, version: str, field: str = "profile"
) -> dict[str, Any]:
    """A ChargingProfile as the charger's OCPP version writes it; INVALID_ARGUMENT naming the field."""
    if profile.charging_profile_id <= 0:
        raise InvalidArgument(f"{field}.charging_profile_id", "must be positive")
    if profile.stack_level < 0:
        raise InvalidArgument(f"{field}.stack_level", "must not be negative")
    purposes = PURPOSE_16 if is_16(version) else PURPOSE_201
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
    schedule = _schedule(profile.schedule, f"{field}.schedule")
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
    if is_16(version):
        out["chargingProfileId"] = profile.charging_profile_id
        if profile.HasField("transaction_id"):
            out["transactionId"] = profile.transaction_id
        out["chargingSchedule"] = schedule
    else:
        out["id"] = profile.charging_profile_id
        if profile.HasField("transaction_id"):
            out["transactionId"] = str(profile.transaction_id)
        out["chargingSchedule"] = [{"id": profile.charging_profile_id, **schedule}]
    return out


def set_charging_profile(
    charger_id: str, version: str, req: chargers_pb2.SetChargingProfileRequest
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
    if is_16(version):
        return "SetChargingProfile", {"connectorId": connector, "csChargingProfiles": profile}
    return "SetChargingProfile", {"evseId": connector, "chargingProfile": profile}


def clear_charging_profile(
    charger_id: str, version: str, req: chargers_pb2.ClearChargingProfileRequest
) -> Call:
    payload: dict[str, Any] = {}
    purposes = PURPOSE_16 if is_16(version) else PURPOSE_201
    if req.purpose and req.purpose not in purposes:
        raise InvalidArgument("purpose", "unknown purpose")
    if is_16(version):
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
    charger_id: str, version: str, req: chargers_pb2.GetCompositeScheduleRequest
) -> Call:
    connector = check_connector("connector_id", req.connector_id, minimum=0)
    if req.duration <= 0:
        raise InvalidArgument("duration", "must be a positive number of seconds")
    payload: dict[str, Any] = {"duration": req.duration}
    if req.rate_unit:
        if req.rate_unit not in _RATE_UNIT:
            raise InvalidArgument("rate_unit", "unknown rate unit")
        payload["chargingRateUnit"] = _RATE_UNIT[req.rate_unit]
    if is_16(version):
        payload["connectorId"] = connector
    else:
        payload["evseId"] = connector
    return "GetCompositeSchedule", payload


def _schedule_from_ocpp(data: dict[str, Any]) -> smart_charging_pb2.ChargingSchedule:
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
    return schedule


def composite_schedule_result(
    version: str, req: chargers_pb2.GetCompositeScheduleRequest, answer: dict[str, Any]
) -> chargers_pb2.GetCompositeScheduleResponse:
    response = chargers_pb2.GetCompositeScheduleResponse(
        status=answer["status"], connector_id=req.connector_id
    )
    if is_16(version):
        if "connectorId" in answer:
            response.connector_id = answer["connectorId"]
        if "scheduleStart" in answer:
            response.schedule_start.FromDatetime(parse_ocpp_time(answer["scheduleStart"]))
        if "chargingSchedule" in answer:
            response.schedule.CopyFrom(_schedule_from_ocpp(answer["chargingSchedule"]))
        return response
    schedule = answer.get("schedule")
    if schedule:
        response.connector_id = schedule.get("evseId", req.connector_id)
        response.schedule_start.FromDatetime(parse_ocpp_time(schedule["scheduleStart"]))
        response.schedule.CopyFrom(_schedule_from_ocpp(schedule))
    return response
