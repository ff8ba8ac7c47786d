"""Contract of the transaction store's OCPP 2.0.1 side (``record_event``): every test runs
against the SQL stores on PostgreSQL and on SQLite.

2.0.1 transactions share the ``transactions`` table with 1.6 ones: the CSMS issues the
id; the charger's transactionId is kept beside it, unique per charger.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.manager.store import (
    ChargerStore,
    MeterValueRecord,
    NotFound,
    ReservationStore,
    SqlChargerStore,
    SqlReservationStore,
    SqlTransactionStore,
    TransactionEvent,
    TransactionEventOutcome,
    TransactionStore,
)

T0 = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@dataclass
class Stores:
    chargers: ChargerStore
    transactions: TransactionStore
    reservations: ReservationStore


@pytest.fixture
async def stores(store_url: str) -> AsyncIterator[Stores]:
    """Fresh stores of one implementation with chargers CS-1 and CS-2 registered."""
    chargers = await SqlChargerStore.open(store_url)
    built = Stores(
        chargers, SqlTransactionStore(chargers.engine), SqlReservationStore(chargers.engine)
    )
    try:
        await built.chargers.register("CS-1", "2.0.1", T0)
        await built.chargers.register("CS-2", "2.0.1", T0)
        yield built
    finally:
        await built.chargers.aclose()


def reading(
    seconds: float, wh: float, context: str = "Sample.Periodic", **kw: Any
) -> MeterValueRecord:
    """An energy register reading of CS-1 (the store links it to the transaction)."""
    return MeterValueRecord("CS-1", 0, None, at(seconds), repr(wh), context=context, **kw)


async def event(
    stores: Stores, event_type: str, seq_no: int, seconds: float, **kw: Any
) -> TransactionEventOutcome:
    """Apply a TransactionEvent of CS-1's transaction "tx-1" with defaults."""
    fields: dict[str, Any] = {
        "charger_id": "CS-1",
        "charger_transaction_id": "tx-1",
        "event_type": event_type,
        "seq_no": seq_no,
        "timestamp": at(seconds),
        "trigger_reason": {"Started": "CablePluggedIn", "Ended": "EVDeparted"}.get(
            event_type, "MeterValuePeriodic"
        ),
        "evse_id": 1,
    }
    fields.update(kw)
    return await stores.transactions.record_event(TransactionEvent(**fields))


async def test_started_creates_a_transaction_with_a_csms_id(stores: Stores) -> None:
    """The first event creates the transaction: CSMS id, the charger's id, EVSE, token, start."""
    outcome = await event(
        stores,
        "Started",
        0,
        0,
        id_token="TAG-1",
        id_token_type="ISO14443",
        id_token_status="Accepted",
        remote_start_id=77,
        charging_state="EVConnected",
        meter_values=(reading(0, 1000.0, "Transaction.Begin"),),
    )
    tx = outcome.transaction
    assert (outcome.created, outcome.duplicate, outcome.ended) == (True, False, False)
    assert tx.transaction_id > 0
    assert tx.charger_transaction_id == "tx-1"
    assert (tx.charger_id, tx.connector_id, tx.id_tag, tx.id_tag_status) == (
        "CS-1",
        1,
        "TAG-1",
        "Accepted",
    )
    assert (tx.id_token_type, tx.remote_start_id, tx.charging_state) == (
        "ISO14443",
        77,
        "EVConnected",
    )
    assert (tx.meter_start, tx.started_at, tx.active, tx.last_seq_no) == (1000, at(0), True, 0)
    assert tx.ocpp_version == "2.0.1"
    assert await stores.transactions.get(tx.transaction_id) == tx
    assert await stores.transactions.get_by_charger_transaction_id("CS-1", "tx-1") == tx
    assert await stores.transactions.get_by_charger_transaction_id("CS-2", "tx-1") is None


