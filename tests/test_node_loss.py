"""Node loss as a first-class event: announced disconnections, aborted tasks, stale
epochs refused, channels to dead nodes closed (issue 10, items 7-9 and 11).

Real parts throughout: Redis registry, PostgreSQL, nodes and manager over loopback
gRPC, chargers as the ``ocpp`` library's ChargePoint or raw OCPP-J websockets, and a
node killed with SIGKILL as its own process.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from typing import Any

import grpc
import orjson
import pytest
import websockets
from csms.v1 import chargers_pb2, chargers_pb2_grpc, watch_pb2, watch_pb2_grpc
from websockets.asyncio.client import ClientConnection
from websockets.typing import Subprotocol

from services.manager import Manager
from services.node import Node
from services.registry import ChargerLocation, Eviction, RedisRegistry, RegistryUnavailable
from tests.harness import (
    UNIT,
    Charger16,
    accepts,
    api_channel,
    charger_url,
    connected,
    eventually,
    free_port,
    running_manager,
    running_node,
    spawn_node,
    stop_process,
)

K = watch_pb2

_Watch = grpc.aio.UnaryStreamCall[watch_pb2.WatchEventsRequest, watch_pb2.ChargerEvent]


@pytest.fixture
async def node_a(registry: RedisRegistry, manager: Manager) -> AsyncIterator[Node]:
    async with running_node(registry, manager.port, "node-a") as node:
        yield node


@pytest.fixture
async def node_b(registry: RedisRegistry, manager: Manager) -> AsyncIterator[Node]:
    async with running_node(registry, manager.port, "node-b") as node:
        yield node


@pytest.fixture
async def watch(manager: Manager) -> AsyncIterator[watch_pb2_grpc.WatchServiceAsyncStub]:
    async with api_channel(f"127.0.0.1:{manager.port}") as channel:
        yield watch_pb2_grpc.WatchServiceStub(channel)


async def subscribe(
    stub: watch_pb2_grpc.WatchServiceAsyncStub, manager: Manager, charger_ids: Sequence[str]
) -> _Watch:
    """A WatchEvents stream of connection events, once the manager has registered it."""
    before = manager.bus.watcher_count
    stream: _Watch = stub.WatchEvents(
        watch_pb2.WatchEventsRequest(
            charger_ids=list(charger_ids),
            kinds=[K.EVENT_KIND_CONNECTED, K.EVENT_KIND_DISCONNECTED],
        )
    )

    async def registered() -> bool:
        return manager.bus.watcher_count > before

    await eventually(registered, timeout=4 * UNIT)
    return stream


async def next_event(stream: _Watch, timeout: float = 4 * UNIT) -> watch_pb2.ChargerEvent:
    message: object = await asyncio.wait_for(stream.read(), timeout)
    assert message is not grpc.aio.EOF, "the watch stream ended"
    assert isinstance(message, watch_pb2.ChargerEvent)
    return message


async def raw_charger(port: int, charger_id: str) -> ClientConnection:
    """A 1.6 charger as a bare websocket (it answers nothing by itself)."""
    return await websockets.connect(
        f"ws://127.0.0.1:{port}/ocpp/{charger_id}",
        subprotocols=[Subprotocol("ocpp1.6")],
        open_timeout=4 * UNIT,
    )


@contextlib.asynccontextmanager
async def node_process(
    redis_url: str, prefix: str, manager_port: int, node_id: str
) -> AsyncIterator[tuple[asyncio.subprocess.Process, int]]:
    """`python -m services.node` as its own process; yields it and its websocket port."""
    proc, ws_port = await spawn_node(node_id, manager_port, redis_url, prefix)
    try:
        await eventually(lambda: accepts(ws_port), timeout=30 * UNIT)
        yield proc, ws_port
    finally:
        await stop_process(proc, signal.SIGKILL)


async def _located(
    registry: RedisRegistry, charger_id: str, node_id: str
) -> ChargerLocation | None:
    location = await registry.lookup(charger_id)
    return location if location is not None and location.node_id == node_id else None


# --- item 7: a dead node's chargers are announced -------------------------------------


async def test_killed_nodes_chargers_are_announced_disconnected_except_those_back_elsewhere(
    registry: RedisRegistry,
    manager: Manager,
    node_b: Node,
    api: chargers_pb2_grpc.ChargerServiceAsyncStub,
    watch: watch_pb2_grpc.WatchServiceAsyncStub,
    redis_server_url: str,
    redis_prefix: str,
) -> None:
    """When a node is killed, each of its chargers gets one DISCONNECTED on the live stream
    once the lease is gone, and reads offline then; one already back on another node
    is neither announced nor shown offline."""
    stay, move = "LOST-1", "LOST-2"
    stream = await subscribe(watch, manager, [stay, move])
    async with node_process(redis_server_url, redis_prefix, manager.port, "doomed") as (proc, port):
        sockets = [await raw_charger(port, stay), await raw_charger(port, move)]
        await eventually(lambda: _located(registry, stay, "doomed"), timeout=8 * UNIT)
        await eventually(lambda: _located(registry, move, "doomed"), timeout=8 * UNIT)
        # Their CONNECTED events reach the manager after the registry claims: take both
        # before the kill, so the next events are the ones the node loss causes.
        arrived = set()
        for _ in range(2):
            event = await next_event(stream, timeout=8 * UNIT)
            arrived.add((event.kind, event.charger_id, event.node_id))
        assert arrived == {
            (K.EVENT_KIND_CONNECTED, stay, "doomed"),
            (K.EVENT_KIND_CONNECTED, move, "doomed"),
        }
        proc.send_signal(signal.SIGKILL)
        await proc.wait()
        for ws in sockets:
            with contextlib.suppress(websockets.ConnectionClosed):
                await ws.close()
        # `move` comes back on node B before the dead node's lease runs out.
        async with connected(Charger16, charger_url(node_b, move), move):
            back = await next_event(stream)
            assert (back.kind, back.charger_id, back.node_id) == (
                K.EVENT_KIND_CONNECTED,
                move,
                "node-b",
            )
            gone = await next_event(stream, timeout=2 * UNIT + 8 * UNIT)
            assert (gone.kind, gone.charger_id, gone.node_id) == (
                K.EVENT_KIND_DISCONNECTED,
                stay,
                "doomed",
            )
            # The read API agrees the moment the event is out (no wait for the sweep).
            offline = await api.GetCharger(chargers_pb2.GetChargerRequest(charger_id=stay))
            assert not offline.connected
            online = await api.GetCharger(chargers_pb2.GetChargerRequest(charger_id=move))
            assert (online.connected, online.node_id) == (True, "node-b")
            listed = await api.ListChargers(chargers_pb2.ListChargersRequest(connected=True))
            assert [c.charger_id for c in listed.chargers] == [move]
            # Nothing else: no DISCONNECTED for the charger that is back, no repeat.
            with pytest.raises(TimeoutError):
                await next_event(stream, timeout=4 * UNIT)
    stream.cancel()


async def test_charger_moving_to_another_node_is_never_shown_disconnected(
    registry: RedisRegistry,
    manager: Manager,
    node_a: Node,
    node_b: Node,
    watch: watch_pb2_grpc.WatchServiceAsyncStub,
) -> None:
    """When a charger reconnects on another node, the old connection's disconnection
    (a superseded epoch) is not published: watchers last see it connected on the new node."""
    stream = await subscribe(watch, manager, ["ROVER"])
    old = await raw_charger(node_a.ws_port, "ROVER")
    first = await next_event(stream)
    assert (first.kind, first.node_id) == (K.EVENT_KIND_CONNECTED, "node-a")
    async with connected(Charger16, charger_url(node_b, "ROVER"), "ROVER"):
        second = await next_event(stream)
        assert (second.kind, second.node_id) == (K.EVENT_KIND_CONNECTED, "node-b")
        await asyncio.wait_for(old.wait_closed(), 8 * UNIT)  # node A closed the stale socket
        assert old.close_code == 4000
        with pytest.raises(TimeoutError):  # no DISCONNECTED of the old connection
            await next_event(stream, timeout=4 * UNIT)
        located = await registry.lookup("ROVER")
        assert located is not None
        assert located.node_id == "node-b"
    stream.cancel()


async def test_graceful_node_stop_announces_each_charger_once(
    registry: RedisRegistry,
    manager: Manager,
    watch: watch_pb2_grpc.WatchServiceAsyncStub,
) -> None:
    """A node that stops gracefully reports its chargers' disconnections itself; the
    manager announces each exactly once, not again when the node's lease is gone."""
    ids = ["BYE-1", "BYE-2"]
    stream = await subscribe(watch, manager, ids)
    async with running_node(registry, manager.port, "leaving") as node:
        sockets = [await raw_charger(node.ws_port, c) for c in ids]
        connects = {(await next_event(stream)).charger_id for _ in ids}
        assert connects == set(ids)
    disconnects = [await next_event(stream) for _ in ids]
    assert sorted((e.kind, e.charger_id) for e in disconnects) == [
        (K.EVENT_KIND_DISCONNECTED, c) for c in ids
    ]
    with pytest.raises(TimeoutError):
        await next_event(stream, timeout=6 * UNIT)  # several check intervals
    for ws in sockets:
        await ws.close()
    stream.cancel()


