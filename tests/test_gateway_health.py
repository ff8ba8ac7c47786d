"""The gateway follows the health of what is behind it (a real Envoy): a manager that says
NOT_SERVING over gRPC health leaves the rotation, a stopped (frozen) node too, and
Envoy's own metrics are served to Prometheus on the stats listener and nothing else of
its admin interface."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator

import redis.asyncio as aioredis
import websockets
from websockets.typing import Subprotocol

from services.common._health import HealthSettings
from services.gateway import Envoy, GatewaySettings
from services.manager import Manager
from services.registry import MemoryRegistry, RedisRegistry
from tests.harness import (
    UNIT,
    accepts,
    eventually,
    free_port,
    running_manager,
    running_node,
    spawn_node,
    stop_process,
)
from tests.test_gateway import http
from tests.test_health import _hostport, _via, manager_settings, relay_to


async def _health_flags(admin: tuple[str, int], cluster: str) -> list[str]:
    """Each endpoint's health flags in `cluster`, from Envoy's admin /clusters."""
    reply = await http("GET", f"http://{admin[0]}:{admin[1]}/clusters", token=None)
    return [
        line.rsplit("::", 1)[1]
        for line in reply.body.decode().splitlines()
        if line.startswith(f"{cluster}::") and "::health_flags::" in line
    ]


async def _answered(address: str) -> bool:
    """Whether a plain GET /ocpp/probe through the gateway is answered (a running node says
    400: no subprotocol) within a UNIT (a frozen node never answers)."""
    host, port = address.split(":")
    try:
        async with asyncio.timeout(UNIT):
            reader, writer = await asyncio.open_connection(host, int(port))
            try:
                writer.write(b"GET /ocpp/probe HTTP/1.1\r\nhost: gw\r\nconnection: close\r\n\r\n")
                status = await reader.readline()
            finally:
                writer.close()
    except TimeoutError:
        return False
    return status.startswith(b"HTTP/1.1 400")


async def _answered_thrice(address: str) -> bool:
    for _ in range(3):
        if not await _answered(address):
            return False
    return True


async def _flags_are(admin: tuple[str, int], cluster: str, expected: list[str]) -> bool:
    """Whether each endpoint's flags are `expected` (``unhealthy``: any failed active check,
    ``/failed_active_hc`` with ``/active_hc_timeout`` after a timeout)."""
    flags = await _health_flags(admin, cluster)
    seen = ["unhealthy" if "/failed_active_hc" in f else f for f in flags]
    return seen == expected


async def test_a_manager_not_serving_leaves_the_rotation(
    redis_client: aioredis.Redis, redis_server_url: str, redis_prefix: str, sqlite_url: str
) -> None:
    """Envoy's gRPC health check marks the manager unhealthy while it cannot reach Redis
    (health NOT_SERVING), and healthy again once it can."""
    node_registry = RedisRegistry(redis_client, prefix=redis_prefix, lease_seconds=2 * UNIT)
    async with relay_to(*_hostport(redis_server_url)) as relay:
        client = aioredis.from_url(_via(redis_server_url, relay.port), socket_timeout=UNIT)
        registry = RedisRegistry(client, prefix=redis_prefix, lease_seconds=2 * UNIT)
        try:
            async with (
                Manager(manager_settings(sqlite_url), registry) as manager,
                running_node(node_registry, manager.port, "gw-health") as node,
                Envoy(
                    GatewaySettings(
                        manager_address=f"127.0.0.1:{manager.port}",
                        node_addresses=(f"127.0.0.1:{node.ws_port}",),
                        listen_host="127.0.0.1",
                        listen_port=free_port(),
                        admin_port=0,
                        concurrency=1,
                        ui_dir=None,
                        manager_health_interval=UNIT / 2,
                        manager_health_timeout=UNIT,
                    ),
                    start_timeout=20 * UNIT,
                ) as envoy,
            ):
                assert envoy.admin_address is not None
                admin = envoy.admin_address
                await eventually(lambda: _flags_are(admin, "manager", ["healthy"]))
                await relay.cut()
                await eventually(
                    lambda: _flags_are(admin, "manager", ["unhealthy"]),
                    timeout=20 * UNIT,
                )
                await relay.start()
                await eventually(
                    lambda: _flags_are(admin, "manager", ["healthy"]), timeout=20 * UNIT
                )
        finally:
            await registry.aclose()
            await client.aclose()
            await node_registry.aclose()


async def test_a_stopped_node_is_marked_unhealthy_and_chargers_go_to_the_other(
    redis_client: aioredis.Redis, redis_server_url: str, redis_prefix: str, sqlite_url: str
) -> None:
    """A node process that stops answering (SIGSTOP: its sockets stay open, its /health
    times out) is marked unhealthy by Envoy's active check, and new chargers are routed to
    the other node; it comes back into the rotation once it runs again."""
    registry = RedisRegistry(redis_client, prefix=redis_prefix, lease_seconds=2 * UNIT)
    async with running_manager(registry, sqlite_url) as manager:
        a, a_port = await spawn_node("stop-a", manager.port, redis_server_url, redis_prefix)
        b, b_port = await spawn_node("stop-b", manager.port, redis_server_url, redis_prefix)
        try:
            await eventually(lambda: accepts(a_port), timeout=30 * UNIT)
            await eventually(lambda: accepts(b_port), timeout=30 * UNIT)
            settings = GatewaySettings(
                manager_address=f"127.0.0.1:{manager.port}",
                node_addresses=(f"127.0.0.1:{a_port}", f"127.0.0.1:{b_port}"),
                listen_host="127.0.0.1",
                listen_port=free_port(),
                admin_port=0,
                concurrency=1,
                ui_dir=None,
                node_health_interval=UNIT / 2,
                node_health_timeout=UNIT / 2,
            )
            async with Envoy(settings, start_timeout=20 * UNIT) as envoy:
                assert envoy.admin_address is not None
                admin = envoy.admin_address
                both = ["healthy", "healthy"]
                await eventually(lambda: _flags_are(admin, "nodes", both), timeout=20 * UNIT)
                a.send_signal(signal.SIGSTOP)
                await eventually(
                    lambda: _flags_are(admin, "nodes", ["unhealthy", "healthy"]),
                    timeout=20 * UNIT,
                )
                # Then the gateway's routing follows (a moment after the admin page shows
                # it): three plain GETs in a row are answered by the running node.
                probe = f"127.0.0.1:{settings.listen_port}"
                await eventually(lambda: _answered_thrice(probe), timeout=20 * UNIT)
                base = f"ws://127.0.0.1:{settings.listen_port}/ocpp"
                holders = []
                for i in range(4):
                    charger_id = f"CP-STOP-{i}"
                    async with _websocket(f"{base}/{charger_id}"):

                        async def held(cid: str = charger_id) -> str:
                            location = await registry.lookup(cid)
                            return location.node_id if location else ""

                        holders.append(await eventually(held))
                assert holders == ["stop-b"] * 4
                a.send_signal(signal.SIGCONT)
                await eventually(lambda: _flags_are(admin, "nodes", both), timeout=20 * UNIT)
        finally:
            await stop_process(a)
            await stop_process(b)


@contextlib.asynccontextmanager
async def _websocket(url: str) -> AsyncIterator[None]:
    async with websockets.connect(
        url, subprotocols=[Subprotocol("ocpp1.6")], open_timeout=8 * UNIT
    ):
        yield


async def test_stats_listener_serves_prometheus_and_nothing_else(sqlite_url: str) -> None:
    """GET /stats/prometheus on GATEWAY_STATS_PORT answers Envoy's metrics in Prometheus
    text, health check counters included; the admin's other pages and actions are 404
    there, and Envoy is still up after a POST /quitquitquit to it."""
    registry = MemoryRegistry(lease_seconds=4 * UNIT)
    stats_port = free_port()
    try:
        async with (
            running_manager(registry, sqlite_url) as manager,
            running_node(registry, manager.port, "stats-node", health=HealthSettings()) as node,
            Envoy(
                GatewaySettings(
                    manager_address=f"127.0.0.1:{manager.port}",
                    node_addresses=(f"127.0.0.1:{node.ws_port}",),
                    listen_host="127.0.0.1",
                    listen_port=free_port(),
                    admin_port=free_port(),
                    stats_port=stats_port,
                    concurrency=1,
                    ui_dir=None,
                ),
                start_timeout=20 * UNIT,
            ),
        ):
            stats = f"http://127.0.0.1:{stats_port}"
            reply = await http("GET", f"{stats}/stats/prometheus", token=None)
            assert reply.status == 200
            text = reply.body.decode()
            assert "# TYPE envoy_cluster_health_check_success counter" in text
            assert 'envoy_cluster_health_check_attempt{envoy_cluster_name="manager"}' in text
            for method, path in [
                ("GET", "/clusters"),
                ("GET", "/config_dump"),
                ("GET", "/stats"),
                ("POST", "/quitquitquit"),
                ("POST", "/stats/prometheus"),
            ]:
                refused = await http(method, f"{stats}{path}", token=None)
                assert refused.status == 404, (method, path, refused.status)
            assert (await http("GET", f"{stats}/stats/prometheus", token=None)).status == 200
    finally:
        await registry.aclose()
