"""Poison input from one charger never reaches the fleet (issue 10, items 1 and 2).

Real node, manager, PostgreSQL and Redis; the poisoned charger speaks raw OCPP-J frames.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import grpc
import orjson
import pytest
import sqlalchemy as sa
import websockets
from csms.v1 import (
    chargers_pb2,
    chargers_pb2_grpc,
    locations_pb2,
    locations_pb2_grpc,
    transactions_pb2,
    transactions_pb2_grpc,
    watch_pb2,
    watch_pb2_grpc,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import create_async_engine
from websockets.asyncio.client import ClientConnection
from websockets.typing import Subprotocol

from services.common._framing import Framer, FrameRejected, InboundCall
from services.manager import Manager
from services.manager.store import SqlChargerStore
from services.node import Node
from tests.harness import UNIT, api_channel, charger_url, eventually
from tests.ocpp_strategies import CALL_ERROR_CODES, action_calls, frames

BOOT16 = {"chargePointVendor": "Acme", "chargePointModel": "M1"}
BOOT201 = {"chargingStation": {"model": "M2", "vendorName": "Volt"}, "reason": "PowerUp"}
STATUS16 = {"connectorId": 1, "errorCode": "NoError", "status": "Available"}
STATUS201 = {
    "timestamp": "2026-11-24T10:00:00Z",
    "connectorStatus": "Available",
    "evseId": 1,
    "connectorId": 1,
}


class Raw:
    """A charger that sends raw OCPP-J frames and reads the answers."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.count = 0

    async def call(self, action: str, payload: dict[str, Any]) -> list[Any]:
        self.count += 1
        message_id = f"m{self.count}"
        await self.ws.send(orjson.dumps([2, message_id, action, payload]).decode())
        answer = orjson.loads(await self.ws.recv())
        assert isinstance(answer, list)
        assert answer[1] == message_id
        return answer


@contextlib.asynccontextmanager
async def raw(node: Node, charger_id: str, subprotocol: str) -> AsyncIterator[Raw]:
    async with websockets.connect(
        charger_url(node, charger_id), subprotocols=[Subprotocol(subprotocol)]
    ) as ws:
        yield Raw(ws)


def _assert_refused(
    answer: list[Any], field: str, code: str = "PropertyConstraintViolation"
) -> None:
    assert answer[0] == 4, answer
    assert answer[2] == code, answer
    assert field in answer[3], answer
    assert answer[4].get("field") == field, answer


async def _connectors(api: chargers_pb2_grpc.ChargerServiceAsyncStub, charger_id: str) -> list[Any]:
    charger = await api.GetCharger(chargers_pb2.GetChargerRequest(charger_id=charger_id))
    return [(c.evse_id, c.connector_id, c.status) for c in charger.connectors]


@pytest.mark.parametrize(
    ("subprotocol", "action", "payload", "field"),
    [
        ("ocpp1.6", "StatusNotification", {**STATUS16, "connectorId": -1}, "connectorId"),
        ("ocpp2.0.1", "StatusNotification", {**STATUS201, "evseId": -1}, "evseId"),
        ("ocpp2.0.1", "StatusNotification", {**STATUS201, "connectorId": -1}, "connectorId"),
        (
            "ocpp1.6",
            "MeterValues",
            {
                "connectorId": -3,
                "meterValue": [
                    {"timestamp": "2026-11-24T10:00:00Z", "sampledValue": [{"value": "1"}]}
                ],
            },
            "connectorId",
        ),
        (
            "ocpp2.0.1",
            "MeterValues",
            {
                "evseId": -2,
                "meterValue": [
                    {"timestamp": "2026-11-24T10:00:00Z", "sampledValue": [{"value": 1.0}]}
                ],
            },
            "evseId",
        ),
    ],
)
async def test_negative_connector_or_evse_id_is_refused_at_the_edge(
    manager: Manager,
    node: Node,
    api: chargers_pb2_grpc.ChargerServiceAsyncStub,
    subprotocol: str,
    action: str,
    payload: dict[str, Any],
    field: str,
) -> None:
    """A negative connectorId/evseId gets PropertyConstraintViolation naming the field, never
    reaches the manager, and GetCharger/ListChargers keep working for the fleet."""
    boot = BOOT16 if subprotocol == "ocpp1.6" else BOOT201
    async with raw(node, "NEG-1", subprotocol) as charger:
        assert (await charger.call("BootNotification", boot))[0] == 3
        handled = manager.events.dispatcher.calls_handled
        _assert_refused(await charger.call(action, payload), field)
        assert manager.events.dispatcher.calls_handled == handled
        await manager.stores.chargers.flush()
    assert await _connectors(api, "NEG-1") == []
    listed = await api.ListChargers(chargers_pb2.ListChargersRequest())
    assert [c.charger_id for c in listed.chargers] == ["NEG-1"]


