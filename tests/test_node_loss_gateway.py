"""Fault drill: a node is SIGKILLed behind the gateway (issue 10, item 6).

A real Envoy balances charger websockets over two node processes; chargers are the `ocpp`
library's ChargePoint with a reconnect loop (a fixed short retry, like a charger's first
retry). When one node dies, the gateway must stop routing to it at once: every charger of
the dead node gets back through the gateway on its first attempt, and within one lease period
the registry shows every charger on the surviving node.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
import websockets
from websockets.typing import Subprotocol

from services.gateway import Envoy, GatewaySettings
from services.registry import RedisRegistry
from tests.harness import (
    UNIT,
    Charger16,
    accepts,
    charger_url,
    connected,
    eventually,
    free_port,
    running_manager,
    running_node,
    spawn_node,
    stop_process,
)
from tests.test_gateway import http

LEASE = 15.0  # seconds: the default lease, the bound on recovery
CHARGERS = 12
RETRY = 0.5  # seconds a charger waits before reconnecting


@dataclass
class NodeProcess:
    node_id: str
    ws_port: int
    proc: asyncio.subprocess.Process


@contextlib.asynccontextmanager
async def node_process(
    node_id: str, manager_port: int, redis_url: str, prefix: str
) -> AsyncIterator[NodeProcess]:
    """`python -m services.node` as its own process, so it can be SIGKILLed."""
    proc, ws_port = await spawn_node(node_id, manager_port, redis_url, prefix, lease_seconds=LEASE)
    try:
        yield NodeProcess(node_id, ws_port, proc)
    finally:
        await stop_process(proc)


class RoamingCharger:
    """A 1.6 charger that reconnects RETRY seconds after its websocket closes or is refused,
    and boots on every connection."""

    def __init__(self, charger_id: str, url: str) -> None:
        self.charger_id = charger_id
        self.url = url
        self.online = False  # connected and its BootNotification accepted
        self.connections = 0  # websockets opened (each accepted upgrade)
        self.refused: list[str] = []  # failed attempts: HTTP status or error

    async def run(self) -> None:
        while True:
            try:
                async with websockets.connect(
                    self.url, subprotocols=[Subprotocol("ocpp1.6")], open_timeout=8 * UNIT
                ) as ws:
                    self.connections += 1
                    cp = Charger16(self.charger_id, ws)
                    receiving = asyncio.create_task(cp.start())
                    try:
                        if (await cp.boot()).status == "Accepted":
                            self.online = True
                        await receiving
                    finally:
                        receiving.cancel()
                        with contextlib.suppress(asyncio.CancelledError, Exception):
                            await receiving
            except websockets.InvalidStatus as exc:
                self.refused.append(str(exc.response.status_code))
            except (OSError, TimeoutError, websockets.ConnectionClosed) as exc:
                if not self.connections:
                    self.refused.append(type(exc).__name__)
            self.online = False
            await asyncio.sleep(RETRY)


async def _nodes_healthy(admin: tuple[str, int], count: int) -> bool:
    """Whether Envoy's admin /clusters shows `count` nodes endpoints without a failed check."""
    reply = await http("GET", f"http://{admin[0]}:{admin[1]}/clusters")
    lines = [line for line in reply.body.decode().splitlines() if line.startswith("nodes::")]
    flags = [line for line in lines if "::health_flags::" in line]
    return len(flags) == count and all(line.endswith("::healthy") for line in flags)


