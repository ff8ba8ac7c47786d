"""gRPC reconnect back-off is capped on both links (issue 10, item 5): after an outage long enough
for gRPC's default back-off (1 s growing by 1.6x to 120 s) to have reached tens of seconds, the
link is back within about the cap (2 s, docs/operations.md) of the peer listening again."""

from __future__ import annotations

import asyncio
import contextlib

from services.common import OcppVersion
from services.manager._errors import ChargerNotConnected, NodeUnavailable
from services.manager._tasks import TaskSender
from services.node import Node, NodeSettings
from services.registry import ChargerLocation, RedisRegistry
from tests.harness import MESH_SECRET, UNIT, eventually, free_port, running_manager, running_node
from tests.test_resilience import manager_process

OUTAGE = 30.0  # seconds: gRPC's default back-off has grown past 10 s by then
BACK_WITHIN = 5.0  # seconds: the cap (2 s) plus jitter, a connect and a loaded machine


async def test_node_reconnects_to_the_manager_soon_after_a_long_outage(
    registry: RedisRegistry, postgres_url: str, redis_server_url: str, redis_prefix: str
) -> None:
    """With the manager process down for 30 s, the node's event stream is open again within
    a few seconds of the manager listening again (not after gRPC's default back-off)."""
    port = free_port()
    first = manager_process(port, postgres_url, redis_server_url, redis_prefix)
    await first.__aenter__()
    try:
        async with running_node(registry, port, "patient-link") as node:

            async def connected() -> bool:
                return node.link.connected

            async def disconnected() -> bool:
                return not node.link.connected

            await eventually(connected, timeout=20 * UNIT)
            await first.__aexit__(None, None, None)
            await eventually(disconnected, timeout=20 * UNIT)
            opened = node.link.streams_opened
            await asyncio.sleep(OUTAGE)
            async with manager_process(port, postgres_url, redis_server_url, redis_prefix):
                listening = asyncio.get_running_loop().time()

                async def reopened() -> bool:
                    return node.link.streams_opened > opened and node.link.connected

                await eventually(reopened, timeout=BACK_WITHIN)
                took = asyncio.get_running_loop().time() - listening
                print(f"node -> manager link back {took:.2f} s after the manager listened")
    finally:
        await first.__aexit__(None, None, None)


async def test_manager_reaches_a_node_soon_after_a_long_outage(
    registry: RedisRegistry, sqlite_url: str
) -> None:
    """After tasks failed against a node that was down for 30 s, the manager's channel to it
    carries a task within a few seconds of the node listening again."""
    grpc_port = free_port()
    address = f"127.0.0.1:{grpc_port}"
    location = ChargerLocation("LINK-1", "returning", address, 1, 0.0, OcppVersion.V16)
    async with running_manager(registry, sqlite_url) as manager:
        sender = TaskSender(
            registry, manager.stores.chargers, mesh_secret=MESH_SECRET, timeout=2 * UNIT
        )
        try:
            loop = asyncio.get_running_loop()
            failures = 0
            until = loop.time() + OUTAGE
            while loop.time() < until:  # the node is down: every task fails, gRPC backs off
                with contextlib.suppress(NodeUnavailable):
                    await sender.send(location, "Heartbeat", {})
                    raise AssertionError("nothing listens on the node's port yet")
                failures += 1
                await asyncio.sleep(0.2)
            assert failures > 10
            settings = NodeSettings(
                node_id="returning",
                host="127.0.0.1",
                port=0,
                grpc_host="127.0.0.1",
                grpc_port=grpc_port,
                advertise_host="127.0.0.1",
                manager_address=f"127.0.0.1:{manager.port}",
                lease_seconds=2 * UNIT,
                mesh_secret=MESH_SECRET,
            )
            async with Node(settings, registry):
                listening = loop.time()

                async def reached() -> bool:
                    try:
                        await sender.send(location, "Heartbeat", {})
                    except NodeUnavailable:
                        return False
                    except ChargerNotConnected:
                        return True  # the node answered: it does not hold LINK-1
                    return True

                await eventually(reached, timeout=BACK_WITHIN, interval=0.1)
                took = loop.time() - listening
                print(f"manager -> node channel back {took:.2f} s after the node listened")
        finally:
            await sender.aclose()