@pytest.mark.parametrize(
    ("subprotocol", "action", "payload", "field"),
    [
        ("ocpp1.6", "StatusNotification", {**STATUS16, "connectorId": 2147483648}, "connectorId"),
        ("ocpp2.0.1", "StatusNotification", {**STATUS201, "evseId": 99_999_999_999}, "evseId"),
        (
            "ocpp1.6",
            "StartTransaction",
            {
                "connectorId": 1,
                "idTag": "T1",
                "meterStart": 2147483648,
                "timestamp": "2026-11-24T10:00:00Z",
            },
            "meterStart",
        ),
        (
            "ocpp1.6",
            "StopTransaction",
            {"transactionId": 1, "meterStop": -2147483649, "timestamp": "2026-11-24T10:00:00Z"},
            "meterStop",
        ),
        ("ocpp2.0.1", "StatusNotification", {**STATUS201, "evseId": 1e19}, "evseId"),
    ],
)
async def test_integers_beyond_int32_are_refused_at_the_edge(
    manager: Manager,
    node: Node,
    subprotocol: str,
    action: str,
    payload: dict[str, Any],
    field: str,
) -> None:
    """An OCPP integer is 32-bit signed: a value beyond it is refused naming the field."""
    boot = BOOT16 if subprotocol == "ocpp1.6" else BOOT201
    async with raw(node, "BIG-1", subprotocol) as charger:
        assert (await charger.call("BootNotification", boot))[0] == 3
        handled = manager.events.dispatcher.calls_handled
        _assert_refused(await charger.call(action, payload), field)
        assert manager.events.dispatcher.calls_handled == handled


@pytest.mark.parametrize(
    ("subprotocol", "action", "payload", "field"),
    [
        ("ocpp1.6", "StatusNotification", {**STATUS16, "info": "x\u0000y"}, "info"),
        (
            "ocpp1.6",
            "BootNotification",
            {**BOOT16, "chargePointModel": "M\u00001"},
            "chargePointModel",
        ),
        (
            "ocpp2.0.1",
            "BootNotification",
            {**BOOT201, "chargingStation": {"model": "M2", "vendorName": "\u0000"}},
            "chargingStation.vendorName",
        ),
        (
            "ocpp1.6",
            "MeterValues",
            {
                "connectorId": 1,
                "meterValue": [
                    {"timestamp": "2026-11-24T10:00:00Z", "sampledValue": [{"value": "1\u0000"}]}
                ],
            },
            "meterValue[0].sampledValue[0].value",
        ),
    ],
)
async def test_nul_characters_are_refused_at_the_edge(
    manager: Manager,
    node: Node,
    subprotocol: str,
    action: str,
    payload: dict[str, Any],
    field: str,
) -> None:
    """A string holding NUL (valid JSON, schema-valid) is refused naming the field."""
    boot = BOOT16 if subprotocol == "ocpp1.6" else BOOT201
    async with raw(node, "NUL-1", subprotocol) as charger:
        assert (await charger.call("BootNotification", boot))[0] == 3
        handled = manager.events.dispatcher.calls_handled
        _assert_refused(await charger.call(action, payload), field)
        assert manager.events.dispatcher.calls_handled == handled