async def test_chargers_of_a_killed_node_are_back_through_the_gateway_within_a_lease(
    registry: RedisRegistry, sqlite_url: str, redis_server_url: str, redis_prefix: str
) -> None:
    """After a node is SIGKILLed, no reconnecting charger is routed to the dead node, and every
    charger is back online through the gateway, on the surviving node in the registry, within
    one lease period."""
    loop = asyncio.get_running_loop()
    async with (
        running_manager(registry, sqlite_url) as manager,
        node_process("node-a", manager.port, redis_server_url, redis_prefix) as node_a,
        node_process("node-b", manager.port, redis_server_url, redis_prefix) as node_b,
    ):
        await eventually(lambda: accepts(node_a.ws_port), timeout=20 * UNIT)
        await eventually(lambda: accepts(node_b.ws_port), timeout=20 * UNIT)
        settings = GatewaySettings(
            manager_address=f"127.0.0.1:{manager.port}",
            node_addresses=(f"127.0.0.1:{node_a.ws_port}", f"127.0.0.1:{node_b.ws_port}"),
            listen_host="127.0.0.1",
            listen_port=free_port(),
            admin_port=0,
            concurrency=1,
            ui_dir=None,
        )
        async with Envoy(settings, start_timeout=20 * UNIT) as envoy:
            assert envoy.admin_address is not None
            admin = envoy.admin_address
            await eventually(lambda: _nodes_healthy(admin, 2), timeout=20 * UNIT)
            base = f"ws://127.0.0.1:{settings.listen_port}/ocpp"
            chargers = [
                RoamingCharger(f"ROAM-{i:02d}", f"{base}/ROAM-{i:02d}") for i in range(CHARGERS)
            ]
            ids = [c.charger_id for c in chargers]
            runs = [asyncio.create_task(c.run()) for c in chargers]
            try:

                async def all_online() -> bool:
                    return all(c.online for c in chargers)

                async def where() -> dict[str, str]:
                    found = await registry.lookup_many(ids)
                    return {cid: loc.node_id for cid, loc in found.items()}

                async def all_located() -> bool:
                    return len(await where()) == CHARGERS

                await eventually(all_online, timeout=40 * UNIT)
                await eventually(all_located, timeout=20 * UNIT)
                before = await where()
                doomed = [c for c in chargers if before[c.charger_id] == "node-a"]
                assert doomed, before  # round robin used both nodes
                assert len(doomed) < CHARGERS, before
                for charger in chargers:
                    charger.refused.clear()
                connections = {c.charger_id: c.connections for c in chargers}

                node_a.proc.send_signal(signal.SIGKILL)
                await node_a.proc.wait()
                killed_at = loop.time()

                async def recovered() -> bool:
                    if not all(c.online for c in chargers):
                        return False
                    if any(c.connections == connections[c.charger_id] for c in doomed):
                        return False
                    located = await where()
                    return len(located) == CHARGERS and set(located.values()) == {"node-b"}

                await eventually(recovered, timeout=LEASE)
                took = loop.time() - killed_at
                print(
                    f"{len(doomed)} chargers of the killed node back through the gateway "
                    f"and on node-b in the registry {took:.2f} s after the SIGKILL"
                )
                listed, _ = await registry.list_chargers()
                mine = {c.charger_id: c.node_id for c in listed if c.charger_id in ids}
                assert mine == dict.fromkeys(ids, "node-b")  # the fleet view agrees
                refused = {c.charger_id: c.refused for c in chargers if c.refused}
                assert refused == {}, f"attempts routed to the dead node: {refused}"
            finally:
                for run in runs:
                    run.cancel()
                await asyncio.gather(*runs, return_exceptions=True)


async def test_node_answers_the_gateway_health_check(
    registry: RedisRegistry, sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A node answers a plain GET /health on its websocket port with 200 (Envoy's active
    check), while /ocpp/health is still an ordinary charger path."""
    async with (
        running_manager(registry, sqlite_url) as manager,
        running_node(registry, manager.port, "healthy") as node,
    ):
        with caplog.at_level(logging.INFO):
            health = await http("GET", f"http://127.0.0.1:{node.ws_port}/health")
            assert health.status == 200
            assert health.body == b"ok\n"
            async with connected(Charger16, charger_url(node, "health"), "health") as cp:
                assert (await cp.boot()).status == "Accepted"
    # One line per charger connection, the node's own; websockets' per-connection lines
    # (and one per health check, two a second from the gateway) stay out of the log.
    websockets_lines = [
        r.getMessage() for r in caplog.records if r.name == "services.node.websockets"
    ]
    assert not [m for m in websockets_lines if "HTTP response" in m or "connection" in m]
    assert any(r.getMessage().startswith("charger health connected") for r in caplog.records)
