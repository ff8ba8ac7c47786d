"""The node's contract with chargers and the manager, one rule per test."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from typing import TypeVar

import grpc
import orjson
import pytest
import websockets
from csms.v1 import chargers_pb2, chargers_pb2_grpc
from websockets.asyncio.client import ClientConnection
from websockets.typing import Subprotocol

from services.manager import Manager
from services.manager._data_transfer import VendorAnswer, VendorMessage
from services.node import Node, NodeSettings
from services.registry import MemoryRegistry
from tests.harness import (
    MESH_SECRET,
    UNIT,
    api_channel,
    charger_url,
    eventually,
    running_manager,
    running_node,
)

OCPP16 = [Subprotocol("ocpp1.6")]
T = TypeVar("T")


@pytest.fixture
async def registry() -> AsyncIterator[MemoryRegistry]:
    registry = MemoryRegistry(lease_seconds=10)
    yield registry
    await registry.aclose()


@pytest.fixture
async def manager(registry: MemoryRegistry, sqlite_url: str) -> AsyncIterator[Manager]:
    async with running_manager(registry, sqlite_url) as manager:
        yield manager


async def _call(
    ws: ClientConnection, message_id: str, action: str, payload: object
) -> list[object]:
    await ws.send(orjson.dumps([2, message_id, action, payload]).decode())
    answer = orjson.loads(await asyncio.wait_for(ws.recv(), 8 * UNIT))
    assert isinstance(answer, list)
    return answer


async def test_concurrent_events_travel_in_shared_batches(node: Node) -> None:
    """Calls arriving together are packed into fewer stream messages than events."""
    sockets = [
        await websockets.connect(charger_url(node, f"B-{i}"), subprotocols=OCPP16)
        for i in range(200)
    ]
    try:
        before_batches, before_events = node.link.batches_sent, node.link.events_sent
        answers = await asyncio.gather(
            *(_call(ws, f"hb-{i}", "Heartbeat", {}) for i, ws in enumerate(sockets))
        )
        assert all(a[0] == 3 for a in answers)
        events = node.link.events_sent - before_events
        batches = node.link.batches_sent - before_batches
        assert events >= 200
        assert batches < events / 2, (batches, events)
    finally:
        await asyncio.gather(*(ws.close() for ws in sockets))


async def test_call_unanswered_by_the_manager_gets_internal_error(
    registry: MemoryRegistry, sqlite_url: str
) -> None:
    """A charger's call the manager does not answer in time gets CallError InternalError at the deadline."""
    never = asyncio.Event()

    async def stuck(message: VendorMessage) -> VendorAnswer:
        await never.wait()  # the manager never answers this vendor's messages
        raise AssertionError("unreachable")

    async with (
        running_manager(registry, sqlite_url, vendor_handlers={"stuck": stuck}) as manager,
        running_node(registry, manager.port, "lonely", call_timeout=UNIT) as node,
        websockets.connect(charger_url(node, "ALONE"), subprotocols=OCPP16) as ws,
    ):
        answer = await _call(ws, "dt", "DataTransfer", {"vendorId": "stuck"})
        assert answer[:3] == [4, "dt", "InternalError"]
        assert "did not answer" in str(answer[3])
        # The connection stays usable and later calls are answered normally.
        assert (await _call(ws, "hb", "Heartbeat", {}))[:2] == [3, "hb"]


async def test_task_times_out_when_the_charger_is_silent(
    node: Node, api: chargers_pb2_grpc.ChargerServiceAsyncStub
) -> None:
    """A charger that never answers a task makes the API return DEADLINE_EXCEEDED."""
    async with websockets.connect(charger_url(node, "MUTE"), subprotocols=OCPP16) as ws:
        await eventually(lambda: _connected(node, "MUTE"))
        request_mute = chargers_pb2.ResetRequest(
            charger_id="MUTE", kind=chargers_pb2.RESET_KIND_SOFT
        )
        reset = asyncio.create_task(_resolved(api.Reset(request_mute)))
        request = orjson.loads(await asyncio.wait_for(ws.recv(), 4 * UNIT))
        assert request[0] == 2
        assert request[2:] == ["Reset", {"type": "Soft"}]
        with pytest.raises(grpc.aio.AioRpcError) as timed_out:
            await reset
        assert timed_out.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        assert "MUTE" in (timed_out.value.details() or "")


async def test_invalid_answer_from_the_charger_is_reported_not_passed_on(
    node: Node, api: chargers_pb2_grpc.ChargerServiceAsyncStub
) -> None:
    """A charger answering a task with a payload that breaks the schema gives FAILED_PRECONDITION naming it."""
    async with websockets.connect(charger_url(node, "ODD"), subprotocols=OCPP16) as ws:
        await eventually(lambda: _connected(node, "ODD"))
        request_odd = chargers_pb2.ResetRequest(charger_id="ODD", kind=chargers_pb2.RESET_KIND_HARD)
        reset = asyncio.create_task(_resolved(api.Reset(request_odd)))
        request = orjson.loads(await asyncio.wait_for(ws.recv(), 4 * UNIT))
        await ws.send(orjson.dumps([3, request[1], {"status": "Maybe"}]).decode())
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await reset
        assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        details = refused.value.details() or ""
        assert "answer to Reset is invalid" in details
        assert "status" in details


