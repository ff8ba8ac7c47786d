"""Immutable values of the id tag, transaction and reservation stores."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.manager.domain import ENERGY_REGISTER, ID_TAG_STATUSES, delivered_wh

__all__ = [
    "ENERGY_REGISTER",
    "ID_TAG_STATUSES",
    "RESERVATION_STATES",
    "SUPERSEDED_PREFIX",
    "TRANSACTION_EVENT_TYPES",
    "IdTagRecord",
    "MeterValueRecord",
    "MeterValuesOutcome",
    "ReservationRecord",
    "StopOutcome",
    "TransactionEvent",
    "TransactionEventOutcome",
    "TransactionRecord",
]

#: ``reservations.state``.
RESERVATION_STATES = frozenset({"Pending", "Accepted", "Rejected", "Cancelled", "Used", "Expired"})
#: The stop reason of a transaction ended because a newer one started on its connector
#: or EVSE (followed by the newer one's id); its charger's own stop, if it comes, replaces it.
SUPERSEDED_PREFIX = "Superseded by "
#: OCPP 2.0.1 TransactionEventEnumType.
TRANSACTION_EVENT_TYPES = ("Started", "Updated", "Ended")


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
    #: OCPP 2.0.1: the charger's transactionId (unique per charger); "" for 1.6.
    charger_transaction_id: str = ""
    #: OCPP 2.0.1: the remoteStartId of the RequestStartTransaction that started it.
    remote_start_id: int | None = None
    #: OCPP 2.0.1: whether any of its events happened while the charger was offline.
    offline: bool = False
    #: OCPP 2.0.1: the IdTokenEnumType of ``id_tag`` (ISO14443, Central, ...); "" for 1.6.
    id_token_type: str = ""
    #: OCPP 2.0.1: the latest chargingState reported (Charging, SuspendedEV, ...).
    charging_state: str = ""
    #: OCPP 2.0.1: the highest seqNo received for it.
    last_seq_no: int | None = None
    #: The OCPP version the charger reported it over (1.6, 2.0.1, 2.1).
    ocpp_version: str = "1.6"

    @property
    def active(self) -> bool:
        """Whether the transaction has not been stopped."""
        return self.stopped_at is None

    @property
    def energy_wh(self) -> float:
        """Energy delivered so far (Wh): final when stopped, from the latest reading before."""
        return delivered_wh(self.meter_start, self.meter_stop, self.last_energy_wh)


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
    #: OCPP 2.0.1 signedMeterValue as JSON (signedMeterData, signingMethod, ...); "" when none.
    signed_data: str = ""


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


@dataclass(frozen=True, slots=True)
class TransactionEvent:
    """One OCPP 2.0.1 TransactionEvent, as the transaction store applies it."""

    charger_id: str
    #: The charger's transactionId (transactionInfo.transactionId).
    charger_transaction_id: str
    #: Started, Updated or Ended.
    event_type: str
    seq_no: int
    timestamp: datetime
    trigger_reason: str
    offline: bool = False
    #: evse.id; None when the event names no EVSE.
    evse_id: int | None = None
    #: idToken.idToken; "" when the event carries no idToken.
    id_token: str = ""
    id_token_type: str = ""
    #: The idTokenInfo.status the CSMS answers for ``id_token``.
    id_token_status: str = ""
    remote_start_id: int | None = None
    reservation_id: int | None = None
    #: transactionInfo.stoppedReason; "" when absent.
    stopped_reason: str = ""
    #: transactionInfo.chargingState; "" when absent.
    charging_state: str = ""
    #: The sampled values, flattened; the store links them to the transaction.
    meter_values: tuple[MeterValueRecord, ...] = ()
    #: The OCPP version the charger speaks (2.0.1 or 2.1).
    ocpp_version: str = "2.0.1"
    #: What makes the event this event beside its seqNo: a hash of its whole payload
    #: (``event_digest``). A seqNo repeated with another digest is another event.
    digest: str = ""


@dataclass(frozen=True, slots=True)
class TransactionEventOutcome:
    """What a TransactionEvent did to its transaction."""

    #: The transaction after the event.
    transaction: TransactionRecord
    #: The event created the transaction (the first event of it the CSMS received).
    created: bool
    #: The event's seqNo was received before: nothing changed.
    duplicate: bool
    #: The event ended a transaction that was active.
    ended: bool
    #: The idTokenInfo.status answered to the event the first time ("" when none);
    #: for a duplicate, what to answer again.
    id_token_status: str = ""
    #: The event is the first other event of its transaction with a seqNo received
    #: before (the charger reuses seqNos): applied, and worth an anomaly (once per seqNo).
    reused_seq_no: bool = False


@dataclass(frozen=True, slots=True)
class StopOutcome:
    """What a StopTransaction did."""

    #: The transaction after the stop; None when unknown or another charger's.
    transaction: TransactionRecord | None
    #: This stop ended it (or replaced the provisional end of a superseded one); False
    #: for a retried stop that changed nothing.
    stopped: bool


@dataclass(frozen=True, slots=True)
class MeterValuesOutcome:
    """What one ``add_meter_values`` call stored (a retried call's copies store nothing)."""

    #: Rows newly stored by this call.
    stored: int
    #: Transaction ids the newly stored rows named that are not their charger's.
    unknown: frozenset[int]
    #: The charger's transactions that got newly stored rows.
    updated: frozenset[int]
