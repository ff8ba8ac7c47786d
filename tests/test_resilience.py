"""Failures: the manager restarts under load, a node dies without warning."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator

import asyncpg
import orjson
import websockets
from websockets.typing import Subprotocol

from services.node import Node
from services.registry import RedisRegistry
from tests.harness import (
    UNIT,
    Charger16,
    accepts,
    connected,
    eventually,
    free_port,
    running_manager,
    running_node,
    spawn_manager,
    spawn_node,
    stop_process,
)


@contextlib.asynccontextmanager
async def manager_process(
    port: int, database_url: str, redis_url: str, prefix: str
) -> AsyncIterator[asyncio.subprocess.Process]:
    """`python -m services.manager` as its own process (a real restart, not an in-process one)."""
    proc = await spawn_manager(port, database_url, redis_url, prefix)
    try:
        yield proc
    finally:
        await stop_process(proc)


async def _heartbeat_loop(
    node: Node, charger_id: str, stop: asyncio.Event, outcomes: list[tuple[float, str]]
) -> None:
    """A raw 1.6 charger sending Heartbeats back to back; records how each was answered."""
    url = f"ws://127.0.0.1:{node.ws_port}/ocpp/{charger_id}"
    async with websockets.connect(url, subprotocols=[Subprotocol("ocpp1.6")]) as ws:
        n = 0
        while not stop.is_set():
            n += 1
            message_id = f"{charger_id}-{n}"
            await ws.send(orjson.dumps([2, message_id, "Heartbeat", {}]).decode())
            # Every call must be answered before the node's deadline (+ slack), never silence.
            answer = orjson.loads(await asyncio.wait_for(ws.recv(), 6 * UNIT))
            assert answer[1] == message_id
            now = asyncio.get_running_loop().time()
            if answer[0] == 3:
                outcomes.append((now, "result"))
            else:
                assert answer[0] == 4
                assert answer[2] == "InternalError", answer
                outcomes.append((now, "error"))
            await asyncio.sleep(0.01)


async def test_manager_restart_loses_no_charger_call(
    registry: RedisRegistry, postgres_url: str, redis_server_url: str, redis_prefix: str
) -> None:
    """While chargers send events the manager process restarts: the node reconnects and every
    call is answered, with a reply or a CallError at the deadline, and replies flow again."""
    port = free_port()
    manager = manager_process(port, postgres_url, redis_server_url, redis_prefix)
    await manager.__aenter__()
    try:
        async with running_node(registry, port, "steady", call_timeout=2 * UNIT) as node:
            stop = asyncio.Event()
            outcomes: dict[str, list[tuple[float, str]]] = {f"HB-{i}": [] for i in range(5)}
            loops = [
                asyncio.create_task(_heartbeat_loop(node, cid, stop, out))
                for cid, out in outcomes.items()
            ]
            try:
                await asyncio.sleep(2 * UNIT)
                await manager.__aexit__(None, None, None)  # SIGTERM: a graceful stop
                restart_at = asyncio.get_running_loop().time()
                await asyncio.sleep(2 * UNIT)
                manager = manager_process(port, postgres_url, redis_server_url, redis_prefix)
                await manager.__aenter__()
                await eventually(
                    lambda: _all_answered_after(outcomes, restart_at + 2 * UNIT),
                    timeout=20 * UNIT,
                )
                assert node.link.streams_opened >= 2
                stop.set()
                await asyncio.gather(*loops)
            finally:
                stop.set()
                for loop in loops:
                    loop.cancel()
                await asyncio.gather(*loops, return_exceptions=True)
    finally:
        await manager.__aexit__(None, None, None)
    for charger_id, answers in outcomes.items():
        assert any(kind == "result" for t, kind in answers if t < restart_at), charger_id


async def _all_answered_after(outcomes: dict[str, list[tuple[float, str]]], after: float) -> bool:
    return all(any(t > after and k == "result" for t, k in out) for out in outcomes.values())


async def test_events_sent_during_an_outage_are_delivered_after_reconnect(
    registry: RedisRegistry, postgres_url: str, redis_server_url: str, redis_prefix: str
) -> None:
    """A BootNotification sent while the manager is down is answered once it is back (within the deadline)."""
    port = free_port()
    first = manager_process(port, postgres_url, redis_server_url, redis_prefix)
    await first.__aenter__()
    try:
        async with (
            running_node(registry, port, "patient", call_timeout=24 * UNIT) as node,
            connected(Charger16, f"ws://127.0.0.1:{node.ws_port}/ocpp/WAITER", "WAITER") as cp,
        ):
            await first.__aexit__(None, None, None)
            boot = asyncio.create_task(cp.boot())
            await asyncio.sleep(2 * UNIT)
            assert not boot.done()
            async with manager_process(port, postgres_url, redis_server_url, redis_prefix):
                answer = await asyncio.wait_for(boot, 20 * UNIT)
                assert answer.status == "Accepted"
                conn = await asyncpg.connect(postgres_url.replace("+asyncpg", ""))
                try:
                    vendor = await conn.fetchval("select vendor from chargers where id = 'WAITER'")
                finally:
                    await conn.close()
                assert vendor == "Acme"
    finally:
        await first.__aexit__(None, None, None)


async def test_killed_node_chargers_leave_the_registry_within_the_lease(
    registry: RedisRegistry, redis_server_url: str, redis_prefix: str, postgres_url: str
) -> None:
    """A node killed with SIGKILL: its chargers disappear from the registry within the lease period."""
    async with running_manager(registry, postgres_url) as manager:
        proc, ws_port = await spawn_node("doomed", manager.port, redis_server_url, redis_prefix)
        try:
            await eventually(lambda: _node_listed(registry, "doomed"), timeout=20 * UNIT)
            await eventually(lambda: accepts(ws_port), timeout=20 * UNIT)
            sockets = []
            for i in range(3):
                ws = await websockets.connect(
                    f"ws://127.0.0.1:{ws_port}/ocpp/DOOMED-{i}",
                    subprotocols=[Subprotocol("ocpp1.6")],
                )
                sockets.append(ws)
            located = await eventually(lambda: _count_located(registry, 3), timeout=8 * UNIT)
            assert located == 3
            proc.send_signal(signal.SIGKILL)
            await proc.wait()
            # Gone from lookups within one lease period (plus slack for a loaded machine).
            await eventually(lambda: _count_gone(registry, 3), timeout=2 * UNIT + 1.5)
            listed, _ = await registry.list_chargers()
            assert [c for c in listed if c.node_id == "doomed"] == []
            for ws in sockets:
                await ws.close()
        finally:
            await stop_process(proc, signal.SIGKILL)


async def _node_listed(registry: RedisRegistry, node_id: str) -> bool:
    return any(n.node_id == node_id for n in await registry.list_nodes())


async def _count_located(registry: RedisRegistry, n: int) -> int:
    found = await registry.lookup_many([f"DOOMED-{i}" for i in range(n)])
    return len(found) if len(found) == n else 0


async def _count_gone(registry: RedisRegistry, n: int) -> bool:
    return not await registry.lookup_many([f"DOOMED-{i}" for i in range(n)])
