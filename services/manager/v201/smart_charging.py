"""OCPP 2.0.1 smart charging from the charger: NotifyChargingLimit, ClearedChargingLimit,
NotifyEVChargingNeeds and ReportChargingProfiles.

What the charger reports is recorded for operators to read back (``SmartChargingStore``):
external limits per EVSE and source until cleared, the latest EV charging needs per EVSE,
and reported profiles per GetChargingProfiles request id (multi-part: ``tbc`` says more
follow). An EVSE id absent or 0 means the charger as a whole, except for EV charging
needs, which belong to an EVSE: those with evseId 0 are answered Rejected.

The CSMS computes no schedule itself: EV charging needs it records are answered
Processing, the schedule coming from an operator (or a system reading the needs through
the API) with SetChargingProfile.
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime
from typing import TypeVar

import orjson

from services.manager._context import CallContext, Payload, parse_ocpp_time
from services.manager._errors import OcppFormatViolation, OcppGenericError
from services.manager.store import (
    ChargingLimitRecord,
    EVChargingNeedsRecord,
    NotFound,
    SmartChargingStore,
)

T = TypeVar("T")

#: The answer to EV charging needs the CSMS recorded: a schedule is being worked out.
NEEDS_RECORDED = "Processing"


async def _stored(charger_id: str, write: Awaitable[T]) -> T:
    """Await a store write; an unregistered charger gets a CallError, not an InternalError."""
    try:
        return await write
    except NotFound:
        raise OcppGenericError(
            f"charging station {charger_id!r} is not registered with this CSMS"
        ) from None


def _time(field: str, value: str) -> datetime:
    """An OCPP timestamp; a malformed one is the charger's FormatViolation."""
    try:
        return parse_ocpp_time(value)
    except ValueError:
        raise OcppFormatViolation(f"{field} {value!r} is not a date-time") from None


class SmartCharging:
    def __init__(self, store: SmartChargingStore) -> None:
        self._store = store

    async def notify_charging_limit(self, ctx: CallContext, req: Payload) -> Payload:
        """Record the limit of its EVSE (0: the charger) and source, replacing the last one."""
        limit = req["chargingLimit"]
        schedules = req.get("chargingSchedule", [])
        for schedule in schedules:
            if "startSchedule" in schedule:
                _time("chargingSchedule.startSchedule", schedule["startSchedule"])
        record = ChargingLimitRecord(
            charger_id=ctx.charger_id,
            evse_id=req.get("evseId", 0),
            source=limit["chargingLimitSource"],
            is_grid_critical=limit.get("isGridCritical"),
            schedules_json=orjson.dumps(schedules).decode(),
            updated_at=ctx.received_at,
        )
        await _stored(ctx.charger_id, self._store.set_charging_limit(record))
        return {}

    async def cleared_charging_limit(self, ctx: CallContext, req: Payload) -> Payload:
        """Forget the limit of that EVSE (0: the charger) and source; none recorded is fine."""
        await self._store.clear_charging_limit(
            ctx.charger_id, req.get("evseId", 0), req["chargingLimitSource"]
        )
        return {}

    async def notify_ev_charging_needs(self, ctx: CallContext, req: Payload) -> Payload:
        """Record the EV's needs on its EVSE and answer Processing; evseId 0 is no EVSE."""
        evse_id = req["evseId"]
        if evse_id <= 0:
            return {
                "status": "Rejected",
                "statusInfo": {
                    "reasonCode": "UnknownEVSE",
                    "additionalInfo": "charging needs belong to an EVSE: evseId must be > 0",
                },
            }
        needs = req["chargingNeeds"]
        departure = needs.get("departureTime")
        record = EVChargingNeedsRecord(
            charger_id=ctx.charger_id,
            evse_id=evse_id,
            requested_energy_transfer=needs["requestedEnergyTransfer"],
            departure_time=_time("departureTime", departure) if departure else None,
            max_schedule_tuples=req.get("maxScheduleTuples"),
            needs_json=orjson.dumps(needs).decode(),
            status=NEEDS_RECORDED,
            received_at=ctx.received_at,
        )
        await _stored(ctx.charger_id, self._store.set_ev_charging_needs(record))
        return {"status": NEEDS_RECORDED}

    async def report_charging_profiles(self, ctx: CallContext, req: Payload) -> Payload:
        """Add the part's profiles to the report of its request id; tbc false completes it."""
        await _stored(
            ctx.charger_id,
            self._store.profiles_reported(
                ctx.charger_id,
                req["requestId"],
                evse_id=req["evseId"],
                source=req["chargingLimitSource"],
                profiles=[(p["id"], orjson.dumps(p).decode()) for p in req["chargingProfile"]],
                tbc=req.get("tbc", False),
                at=ctx.received_at,
            ),
        )
        return {}
