"""How an OCPP 2.0.1 TransactionEvent changes its transaction: plain functions, applied by
``SqlTransactionEvents`` (``_transaction_events_sql``).

Events may arrive late, twice or out of order (a charger replays its offline queue), so
every rule reads the event's own data, never the arrival order:

- ``started_at`` is the earliest event timestamp seen (a late Started corrects it);
- ``meter_start`` is the earliest energy register reading seen, ``last_energy_wh`` the
  latest; ``meter_stop`` is the latest reading when the Ended event arrives;
- an Ended event stops the transaction once; nothing reopens it (a transaction ended
  as superseded by a newer one on its EVSE takes its own Ended when that comes late);
- the first idToken becomes ``id_tag``, a later one in an Ended event ``stop_id_tag``;
- ``charging_state`` follows the event with the highest seqNo;
- an event is the same event as one received before when its seqNo and its payload's
  digest (``event_digest``: eventType, timestamp and everything else) are the same. Some
  chargers number every event 0: a seqNo alone does not identify an event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.manager.domain import event_start_key, register_wh

from ._common import check_charger_id, utc
from ._keyset import check_length
from ._transactions import (
    SUPERSEDED_PREFIX,
    TRANSACTION_EVENT_TYPES,
    MeterValueRecord,
    TransactionEvent,
    TransactionRecord,
    check_meter_value,
)

__all__ = [
    "MAX_ID_TOKEN_LENGTH",
    "EnergyMarks",
    "check_event",
    "event_changes",
    "new_transaction_row",
    "reading_wh",
]


#: OCPP 2.1 IdToken is 255 characters (2.0.1: 36).
MAX_ID_TOKEN_LENGTH = 255


@dataclass(frozen=True, slots=True)
class EnergyMarks:
    """When a transaction's meter_start and last_energy_wh readings were taken."""

    meter_start_at: datetime | None
    last_energy_at: datetime | None


def check_event(event: TransactionEvent) -> None:
    """ValueError for an event whose fields do not fit the tables."""
    check_charger_id(event.charger_id)
    check_length("charger transaction id", event.charger_transaction_id, 36, empty=False)
    if event.event_type not in TRANSACTION_EVENT_TYPES:
        raise ValueError(
            f"event type must be one of {list(TRANSACTION_EVENT_TYPES)}, got {event.event_type!r}"
        )
    check_length("trigger reason", event.trigger_reason, 32, empty=False)
    check_length("id token", event.id_token, MAX_ID_TOKEN_LENGTH)
    check_length("id token type", event.id_token_type, 20)
    check_length("id token status", event.id_token_status, 16)
    check_length("stopped reason", event.stopped_reason, 32)
    check_length("charging state", event.charging_state, 16)
    check_length("OCPP version", event.ocpp_version, 8, empty=False)
    check_length("digest", event.digest, 32)
    for row in event.meter_values:
        check_meter_value(row)


def reading_wh(row: MeterValueRecord) -> float | None:
    """The reading in Wh if ``row`` is a total energy register reading, else None
    (``domain.register_wh``). Unlike 1.6, a Transaction.Begin reading counts: 2.0.1 has no
    meterStart field."""
    return register_wh(row.measurand, row.phase, row.unit, row.value)


def _readings(event: TransactionEvent) -> list[tuple[datetime, int, float]]:
    """(time, tie-break, Wh) of the event's energy readings; at equal times Begin sorts
    first and End last."""
    rank = {"Transaction.Begin": 0, "Transaction.End": 2}
    found = []
    for row in event.meter_values:
        wh = reading_wh(row)
        if wh is not None:
            found.append((utc(row.timestamp), rank.get(row.context, 1), wh))
    return found


def new_transaction_row(event: TransactionEvent, evse_id: int) -> dict[str, Any]:
    """The ``transactions`` columns of a transaction the event creates (before the event's
    own changes, which ``event_changes`` then applies)."""
    at = utc(event.timestamp)
    return {
        "charger_id": event.charger_id,
        "connector_id": evse_id,
        "id_tag": "",
        "id_tag_status": "",
        "meter_start": 0,
        "started_at": at,
        "start_key": event_start_key(event.charger_id, event.charger_transaction_id),
        "charger_transaction_id": event.charger_transaction_id,
        "ocpp_version": event.ocpp_version,
    }


def event_changes(
    current: TransactionRecord, marks: EnergyMarks, event: TransactionEvent
) -> dict[str, Any]:
    """The ``transactions`` columns the event changes (only those that differ)."""
    changes: dict[str, Any] = {}
    at = utc(event.timestamp)
    if at < current.started_at:
        changes["started_at"] = at
    if event.evse_id and current.connector_id == 0:
        changes["connector_id"] = event.evse_id
    if event.id_token or event.id_token_type == "NoAuthorization":
        if not current.id_tag and not current.id_token_type:
            changes["id_tag"] = event.id_token
            changes["id_token_type"] = event.id_token_type
            changes["id_tag_status"] = event.id_token_status
        elif event.event_type == "Ended" and event.id_token:
            changes["stop_id_tag"] = event.id_token
    if event.remote_start_id is not None and current.remote_start_id is None:
        changes["remote_start_id"] = event.remote_start_id
    if event.reservation_id is not None and current.reservation_id is None:
        changes["reservation_id"] = event.reservation_id
    if event.offline and not current.offline:
        changes["offline"] = True
    newest = current.last_seq_no is None or event.seq_no >= current.last_seq_no
    if newest:
        changes["last_seq_no"] = event.seq_no
        if event.charging_state and event.charging_state != current.charging_state:
            changes["charging_state"] = event.charging_state

    readings = _readings(event)
    last_energy = current.last_energy_wh
    if readings:
        first = min(readings)
        if marks.meter_start_at is None or first[0] < marks.meter_start_at:
            changes["meter_start"] = round(first[2])
            changes["meter_start_at"] = first[0]
        latest = max(readings)
        if marks.last_energy_at is None or latest[0] >= marks.last_energy_at:
            last_energy = latest[2]
            changes["last_energy_wh"] = latest[2]
            changes["last_energy_at"] = latest[0]
    # A transaction ended as superseded takes its own Ended when that comes late.
    provisional = current.stop_reason.startswith(SUPERSEDED_PREFIX)
    if event.event_type == "Ended" and (current.active or provisional):
        changes["stopped_at"] = at
        changes["stop_reason"] = event.stopped_reason or "Local"
        if last_energy is not None:
            changes["meter_stop"] = round(last_energy)
    return changes
