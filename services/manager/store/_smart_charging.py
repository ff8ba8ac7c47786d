"""OCPP 2.0.1 smart charging reports the CSMS remembers for operators to read back.

- **Charging limits**: what an external system (EMS, grid operator) limits a charger or
  one of its EVSEs to, per source, from NotifyChargingLimit until ClearedChargingLimit.
- **EV charging needs**: the latest NotifyEVChargingNeeds per EVSE, with the CSMS's answer.
- **Reported profiles**: the profiles a charger reported (ReportChargingProfiles), per
  GetChargingProfiles request id. A request sent again under the same id starts over; a
  report for an id the CSMS never sent creates it; a profile reported twice in one
  report (same EVSE, source and id) is kept once, as last reported.

Profiles the CSMS installed are the ``ChargingProfileStore``'s. Writes naming an unknown
charger raise NotFound, as the other stores do. ``SqlSmartChargingStore`` in
``_smart_charging_sql``.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

__all__ = [
    "ChargingLimitRecord",
    "ChargingProfileReportRecord",
    "EVChargingNeedsRecord",
    "ReportedProfileRecord",
    "SmartChargingStore",
]


@dataclass(frozen=True, slots=True)
class ChargingLimitRecord:
    charger_id: str
    evse_id: int  # 0 = the charger as a whole
    source: str  # EMS, Other, SO, CSO (2.0.1); in 2.1 any string of up to 20 characters
    is_grid_critical: bool | None
    schedules_json: str  # the 2.0.1 chargingSchedule list ("[]" when none was sent)
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class EVChargingNeedsRecord:
    charger_id: str
    evse_id: int
    requested_energy_transfer: str
    departure_time: datetime | None
    max_schedule_tuples: int | None
    needs_json: str  # the 2.0.1 chargingNeeds as sent
    status: str  # what the CSMS answered
    received_at: datetime


@dataclass(frozen=True, slots=True)
class ChargingProfileReportRecord:
    charger_id: str
    request_id: int
    status: str  # the answer to GetChargingProfiles; "" if the CSMS did not send it
    complete: bool  # the last part (tbc false) arrived
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ReportedProfileRecord:
    evse_id: int  # 0 = the charger as a whole
    source: str  # chargingLimitSource of the part that carried it
    charging_profile_id: int
    profile_json: str  # the 2.0.1 ChargingProfileType as reported
    received_at: datetime


class SmartChargingStore(Protocol):
    """Charging limits, EV charging needs and reported profiles of 2.0.1 chargers."""

    async def set_charging_limit(self, record: ChargingLimitRecord) -> None:
        """Record a limit, replacing the one of the same EVSE and source."""
        ...

    async def clear_charging_limit(self, charger_id: str, evse_id: int, source: str) -> bool:
        """Forget the limit of that EVSE and source; whether one was recorded."""
        ...

    async def charging_limits(self, charger_id: str) -> builtins.list[ChargingLimitRecord]:
        """The charger's limits by EVSE, then source."""
        ...

    async def set_ev_charging_needs(self, record: EVChargingNeedsRecord) -> None:
        """Record an EVSE's needs, replacing the previous ones."""
        ...

    async def ev_charging_needs(
        self, charger_id: str, evse_id: int | None = None
    ) -> builtins.list[EVChargingNeedsRecord]:
        """The latest needs of the charger's EVSEs (or of one), by EVSE."""
        ...

    async def profiles_requested(
        self, charger_id: str, request_id: int, *, status: str, complete: bool, at: datetime
    ) -> None:
        """Record a GetChargingProfiles and the charger's answer; a report under the same
        id is dropped (its profiles start over)."""
        ...

    async def profiles_answered(
        self, charger_id: str, request_id: int, *, status: str, at: datetime
    ) -> None:
        """Record the charger's answer to a request recorded by ``profiles_requested``,
        keeping the profiles it may already have reported; an answer other than Accepted
        completes the report (no parts will follow)."""
        ...

    async def profiles_reported(
        self,
        charger_id: str,
        request_id: int,
        *,
        evse_id: int,
        source: str,
        profiles: Sequence[tuple[int, str]],
        tbc: bool,
        at: datetime,
    ) -> None:
        """Add one ReportChargingProfiles part: (profile id, JSON) pairs; ``tbc`` false
        completes the report. A report for an unknown request id is created."""
        ...

    async def profile_report(
        self, charger_id: str, request_id: int | None = None
    ) -> tuple[ChargingProfileReportRecord, builtins.list[ReportedProfileRecord]] | None:
        """A report (the latest when ``request_id`` is None) and its profiles by EVSE,
        source and id; None when there is none."""
        ...