async def test_manager_restarted_meanwhile_learns_the_nodes_chargers_and_announces_them(
    registry: RedisRegistry, postgres_url: str, redis_server_url: str, redis_prefix: str
) -> None:
    """A manager that starts after a node's chargers connected learns them from the
    registry when the node's stream comes, and announces them when that node dies."""
    port = free_port()
    first = running_manager(registry, postgres_url, port=port)
    await first.__aenter__()
    async with node_process(redis_server_url, redis_prefix, port, "doomed") as (proc, ws_port):
        ws = await raw_charger(ws_port, "KEPT-1")
        await eventually(lambda: _located(registry, "KEPT-1", "doomed"), timeout=8 * UNIT)
        await first.__aexit__(None, None, None)
        async with (
            running_manager(registry, postgres_url, port=port) as second,
            api_channel(f"127.0.0.1:{port}") as channel,
        ):
            stream = await subscribe(watch_pb2_grpc.WatchServiceStub(channel), second, ["KEPT-1"])

            async def learned() -> bool:
                return "KEPT-1" in second.node_monitor.newest

            await eventually(learned, timeout=20 * UNIT)  # the node's link reconnected
            proc.send_signal(signal.SIGKILL)
            await proc.wait()
            gone = await next_event(stream, timeout=2 * UNIT + 8 * UNIT)
            assert (gone.kind, gone.charger_id, gone.node_id) == (
                K.EVENT_KIND_DISCONNECTED,
                "KEPT-1",
                "doomed",
            )
            assert "doomed" in gone.message
            stream.cancel()
        with contextlib.suppress(websockets.ConnectionClosed):
            await ws.close()


