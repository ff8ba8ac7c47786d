"""Retries, repeats and leftovers of transactions through the real mesh (node, manager on
PostgreSQL, Redis registry; chargers played by the `ocpp` library's ChargePoints):

- a 2.0.1 station that numbers every TransactionEvent seqNo 0 (item 12 of issue 10);
- a repeated call publishes its live event once, on the WatchEvents stream (item 13);
- a new StartTransaction on a connector with an older active transaction (item 18a);
- the same meter values sent twice store one row each (item 18c).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC
from typing import Any

import grpc
import pytest
from csms.v1 import (
    chargers_pb2,
    chargers_pb2_grpc,
    transactions_pb2,
    transactions_pb2_grpc,
    watch_pb2,
    watch_pb2_grpc,
)
from ocpp.v16 import call as call16
from ocpp.v201 import call as call201

from services.manager import Manager
from services.node import Node
from tests.harness import (
    UNIT,
    Station16,
    Station201,
    api_channel,
    charger_url,
    connected,
)
from tests.test_ocpp201_transactions import energy, iso, minutes, tx_event
from tests.test_watch import next_event, subscribe

K = watch_pb2
TX_KINDS = [
    K.EVENT_KIND_TRANSACTION_STARTED,
    K.EVENT_KIND_TRANSACTION_UPDATED,
    K.EVENT_KIND_TRANSACTION_ENDED,
]


@pytest.fixture
async def channel(manager: Manager) -> AsyncIterator[grpc.aio.Channel]:
    async with api_channel(f"127.0.0.1:{manager.port}") as channel:
        yield channel


@pytest.fixture
def chargers(channel: grpc.aio.Channel) -> chargers_pb2_grpc.ChargerServiceAsyncStub:
    return chargers_pb2_grpc.ChargerServiceStub(channel)


@pytest.fixture
def transactions(channel: grpc.aio.Channel) -> transactions_pb2_grpc.TransactionServiceAsyncStub:
    return transactions_pb2_grpc.TransactionServiceStub(channel)


@pytest.fixture
def watch(channel: grpc.aio.Channel) -> watch_pb2_grpc.WatchServiceAsyncStub:
    return watch_pb2_grpc.WatchServiceStub(channel)


@pytest.fixture
async def station(node: Node) -> AsyncIterator[Station201]:
    async with connected(Station201, charger_url(node, "CS-1"), "CS-1") as station:
        assert (await station.boot()).status == "Accepted"
        yield station


@pytest.fixture
async def station16(node: Node, manager: Manager) -> AsyncIterator[Station16]:
    await manager.stores.id_tags.create("CARD-1", at=minutes(0))
    async with connected(Station16, charger_url(node, "CP-1"), "CP-1") as station:
        assert (await station.boot()).status == "Accepted"
        yield station


async def listed(
    transactions: transactions_pb2_grpc.TransactionServiceAsyncStub, charger_id: str
) -> list[Any]:
    """The charger's transactions, newest first."""
    page = await transactions.ListTransactions(
        transactions_pb2.ListTransactionsRequest(charger_id=charger_id)
    )
    return list(page.transactions)


async def values_of(
    transactions: transactions_pb2_grpc.TransactionServiceAsyncStub, tid: int
) -> list[str]:
    page = await transactions.ListMeterValues(
        transactions_pb2.ListMeterValuesRequest(transaction_id=tid)
    )
    return [v.value for v in page.meter_values]


def meter16(at: str, wh: float, context: str = "Sample.Periodic") -> dict[str, Any]:
    return {
        "timestamp": at,
        "sampled_value": [
            {"value": str(wh), "measurand": "Energy.Active.Import.Register", "context": context}
        ],
    }


async def start16(station: Station16, minute: float, meter_start: int = 1000) -> int:
    started = await station.call(
        call16.StartTransaction(
            connector_id=1, id_tag="CARD-1", meter_start=meter_start, timestamp=iso(minutes(minute))
        )
    )
    tid: int = started.transaction_id
    return tid


async def quiet(stream: Any) -> None:
    """Nothing more arrives on the watch stream (generously bounded)."""
    with pytest.raises(TimeoutError):
        await next_event(stream, timeout=UNIT)


# --- item 12: a station that numbers every event seqNo 0 ----------------------------------


