"""What a client may hold open at the front door (issue 11: 1,000 half-open handshakes to
Envoy were still open after 40 s): Envoy closes a connection whose request head does not
arrive in time and refuses connections beyond its limit; a node closes a websocket
handshake that does not complete. Real Envoy, real node, raw TCP clients."""

from __future__ import annotations

import asyncio
import contextlib
import urllib.request
from collections.abc import AsyncIterator

import pytest
import yaml

from services.gateway import Envoy, GatewaySettings, render
from services.manager import Manager
from services.node import Node, NodeSettings
from services.registry import MemoryRegistry, RedisRegistry
from tests.harness import (
    MESH_SECRET,
    UNIT,
    Charger16,
    connected,
    free_port,
    running_manager,
    running_node,
)

PARTIAL_UPGRADE = b"GET /ocpp/CP-SLOW HTTP/1.1\r\nHost: csms\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"  # no blank line: the request head never ends


@contextlib.asynccontextmanager
async def stack(sqlite_url: str, **overrides: object) -> AsyncIterator[tuple[Node, Envoy]]:
    registry = MemoryRegistry(lease_seconds=4 * UNIT)
    try:
        async with (
            running_manager(registry, sqlite_url) as manager,
            running_node(registry, manager.port, "limits-node") as node,
        ):
            settings = GatewaySettings(
                manager_address=f"127.0.0.1:{manager.port}",
                node_addresses=(f"127.0.0.1:{node.ws_port}",),
                listen_host="127.0.0.1",
                listen_port=free_port(),
                admin_port=0,
                concurrency=1,
                ui_dir=None,
                **overrides,  # type: ignore[arg-type]
            )
            async with Envoy(settings, start_timeout=20 * UNIT) as envoy:
                yield node, envoy
    finally:
        await registry.aclose()


async def open_partial(
    port: int, count: int
) -> list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    """`count` connections, each having sent the start of a websocket upgrade."""
    clients = []
    for _ in range(count):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(PARTIAL_UPGRADE)
        await writer.drain()
        clients.append((reader, writer))
    return clients


async def closed_by_server(reader: asyncio.StreamReader, within: float) -> bool:
    """Whether the server closes the connection within `within` seconds (whatever it
    answers first, e.g. a 408)."""
    try:
        async with asyncio.timeout(within):
            while await reader.read(4096):
                pass
    except TimeoutError:
        return False
    except ConnectionError:
        pass
    return True


def admin_get(address: tuple[str, int], path: str) -> str:
    with urllib.request.urlopen(f"http://{address[0]}:{address[1]}{path}", timeout=5) as r:
        return str(r.read().decode())


def close_all(clients: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]) -> None:
    for _, writer in clients:
        writer.close()


