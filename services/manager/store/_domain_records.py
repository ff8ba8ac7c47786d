"""Immutable values of the id tag, transaction and reservation stores."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = [
    "ENERGY_REGISTER",
    "ID_TAG_STATUSES",
    "RESERVATION_STATES",
    "IdTagRecord",
    "MeterValueRecord",
    "ReservationRecord",
    "TransactionRecord",
]

#: ``id_tags.status``: the OCPP 1.6 AuthorizationStatus values a tag can have
#: (ConcurrentTx is an answer, computed at authorization time, never stored).
ID_TAG_STATUSES = frozenset({"Accepted", "Blocked", "Expired", "Invalid"})
#: ``reservations.state``.
RESERVATION_STATES = frozenset({"Pending", "Accepted", "Rejected", "Cancelled", "Used", "Expired"})
#: The measurand whose readings give a transaction's energy.
ENERGY_REGISTER = "Energy.Active.Import.Register"


@dataclass(frozen=True, slots=True)
class IdTagRecord:
    """An id tag (OCPP 1.6 IdToken) the CSMS knows."""

    id_tag: str
    status: str
    expiry_date: datetime | None
    #: The group tag (1.6 parentIdTag); "" when none.
    parent_id_tag: str
    #: How many transactions the tag may have at once; 0 = unlimited.
    max_active_transactions: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class TransactionRecord:
    """A charging transaction; ``transaction_id`` is the OCPP transactionId the CSMS issued."""

    transaction_id: int
    charger_id: str
    connector_id: int
    id_tag: str
    #: The idTagInfo.status answered to the StartTransaction.
    id_tag_status: str
    #: The tag presented to stop; "" when none.
    stop_id_tag: str
    meter_start: int
    meter_stop: int | None
    started_at: datetime
    stopped_at: datetime | None
    stop_reason: str
    reservation_id: int | None
    #: Latest Energy.Active.Import.Register reading in Wh while active.
    last_energy_wh: float | None

    @property
    def active(self) -> bool:
        """Whether the transaction has not been stopped."""
        return self.stopped_at is None

    @property
    def energy_wh(self) -> float:
        """Energy delivered so far (Wh): final when stopped, from the latest reading before."""
        if self.meter_stop is not None:
            return float(self.meter_stop - self.meter_start)
        if self.last_energy_wh:
            return self.last_energy_wh - self.meter_start
        return 0.0


@dataclass(frozen=True, slots=True)
class MeterValueRecord:
    """One sampled value of a MeterValues (or StopTransaction transactionData) call."""

    charger_id: str
    connector_id: int
    #: The transaction it belongs to; None when the charger named none (or an unknown one).
    transaction_id: int | None
    timestamp: datetime
    value: str
    measurand: str = ENERGY_REGISTER
    phase: str = ""
    unit: str = "Wh"
    context: str = "Sample.Periodic"
    location: str = "Outlet"
    format: str = "Raw"


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