async def test_seq_no_0_for_every_event_still_ends_the_transaction(
    station: Station201,
    chargers: chargers_pb2_grpc.ChargerServiceAsyncStub,
    transactions: transactions_pb2_grpc.TransactionServiceAsyncStub,
    manager: Manager,
) -> None:
    """Events that repeat a seqNo with other content are applied (Ended stops the
    transaction that StopCharging asked to stop), one anomaly notes the reuse, and only an
    identical resend is a duplicate."""
    await tx_event(station, "Started", 0, minutes(0), meter_value=[energy(minutes(0), 1000)])
    update: dict[str, Any] = {"meter_value": [energy(minutes(5), 1600)]}
    await tx_event(station, "Updated", 0, minutes(5), **update)
    await tx_event(station, "Updated", 0, minutes(5), **update)  # its answer was lost: a resend
    (tx,) = await listed(transactions, "CS-1")
    answer = await chargers.StopCharging(
        chargers_pb2.StopChargingRequest(charger_id="CS-1", transaction_id=tx.transaction_id)
    )
    assert answer.status == "Accepted"
    assert station.requests("RequestStopTransaction") == [{"transaction_id": "TX-1"}]
    await tx_event(
        station,
        "Ended",
        0,
        minutes(9),
        trigger="RemoteStop",
        info={"stopped_reason": "Remote"},
        meter_value=[energy(minutes(9), 1900, "Transaction.End")],
    )
    (tx,) = await listed(transactions, "CS-1")
    assert (tx.active, tx.stop_reason, tx.energy_wh) == (False, "Remote", 900.0)
    assert tx.stopped_at.ToDatetime(UTC) == minutes(9)
    assert await values_of(transactions, tx.transaction_id) == ["1000", "1600", "1900"]
    anomalies = await manager.stores.transactions.anomalies("CS-1")
    assert [(kind, tid) for kind, tid, _, _ in anomalies] == [
        ("repeated-seq-no", tx.transaction_id)
    ], "one anomaly per transaction, at the first reuse"
    assert '"seqNo":0' in anomalies[0][2]


async def test_a_resent_ended_with_a_reused_seq_no_changes_nothing_twice(
    station: Station201, transactions: transactions_pb2_grpc.TransactionServiceAsyncStub
) -> None:
    """An Ended resent as it was is a duplicate, and an Ended with other content after the
    transaction ended does not move its stop."""
    await tx_event(station, "Started", 0, minutes(0), meter_value=[energy(minutes(0), 1000)])
    ended: dict[str, Any] = {
        "info": {"stopped_reason": "Local"},
        "meter_value": [energy(minutes(9), 1500)],
    }
    await tx_event(station, "Ended", 0, minutes(9), **ended)
    await tx_event(station, "Ended", 0, minutes(9), **ended)
    await tx_event(station, "Ended", 0, minutes(12), info={"stopped_reason": "Other"})
    (tx,) = await listed(transactions, "CS-1")
    assert (tx.active, tx.stop_reason, tx.energy_wh) == (False, "Local", 500.0)
    assert tx.stopped_at.ToDatetime(UTC) == minutes(9)


# --- item 13: one live event per state change ---------------------------------------------


async def test_repeated_16_calls_publish_their_event_once(
    manager: Manager,
    station16: Station16,
    watch: watch_pb2_grpc.WatchServiceAsyncStub,
) -> None:
    """A repeated StartTransaction, MeterValues or StopTransaction (its answer was lost)
    publishes nothing more on the live event stream."""
    stream = await subscribe(watch, manager, charger_ids=["CP-1"], kinds=TX_KINDS)
    tid = await start16(station16, 0)
    assert await start16(station16, 0) == tid
    sample = call16.MeterValues(
        connector_id=1, transaction_id=tid, meter_value=[meter16(iso(minutes(5)), 1500)]
    )
    await station16.call(sample)
    await station16.call(sample)
    stop = call16.StopTransaction(transaction_id=tid, meter_stop=2000, timestamp=iso(minutes(9)))
    await station16.call(stop)
    await station16.call(stop)
    seen = [await next_event(stream) for _ in range(3)]
    assert [(e.kind, e.transaction_id) for e in seen] == [
        (K.EVENT_KIND_TRANSACTION_STARTED, tid),
        (K.EVENT_KIND_TRANSACTION_UPDATED, tid),
        (K.EVENT_KIND_TRANSACTION_ENDED, tid),
    ]
    await quiet(stream)
    stream.cancel()