@pytest.mark.parametrize(
    ("subprotocol", "action", "payload", "field"),
    [
        (
            "ocpp1.6",
            "StartTransaction",
            {"connectorId": 1, "idTag": "", "meterStart": 0, "timestamp": "2026-11-24T10:00:00Z"},
            "idTag",
        ),
        (
            "ocpp1.6",
            "SecurityEventNotification",
            {"type": "", "timestamp": "2026-11-24T10:00:00Z"},
            "type",
        ),
        (
            "ocpp2.0.1",
            "TransactionEvent",
            {
                "eventType": "Started",
                "timestamp": "2026-11-24T10:00:00Z",
                "triggerReason": "Authorized",
                "seqNo": 0,
                "transactionInfo": {"transactionId": ""},
            },
            "transactionInfo.transactionId",
        ),
    ],
)
async def test_empty_identifiers_are_refused_at_the_edge(
    manager: Manager,
    node: Node,
    subprotocol: str,
    action: str,
    payload: dict[str, Any],
    field: str,
) -> None:
    """An empty idTag, transactionId or security event type (schema-valid: no minLength) gets
    TypeConstraintViolation naming the field instead of crashing its handler."""
    boot = BOOT16 if subprotocol == "ocpp1.6" else BOOT201
    async with raw(node, "EMPTY-1", subprotocol) as charger:
        assert (await charger.call("BootNotification", boot))[0] == 3
        handled = manager.events.dispatcher.calls_handled
        _assert_refused(await charger.call(action, payload), field, "TypeConstraintViolation")
        assert manager.events.dispatcher.calls_handled == handled


async def test_integral_float_in_an_integer_field_is_read_as_an_integer(
    manager: Manager, node: Node, api: chargers_pb2_grpc.ChargerServiceAsyncStub
) -> None:
    """An evseId sent as 2.0 (an integer to the draft-06 2.0.1 schemas) is stored as EVSE 2."""
    async with raw(node, "FLOAT-1", "ocpp2.0.1") as charger:
        assert (await charger.call("BootNotification", BOOT201))[0] == 3
        answer = await charger.call(
            "StatusNotification", {**STATUS201, "evseId": 2.0, "connectorId": 1.0}
        )
        assert answer[0] == 3, answer
    assert await eventually(lambda: _connectors(api, "FLOAT-1")) == [(2, 1, "Available")]


async def test_impossible_timestamp_is_refused_at_the_edge(manager: Manager, node: Node) -> None:
    """A date that matches the date-time pattern but does not exist (31 February) is refused."""
    async with raw(node, "DATE-1", "ocpp1.6") as charger:
        assert (await charger.call("BootNotification", BOOT16))[0] == 3
        answer = await charger.call(
            "StatusNotification", {**STATUS16, "timestamp": "2026-02-31T10:00:00Z"}
        )
        _assert_refused(answer, "timestamp")


async def test_one_bad_stored_row_does_not_break_fleet_reads(
    manager: Manager,
    node: Node,
    api: chargers_pb2_grpc.ChargerServiceAsyncStub,
    postgres_url: str,
) -> None:
    """A connector or transaction row the API cannot show (negative ids written by an older
    version) is logged and skipped: GetCharger, ListChargers and ListTransactions still answer."""
    async with raw(node, "GOOD-1", "ocpp1.6") as good:
        assert (await good.call("BootNotification", BOOT16))[0] == 3
        assert (await good.call("StatusNotification", STATUS16))[0] == 3
        started = await good.call(
            "StartTransaction",
            {"connectorId": 1, "idTag": "T1", "meterStart": 0, "timestamp": "2026-11-24T10:00:00Z"},
        )
        assert started[0] == 3
    async with raw(node, "BAD-1", "ocpp1.6") as bad:
        assert (await bad.call("BootNotification", BOOT16))[0] == 3
    await manager.stores.chargers.flush()
    engine = create_async_engine(postgres_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                sa.text(
                    "INSERT INTO connectors (charger_id, evse_id, connector_id, status, updated_at)"
                    " VALUES ('BAD-1', -1, 0, 'Available', now()), ('BAD-1', 1, 1, 'Faulted', now())"
                )
            )
            await conn.execute(
                sa.text(
                    "INSERT INTO transactions (charger_id, connector_id, id_tag, id_tag_status,"
                    " meter_start, started_at, start_key) VALUES"
                    " ('BAD-1', -5, 'T2', 'Accepted', 0, now(), 'bad-row')"
                )
            )
    finally:
        await engine.dispose()

    listed = await api.ListChargers(chargers_pb2.ListChargersRequest())
    assert [c.charger_id for c in listed.chargers] == ["BAD-1", "GOOD-1"]
    assert await _connectors(api, "BAD-1") == [(1, 1, "Faulted")]
    assert await _connectors(api, "GOOD-1") == [(1, 1, "Available")]
    async with api_channel(f"127.0.0.1:{manager.port}") as channel:
        transactions = transactions_pb2_grpc.TransactionServiceStub(channel)
        page = await transactions.ListTransactions(transactions_pb2.ListTransactionsRequest())
        assert [t.charger_id for t in page.transactions] == ["GOOD-1"]