async def test_a_session_gets_its_energy_from_the_latest_reading(stores: Stores) -> None:
    """Updated readings become last_energy_wh; Ended stops it with the latest reading as meter_stop."""
    await event(stores, "Started", 0, 0, meter_values=(reading(0, 1000.0, "Transaction.Begin"),))
    updated = await event(stores, "Updated", 1, 60, meter_values=(reading(60, 1.5, unit="kWh"),))
    assert updated.transaction.energy_wh == 500.0
    ended = await event(
        stores,
        "Ended",
        2,
        120,
        stopped_reason="EVDisconnected",
        meter_values=(reading(120, 2750.0, "Transaction.End"),),
    )
    tx = ended.transaction
    assert ended.ended
    assert not tx.active
    assert (tx.meter_stop, tx.energy_wh, tx.stop_reason, tx.stopped_at) == (
        2750,
        1750.0,
        "EVDisconnected",
        at(120),
    )
    values, _ = await stores.transactions.list_meter_values(tx.transaction_id, page_size=10)
    assert [(v.value, v.connector_id, v.transaction_id) for v in values] == [
        ("1000.0", 1, tx.transaction_id),
        ("1.5", 1, tx.transaction_id),
        ("2750.0", 1, tx.transaction_id),
    ]


async def test_a_repeated_seq_no_changes_nothing_and_returns_the_first_answer(
    stores: Stores,
) -> None:
    """A duplicate (same transaction, same seqNo) stores no values and gets the status answered first."""
    first = await event(
        stores,
        "Started",
        0,
        0,
        id_token="TAG-1",
        id_token_type="ISO14443",
        id_token_status="Blocked",
    )
    await event(stores, "Updated", 1, 60, meter_values=(reading(60, 1500.0),))
    again = await event(
        stores,
        "Started",
        0,
        0,
        id_token="TAG-1",
        id_token_type="ISO14443",
        id_token_status="Accepted",
    )
    assert (again.duplicate, again.created, again.id_token_status) == (True, False, "Blocked")
    repeat = await event(stores, "Updated", 1, 60, meter_values=(reading(60, 1500.0),))
    assert repeat.duplicate
    values, _ = await stores.transactions.list_meter_values(
        first.transaction.transaction_id, page_size=10
    )
    assert len(values) == 1


async def test_events_out_of_order_give_the_same_transaction(stores: Stores) -> None:
    """Ended, then Updated, then Started (a replayed offline queue) give one stopped transaction
    whose start, readings and energy are those of the events, not of their arrival."""
    ended = await event(
        stores,
        "Ended",
        2,
        120,
        offline=True,
        meter_values=(reading(120, 2750.0, "Transaction.End"),),
    )
    assert ended.created
    assert ended.ended
    assert ended.transaction.started_at == at(120)
    await event(stores, "Updated", 1, 60, offline=True, meter_values=(reading(60, 1500.0),))
    late = await event(
        stores,
        "Started",
        0,
        0,
        offline=True,
        id_token="TAG-1",
        id_token_type="ISO14443",
        id_token_status="Accepted",
        meter_values=(reading(0, 1000.0, "Transaction.Begin"),),
    )
    tx = late.transaction
    assert not late.created
    assert not late.ended
    assert not tx.active, "a late Started does not reopen it"
    assert (tx.started_at, tx.stopped_at, tx.meter_start, tx.meter_stop) == (
        at(0),
        at(120),
        1000,
        2750,
    )
    assert (tx.energy_wh, tx.offline, tx.id_tag, tx.last_seq_no) == (1750.0, True, "TAG-1", 2)
    listed, _ = await stores.transactions.list(page_size=10, charger_id="CS-1")
    assert [t.transaction_id for t in listed] == [tx.transaction_id]


async def test_ended_stops_once(stores: Stores) -> None:
    """A second Ended (another seqNo) changes neither the stop time nor the reading."""
    await event(stores, "Started", 0, 0, meter_values=(reading(0, 1000.0),))
    await event(stores, "Ended", 1, 60, meter_values=(reading(60, 2000.0),))
    second = await event(stores, "Ended", 2, 90, meter_values=(reading(90, 2100.0),))
    assert not second.ended
    assert (second.transaction.stopped_at, second.transaction.meter_stop) == (at(60), 2000)


