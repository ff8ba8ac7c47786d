"""Reservations (ReserveNow): the record, the ``ReservationStore`` interface and the
state rules (``SqlReservationStore`` in ``_reservations_sql``); reservation ids are never
reused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

__all__ = [
    "ENDED_BY_CHARGER",
    "LIVE_STATES",
    "RESERVATION_STATES",
    "ReservationRecord",
    "ReservationStore",
    "check_state",
    "outcome_state",
]


#: ``reservations.state``.
RESERVATION_STATES = frozenset({"Pending", "Accepted", "Rejected", "Cancelled", "Used", "Expired"})


@dataclass(frozen=True, slots=True)
class ReservationRecord:
    """A reservation; ``reservation_id`` is the OCPP reservationId the CSMS issued."""

    reservation_id: int
    charger_id: str
    connector_id: int
    id_tag: str
    #: "" when none.
    parent_id_tag: str
    expiry_date: datetime
    #: Pending (sent), Accepted, Rejected, Cancelled, Used (by a transaction) or Expired.
    state: str
    #: The charger's ReserveNow answer; "" until it answered.
    charger_status: str
    transaction_id: int | None
    created_at: datetime
    updated_at: datetime


#: The charger's ReserveNow answers and the state each leads to.
_OUTCOMES = {
    "Accepted": "Accepted",
    "Faulted": "Rejected",
    "Occupied": "Rejected",
    "Rejected": "Rejected",
    "Unavailable": "Rejected",
}


#: States a reservation can leave (to Used, Cancelled or Expired).
LIVE_STATES = ("Pending", "Accepted")


#: States a charger's ReservationStatusUpdate (2.0.1) can end a reservation in.
ENDED_BY_CHARGER = ("Expired", "Cancelled")


def outcome_state(charger_status: str) -> str:
    """The state a ReserveNow answer leads to; ValueError for an unknown answer."""
    try:
        return _OUTCOMES[charger_status]
    except KeyError:
        raise ValueError(
            f"ReserveNow status must be one of {sorted(_OUTCOMES)}, got {charger_status!r}"
        ) from None


def check_state(state: str | None) -> str | None:
    """``state`` if None or a reservation state, else ValueError."""
    if state is not None and state not in RESERVATION_STATES:
        raise ValueError(f"state must be one of {sorted(RESERVATION_STATES)}, got {state!r}")
    return state


class ReservationStore(Protocol):
    """Reservations the CSMS issued (ReserveNow) and what became of them."""

    async def create(
        self,
        *,
        charger_id: str,
        connector_id: int,
        id_tag: str,
        parent_id_tag: str,
        expiry_date: datetime,
        at: datetime,
    ) -> ReservationRecord:
        """A Pending reservation with a new id; NotFound if the charger does not exist."""
        ...

    async def set_outcome(
        self, reservation_id: int, charger_status: str, at: datetime
    ) -> ReservationRecord:
        """Record the charger's ReserveNow answer: Accepted → Accepted; Faulted, Occupied,
        Rejected, Unavailable → Rejected (only a Pending reservation changes state); NotFound.
        """
        ...

    async def cancel(self, reservation_id: int, at: datetime) -> ReservationRecord:
        """Pending/Accepted → Cancelled (other states are final: returned unchanged); NotFound."""
        ...

    async def get(self, reservation_id: int) -> ReservationRecord | None:
        """The reservation, or None."""
        ...

    async def list(
        self,
        *,
        page_size: int,
        page_token: str = "",
        charger_id: str | None = None,
        state: str | None = None,
    ) -> tuple[list[ReservationRecord], str]:
        """One page, newest (highest id) first, and the next page's token."""
        ...

    async def expire(self, now: datetime) -> int:
        """Pending/Accepted reservations with ``expiry_date <= now`` become Expired; how many."""
        ...

    async def ended_by_charger(
        self, reservation_id: int, *, charger_id: str, state: str, at: datetime
    ) -> ReservationRecord | None:
        """A charger ended its reservation (2.0.1 ReservationStatusUpdate): a Pending/Accepted
        one becomes ``state`` (Expired or Cancelled), others are returned unchanged; None
        when the id is unknown or another charger's.
        """
        ...