async def test_repeated_201_events_publish_their_event_once(
    manager: Manager,
    station: Station201,
    watch: watch_pb2_grpc.WatchServiceAsyncStub,
) -> None:
    """A resent TransactionEvent, and an Ended with a new seqNo after the transaction
    ended, publish nothing more on the live event stream."""
    stream = await subscribe(watch, manager, charger_ids=["CS-1"], kinds=TX_KINDS)
    for _ in range(2):
        await tx_event(station, "Started", 0, minutes(0), meter_value=[energy(minutes(0), 1000)])
    for _ in range(2):
        await tx_event(station, "Updated", 1, minutes(5), meter_value=[energy(minutes(5), 1500)])
    await tx_event(station, "Ended", 2, minutes(9))
    await tx_event(station, "Ended", 2, minutes(9))
    await tx_event(station, "Ended", 3, minutes(10))
    seen = [await next_event(stream) for _ in range(3)]
    assert [e.kind for e in seen] == TX_KINDS
    await quiet(stream)
    stream.cancel()


# --- item 18a: a new start on a connector with an active transaction ---------------------


async def test_a_new_start_on_the_connector_supersedes_the_active_transaction(
    manager: Manager,
    station16: Station16,
    transactions: transactions_pb2_grpc.TransactionServiceAsyncStub,
    watch: watch_pb2_grpc.WatchServiceAsyncStub,
) -> None:
    """A StartTransaction on a connector whose older transaction is still active ends
    the older one at the new start with its last reading, reason "Superseded by N",
    announced and recorded as an anomaly; the older one's own Stop, arriving late,
    still sets its real end."""
    stream = await subscribe(watch, manager, charger_ids=["CP-1"], kinds=TX_KINDS)
    old = await start16(station16, 0)
    await station16.call(
        call16.MeterValues(
            connector_id=1, transaction_id=old, meter_value=[meter16(iso(minutes(5)), 1400)]
        )
    )
    new = await start16(station16, 30, meter_start=1600)
    assert new != old
    txs = {t.transaction_id: t for t in await listed(transactions, "CP-1")}
    assert txs[new].active
    assert (txs[old].active, txs[old].stop_reason) == (False, f"Superseded by {new}")
    assert (txs[old].meter_stop_wh, txs[old].energy_wh) == (1400, 400.0)
    assert txs[old].stopped_at.ToDatetime(UTC) == minutes(30)
    seen = [await next_event(stream) for _ in range(4)]
    assert [(e.kind, e.transaction_id) for e in seen] == [
        (K.EVENT_KIND_TRANSACTION_STARTED, old),
        (K.EVENT_KIND_TRANSACTION_UPDATED, old),
        (K.EVENT_KIND_TRANSACTION_ENDED, old),
        (K.EVENT_KIND_TRANSACTION_STARTED, new),
    ]
    anomalies = await manager.stores.transactions.anomalies("CP-1")
    assert [(kind, tid) for kind, tid, _, _ in anomalies] == [("superseded-transaction", old)]
    assert f'"supersededBy":{new}' in anomalies[0][2]

    # The charger's own Stop of the old transaction, delivered late, corrects the close.
    await station16.call(
        call16.StopTransaction(
            transaction_id=old, meter_stop=1550, timestamp=iso(minutes(20)), reason="EVDisconnected"
        )
    )
    txs = {t.transaction_id: t for t in await listed(transactions, "CP-1")}
    assert (txs[old].stop_reason, txs[old].meter_stop_wh) == ("EVDisconnected", 1550)
    assert txs[old].stopped_at.ToDatetime(UTC) == minutes(20)
    assert txs[new].active
    stream.cancel()


# --- item 18c: the same meter values twice store one row each ----------------------------


