"""Charging profiles the CSMS installed on chargers (SetChargingProfile accepted), until
cleared or their transaction ended.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from ._common import check_charger_id, utc

__all__ = [
    "CHARGING_PROFILE_PURPOSES",
    "ChargingProfileRecord",
    "ChargingProfileStore",
    "check_profile",
    "profile_record",
]


#: ``charging_profiles.purpose``, in the OCPP 1.6 spelling.
CHARGING_PROFILE_PURPOSES = frozenset({"ChargePointMaxProfile", "TxDefaultProfile", "TxProfile"})


@dataclass(frozen=True, slots=True)
class ChargingProfileRecord:
    """A charging profile a charger accepted (SetChargingProfile answered Accepted)."""

    charger_id: str
    #: 0 = the charger as a whole.
    connector_id: int
    charging_profile_id: int
    stack_level: int
    #: ChargePointMaxProfile, TxDefaultProfile or TxProfile.
    purpose: str
    #: The transaction a TxProfile is for; None otherwise.
    transaction_id: int | None
    #: The csChargingProfiles JSON that was sent.
    profile_json: str
    installed_at: datetime


class ChargingProfileStore(Protocol):
    """The charging profiles each charger accepted, as the CSMS recorded them."""

    async def installed(
        self,
        *,
        charger_id: str,
        connector_id: int,
        charging_profile_id: int,
        stack_level: int,
        purpose: str,
        transaction_id: int | None,
        profile_json: str,
        at: datetime,
    ) -> ChargingProfileRecord:
        """Record a profile the charger accepted; NotFound for an unknown charger.

        As the charger does (OCPP 1.6), it replaces the profile with the same id and the
        one on the same connector with the same purpose and stack level.
        """
        ...

    async def cleared(
        self,
        charger_id: str,
        *,
        charging_profile_id: int | None = None,
        connector_id: int | None = None,
        purpose: str | None = None,
        stack_level: int | None = None,
    ) -> int:
        """Forget the profiles a ClearChargingProfile removed; how many.

        As in OCPP 1.6: ``charging_profile_id`` alone (the others are then ignored), or
        every profile matching all of the other criteria given (none given: all).
        """
        ...

    async def transaction_ended(self, charger_id: str, transaction_id: int) -> int:
        """Discard the TxProfiles of a transaction that ended; how many."""
        ...

    async def list(
        self, charger_id: str, connector_id: int | None = None
    ) -> list[ChargingProfileRecord]:
        """The charger's profiles (of one connector), by (connector, purpose, stack level)."""
        ...


def check_profile(
    *, connector_id: int, charging_profile_id: int, stack_level: int, purpose: str
) -> None:
    """ValueError unless the numbers are non-negative and ``purpose`` is a 1.6 one."""
    if purpose not in CHARGING_PROFILE_PURPOSES:
        raise ValueError(
            f"purpose must be one of {sorted(CHARGING_PROFILE_PURPOSES)}, got {purpose!r}"
        )
    for name, value in (
        ("connector_id", connector_id),
        ("charging_profile_id", charging_profile_id),
        ("stack_level", stack_level),
    ):
        if value < 0:
            raise ValueError(f"{name} must not be negative, got {value}")


def profile_record(
    *,
    charger_id: str,
    connector_id: int,
    charging_profile_id: int,
    stack_level: int,
    purpose: str,
    transaction_id: int | None,
    profile_json: str,
    at: datetime,
) -> ChargingProfileRecord:
    """The record ``ChargingProfileStore.installed`` stores, after checking its values."""
    check_profile(
        connector_id=connector_id,
        charging_profile_id=charging_profile_id,
        stack_level=stack_level,
        purpose=purpose,
    )
    return ChargingProfileRecord(
        charger_id=check_charger_id(charger_id),
        connector_id=connector_id,
        charging_profile_id=charging_profile_id,
        stack_level=stack_level,
        purpose=purpose,
        transaction_id=transaction_id,
        profile_json=profile_json,
        installed_at=utc(at),
    )