async def test_graceful_shutdown_closes_chargers_with_going_away(
    registry: MemoryRegistry, manager: Manager
) -> None:
    """Closing a node closes its chargers with 1001 and removes it and them from the registry."""
    async with running_node(registry, manager.port, "leaving") as node:
        ws = await websockets.connect(charger_url(node, "BYE"), subprotocols=OCPP16)
        await eventually(lambda: _connected(node, "BYE"))
        assert await registry.lookup("BYE") is not None
    await asyncio.wait_for(ws.wait_closed(), 4 * UNIT)
    assert ws.close_code == 1001
    assert await registry.lookup("BYE") is None
    assert [n.node_id for n in await registry.list_nodes()] == []


async def test_same_node_reconnect_replaces_the_old_socket(node: Node) -> None:
    """A charger reconnecting to the same node gets a higher epoch and the old socket is closed."""
    first = await websockets.connect(charger_url(node, "TWICE"), subprotocols=OCPP16)
    await eventually(lambda: _connected(node, "TWICE"))
    old_epoch = node.connections["TWICE"].epoch
    async with websockets.connect(charger_url(node, "TWICE"), subprotocols=OCPP16) as second:
        await asyncio.wait_for(first.wait_closed(), 4 * UNIT)
        assert first.close_code == 4000
        assert node.connections["TWICE"].epoch > old_epoch
        answer = await _call(second, "hb", "Heartbeat", {})
        assert answer[:2] == [3, "hb"]


async def _connected(node: Node, charger_id: str) -> bool:
    return charger_id in node.connections


async def _resolved(call: Awaitable[T]) -> T:
    """A gRPC call object as a coroutine, so it can run as a task."""
    return await call


async def _gone(node: Node, charger_id: str) -> bool:
    return charger_id not in node.connections


async def test_charger_silent_to_keepalive_pings_is_closed(
    registry: MemoryRegistry, manager: Manager
) -> None:
    """A charger that does not answer the node's ping within ping_timeout is disconnected; one that answers stays."""
    settings = NodeSettings(
        node_id="pinger",
        host="127.0.0.1",
        port=0,
        grpc_host="127.0.0.1",
        grpc_port=0,
        advertise_host="127.0.0.1",
        manager_address=f"127.0.0.1:{manager.port}",
        ping_interval=UNIT,
        ping_timeout=UNIT,
        close_timeout=UNIT,
        drain_timeout=UNIT,
        mesh_secret=MESH_SECRET,
    )
    async with (
        Node(settings, registry) as node,
        websockets.connect(charger_url(node, "LIVELY"), subprotocols=OCPP16) as lively,
        # It never reads the node's close frame: leaving must not wait websockets' 10 s.
        websockets.connect(
            charger_url(node, "SILENT"), subprotocols=OCPP16, close_timeout=UNIT
        ) as silent,
    ):
        await eventually(lambda: _connected(node, "SILENT"))
        silent.transport.pause_reading()  # no pong goes back: a dead charger
        await eventually(lambda: _gone(node, "SILENT"), timeout=12 * UNIT)
        assert await registry.lookup("SILENT") is None
        assert "LIVELY" in node.connections
        assert (await _call(lively, "hb", "Heartbeat", {}))[:2] == [3, "hb"]


async def test_task_answer_is_not_held_up_by_the_chargers_own_call(
    registry: MemoryRegistry, sqlite_url: str
) -> None:
    """A charger's answer to a task reaches the API while its own call still waits for the manager."""
    release = asyncio.Event()

    async def slow(message: VendorMessage) -> VendorAnswer:
        await release.wait()  # the manager answers this call only after the Reset is done
        return VendorAnswer(status="Accepted")

    async with (
        running_manager(registry, sqlite_url, vendor_handlers={"slow": slow}) as manager,
        # the charger's call would be answered (with a CallError) only after the task's deadline
        running_node(registry, manager.port, "busy", call_timeout=16 * UNIT) as node,
        websockets.connect(charger_url(node, "BUSY"), subprotocols=OCPP16) as ws,
        api_channel(f"127.0.0.1:{manager.port}") as channel,
    ):
        await eventually(lambda: _connected(node, "BUSY"))
        await ws.send(orjson.dumps([2, "dt", "DataTransfer", {"vendorId": "slow"}]).decode())
        api = chargers_pb2_grpc.ChargerServiceStub(channel)
        reset = asyncio.create_task(
            _resolved(
                api.Reset(
                    chargers_pb2.ResetRequest(charger_id="BUSY", kind=chargers_pb2.RESET_KIND_SOFT)
                )
            )
        )
        request = orjson.loads(await asyncio.wait_for(ws.recv(), 4 * UNIT))
        assert request[2] == "Reset"
        await ws.send(orjson.dumps([3, request[1], {"status": "Accepted"}]).decode())
        answer = await reset
        assert answer.status == "Accepted"
        release.set()
        reply = orjson.loads(await asyncio.wait_for(ws.recv(), 4 * UNIT))
        assert reply[:3] == [3, "dt", {"status": "Accepted"}]


async def test_calls_sent_without_waiting_are_answered_in_order(node: Node) -> None:
    """A charger sending a second call before the first is answered gets both answers, in order."""
    async with websockets.connect(charger_url(node, "EAGER"), subprotocols=OCPP16) as ws:
        for message_id in ("first", "second", "third"):
            await ws.send(orjson.dumps([2, message_id, "Heartbeat", {}]).decode())
        answers = [orjson.loads(await asyncio.wait_for(ws.recv(), 4 * UNIT)) for _ in range(3)]
        assert [(a[0], a[1]) for a in answers] == [(3, "first"), (3, "second"), (3, "third")]
