"""OCPP 2.0.1 (and 2.1) transactions, authorization and reservations through the real
mesh: node, manager (PostgreSQL), Redis registry, the charger played by the `ocpp`
library's v201 ChargePoint (`tests.harness.Station201`) or v21 ChargePoint.

Test names follow the OCPP 2.0.1 use cases they exercise (E: transactions, F: remote
control, C: authorization, D: local list, H: reservation, J: meter values). Every session
is read back through the same version-neutral API as a 1.6 one (TransactionService).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeAlias

import grpc
import pytest
import websockets
from csms.v1 import (
    chargers_pb2,
    chargers_pb2_grpc,
    common_pb2,
    reservations_pb2,
    reservations_pb2_grpc,
    transactions_pb2,
    transactions_pb2_grpc,
    watch_pb2,
)
from google.protobuf.timestamp_pb2 import Timestamp
from ocpp.exceptions import OCPPError
from ocpp.routing import on
from ocpp.v16 import call as call16
from ocpp.v21 import ChargePoint as ChargePoint21
from ocpp.v21 import call as call21
from ocpp.v21 import call_result as result21
from ocpp.v201 import call as call201
from websockets.asyncio.client import ClientConnection
from websockets.typing import Subprotocol

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

Api: TypeAlias = "chargers_pb2_grpc.ChargerServiceAsyncStub"
Transactions: TypeAlias = "transactions_pb2_grpc.TransactionServiceAsyncStub"
Reservations: TypeAlias = "reservations_pb2_grpc.ReservationServiceAsyncStub"

T0 = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


def energy(
    at: datetime,
    value: float,
    context: str | None = None,
    *,
    unit: str | None = None,
    multiplier: int | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A meterValue with one Energy.Active.Import.Register sample (ocpp library snake_case)."""
    sample: dict[str, Any] = {"value": value, "measurand": "Energy.Active.Import.Register"}
    if context is not None:
        sample["context"] = context
    if unit is not None or multiplier is not None:
        sample["unit_of_measure"] = {
            k: v for k, v in (("unit", unit), ("multiplier", multiplier)) if v is not None
        }
    sample.update(extra)
    return {"timestamp": iso(at), "sampled_value": [sample]}


def current(at: datetime, amps: float) -> dict[str, Any]:
    return {
        "timestamp": iso(at),
        "sampled_value": [
            {
                "value": amps,
                "measurand": "Current.Import",
                "phase": "L1",
                "unit_of_measure": {"unit": "A"},
            }
        ],
    }


def rfid(token: str) -> dict[str, str]:
    return {"id_token": token, "type": "ISO14443"}


async def tx_event(
    station: Any,
    event_type: str,
    seq_no: int,
    at: datetime,
    *,
    tx: str = "TX-1",
    trigger: str | None = None,
    info: dict[str, Any] | None = None,
    call: Any = call201,
    **fields: Any,
) -> Any:
    """Send a TransactionEvent of transaction `tx` on EVSE 1 and return the answer."""
    default_trigger = {"Started": "CablePluggedIn", "Ended": "EVDeparted"}
    return await station.call(
        call.TransactionEvent(
            event_type=event_type,
            timestamp=iso(at),
            trigger_reason=trigger or default_trigger.get(event_type, "MeterValuePeriodic"),
            seq_no=seq_no,
            transaction_info={"transaction_id": tx, **(info or {})},
            evse=fields.pop("evse", {"id": 1, "connector_id": 1}),
            **fields,
        )
    )


