"""Charging transactions and their meter values: the records, the ``TransactionStore``
interface and the checks of what is written (``SqlTransactionStore`` in
``_transactions_sql``; how a 2.0.1 TransactionEvent changes its transaction in
``_transaction_events``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from services.manager.domain import ENERGY_REGISTER, delivered_wh, register_wh

from ._common import utc
from ._keyset import check_length

__all__ = [
    "ANOMALY_KINDS",
    "SUPERSEDED_PREFIX",
    "TRANSACTION_EVENT_TYPES",
    "MeterValueRecord",
    "MeterValuesOutcome",
    "StopOutcome",
    "TransactionEvent",
    "TransactionEventOutcome",
    "TransactionRecord",
    "TransactionStore",
    "check_meter_value",
    "energy_wh",
]


#: The stop reason of a transaction ended because a newer one started on its connector
#: or EVSE (followed by the newer one's id); its charger's own stop, if it comes, replaces it.
SUPERSEDED_PREFIX = "Superseded by "


#: OCPP 2.0.1 TransactionEventEnumType.
TRANSACTION_EVENT_TYPES = ("Started", "Updated", "Ended")


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


#: The ``transaction_anomalies.kind`` values.
ANOMALY_KINDS = frozenset(
    {
        "unknown-transaction-stop",
        "foreign-transaction-stop",
        "meter-values-unknown-transaction",
        # A 2.0.1 charger sent another event with a seqNo it had used in the transaction.
        "repeated-seq-no",
        # A StartTransaction on a connector ended the older transaction still active there.
        "superseded-transaction",
    }
)


class TransactionStore(Protocol):
    """Charging transactions, their meter values, and stops/values that fit no transaction."""

    async def start(
        self,
        *,
        charger_id: str,
        connector_id: int,
        id_tag: str,
        id_tag_status: str,
        meter_start: int,
        started_at: datetime,
        reservation_id: int | None = None,
    ) -> tuple[TransactionRecord, bool]:
        """Issue a transaction id; ``(record, created)``. Idempotent: a retried
        StartTransaction (same charger, connector, tag, timestamp and meter_start) returns the
        existing record with ``created=False``. A Pending/Accepted reservation
        ``reservation_id`` of this charger becomes Used by it, in the same database
        transaction. NotFound if the charger does not exist.
        """
        ...

    async def stop(
        self,
        *,
        charger_id: str,
        transaction_id: int,
        meter_stop: int,
        stopped_at: datetime,
        reason: str,
        stop_id_tag: str = "",
    ) -> TransactionRecord | None:
        """Stop it; None when the id is unknown or another charger's (the caller records an
        anomaly). An already stopped transaction is returned unchanged (a retried Stop).
        """
        ...

    async def stop_outcome(
        self,
        *,
        charger_id: str,
        transaction_id: int,
        meter_stop: int,
        stopped_at: datetime,
        reason: str,
        stop_id_tag: str = "",
    ) -> StopOutcome:
        """``stop``, also telling whether this call stopped it (False for a retry). A
        transaction ended provisionally as superseded (stop reason ``Superseded by N``)
        takes its charger's own stop when that arrives late: ``stopped`` is True again.
        """
        ...

    async def add_meter_values(self, rows: Sequence[MeterValueRecord]) -> set[int]:
        """Store ``rows`` in one bulk insert. Rows naming a transaction that is not their
        charger's are stored with transaction_id None; those named ids are returned (the
        caller records the anomaly). The latest total Energy.Active.Import.Register reading
        (Wh or kWh; not Transaction.Begin) becomes the ``last_energy_wh`` of an active
        transaction (a later timestamp wins). Concurrent calls may share one database
        transaction (group commit); each returns once its rows are committed.

        A value is stored once per (charger, connector, transaction or none, timestamp,
        measurand, phase, context, location), whichever copy of a retried call comes
        first: a later copy stores nothing and names no unknown transaction again.
        """
        ...

    async def add_meter_values_outcome(
        self, rows: Sequence[MeterValueRecord]
    ) -> MeterValuesOutcome:
        """``add_meter_values``, telling what this call newly stored."""
        ...

    async def record_event(self, event: TransactionEvent) -> TransactionEventOutcome:
        """Apply an OCPP 2.0.1 TransactionEvent to the charger's transaction
        ``event.charger_transaction_id``, creating it (with a new CSMS id) if it is the
        first event of it received, whatever its type. An event received before (the same
        seqNo and ``digest``) is a duplicate: nothing changes and the status answered the
        first time is returned; a seqNo received before with another digest is another
        event (some chargers number every event 0), applied, with ``reused_seq_no`` set
        the first time that seqNo of the transaction is reused. Otherwise the event's
        meter values are stored once each (connector_id = the transaction's EVSE) and the
        rules of ``_transaction_events`` applied: earliest timestamp/energy reading start
        it, the latest reading is its energy, Ended stops it once and nothing reopens it.
        A reservation it names becomes Used. All in one database transaction; NotFound if
        the charger does not exist.
        """
        ...

    async def get_by_charger_transaction_id(
        self, charger_id: str, charger_transaction_id: str
    ) -> TransactionRecord | None:
        """The charger's 2.0.1 transaction with that transactionId, or None."""
        ...

    async def record_anomaly(
        self, *, charger_id: str, kind: str, transaction_id: int | None, payload: str, at: datetime
    ) -> None:
        """Keep a call that fits no transaction (kind: unknown-transaction-stop, ...)."""
        ...

    async def anomalies(self, charger_id: str) -> list[tuple[str, int | None, str, datetime]]:
        """The charger's anomalies, oldest first: (kind, transaction_id, payload, at)."""
        ...

    async def get(self, transaction_id: int) -> TransactionRecord | None:
        """The transaction, or None."""
        ...

    async def active_on(self, charger_id: str, connector_id: int) -> TransactionRecord | None:
        """The active transaction on that connector (the newest if several), or None."""
        ...

    async def active_count(self, id_tag: str) -> int:
        """How many active transactions ``id_tag`` has."""
        ...

    async def list_meter_values(
        self,
        transaction_id: int,
        *,
        page_size: int,
        page_token: str = "",
        measurand: str | None = None,
    ) -> tuple[list[MeterValueRecord], str]:
        """One page of a transaction's values, oldest first (keyset on (timestamp, id))."""
        ...

    async def list(
        self,
        *,
        page_size: int,
        page_token: str = "",
        charger_id: str | None = None,
        id_tag: str | None = None,
        started_after: datetime | None = None,
        started_before: datetime | None = None,
        active: bool | None = None,
        charger_transaction_id: str | None = None,
        remote_start_id: int | None = None,
    ) -> tuple[list[TransactionRecord], str]:
        """One page, newest first (keyset on (started_at, id)), and the next page's token.

        ``started_after <= started_at < started_before``; ``active`` True/False keeps
        running/stopped transactions; ``charger_transaction_id`` and ``remote_start_id``
        (2.0.1) keep the transactions with that id.
        """
        ...


def check_meter_value(row: MeterValueRecord) -> dict[str, Any]:
    """The ``meter_values`` row of ``row``; ValueError for values that do not fit."""
    return {
        "charger_id": row.charger_id,
        "connector_id": row.connector_id,
        "transaction_id": row.transaction_id,
        "timestamp": utc(row.timestamp),
        "value": row.value,
        "measurand": check_length("measurand", row.measurand, 64),
        "phase": check_length("phase", row.phase, 8),
        "unit": check_length("unit", row.unit, 20),
        "context": check_length("context", row.context, 32),
        "location": check_length("location", row.location, 16),
        "format": check_length("format", row.format, 16),
        "signed_data": row.signed_data or None,
    }


def energy_wh(row: MeterValueRecord) -> float | None:
    """The reading in Wh if ``row`` counts as a 1.6 transaction's energy, else None: a
    total energy register reading (``domain.register_wh``) in any context but
    Transaction.Begin (whose value is the meter_start)."""
    if row.context == "Transaction.Begin":
        return None
    return register_wh(row.measurand, row.phase, row.unit, row.value)