# --- item 8: a task delivered, then the socket closed ---------------------------------


async def test_task_delivered_then_socket_closed_is_aborted_not_unavailable(
    node_a: Node, api: chargers_pb2_grpc.ChargerServiceAsyncStub
) -> None:
    """A Reset the charger received but did not answer before closing its socket is
    ABORTED with a message saying it may have acted on it, not 'not connected'."""
    ws = await raw_charger(node_a.ws_port, "SILENT")
    await ws.send(
        orjson.dumps(
            [2, "b1", "BootNotification", {"chargePointVendor": "V", "chargePointModel": "M"}]
        ).decode()
    )
    assert orjson.loads(await asyncio.wait_for(ws.recv(), 4 * UNIT))[0] == 3

    async def receive_reset_and_hang_up() -> list[Any]:
        frame = orjson.loads(await asyncio.wait_for(ws.recv(), 4 * UNIT))
        await ws.close()
        return list(frame)

    received = asyncio.create_task(receive_reset_and_hang_up())
    with pytest.raises(grpc.aio.AioRpcError) as aborted:
        await api.Reset(
            chargers_pb2.ResetRequest(charger_id="SILENT", kind=chargers_pb2.RESET_KIND_HARD)
        )
    frame = await received
    assert (frame[0], frame[2]) == (2, "Reset")
    assert aborted.value.code() == grpc.StatusCode.ABORTED
    details = aborted.value.details() or ""
    assert "disconnected after" in details
    assert "may have acted on it" in details
    assert "SILENT" in details


# --- item 9: events of a superseded connection ----------------------------------------


class _LostEvictions:
    """The Redis registry, except that eviction notices never arrive (Redis pub/sub is
    at-most-once: a notice sent while the subscription is down is lost)."""

    def __init__(self, registry: RedisRegistry) -> None:
        self._registry = registry

    def __getattr__(self, name: str) -> Any:
        return getattr(self._registry, name)

    async def evictions(
        self, node_id: str, *, ready: asyncio.Event | None = None
    ) -> AsyncGenerator[Eviction, None]:
        if ready is not None:
            ready.set()
        await asyncio.Event().wait()
        yield Eviction("", 0)  # pragma: no cover - never reached