async def test_fleet_reads_survive_after_poison_attempts(
    manager: Manager, node: Node, api: chargers_pb2_grpc.ChargerServiceAsyncStub
) -> None:
    """After a poisoned charger tried every bad value, the other chargers' data is all there."""
    async with (
        raw(node, "P-1", "ocpp2.0.1") as poisoned,
        raw(node, "H-1", "ocpp2.0.1") as healthy,
    ):
        assert (await poisoned.call("BootNotification", BOOT201))[0] == 3
        assert (await healthy.call("BootNotification", BOOT201))[0] == 3
        for bad in (
            {**STATUS201, "evseId": -1},
            {**STATUS201, "evseId": 99_999_999_999},
            {**STATUS201, "connectorStatus": "Available", "timestamp": "2026-11-24T10:00:00\u0000"},
        ):
            assert (await poisoned.call("StatusNotification", bad))[0] == 4
        assert (await healthy.call("StatusNotification", STATUS201))[0] == 3
    assert await eventually(lambda: _connectors(api, "H-1")) == [(1, 1, "Available")]
    listed = await api.ListChargers(chargers_pb2.ListChargersRequest())
    assert sorted(c.charger_id for c in listed.chargers) == ["H-1", "P-1"]
    assert isinstance(manager.stores.chargers, SqlChargerStore)
    assert manager.stores.chargers.dropped == 0


# --- fuzzing the handlers through the real node and manager ------------------------------

FUZZ_EXAMPLES = 300  # per OCPP version; each is one websocket round trip (~5 ms)