def ts(at: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(at)
    return stamp


def in_an_hour() -> datetime:
    return (datetime.now(UTC) + timedelta(hours=1)).replace(microsecond=0)


async def rejected(
    call: Awaitable[Any], code: grpc.StatusCode = grpc.StatusCode.INVALID_ARGUMENT
) -> str:
    """The details of the error `call` fails with, after checking its status code."""
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await call
    assert error.value.code() == code, error.value.details()
    return error.value.details() or ""


# --- the system under test ----------------------------------------------------------


@pytest.fixture
async def channel(manager: Manager) -> AsyncIterator[grpc.aio.Channel]:
    async with api_channel(f"127.0.0.1:{manager.port}") as channel:
        yield channel


@pytest.fixture
def api(channel: grpc.aio.Channel) -> Api:
    return chargers_pb2_grpc.ChargerServiceStub(channel)


@pytest.fixture
def transactions(channel: grpc.aio.Channel) -> Transactions:
    return transactions_pb2_grpc.TransactionServiceStub(channel)


@pytest.fixture
def reservations(channel: grpc.aio.Channel) -> Reservations:
    return reservations_pb2_grpc.ReservationServiceStub(channel)


@contextlib.asynccontextmanager
async def booted(node: Node, charger_id: str = "CS-1") -> AsyncIterator[Station201]:
    """A scripted 2.0.1 station connected to `node` that has booted."""
    async with connected(Station201, charger_url(node, charger_id), charger_id) as station:
        assert (await station.boot()).status == "Accepted"
        yield station


@pytest.fixture
async def station(node: Node) -> AsyncIterator[Station201]:
    async with booted(node) as station:
        yield station


@pytest.fixture
async def station16(node: Node) -> AsyncIterator[Station16]:
    async with connected(Station16, charger_url(node, "CP-16"), "CP-16") as station:
        assert (await station.boot()).status == "Accepted"
        yield station


async def add_tag(manager: Manager, id_tag: str, **fields: Any) -> None:
    await manager.stores.id_tags.create(id_tag, at=T0, **fields)


async def only_transaction(transactions: Transactions, charger_id: str) -> Any:
    listed = await transactions.ListTransactions(
        transactions_pb2.ListTransactionsRequest(charger_id=charger_id)
    )
    assert len(listed.transactions) == 1, listed
    return listed.transactions[0]


# --- E: transactions ----------------------------------------------------------------


async def test_e02_cable_plugin_first_session_reads_like_a_16_session(
    station: Station201, station16: Station16, transactions: Transactions, manager: Manager
) -> None:
    """A 2.0.1 session (Started, Authorized, meter values, Ended) is one transaction with a
    CSMS id, its energy from the register readings, and its samples, read through the same
    TransactionService calls as a 1.6 session."""
    await add_tag(manager, "CARD-1")
    started = await tx_event(
        station,
        "Started",
        0,
        minutes(0),
        info={"charging_state": "EVConnected"},
        meter_value=[energy(minutes(0), 1000, "Transaction.Begin")],
    )
    assert started.id_token_info is None, "no idToken, no idTokenInfo"
    authorized = await tx_event(
        station,
        "Updated",
        1,
        minutes(1),
        trigger="Authorized",
        id_token=rfid("CARD-1"),
        info={"charging_state": "Charging"},
    )
    assert authorized.id_token_info == {"status": "Accepted"}
    await tx_event(
        station,
        "Updated",
        2,
        minutes(10),
        meter_value=[energy(minutes(10), 1.5, unit="kWh"), current(minutes(10), 16)],
    )
    await tx_event(
        station, "Updated", 3, minutes(20), meter_value=[energy(minutes(20), 2.1, multiplier=3)]
    )
    await tx_event(
        station,
        "Ended",
        4,
        minutes(30),
        info={"stopped_reason": "EVDisconnected", "charging_state": "Idle"},
        meter_value=[energy(minutes(30), 2750, "Transaction.End")],
    )
    # The same session on a 1.6 charger, for comparison.
    start16 = await station16.call(
        call16.StartTransaction(
            connector_id=1, id_tag="CARD-1", meter_start=1000, timestamp=iso(minutes(0))
        )
    )
    await station16.call(
        call16.StopTransaction(
            transaction_id=start16.transaction_id,
            meter_stop=2750,
            timestamp=iso(minutes(30)),
            reason="EVDisconnected",
        )
    )

    tx = await only_transaction(transactions, "CS-1")
    tx16 = await only_transaction(transactions, "CP-16")
    for t in (tx, tx16):
        assert t.transaction_id > 0
        assert (t.connector_id, t.id_tag, t.id_tag_status) == (1, "CARD-1", "Accepted")
        assert (t.meter_start_wh, t.meter_stop_wh, t.energy_wh) == (1000, 2750, 1750.0)
        assert (t.stop_reason, t.active) == ("EVDisconnected", False)
        assert (t.started_at.ToDatetime(UTC), t.stopped_at.ToDatetime(UTC)) == (
            minutes(0),
            minutes(30),
        )
    assert tx.transaction_id != tx16.transaction_id
    assert (tx.charger_transaction_id, tx.evse_id, tx.ocpp_version) == (
        "TX-1",
        1,
        common_pb2.OCPP_VERSION_201,
    )
    assert (tx.id_token_type, tx.charging_state, tx.offline) == ("ISO14443", "Idle", False)
    assert (tx16.charger_transaction_id, tx16.ocpp_version) == ("", common_pb2.OCPP_VERSION_16)
    assert (
        await transactions.GetTransaction(
            transactions_pb2.GetTransactionRequest(transaction_id=tx.transaction_id)
        )
        == tx
    )
    values = await transactions.ListMeterValues(
        transactions_pb2.ListMeterValuesRequest(transaction_id=tx.transaction_id)
    )
    assert [
        (v.value, v.measurand, v.unit, v.context, v.connector_id) for v in values.meter_values
    ] == [
        ("1000", "Energy.Active.Import.Register", "Wh", "Transaction.Begin", 1),
        ("1.5", "Energy.Active.Import.Register", "kWh", "Sample.Periodic", 1),
        ("16", "Current.Import", "A", "Sample.Periodic", 1),
        ("2100", "Energy.Active.Import.Register", "Wh", "Sample.Periodic", 1),
        ("2750", "Energy.Active.Import.Register", "Wh", "Transaction.End", 1),
    ]


async def test_e03_started_with_an_id_token_answers_its_info(
    station: Station201, manager: Manager, transactions: Transactions
) -> None:
    """An idToken in a TransactionEvent is answered with idTokenInfo: status, cache expiry
    and group as the id tags record them; the transaction keeps the token and its status."""
    await add_tag(manager, "GROUP-1")
    expiry = datetime(2030, 1, 1, tzinfo=UTC)
    await add_tag(manager, "CARD-1", parent_id_tag="GROUP-1", expiry_date=expiry)
    answer = await tx_event(
        station,
        "Started",
        0,
        minutes(0),
        trigger="Authorized",
        id_token=rfid("CARD-1"),
        meter_value=[energy(minutes(0), 500)],
    )
    assert answer.id_token_info == {
        "status": "Accepted",
        "cache_expiry_date_time": "2030-01-01T00:00:00.000Z",
        "group_id_token": {"id_token": "GROUP-1", "type": "Central"},
    }
    tx = await only_transaction(transactions, "CS-1")
    assert (tx.id_tag, tx.id_tag_status, tx.active) == ("CARD-1", "Accepted", True)


async def test_e05_started_with_a_token_not_accepted(
    station: Station201, manager: Manager, transactions: Transactions
) -> None:
    """A blocked token is answered Blocked, an unknown one Unknown; the charger has started
    the transactions, so both are recorded with the status answered."""
    await add_tag(manager, "BLOCKED", status="Blocked")
    blocked = await tx_event(station, "Started", 0, minutes(0), tx="TX-B", id_token=rfid("BLOCKED"))
    unknown = await tx_event(
        station, "Started", 0, minutes(1), tx="TX-U", id_token=rfid("NOBODY"), evse={"id": 2}
    )
    assert blocked.id_token_info == {"status": "Blocked"}
    assert unknown.id_token_info == {"status": "Unknown"}
    listed = await transactions.ListTransactions(
        transactions_pb2.ListTransactionsRequest(charger_id="CS-1")
    )
    assert [
        (t.charger_transaction_id, t.id_tag_status, t.evse_id) for t in listed.transactions
    ] == [
        ("TX-U", "Unknown", 2),
        ("TX-B", "Blocked", 1),
    ]


async def test_e05_concurrent_transactions_beyond_the_tags_limit(
    station: Station201, manager: Manager
) -> None:
    """A tag allowed one transaction at a time gets ConcurrentTx for a second one, while
    later events of its first transaction stay Accepted."""
    await add_tag(manager, "ONCE", max_active_transactions=1)
    first = await tx_event(station, "Started", 0, minutes(0), id_token=rfid("ONCE"))
    again = await tx_event(station, "Updated", 1, minutes(1), id_token=rfid("ONCE"))
    second = await tx_event(
        station, "Started", 0, minutes(2), tx="TX-2", id_token=rfid("ONCE"), evse={"id": 2}
    )
    assert [a.id_token_info["status"] for a in (first, again, second)] == [
        "Accepted",
        "Accepted",
        "ConcurrentTx",
    ]


async def test_e07_stopped_locally_with_another_token(
    station: Station201, manager: Manager, transactions: Transactions
) -> None:
    """A token presented in the Ended event is the stop token and is answered too."""
    await add_tag(manager, "CARD-1")
    await add_tag(manager, "CARD-2", status="Expired")
    await tx_event(station, "Started", 0, minutes(0), id_token=rfid("CARD-1"))
    ended = await tx_event(
        station,
        "Ended",
        1,
        minutes(5),
        trigger="StopAuthorized",
        id_token=rfid("CARD-2"),
        info={"stopped_reason": "Local"},
    )
    assert ended.id_token_info == {"status": "Expired"}
    tx = await only_transaction(transactions, "CS-1")
    assert (tx.id_tag, tx.stop_id_tag, tx.stop_reason, tx.active) == (
        "CARD-1",
        "CARD-2",
        "Local",
        False,
    )


async def test_e08_a_repeated_seq_no_is_answered_the_same_and_not_counted_twice(
    station: Station201, manager: Manager, transactions: Transactions
) -> None:
    """A TransactionEvent sent again with the same seqNo (its answer was lost) gets the
    same answer and stores nothing twice: one set of samples, the same energy."""
    await add_tag(manager, "CARD-1")
    await tx_event(station, "Started", 0, minutes(0), meter_value=[energy(minutes(0), 1000)])
    update: dict[str, Any] = {
        "trigger": "Authorized",
        "id_token": rfid("CARD-1"),
        "meter_value": [energy(minutes(5), 1400)],
    }
    first = await tx_event(station, "Updated", 1, minutes(5), **update)
    await manager.stores.id_tags.update("CARD-1", status="Blocked", at=T0)
    repeated = await tx_event(station, "Updated", 1, minutes(5), **update)
    assert first.id_token_info == repeated.id_token_info == {"status": "Accepted"}
    tx = await only_transaction(transactions, "CS-1")
    values = await transactions.ListMeterValues(
        transactions_pb2.ListMeterValuesRequest(transaction_id=tx.transaction_id)
    )
    assert [v.value for v in values.meter_values] == ["1000", "1400"]
    assert (tx.energy_wh, tx.id_tag_status) == (400.0, "Accepted")


async def test_e12_offline_events_out_of_order_make_one_transaction(
    station: Station201, transactions: Transactions, manager: Manager
) -> None:
    """Events queued offline and delivered out of order (Ended, Updated, then Started)
    give one stopped, offline-flagged transaction whose start and energy are the events',
    and the late Started does not reopen it."""
    await add_tag(manager, "CARD-1")
    ended = await tx_event(
        station,
        "Ended",
        2,
        minutes(30),
        offline=True,
        info={"stopped_reason": "EVDisconnected"},
        meter_value=[energy(minutes(30), 3000, "Transaction.End")],
    )
    assert ended.id_token_info is None
    await tx_event(
        station, "Updated", 1, minutes(15), offline=True, meter_value=[energy(minutes(15), 2000)]
    )
    late = await tx_event(
        station,
        "Started",
        0,
        minutes(0),
        offline=True,
        trigger="Authorized",
        id_token=rfid("CARD-1"),
        meter_value=[energy(minutes(0), 1000, "Transaction.Begin")],
    )
    assert late.id_token_info == {"status": "Accepted"}
    tx = await only_transaction(transactions, "CS-1")
    assert (tx.active, tx.offline, tx.id_tag) == (False, True, "CARD-1")
    assert (tx.started_at.ToDatetime(UTC), tx.stopped_at.ToDatetime(UTC)) == (
        minutes(0),
        minutes(30),
    )
    assert (tx.meter_start_wh, tx.meter_stop_wh, tx.energy_wh) == (1000, 3000, 2000.0)
    values = await transactions.ListMeterValues(
        transactions_pb2.ListMeterValuesRequest(transaction_id=tx.transaction_id)
    )
    assert [v.value for v in values.meter_values] == ["1000", "2000", "3000"], "oldest first"


async def test_e_transaction_event_with_a_bad_payload_is_refused_at_the_edge(
    station: Station201, transactions: Transactions
) -> None:
    """A TransactionEvent without seqNo is a CallError from the node and records nothing."""
    with pytest.raises(OCPPError) as error:
        await station.call(
            call201.TransactionEvent(
                event_type="Started",
                timestamp=iso(minutes(0)),
                trigger_reason="CablePluggedIn",
                seq_no=None,
                transaction_info={"transaction_id": "TX-BAD"},
            ),
            suppress=False,
            skip_schema_validation=True,
        )
    assert "seqNo" in str(error.value.description)
    listed = await transactions.ListTransactions(
        transactions_pb2.ListTransactionsRequest(charger_id="CS-1")
    )
    assert list(listed.transactions) == []


async def test_e_live_events_follow_a_201_session(station: Station201, manager: Manager) -> None:
    """Watchers see TRANSACTION_STARTED, UPDATED (with the energy) and ENDED for a 2.0.1
    session, with the CSMS's transaction id and the EVSE; a duplicate adds no event."""
    kinds = [
        watch_pb2.EVENT_KIND_TRANSACTION_STARTED,
        watch_pb2.EVENT_KIND_TRANSACTION_UPDATED,
        watch_pb2.EVENT_KIND_TRANSACTION_ENDED,
        watch_pb2.EVENT_KIND_STATUS_CHANGED,
    ]
    with manager.bus.watch(charger_ids=["CS-1"], kinds=kinds) as watcher:
        await tx_event(station, "Started", 0, minutes(0), meter_value=[energy(minutes(0), 1000)])
        await tx_event(station, "Updated", 1, minutes(5), meter_value=[energy(minutes(5), 1600)])
        await tx_event(station, "Updated", 1, minutes(5), meter_value=[energy(minutes(5), 1600)])
        await tx_event(station, "Ended", 2, minutes(9), meter_value=[energy(minutes(9), 1900)])
        await station.status(1, 1, "Available")  # a marker: the next event after the session
        seen = [await asyncio.wait_for(anext(watcher), 4 * UNIT) for _ in range(4)]
    assert seen.pop().kind == watch_pb2.EVENT_KIND_STATUS_CHANGED, "no event for the duplicate"
    K = watch_pb2
    assert [e.kind for e in seen] == [
        K.EVENT_KIND_TRANSACTION_STARTED,
        K.EVENT_KIND_TRANSACTION_UPDATED,
        K.EVENT_KIND_TRANSACTION_ENDED,
    ]
    assert {(e.transaction_id, e.evse_id, e.connector_id) for e in seen} == {
        (seen[0].transaction_id, 1, 1)
    }
    assert (seen[1].energy_wh, seen[2].energy_wh) == (600.0, 900.0)
    assert seen[0].ocpp_version == common_pb2.OCPP_VERSION_201


# --- C: authorization ---------------------------------------------------------------


async def test_c01_authorize_a_known_token(station: Station201, manager: Manager) -> None:
    """Authorize answers a known, accepted token Accepted with its group and cache expiry."""
    await add_tag(manager, "GROUP-1")
    await add_tag(
        manager, "CARD-1", parent_id_tag="GROUP-1", expiry_date=datetime(2030, 1, 1, tzinfo=UTC)
    )
    answer = await station.call(call201.Authorize(id_token=rfid("CARD-1")))
    assert answer.id_token_info == {
        "status": "Accepted",
        "cache_expiry_date_time": "2030-01-01T00:00:00.000Z",
        "group_id_token": {"id_token": "GROUP-1", "type": "Central"},
    }


async def test_c01_authorize_unknown_blocked_and_no_authorization_tokens(
    station: Station201, manager: Manager
) -> None:
    """Unknown tokens are Unknown, blocked ones Blocked, expired ones Expired, a blocked
    group blocks its members; a NoAuthorization token needs no lookup and is Accepted."""
    await add_tag(manager, "BLOCKED", status="Blocked")
    await add_tag(manager, "OLD", expiry_date=datetime(2020, 1, 1, tzinfo=UTC))
    await add_tag(manager, "BAD-GROUP", status="Blocked")
    await add_tag(manager, "MEMBER", parent_id_tag="BAD-GROUP")
    statuses = {}
    for token in ("NOBODY", "BLOCKED", "OLD", "MEMBER"):
        answer = await station.call(call201.Authorize(id_token=rfid(token)))
        statuses[token] = answer.id_token_info["status"]
    assert statuses == {
        "NOBODY": "Unknown",
        "BLOCKED": "Blocked",
        "OLD": "Expired",
        "MEMBER": "Blocked",
    }
    free = await station.call(
        call201.Authorize(id_token={"id_token": "", "type": "NoAuthorization"})
    )
    assert free.id_token_info == {"status": "Accepted"}


# --- J: meter values ----------------------------------------------------------------


async def test_j01_meter_values_outside_a_transaction_are_kept_unlinked(
    station: Station201, transactions: Transactions
) -> None:
    """MeterValues (which names no transaction in 2.0.1) is stored unlinked even while a
    transaction runs on that EVSE: it neither adds samples to it nor changes its energy."""
    await tx_event(station, "Started", 0, minutes(0), meter_value=[energy(minutes(0), 1000)])
    answer = await station.call(
        call201.MeterValues(evse_id=1, meter_value=[energy(minutes(5), 99999)])
    )
    assert answer is not None
    main_meter = await station.call(
        call201.MeterValues(
            evse_id=0,
            meter_value=[
                energy(
                    minutes(5),
                    123,
                    signed_meter_value={
                        "signed_meter_data": "AAEC",
                        "signing_method": "ECDSA-secp256r1-SHA256",
                        "encoding_method": "OCMF",
                        "public_key": "BBB",
                    },
                )
            ],
        )
    )
    assert main_meter is not None
    tx = await only_transaction(transactions, "CS-1")
    values = await transactions.ListMeterValues(
        transactions_pb2.ListMeterValuesRequest(transaction_id=tx.transaction_id)
    )
    assert [v.value for v in values.meter_values] == ["1000"]
    assert tx.energy_wh == 0.0


async def test_j02_signed_meter_values_in_a_transaction(
    station: Station201, transactions: Transactions
) -> None:
    """A signedMeterValue is kept beside its value (format SignedData) and read back."""
    signed = {
        "signed_meter_data": "AAEC",
        "signing_method": "ECDSA-secp256r1-SHA256",
        "encoding_method": "OCMF",
        "public_key": "BBB",
    }
    await tx_event(
        station,
        "Started",
        0,
        minutes(0),
        meter_value=[energy(minutes(0), 1000, signed_meter_value=signed)],
    )
    tx = await only_transaction(transactions, "CS-1")
    values = await transactions.ListMeterValues(
        transactions_pb2.ListMeterValuesRequest(transaction_id=tx.transaction_id)
    )
    (value,) = values.meter_values
    assert (value.value, value.format) == ("1000", "SignedData")
    assert '"signedMeterData":"AAEC"' in value.signed_data


async def test_j_meter_values_with_a_bad_payload_are_refused_at_the_edge(
    station: Station201,
) -> None:
    """MeterValues without evseId is a CallError from the node (nothing stored)."""
    with pytest.raises(OCPPError) as error:
        await station.call(
            call201.MeterValues(evse_id=None, meter_value=[energy(minutes(0), 1)]),
            suppress=False,
            skip_schema_validation=True,
        )
    assert "evseId" in str(error.value.description)


# --- F: remote start / stop, GetTransactionStatus -----------------------------------


async def test_f02_the_same_start_charging_call_starts_a_16_and_a_201_charger(
    station: Station201,
    station16: Station16,
    api: Api,
    transactions: Transactions,
    manager: Manager,
) -> None:
    """One StartCharging request starts charging on a 1.6 charger (RemoteStartTransaction)
    and on a 2.0.1 one (RequestStartTransaction with a remoteStartId the transaction then
    carries back)."""
    await add_tag(manager, "CARD-1")
    answers = {}
    for charger_id in ("CP-16", "CS-1"):
        answers[charger_id] = await api.StartCharging(
            chargers_pb2.StartChargingRequest(
                charger_id=charger_id, connector_id=1, id_tag="CARD-1"
            )
        )
    assert {a.status for a in answers.values()} == {"Accepted"}
    assert station16.requests("RemoteStartTransaction") == [{"connector_id": 1, "id_tag": "CARD-1"}]
    remote_start_id = answers["CS-1"].remote_start_id
    assert not answers["CP-16"].HasField("remote_start_id")
    assert station.requests("RequestStartTransaction") == [
        {
            "id_token": {"id_token": "CARD-1", "type": "Central"},
            "remote_start_id": remote_start_id,
            "evse_id": 1,
        }
    ]
    # Each charger reports the transaction it started.
    await station16.call(
        call16.StartTransaction(connector_id=1, id_tag="CARD-1", meter_start=0, timestamp=iso(T0))
    )
    started = await tx_event(
        station,
        "Started",
        0,
        T0,
        trigger="RemoteStart",
        id_token={"id_token": "CARD-1", "type": "Central"},
        info={"remote_start_id": remote_start_id},
    )
    assert started.id_token_info == {"status": "Accepted"}
    found = await transactions.ListTransactions(
        transactions_pb2.ListTransactionsRequest(remote_start_id=remote_start_id)
    )
    assert [(t.charger_id, t.id_tag, t.active) for t in found.transactions] == [
        ("CS-1", "CARD-1", True)
    ]
    both = await transactions.ListTransactions(
        transactions_pb2.ListTransactionsRequest(id_tag="CARD-1", active=True)
    )
    assert {t.charger_id for t in both.transactions} == {"CP-16", "CS-1"}


async def test_f01_remote_start_cable_plugin_first_and_failures(
    station: Station201, api: Api
) -> None:
    """A charger already charging answers its transactionId, returned as such; a Rejected
    start is returned; an idToken over 36 characters is refused unsent."""
    station.answers["RequestStartTransaction"] = {"status": "Accepted", "transaction_id": "TX-9"}
    answer = await api.StartCharging(
        chargers_pb2.StartChargingRequest(charger_id="CS-1", id_tag="A" * 36)
    )
    assert (answer.status, answer.charger_transaction_id) == ("Accepted", "TX-9")
    assert "evse_id" not in station.requests("RequestStartTransaction")[0]
    station.answers["RequestStartTransaction"] = {"status": "Rejected"}
    answer = await api.StartCharging(
        chargers_pb2.StartChargingRequest(charger_id="CS-1", id_tag="T")
    )
    assert answer.status == "Rejected"
    details = await rejected(
        api.StartCharging(chargers_pb2.StartChargingRequest(charger_id="CS-1", id_tag="A" * 37))
    )
    assert details.startswith("id_tag:")
    assert len(station.requests("RequestStartTransaction")) == 2


async def test_f03_stop_charging_names_the_chargers_transaction_id(
    station: Station201, api: Api, transactions: Transactions
) -> None:
    """StopCharging with the CSMS's transaction id sends RequestStopTransaction with the
    charger's transactionId; a Rejected answer is returned."""
    await tx_event(station, "Started", 0, minutes(0), tx="f0e1-charger-id")
    tx = await only_transaction(transactions, "CS-1")
    answer = await api.StopCharging(
        chargers_pb2.StopChargingRequest(charger_id="CS-1", transaction_id=tx.transaction_id)
    )
    assert answer.status == "Accepted"
    assert station.requests("RequestStopTransaction") == [{"transaction_id": "f0e1-charger-id"}]
    station.answers["RequestStopTransaction"] = {"status": "Rejected"}
    answer = await api.StopCharging(
        chargers_pb2.StopChargingRequest(charger_id="CS-1", transaction_id=tx.transaction_id)
    )
    assert answer.status == "Rejected"


async def test_f03_stop_charging_refuses_transactions_the_charger_cannot_know(
    node: Node, station: Station201, api: Api, manager: Manager
) -> None:
    """An unknown transaction is FAILED_PRECONDITION, another charger's or a 1.6-recorded one
    is INVALID_ARGUMENT on transaction_id; nothing is sent."""
    details = await rejected(
        api.StopCharging(chargers_pb2.StopChargingRequest(charger_id="CS-1", transaction_id=999)),
        grpc.StatusCode.FAILED_PRECONDITION,
    )
    assert "999" in details
    async with booted(node, "CS-2") as other:
        await tx_event(other, "Started", 0, minutes(0))
        theirs = await manager.stores.transactions.get_by_charger_transaction_id("CS-2", "TX-1")
        assert theirs is not None
        details = await rejected(
            api.StopCharging(
                chargers_pb2.StopChargingRequest(
                    charger_id="CS-1", transaction_id=theirs.transaction_id
                )
            )
        )
        assert details.startswith("transaction_id:")
        assert "CS-2" in details
    old, _ = await manager.stores.transactions.start(
        charger_id="CS-1",
        connector_id=1,
        id_tag="CARD-1",
        id_tag_status="Accepted",
        meter_start=0,
        started_at=T0,
    )
    details = await rejected(
        api.StopCharging(
            chargers_pb2.StopChargingRequest(charger_id="CS-1", transaction_id=old.transaction_id)
        )
    )
    assert "1.6" in details
    await rejected(
        api.StopCharging(chargers_pb2.StopChargingRequest(charger_id="CS-1", transaction_id=0))
    )
    assert station.requests("RequestStopTransaction") == []


async def test_e14_get_transaction_status(
    station: Station201, api: Api, transactions: Transactions
) -> None:
    """GetTransactionStatus asks about the charger's transactionId (or its whole queue)
    and returns ongoing / messages in queue."""
    await tx_event(station, "Started", 0, minutes(0), tx="TX-Q")
    tx = await only_transaction(transactions, "CS-1")
    station.answers["GetTransactionStatus"] = {
        "messages_in_queue": True,
        "ongoing_indicator": True,
    }
    answer = await api.GetTransactionStatus(
        chargers_pb2.GetTransactionStatusRequest(
            charger_id="CS-1", transaction_id=tx.transaction_id
        )
    )
    assert (answer.ongoing, answer.messages_in_queue) == (True, True)
    station.answers["GetTransactionStatus"] = {"messages_in_queue": False}
    answer = await api.GetTransactionStatus(
        chargers_pb2.GetTransactionStatusRequest(charger_id="CS-1")
    )
    assert (answer.HasField("ongoing"), answer.messages_in_queue) == (False, False)
    assert station.requests("GetTransactionStatus") == [{"transaction_id": "TX-Q"}, {}]


async def test_e14_get_transaction_status_failures(
    station: Station201, station16: Station16, api: Api
) -> None:
    """An unknown transaction is NOT_FOUND; a 1.6 charger is FAILED_PRECONDITION naming
    its protocol; an unknown charger is NOT_FOUND."""
    await rejected(
        api.GetTransactionStatus(
            chargers_pb2.GetTransactionStatusRequest(charger_id="CS-1", transaction_id=4242)
        ),
        grpc.StatusCode.NOT_FOUND,
    )
    details = await rejected(
        api.GetTransactionStatus(chargers_pb2.GetTransactionStatusRequest(charger_id="CP-16")),
        grpc.StatusCode.FAILED_PRECONDITION,
    )
    assert "OCPP 1.6" in details
    await rejected(
        api.GetTransactionStatus(chargers_pb2.GetTransactionStatusRequest(charger_id="NOPE")),
        grpc.StatusCode.NOT_FOUND,
    )
    assert station.requests("GetTransactionStatus") == []


# --- D: local authorization list ----------------------------------------------------


async def test_d01_send_local_list_to_a_201_charger(
    station: Station201, api: Api, manager: Manager
) -> None:
    """A full list is sent as versionNumber/idToken/idTokenInfo, entries without a status
    filled from the id tags; on Accepted the version is recorded."""
    await add_tag(manager, "GROUP-1")
    await add_tag(manager, "CARD-1", parent_id_tag="GROUP-1")
    answer = await api.SendLocalList(
        chargers_pb2.SendLocalListRequest(
            charger_id="CS-1",
            update_type=chargers_pb2.LOCAL_LIST_UPDATE_FULL,
            list_version=3,
            entries=[
                chargers_pb2.LocalAuthorization(id_tag="CARD-1"),
                chargers_pb2.LocalAuthorization(id_tag="CARD-2", status="Blocked"),
            ],
        )
    )
    assert (answer.status, answer.list_version) == ("Accepted", 3)
    assert station.requests("SendLocalList") == [
        {
            "version_number": 3,
            "update_type": "Full",
            "local_authorization_list": [
                {
                    "id_token": {"id_token": "CARD-1", "type": "Central"},
                    "id_token_info": {
                        "status": "Accepted",
                        "group_id_token": {"id_token": "GROUP-1", "type": "Central"},
                    },
                },
                {
                    "id_token": {"id_token": "CARD-2", "type": "Central"},
                    "id_token_info": {"status": "Blocked"},
                },
            ],
        }
    ]
    record = await manager.stores.chargers.get("CS-1")
    assert record is not None
    assert record.local_list_version == 3


async def test_d01_send_local_list_version_mismatch_and_bad_input(
    station: Station201, api: Api, manager: Manager
) -> None:
    """A VersionMismatch answer is returned and records nothing; a bad entry is refused unsent."""
    station.answers["SendLocalList"] = {"status": "VersionMismatch"}
    answer = await api.SendLocalList(
        chargers_pb2.SendLocalListRequest(
            charger_id="CS-1",
            update_type=chargers_pb2.LOCAL_LIST_UPDATE_DIFFERENTIAL,
            list_version=9,
            entries=[chargers_pb2.LocalAuthorization(id_tag="CARD-1", status="Accepted")],
        )
    )
    assert answer.status == "VersionMismatch"
    record = await manager.stores.chargers.get("CS-1")
    assert record is not None
    assert record.local_list_version != 9
    details = await rejected(
        api.SendLocalList(
            chargers_pb2.SendLocalListRequest(
                charger_id="CS-1",
                update_type=chargers_pb2.LOCAL_LIST_UPDATE_FULL,
                entries=[chargers_pb2.LocalAuthorization(id_tag="X", status="Maybe")],
            )
        )
    )
    assert details.startswith("entries[0].status:")
    assert len(station.requests("SendLocalList")) == 1


async def test_d02_get_local_list_version_of_a_201_charger(
    station: Station201, api: Api, manager: Manager
) -> None:
    """GetLocalListVersion reads versionNumber and records it; an unknown charger is NOT_FOUND."""
    station.answers["GetLocalListVersion"] = {"version_number": 5}
    answer = await api.GetLocalListVersion(
        chargers_pb2.GetLocalListVersionRequest(charger_id="CS-1")
    )
    assert answer.list_version == 5
    record = await manager.stores.chargers.get("CS-1")
    assert record is not None
    assert record.local_list_version == 5
    await rejected(
        api.GetLocalListVersion(chargers_pb2.GetLocalListVersionRequest(charger_id="NOPE")),
        grpc.StatusCode.NOT_FOUND,
    )


# --- H: reservations ----------------------------------------------------------------


async def reserve(api: Api, charger_id: str = "CS-1", connector_id: int = 1) -> Any:
    return await api.ReserveNow(
        chargers_pb2.ReserveNowRequest(
            charger_id=charger_id,
            connector_id=connector_id,
            expiry_date=ts(in_an_hour()),
            id_tag="CARD-1",
            parent_id_tag="GROUP-1",
        )
    )


async def reservation_state(reservations: Reservations, reservation_id: int) -> Any:
    found = await reservations.GetReservation(
        reservations_pb2.GetReservationRequest(reservation_id=reservation_id)
    )
    return found.state


async def test_h01_reserve_now_on_a_201_charger(
    station: Station201, api: Api, reservations: Reservations
) -> None:
    """ReserveNow sends id, expiryDateTime, idToken, evseId and groupIdToken; Accepted is recorded."""
    answer = await reserve(api)
    assert answer.status == "Accepted"
    (sent,) = station.requests("ReserveNow")
    assert sent["id"] == answer.reservation_id
    assert sent["id_token"] == {"id_token": "CARD-1", "type": "Central"}
    assert sent["group_id_token"] == {"id_token": "GROUP-1", "type": "Central"}
    assert sent["evse_id"] == 1
    assert "expiry_date_time" in sent
    state = await reservation_state(reservations, answer.reservation_id)
    assert state == reservations_pb2.RESERVATION_STATE_ACCEPTED


async def test_h01_reserve_now_occupied_is_recorded_rejected(
    station: Station201, api: Api, reservations: Reservations
) -> None:
    """An Occupied answer is returned and the reservation recorded Rejected; a past expiry
    is refused unsent."""
    station.answers["ReserveNow"] = {"status": "Occupied"}
    answer = await reserve(api)
    assert answer.status == "Occupied"
    state = await reservation_state(reservations, answer.reservation_id)
    assert state == reservations_pb2.RESERVATION_STATE_REJECTED
    details = await rejected(
        api.ReserveNow(
            chargers_pb2.ReserveNowRequest(
                charger_id="CS-1",
                connector_id=1,
                expiry_date=ts(datetime.now(UTC) - timedelta(hours=1)),
                id_tag="CARD-1",
            )
        )
    )
    assert details.startswith("expiry_date:")
    assert len(station.requests("ReserveNow")) == 1


async def test_h02_cancel_reservation_on_a_201_charger(
    station: Station201, api: Api, reservations: Reservations
) -> None:
    """CancelReservation sends the id; Accepted records it Cancelled, Rejected changes nothing."""
    kept = await reserve(api)
    cancelled = await reserve(api, connector_id=2)
    station.answers["CancelReservation"] = {"status": "Rejected"}
    answer = await api.CancelReservation(
        chargers_pb2.CancelReservationRequest(charger_id="CS-1", reservation_id=kept.reservation_id)
    )
    assert answer.status == "Rejected"
    station.answers["CancelReservation"] = {"status": "Accepted"}
    answer = await api.CancelReservation(
        chargers_pb2.CancelReservationRequest(
            charger_id="CS-1", reservation_id=cancelled.reservation_id
        )
    )
    assert answer.status == "Accepted"
    assert station.requests("CancelReservation") == [
        {"reservation_id": kept.reservation_id},
        {"reservation_id": cancelled.reservation_id},
    ]
    assert await reservation_state(reservations, kept.reservation_id) == (
        reservations_pb2.RESERVATION_STATE_ACCEPTED
    )
    assert await reservation_state(reservations, cancelled.reservation_id) == (
        reservations_pb2.RESERVATION_STATE_CANCELLED
    )


async def test_h03_a_transaction_uses_its_reservation(
    station: Station201, api: Api, reservations: Reservations, transactions: Transactions
) -> None:
    """A TransactionEvent naming a reservation makes it Used by that transaction."""
    reservation = await reserve(api)
    await tx_event(
        station,
        "Started",
        0,
        minutes(0),
        id_token=rfid("CARD-1"),
        reservation_id=reservation.reservation_id,
    )
    tx = await only_transaction(transactions, "CS-1")
    found = await reservations.GetReservation(
        reservations_pb2.GetReservationRequest(reservation_id=reservation.reservation_id)
    )
    assert (found.state, found.transaction_id) == (
        reservations_pb2.RESERVATION_STATE_USED,
        tx.transaction_id,
    )
    assert tx.reservation_id == reservation.reservation_id


async def test_h04_reservation_status_update_ends_a_reservation(
    node: Node, station: Station201, api: Api, reservations: Reservations
) -> None:
    """ReservationStatusUpdate Expired records it Expired, Removed records it Cancelled;
    an unknown or another charger's reservation is answered and left as it is."""
    expiring = await reserve(api)
    removed = await reserve(api, connector_id=2)
    for reservation_id, update in (
        (expiring.reservation_id, "Expired"),
        (removed.reservation_id, "Removed"),
        (424242, "Expired"),
    ):
        answer = await station.call(
            call201.ReservationStatusUpdate(
                reservation_id=reservation_id, reservation_update_status=update
            )
        )
        assert answer is not None
    assert await reservation_state(reservations, expiring.reservation_id) == (
        reservations_pb2.RESERVATION_STATE_EXPIRED
    )
    assert await reservation_state(reservations, removed.reservation_id) == (
        reservations_pb2.RESERVATION_STATE_CANCELLED
    )
    async with booted(node, "CS-2") as other:
        theirs = await reserve(api, charger_id="CS-2")
        await station.call(
            call201.ReservationStatusUpdate(
                reservation_id=theirs.reservation_id, reservation_update_status="Removed"
            )
        )
        assert other.requests("ReserveNow")
    assert await reservation_state(reservations, theirs.reservation_id) == (
        reservations_pb2.RESERVATION_STATE_ACCEPTED
    )


# --- OCPP 2.1 -----------------------------------------------------------------------


class Station21(ChargePoint21):  # type: ignore[misc]  # the ocpp library is untyped
    """A 2.1 charging station that accepts remote starts and records them."""

    def __init__(self, charger_id: str, connection: ClientConnection) -> None:
        super().__init__(charger_id, connection, response_timeout=30 * UNIT)
        self.remote_starts: list[dict[str, Any]] = []

    @on("RequestStartTransaction")  # type: ignore[untyped-decorator]
    def on_request_start_transaction(self, **kwargs: Any) -> result21.RequestStartTransaction:
        self.remote_starts.append(kwargs)
        return result21.RequestStartTransaction(status="Accepted")


@contextlib.asynccontextmanager
async def connected21(node: Node, charger_id: str) -> AsyncIterator[Station21]:
    async with websockets.connect(
        charger_url(node, charger_id), subprotocols=[Subprotocol("ocpp2.1")], open_timeout=4 * UNIT
    ) as ws:
        station = Station21(charger_id, ws)
        task = asyncio.create_task(station.start())
        try:
            yield station
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, websockets.ConnectionClosed):
                await task