async def test_events_of_a_superseded_connection_are_refused_and_its_socket_closed(
    registry: RedisRegistry,
    manager: Manager,
    node_b: Node,
    watch: watch_pb2_grpc.WatchServiceAsyncStub,
) -> None:
    """A call from a connection whose epoch was superseded on another node is not
    handled; the node closes that socket (4000) instead of answering it."""
    stale_registry: Any = _LostEvictions(registry)
    # A long lease: the node's own periodic ownership check does not run in this test.
    async with running_node(stale_registry, manager.port, "node-a", lease_seconds=60) as node_a:
        stream = await subscribe(watch, manager, ["TWIN"])
        old = await raw_charger(node_a.ws_port, "TWIN")
        assert (await next_event(stream)).node_id == "node-a"
        async with connected(Charger16, charger_url(node_b, "TWIN"), "TWIN") as new:
            assert (await new.boot()).status == "Accepted"
            event = await next_event(stream)
            assert (event.kind, event.node_id) == (K.EVENT_KIND_CONNECTED, "node-b")
            assert "TWIN" in node_a.connections  # the eviction notice was lost
            await old.send(
                orjson.dumps(
                    [
                        2,
                        "s1",
                        "BootNotification",
                        {"chargePointVendor": "Stale", "chargePointModel": "M"},
                    ]
                ).decode()
            )
            # No answer: the socket is closed instead.
            with pytest.raises(websockets.ConnectionClosed):
                await asyncio.wait_for(old.recv(), 4 * UNIT)
            assert old.close_code == 4000
            record = await manager.stores.chargers.get("TWIN")
            assert record is not None
            assert record.vendor != "Stale"
            # The new connection is untouched and still served.
            assert (await new.heartbeat()).current_time
    stream.cancel()


# --- item 11: channels to dead nodes --------------------------------------------------


async def test_task_channel_to_a_node_whose_lease_is_gone_is_closed(
    registry: RedisRegistry, manager: Manager, api: chargers_pb2_grpc.ChargerServiceAsyncStub
) -> None:
    """The manager closes and forgets its Node.Send channel to a node once the node's
    lease is gone."""
    async with running_node(registry, manager.port, "short-lived") as node:
        address = node.address
        async with connected(Charger16, charger_url(node, "CH-1"), "CH-1"):
            await eventually(lambda: _located(registry, "CH-1", "short-lived"))
            await api.Reset(
                chargers_pb2.ResetRequest(charger_id="CH-1", kind=chargers_pb2.RESET_KIND_SOFT)
            )
            assert address in manager.task_sender.node_addresses

    async def forgotten() -> bool:
        return address not in manager.task_sender.node_addresses

    await eventually(forgotten, timeout=8 * UNIT)


# --- reclaiming after the registry lost the node's lease --------------------------------


class _ClaimFailsOnce(RedisRegistry):
    """A Redis registry whose claims fail while `failures` lasts (a pooled connection
    that Redis closed on restart fails exactly like this)."""

    failures = 0

    async def claim(self, charger_id: str, node_id: str, ocpp_version: str) -> ChargerLocation:
        if self.failures > 0:
            self.failures -= 1
            raise RegistryUnavailable("Connection closed by server")
        return await super().claim(charger_id, node_id, ocpp_version)


async def test_a_failed_reclaim_is_retried_until_every_charger_is_back(
    redis_server_url: str,
    redis_prefix: str,
    redis_client: Any,
    manager: Manager,
) -> None:
    """After the registry lost a node's keys, a claim that fails while the node reclaims
    its chargers is retried at the next lease period: every charger is findable again."""
    registry = _ClaimFailsOnce.from_url(
        redis_server_url, prefix=redis_prefix, lease_seconds=2 * UNIT
    )
    try:
        async with running_node(registry, manager.port, "node-r") as node:
            ids = ["RECLAIM-1", "RECLAIM-2", "RECLAIM-3"]
            async with contextlib.AsyncExitStack() as stack:
                for cid in ids:
                    await stack.enter_async_context(
                        connected(Charger16, charger_url(node, cid), cid)
                    )

                async def all_back() -> bool:
                    found = await registry.lookup_many(ids)
                    return set(found) == set(ids)

                await eventually(all_back)
                # Redis lost everything (a restart without persistence).
                keys = [k async for k in redis_client.scan_iter(match=f"{redis_prefix}*")]
                await redis_client.delete(*keys)
                registry.failures = 1
                await eventually(all_back, timeout=8 * UNIT)
    finally:
        await registry.aclose()