async def test_stop_token_and_late_authorization(stores: Stores) -> None:
    """A transaction started unauthorized takes the first idToken; another in Ended is the stop token."""
    started = await event(stores, "Started", 0, 0)
    assert (started.transaction.id_tag, started.transaction.id_tag_status) == ("", "")
    await event(
        stores,
        "Updated",
        1,
        10,
        trigger_reason="Authorized",
        id_token="TAG-1",
        id_token_type="ISO14443",
        id_token_status="Accepted",
    )
    ended = await event(
        stores,
        "Ended",
        2,
        60,
        id_token="TAG-2",
        id_token_type="ISO14443",
        id_token_status="Accepted",
    )
    assert (ended.transaction.id_tag, ended.transaction.stop_id_tag) == ("TAG-1", "TAG-2")
    assert ended.transaction.stop_reason == "Local"


async def test_transaction_ids_are_per_charger(stores: Stores) -> None:
    """Two chargers may use the same transactionId: two transactions, each found by its charger."""
    one = await event(stores, "Started", 0, 0)
    two = await event(stores, "Started", 0, 0, charger_id="CS-2")
    assert one.transaction.transaction_id != two.transaction.transaction_id
    found = await stores.transactions.get_by_charger_transaction_id("CS-2", "tx-1")
    assert found is not None
    assert found.transaction_id == two.transaction.transaction_id


async def test_list_filters_by_charger_transaction_id_and_remote_start_id(stores: Stores) -> None:
    """ListTransactions' 2.0.1 filters keep the transactions with that id."""
    await event(stores, "Started", 0, 0, remote_start_id=5)
    other = await event(stores, "Started", 0, 30, charger_transaction_id="tx-2")
    by_remote, _ = await stores.transactions.list(page_size=10, remote_start_id=5)
    assert [t.charger_transaction_id for t in by_remote] == ["tx-1"]
    by_id, _ = await stores.transactions.list(
        page_size=10, charger_id="CS-1", charger_transaction_id="tx-2"
    )
    assert [t.transaction_id for t in by_id] == [other.transaction.transaction_id]


async def test_a_named_reservation_becomes_used(stores: Stores) -> None:
    """A live reservation of the charger named by an event is Used by the transaction."""
    reservation = await stores.reservations.create(
        charger_id="CS-1",
        connector_id=1,
        id_tag="TAG-1",
        parent_id_tag="",
        expiry_date=at(3600),
        at=T0,
    )
    outcome = await event(stores, "Started", 0, 0, reservation_id=reservation.reservation_id)
    used = await stores.reservations.get(reservation.reservation_id)
    assert used is not None
    assert (used.state, used.transaction_id) == ("Used", outcome.transaction.transaction_id)


async def test_signed_meter_values_are_kept(stores: Stores) -> None:
    """A sampled value's signedMeterValue is stored beside the numeric value."""
    outcome = await event(
        stores,
        "Started",
        0,
        0,
        meter_values=(reading(0, 1000.0, signed_data='{"signedMeterData":"AAA"}'),),
    )
    values, _ = await stores.transactions.list_meter_values(
        outcome.transaction.transaction_id, page_size=10
    )
    assert values[0].signed_data == '{"signedMeterData":"AAA"}'


async def test_bad_events_change_nothing(stores: Stores) -> None:
    """An unknown charger is NotFound, fields that do not fit are ValueError; nothing is stored."""
    with pytest.raises(NotFound):
        await event(stores, "Started", 0, 0, charger_id="CS-404")
    with pytest.raises(ValueError, match="event type"):
        await event(stores, "Paused", 0, 0)
    with pytest.raises(ValueError, match="charger transaction id"):
        await event(stores, "Started", 0, 0, charger_transaction_id="x" * 37)
    with pytest.raises(ValueError, match="id token"):
        await event(stores, "Started", 0, 0, id_token="x" * 256)
    listed, _ = await stores.transactions.list(page_size=10)
    assert listed == []
