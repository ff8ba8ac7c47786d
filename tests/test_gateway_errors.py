"""Errors as API clients and nodes see them (issue 10, items 3 and 4): every error through the
gateway is JSON, unknown body fields and undeclared methods are refused, and a dependency's
outage (Redis, PostgreSQL) is UNAVAILABLE with a message that says which one is down."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator

import asyncpg
import grpc
import pytest
from csms.v1 import chargers_pb2, chargers_pb2_grpc, events_pb2, events_pb2_grpc

from services.common import to_proto_version
from services.gateway import Envoy, GatewaySettings
from services.registry import RedisRegistry
from tests.conftest import free_port
from tests.harness import UNIT, eventually, running_manager
from tests.test_gateway import http


@pytest.fixture
def own_redis() -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A redis-server of this test alone (so the test can stop it), and its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        yield f"redis://127.0.0.1:{port}/0", proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)


@contextlib.asynccontextmanager
async def manager_behind_envoy(registry: RedisRegistry, database_url: str) -> AsyncIterator[str]:
    """A manager on `registry` with Envoy in front; yields the gateway's base URL."""
    async with running_manager(registry, database_url) as manager:
        settings = GatewaySettings(
            manager_address=f"127.0.0.1:{manager.port}",
            node_addresses=(f"127.0.0.1:{free_port()}",),  # no charger traffic here
            listen_host="127.0.0.1",
            listen_port=free_port(),
            admin_port=0,
            concurrency=1,
            ui_dir=None,
        )
        async with Envoy(settings, start_timeout=20 * UNIT):
            yield f"http://127.0.0.1:{settings.listen_port}"


async def _redis_up(registry: RedisRegistry) -> bool:
    with contextlib.suppress(Exception):
        await registry.list_nodes()
        return True
    return False


# -- item 4: a dependency's outage is UNAVAILABLE, named -----------------------------------


async def test_registry_outage_during_a_command_is_503_naming_the_registry(
    own_redis: tuple[str, subprocess.Popen[bytes]], sqlite_url: str
) -> None:
    """A command while Redis is down is UNAVAILABLE (HTTP 503, JSON) and says the registry is
    unreachable, over gRPC and through the gateway alike."""
    url, redis = own_redis
    registry = RedisRegistry.from_url(url, prefix="outage:", lease_seconds=2 * UNIT)
    try:
        await eventually(lambda: _redis_up(registry), timeout=20 * UNIT)
        async with manager_behind_envoy(registry, sqlite_url) as base:
            redis.kill()
            redis.wait(10)
            reply = await http(
                "POST", f"{base}/v1/chargers/CP-1:reset", {"kind": "RESET_KIND_SOFT"}
            )
            assert reply.status == 503, reply.body
            assert reply.headers["content-type"] == "application/json"
            assert reply.json()["code"] == grpc.StatusCode.UNAVAILABLE.value[0]
            assert "registry" in reply.json()["message"]
            assert "unreachable" in reply.json()["message"]
    finally:
        await registry.aclose()


async def test_registry_outage_during_a_command_is_unavailable_over_grpc(
    own_redis: tuple[str, subprocess.Popen[bytes]], sqlite_url: str
) -> None:
    """Over gRPC, a command during a registry outage fails with UNAVAILABLE, not UNKNOWN."""
    url, redis = own_redis
    registry = RedisRegistry.from_url(url, prefix="outage:", lease_seconds=2 * UNIT)
    try:
        await eventually(lambda: _redis_up(registry), timeout=20 * UNIT)
        async with (
            running_manager(registry, sqlite_url) as manager,
            grpc.aio.insecure_channel(f"127.0.0.1:{manager.port}") as channel,
        ):
            redis.kill()
            redis.wait(10)
            stub = chargers_pb2_grpc.ChargerServiceStub(channel)
            with pytest.raises(grpc.aio.AioRpcError) as failed:
                await stub.Reset(
                    chargers_pb2.ResetRequest(charger_id="CP-1", kind=chargers_pb2.RESET_KIND_SOFT),
                    timeout=30 * UNIT,
                )
            assert failed.value.code() == grpc.StatusCode.UNAVAILABLE, failed.value.details()
            assert "registry" in (failed.value.details() or "")
    finally:
        await registry.aclose()


async def test_database_outage_during_admission_is_unavailable(
    registry: RedisRegistry, postgres_url: str, postgres_server_url: str
) -> None:
    """Events.Admit while PostgreSQL refuses connections answers the node UNAVAILABLE naming
    the database, not UNKNOWN."""
    name = postgres_url.rsplit("/", 1)[1]
    async with (
        running_manager(registry, postgres_url) as manager,
        grpc.aio.insecure_channel(f"127.0.0.1:{manager.port}") as channel,
    ):
        admin = await asyncpg.connect(postgres_server_url)
        try:
            await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name
            )
            stub = events_pb2_grpc.EventsStub(channel)
            with pytest.raises(grpc.aio.AioRpcError) as failed:
                await stub.Admit(
                    events_pb2.AdmitRequest(
                        charger_id="NEW-AT-OUTAGE",
                        node_id="n-1",
                        ocpp_version=to_proto_version("1.6"),
                    ),
                    timeout=30 * UNIT,
                )
            assert failed.value.code() == grpc.StatusCode.UNAVAILABLE, failed.value.details()
            assert "database" in (failed.value.details() or "")
        finally:
            await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
            await admin.close()