async def test_meter_values_sent_twice_are_stored_once(
    manager: Manager,
    station16: Station16,
    node: Node,
    transactions: transactions_pb2_grpc.TransactionServiceAsyncStub,
) -> None:
    """The same MeterValues (and StopTransaction transactionData) sent again under a new
    message id store no second row, with or without a transaction, on 1.6 and 2.0.1."""
    tid = await start16(station16, 0)
    samples = [meter16(iso(minutes(m)), 1000 + 100 * m) for m in (1, 2, 3)]
    for _ in range(2):
        await station16.call(
            call16.MeterValues(connector_id=1, transaction_id=tid, meter_value=samples)
        )
        await station16.call(call16.MeterValues(connector_id=2, meter_value=samples))
    stop = call16.StopTransaction(
        transaction_id=tid,
        meter_stop=1500,
        timestamp=iso(minutes(5)),
        transaction_data=[meter16(iso(minutes(4)), 1400), meter16(iso(minutes(5)), 1500)],
    )
    await station16.call(stop)
    await station16.call(stop)
    assert await values_of(transactions, tid) == ["1100", "1200", "1300", "1400", "1500"]

    async with connected(Station201, charger_url(node, "CS-2"), "CS-2") as station:
        await station.boot()
        for _ in range(2):
            await station.call(call201.MeterValues(evse_id=1, meter_value=[energy(minutes(1), 10)]))
    engine = manager.stores.transactions.engine  # type: ignore[attr-defined]
    async with engine.connect() as conn:
        counts = dict(
            (
                await conn.exec_driver_sql(
                    "SELECT charger_id, count(*) FROM meter_values"
                    " WHERE transaction_id IS NULL GROUP BY charger_id"
                )
            ).all()
        )
    assert counts == {"CP-1": 3, "CS-2": 1}


async def test_a_start_superseding_the_tags_own_transaction_is_not_concurrent(
    manager: Manager, station16: Station16
) -> None:
    """A tag allowed one transaction at a time that starts again on the connector where
    its stale transaction is still active is Accepted (it replaces that one), while a
    start on another connector is ConcurrentTx."""
    await manager.stores.id_tags.create("ONCE", max_active_transactions=1, at=minutes(0))

    async def start(connector: int, minute: float) -> str:
        answer = await station16.call(
            call16.StartTransaction(
                connector_id=connector, id_tag="ONCE", meter_start=0, timestamp=iso(minutes(minute))
            )
        )
        status: str = answer.id_tag_info["status"]
        return status

    assert await start(1, 0) == "Accepted"
    assert await start(2, 5) == "ConcurrentTx"
    assert await start(1, 10) == "Accepted"


async def test_a_new_201_transaction_on_the_evse_supersedes_the_active_one(
    manager: Manager,
    station: Station201,
    transactions: transactions_pb2_grpc.TransactionServiceAsyncStub,
) -> None:
    """A 2.0.1 Started of a new transaction on an EVSE whose older transaction is still
    active ends the older one as superseded, with its last reading; the older one's own
    Ended, arriving late, still sets its real end."""
    await tx_event(station, "Started", 0, minutes(0), meter_value=[energy(minutes(0), 1000)])
    await tx_event(station, "Updated", 1, minutes(5), meter_value=[energy(minutes(5), 1400)])
    await tx_event(
        station, "Started", 0, minutes(30), tx="TX-2", meter_value=[energy(minutes(30), 1600)]
    )
    txs = {t.charger_transaction_id: t for t in await listed(transactions, "CS-1")}
    old, new = txs["TX-1"], txs["TX-2"]
    assert new.active
    assert (old.active, old.stop_reason) == (False, f"Superseded by {new.transaction_id}")
    assert (old.meter_stop_wh, old.energy_wh) == (1400, 400.0)
    assert old.stopped_at.ToDatetime(UTC) == minutes(30)
    anomalies = await manager.stores.transactions.anomalies("CS-1")
    assert [(kind, tid) for kind, tid, _, _ in anomalies] == [
        ("superseded-transaction", old.transaction_id)
    ]

    await tx_event(
        station,
        "Ended",
        2,
        minutes(20),
        info={"stopped_reason": "EVDisconnected"},
        meter_value=[energy(minutes(20), 1550, "Transaction.End")],
    )
    txs = {t.charger_transaction_id: t for t in await listed(transactions, "CS-1")}
    assert (txs["TX-1"].stop_reason, txs["TX-1"].meter_stop_wh) == ("EVDisconnected", 1550)
    assert txs["TX-1"].stopped_at.ToDatetime(UTC) == minutes(20)
    assert txs["TX-2"].active