def test_the_rendered_config_bounds_headers_idle_time_and_connections() -> None:
    """The settings reach Envoy's config: request_headers_timeout, idle_timeout and the
    overload manager's downstream connection limit (from GATEWAY_* variables)."""
    config = yaml.safe_load(
        render(GatewaySettings(request_headers_timeout=7, idle_timeout=90, max_connections=123))
    )
    hcm = config["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0]
    assert hcm["typed_config"]["request_headers_timeout"] == "7s"
    assert hcm["typed_config"]["common_http_protocol_options"]["idle_timeout"] == "90s"
    (monitor,) = config["overload_manager"]["resource_monitors"]
    assert monitor["typed_config"]["max_active_downstream_connections"] == 123
    assert config["admin"]["ignore_global_conn_limit"] is True


def test_gateway_limits_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """GATEWAY_REQUEST_HEADERS_TIMEOUT, GATEWAY_IDLE_TIMEOUT and GATEWAY_MAX_CONNECTIONS
    set the limits; the defaults are 10 s, 300 s and 20,000."""
    defaults = GatewaySettings.from_env()
    assert (defaults.request_headers_timeout, defaults.idle_timeout) == (10.0, 300.0)
    assert defaults.max_connections == 20_000
    monkeypatch.setenv("GATEWAY_REQUEST_HEADERS_TIMEOUT", "2.5")
    monkeypatch.setenv("GATEWAY_IDLE_TIMEOUT", "30")
    monkeypatch.setenv("GATEWAY_MAX_CONNECTIONS", "500")
    settings = GatewaySettings.from_env()
    assert (settings.request_headers_timeout, settings.idle_timeout) == (2.5, 30.0)
    assert settings.max_connections == 500


async def test_envoy_closes_half_open_handshakes_after_the_request_headers_timeout(
    sqlite_url: str,
) -> None:
    """Connections that send part of an upgrade request and stop are all closed once the
    request headers timeout (here 2 UNIT) has passed, not before; a charger that completes
    its handshake meanwhile is served."""
    async with stack(sqlite_url, request_headers_timeout=2 * UNIT) as (_, envoy):
        port = envoy.settings.listen_port
        clients = await open_partial(port, 200)
        try:
            assert not await closed_by_server(clients[0][0], within=UNIT)  # not at once
            async with connected(Charger16, f"ws://127.0.0.1:{port}/ocpp/CP-FINE", "CP-FINE") as cp:
                assert (await cp.boot()).status == "Accepted"
                results = await asyncio.gather(
                    *(closed_by_server(reader, within=4 * UNIT) for reader, _ in clients)
                )
                assert all(results), f"{results.count(False)} of {len(results)} still open"
                assert (await cp.heartbeat()).current_time  # open websockets are not cut
        finally:
            close_all(clients)


async def test_envoy_refuses_connections_beyond_its_limit(sqlite_url: str) -> None:
    """With GATEWAY_MAX_CONNECTIONS connections open, the next one is closed at accept;
    once one closes, a new one is served."""
    async with stack(sqlite_url, max_connections=20) as (_, envoy):
        port = envoy.settings.listen_port
        clients = await open_partial(port, 20)
        try:
            await asyncio.sleep(UNIT / 2)  # Envoy counts them
            extra = await open_partial(port, 1)
            clients += extra
            assert await closed_by_server(extra[0][0], within=2 * UNIT)
            # The admin interface is exempt from the limit and counts the refusal.
            assert envoy.admin_address is not None
            stats = await asyncio.to_thread(admin_get, envoy.admin_address, "/stats")
            overflow = [
                line for line in stats.splitlines() if "downstream_global_cx_overflow" in line
            ]
            assert any(not line.endswith(": 0") for line in overflow), overflow
            close_all(clients[:1])
            await asyncio.sleep(UNIT / 2)
            again = await open_partial(port, 1)
            clients += again
            assert not await closed_by_server(again[0][0], within=UNIT)
        finally:
            close_all(clients)


async def test_a_node_closes_handshakes_that_do_not_complete(
    registry: RedisRegistry, manager: Manager
) -> None:
    """The node's websocket server drops clients that have not completed their opening
    handshake within NODE_HANDSHAKE_TIMEOUT (here 2 UNIT), and not before."""
    settings = NodeSettings(
        node_id="slow-handshakes",
        host="127.0.0.1",
        port=0,
        grpc_host="127.0.0.1",
        grpc_port=0,
        manager_address=f"127.0.0.1:{manager.port}",
        drain_timeout=UNIT,
        handshake_timeout=2 * UNIT,
        mesh_secret=MESH_SECRET,
    )
    async with Node(settings, registry) as node:
        clients = await open_partial(node.ws_port, 50)
        try:
            assert not await closed_by_server(clients[0][0], within=UNIT)
            results = await asyncio.gather(
                *(closed_by_server(reader, within=3 * UNIT) for reader, _ in clients)
            )
            assert all(results), f"{results.count(False)} of {len(results)} still open"
        finally:
            close_all(clients)