@pytest.mark.timeout(240)
@pytest.mark.parametrize("subprotocol", ["ocpp1.6", "ocpp2.0.1", "ocpp2.1"])
async def test_schema_valid_frames_never_crash_a_handler(
    manager: Manager,
    node: Node,
    api: chargers_pb2_grpc.ChargerServiceAsyncStub,
    subprotocol: str,
) -> None:
    """Every Call valid under the official schema (hypothesis, adversarial values) is answered
    with a CallResult or a spec CallError, never InternalError, and fleet reads keep working."""
    version = subprotocol.removeprefix("ocpp")
    boot = BOOT16 if version == "1.6" else BOOT201
    loop = asyncio.get_running_loop()
    answers: list[list[Any]] = []
    async with (
        api_channel(f"127.0.0.1:{manager.port}") as channel,
        raw(node, "FUZZ-1", subprotocol) as charger,
    ):
        # A watcher makes the handlers build live events (proto fields) too.
        watch = watch_pb2_grpc.WatchServiceStub(channel).WatchEvents(watch_pb2.WatchEventsRequest())
        assert (await charger.call("BootNotification", boot))[0] == 3

        @settings(
            max_examples=FUZZ_EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(call=st.one_of(action_calls(version, tame=True), action_calls(version)))
        def exchange(call: tuple[str, dict[str, Any]]) -> None:
            action, payload = call
            future = asyncio.run_coroutine_threadsafe(charger.call(action, payload), loop)
            answer = future.result(timeout=10 * UNIT)
            answers.append(answer)
            if answer[0] == 3:
                assert isinstance(answer[2], dict)
                return
            assert answer[0] == 4, answer
            assert answer[2] in CALL_ERROR_CODES[version], answer
            assert answer[2] != "InternalError", (action, payload, answer)
            assert isinstance(answer[3], str)
            assert isinstance(answer[4], dict)

        await asyncio.to_thread(exchange)
        watch.cancel()
    assert len(answers) >= FUZZ_EXAMPLES
    assert {a[0] for a in answers} == {3, 4}  # both outcomes were exercised
    listed = await api.ListChargers(chargers_pb2.ListChargersRequest())
    assert "FUZZ-1" in [c.charger_id for c in listed.chargers]
    await api.GetCharger(chargers_pb2.GetChargerRequest(charger_id="FUZZ-1"))
    async with api_channel(f"127.0.0.1:{manager.port}") as channel:
        transactions = transactions_pb2_grpc.TransactionServiceStub(channel)
        await transactions.ListTransactions(transactions_pb2.ListTransactionsRequest())
    await manager.stores.chargers.flush()
    assert isinstance(manager.stores.chargers, SqlChargerStore)
    assert manager.stores.chargers.dropped == 0


async def _anomalies(postgres_url: str) -> list[tuple[Any, ...]]:
    engine = create_async_engine(postgres_url)
    try:
        async with engine.connect() as conn:
            result = await conn.execute(
                sa.text("SELECT charger_id, kind, payload FROM transaction_anomalies ORDER BY id")
            )
            return [tuple(row) for row in result]
    finally:
        await engine.dispose()


@pytest.mark.parametrize(
    ("subprotocol", "reported", "phantom", "expected"),
    [
        ("ocpp1.6", [0, 1], {"connectorId": 99}, [(0, 0), (1, 1)]),
        ("ocpp2.0.1", [(1, 1)], {"evseId": 99, "connectorId": 1}, [(1, 1)]),
        ("ocpp2.0.1", [(1, 1)], {"evseId": 1, "connectorId": 99}, [(1, 1)]),
        ("ocpp2.0.1", [], {"evseId": 40, "connectorId": 1}, []),
    ],
)
async def test_a_connector_far_beyond_those_reported_is_recorded_not_created(
    manager: Manager,
    node: Node,
    api: chargers_pb2_grpc.ChargerServiceAsyncStub,
    postgres_url: str,
    subprotocol: str,
    reported: list[Any],
    phantom: dict[str, int],
    expected: list[tuple[int, int]],
) -> None:
    """A status for connector 99 of a charger that reported one connector is answered but
    creates no phantom connector: it is recorded as an anomaly (ADR 0010)."""
    version16 = subprotocol == "ocpp1.6"
    async with raw(node, "PHANTOM-1", subprotocol) as charger:
        assert (await charger.call("BootNotification", BOOT16 if version16 else BOOT201))[0] == 3
        for item in reported:
            payload = (
                {**STATUS16, "connectorId": item}
                if version16
                else {**STATUS201, "evseId": item[0], "connectorId": item[1]}
            )
            assert (await charger.call("StatusNotification", payload))[0] == 3
        await manager.stores.chargers.flush()
        base = STATUS16 if version16 else STATUS201
        answer = await charger.call("StatusNotification", {**base, **phantom})
        assert answer[0] == 3, answer
        await manager.stores.chargers.flush()
    assert [(e, c) for e, c, _ in await _connectors(api, "PHANTOM-1")] == expected
    anomalies = await _anomalies(postgres_url)
    assert [(a[0], a[1]) for a in anomalies] == [("PHANTOM-1", "status-for-unreported-connector")]
    assert '"connectorId": 99' in anomalies[0][2] or '"evseId": ' in anomalies[0][2]


async def test_connectors_reported_in_any_order_near_the_known_ones_are_created(
    manager: Manager, node: Node, api: chargers_pb2_grpc.ChargerServiceAsyncStub
) -> None:
    """A real charger's connectors (here 3, then 0, 1, 2, 4, 5) are all created: only ids far
    beyond the reported ones are held back."""
    async with raw(node, "REAL-1", "ocpp1.6") as charger:
        assert (await charger.call("BootNotification", BOOT16))[0] == 3
        for connector in (3, 0, 1, 2, 4, 5):
            answer = await charger.call(
                "StatusNotification", {**STATUS16, "connectorId": connector}
            )
            assert answer[0] == 3
            await manager.stores.chargers.flush()
    connectors = await _connectors(api, "REAL-1")
    assert [e for e, _, _ in connectors] == [0, 1, 2, 3, 4, 5]


async def test_a_21_reservation_status_update_no_transaction_is_answered(
    manager: Manager, node: Node
) -> None:
    """OCPP 2.1's ReservationStatusUpdate NoTransaction (found by the fuzz) is answered, not
    an InternalError."""
    async with raw(node, "RES-21", "ocpp2.1") as charger:
        assert (await charger.call("BootNotification", BOOT201))[0] == 3
        answer = await charger.call(
            "ReservationStatusUpdate",
            {"reservationId": 7, "reservationUpdateStatus": "NoTransaction"},
        )
        assert answer[0] == 3, answer


async def test_a_value_the_database_refuses_from_the_api_is_invalid_argument(
    manager: Manager,
) -> None:
    """An operator's location name holding NUL is INVALID_ARGUMENT (not UNAVAILABLE: the
    database is up and a retry cannot help)."""
    async with api_channel(f"127.0.0.1:{manager.port}") as channel:
        locations = locations_pb2_grpc.LocationServiceStub(channel)
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await locations.CreateLocation(
                locations_pb2.CreateLocationRequest(
                    location=locations_pb2.Location(location_id="depot-1", name="De\x00pot")
                )
            )
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "cannot be stored" in (caught.value.details() or "")


@pytest.mark.timeout(240)
@pytest.mark.parametrize("subprotocol", ["ocpp1.6", "ocpp2.0.1"])
async def test_any_frame_at_the_node_is_answered_and_only_clean_calls_reach_the_manager(
    manager: Manager, node: Node, subprotocol: str
) -> None:
    """Hypothesis over raw frames through the real node: every Call gets exactly one answer (a
    CallResult or a spec CallError with its id, "-1" when unreadable), responses get none,
    the connection stays usable, and only Calls the framer accepts reach the manager."""
    version = subprotocol.removeprefix("ocpp")
    loop = asyncio.get_running_loop()
    framer = Framer(version)
    async with raw(node, "FRAMES-1", subprotocol) as charger:
        assert (await charger.call("BootNotification", BOOT16 if version == "1.6" else BOOT201))[
            0
        ] == 3

        async def exchange(frame: str) -> tuple[list[Any] | None, int]:
            handled = manager.events.dispatcher.calls_handled
            await charger.ws.send(frame)
            # A Heartbeat after every frame: its answer must come next, so a frame that
            # should get no answer is seen to get none.
            await charger.ws.send(orjson.dumps([2, "probe", "Heartbeat", {}]).decode())
            first = orjson.loads(await asyncio.wait_for(charger.ws.recv(), 10 * UNIT))
            if first[:2] == [3, "probe"]:
                return None, manager.events.dispatcher.calls_handled - handled - 1
            probe = orjson.loads(await asyncio.wait_for(charger.ws.recv(), 10 * UNIT))
            assert probe[:2] == [3, "probe"], (frame, first, probe)
            return first, manager.events.dispatcher.calls_handled - handled - 1

        @settings(
            max_examples=FUZZ_EXAMPLES // 2,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(frame=frames(version))
        def check(frame: str) -> None:
            try:
                verdict: object = framer.parse(frame)
            except FrameRejected as rejected:
                verdict = rejected
            answer, reached = asyncio.run_coroutine_threadsafe(exchange(frame), loop).result(
                timeout=30 * UNIT
            )
            if isinstance(verdict, InboundCall):
                assert reached == 1, frame
                assert answer is not None, frame
                assert answer[1] == verdict.message_id
                assert answer[0] == 3 or (
                    answer[2] in CALL_ERROR_CODES[version] and answer[2] != "InternalError"
                ), (frame, answer)
            elif isinstance(verdict, FrameRejected) and verdict.reply:
                assert reached == 0, frame
                assert answer is not None, frame
                assert answer[:3] == [4, verdict.message_id, verdict.code], (frame, answer)
            else:  # a response, or a frame never answered
                assert reached == 0, frame
                assert answer is None, (frame, answer)

        await asyncio.to_thread(check)


async def test_negative_ids_that_break_nothing_are_still_accepted(
    manager: Manager, node: Node
) -> None:
    """Leniency: a negative requestId (no column or API field it would break) is answered as
    before; only values the CSMS cannot hold are refused."""
    async with raw(node, "LENIENT-1", "ocpp2.0.1") as charger:
        assert (await charger.call("BootNotification", BOOT201))[0] == 3
        answer = await charger.call(
            "FirmwareStatusNotification", {"status": "Idle", "requestId": -1}
        )
        assert answer[0] == 3, answer