async def test_ocpp21_charger_boots_and_runs_a_transaction(
    node: Node, api: Api, transactions: Transactions, manager: Manager
) -> None:
    """A 2.1 charger boots, is started remotely, authorizes, runs and ends a transaction
    through the mesh; it reads back like any other, as OCPP 2.1."""
    await add_tag(manager, "CARD-21")
    async with connected21(node, "CS-21") as station:
        boot = await station.call(
            call21.BootNotification(
                charging_station={"model": "Station-3", "vendor_name": "Volt"}, reason="PowerUp"
            )
        )
        assert boot.status == "Accepted"
        start = await api.StartCharging(
            chargers_pb2.StartChargingRequest(charger_id="CS-21", connector_id=1, id_tag="CARD-21")
        )
        assert start.status == "Accepted"
        assert station.remote_starts[0]["remote_start_id"] == start.remote_start_id
        auth = await station.call(call21.Authorize(id_token=rfid("CARD-21")))
        assert auth.id_token_info == {"status": "Accepted"}
        started = await tx_event(
            station,
            "Started",
            0,
            minutes(0),
            call=call21,
            trigger="RemoteStart",
            id_token={"id_token": "CARD-21", "type": "Central"},
            info={"remote_start_id": start.remote_start_id},
            meter_value=[energy(minutes(0), 100, "Transaction.Begin")],
        )
        assert started.id_token_info == {"status": "Accepted"}
        await tx_event(
            station, "Updated", 1, minutes(5), call=call21, meter_value=[energy(minutes(5), 600)]
        )
        await tx_event(
            station,
            "Ended",
            2,
            minutes(10),
            call=call21,
            info={"stopped_reason": "Remote"},
            meter_value=[energy(minutes(10), 1100, "Transaction.End")],
        )
    tx = await only_transaction(transactions, "CS-21")
    assert tx.ocpp_version == common_pb2.OCPP_VERSION_21
    assert (tx.remote_start_id, tx.energy_wh, tx.stop_reason, tx.active) == (
        start.remote_start_id,
        1000.0,
        "Remote",
        False,
    )


async def test_list_transactions_by_the_chargers_transaction_id(
    station: Station201, transactions: Transactions
) -> None:
    """ListTransactions finds a 2.0.1 transaction by the charger's transactionId, which
    needs charger_id (ids are per charger) and is at most 36 characters."""
    await tx_event(station, "Started", 0, minutes(0), tx="TX-A")
    await tx_event(station, "Started", 0, minutes(1), tx="TX-B", evse={"id": 2})
    found = await transactions.ListTransactions(
        transactions_pb2.ListTransactionsRequest(charger_id="CS-1", charger_transaction_id="TX-B")
    )
    assert [(t.charger_transaction_id, t.evse_id) for t in found.transactions] == [("TX-B", 2)]
    details = await rejected(
        transactions.ListTransactions(
            transactions_pb2.ListTransactionsRequest(charger_transaction_id="TX-B")
        )
    )
    assert details.startswith("charger_id:")
    details = await rejected(
        transactions.ListTransactions(
            transactions_pb2.ListTransactionsRequest(
                charger_id="CS-1", charger_transaction_id="X" * 37
            )
        )
    )
    assert details.startswith("charger_transaction_id:")
