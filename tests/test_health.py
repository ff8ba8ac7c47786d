"""gRPC health checking and server reflection on every gRPC server of the mesh (manager,
node, registry API): health follows real readiness (the database, Redis, the event
stream), answers without credentials, and nothing else does; reflection lists the real
services to a caller with the token or mesh secret; ``python -m services.healthcheck``
exits by the answer."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import grpc
import pytest
import redis.asyncio as aioredis
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)

from services.common._health import HealthMonitor, HealthSettings
from services.gateway._config import PUBLIC_SERVICES
from services.manager import Manager, ManagerSettings
from services.registry import RedisRegistry, registry_server
from tests.harness import (
    ADMIN_TOKEN,
    MESH_SECRET,
    ROOT,
    UNIT,
    eventually,
    running_node,
)

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING
#: Checks every tenth of a UNIT, each bounded by a UNIT: a change shows within a UNIT or so.
FAST = HealthSettings(interval=UNIT / 10, timeout=UNIT)


class Relay:
    """A TCP relay to a real server that the test can cut and restore on the same port:
    for the process behind it, the server goes away and comes back."""

    def __init__(self, host: str, port: int) -> None:
        self._target = (host, port)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._pumps: set[asyncio.Task[None]] = set()
        self.port = 0

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        """Stop accepting and close every relayed connection."""
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.close()
        for pump in list(self._pumps):
            pump.cancel()
        await asyncio.gather(*self._pumps, return_exceptions=True)
        await self._server.wait_closed()
        self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self._target)
        except OSError:
            writer.close()
            return
        self._writers |= {writer, up_writer}
        pumps = {
            asyncio.create_task(self._pump(reader, up_writer)),
            asyncio.create_task(self._pump(up_reader, writer)),
        }
        self._pumps |= pumps
        try:
            await asyncio.gather(*pumps, return_exceptions=True)
        finally:
            self._pumps -= pumps
            self._writers -= {writer, up_writer}

    @staticmethod
    async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        finally:
            writer.close()

    async def aclose(self) -> None:
        if self._server is not None:
            await self.cut()


@contextlib.asynccontextmanager
async def relay_to(host: str, port: int) -> AsyncIterator[Relay]:
    relay = Relay(host, port)
    await relay.start()
    try:
        yield relay
    finally:
        await relay.aclose()


def _via(url: str, port: int) -> str:
    """`url` with its host:port replaced by 127.0.0.1:`port`."""
    parts = urlsplit(url)
    user = f"{parts.username}@" if parts.username else ""
    return urlunsplit(parts._replace(netloc=f"{user}127.0.0.1:{port}"))


def _hostport(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    assert parts.hostname is not None, url
    assert parts.port is not None, url
    return parts.hostname, parts.port


async def health_of(target: str, service: str = "") -> int:
    """The status `target` answers for `service`, without any credentials."""
    async with grpc.aio.insecure_channel(target) as channel:
        answer = await health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service=service), timeout=4 * UNIT
        )
    return int(answer.status)


def manager_settings(database_url: str) -> ManagerSettings:
    return ManagerSettings(
        host="127.0.0.1",
        port=0,
        database_url=database_url,
        flush_interval=0.05,
        sweep_interval=UNIT,
        shutdown_grace=UNIT,
        mesh_secret=MESH_SECRET,
        admin_token=ADMIN_TOKEN,
        allow_unsecured=True,
        health=FAST,
    )


@pytest.fixture
async def registry(redis_client: aioredis.Redis, redis_prefix: str) -> AsyncIterator[RedisRegistry]:
    registry = RedisRegistry(redis_client, prefix=redis_prefix, lease_seconds=2 * UNIT)
    yield registry
    await registry.aclose()


# -- reflection, as grpcurl does it ------------------------------------------------------------


class _AddMetadata(grpc.StreamStreamClientInterceptor):
    def __init__(self, metadata: tuple[tuple[str, str], ...]) -> None:
        self._metadata = metadata

    def intercept_stream_stream(
        self, continuation: Callable[..., Any], details: Any, request_iterator: Iterator[Any]
    ) -> Any:
        return continuation(
            details._replace(metadata=(*(details.metadata or ()), *self._metadata)),
            request_iterator,
        )


def _reflect(target: str, metadata: tuple[tuple[str, str], ...]) -> list[str]:
    """The services server reflection at `target` lists, and the first method of each
    described through it (the way grpcurl describes a service)."""
    with grpc.insecure_channel(target) as plain:
        channel = grpc.intercept_channel(plain, _AddMetadata(metadata))
        database = ProtoReflectionDescriptorDatabase(channel)
        services = sorted(database.get_services())
        for name in services:
            file = database.FindFileContainingSymbol(name)
            assert any(f"{file.package}.{s.name}" == name for s in file.service), name
        return services


async def reflect(target: str, metadata: tuple[tuple[str, str], ...] = ()) -> list[str]:
    # The reflection client is synchronous: in a thread, so this loop serves the call.
    return await asyncio.to_thread(_reflect, target, metadata)


def _refusal(target: str, metadata: tuple[tuple[str, str], ...]) -> grpc.StatusCode:
    try:
        _reflect(target, metadata)
    except grpc.RpcError as exc:
        return exc.code()
    return grpc.StatusCode.OK


async def reflection_refusal(target: str, metadata: tuple[tuple[str, str], ...] = ()) -> str:
    return (await asyncio.to_thread(_refusal, target, metadata)).name


# -- the manager ---------------------------------------------------------------------------------


async def test_manager_health_serving_and_reflection_needs_a_token(
    registry: RedisRegistry, sqlite_url: str
) -> None:
    """A manager with its database and Redis answers SERVING for itself and each service,
    without credentials; reflection lists its real services to any token and refuses a
    caller without one."""
    async with Manager(manager_settings(sqlite_url), registry) as manager:
        target = f"127.0.0.1:{manager.port}"
        assert await health_of(target) == SERVING
        assert await health_of(target, "csms.v1.ChargerService") == SERVING
        assert await health_of(target, "csms.v1.Events") == SERVING
        with pytest.raises(grpc.aio.AioRpcError) as unknown:
            await health_of(target, "csms.v1.NoSuchService")
        assert unknown.value.code() == grpc.StatusCode.NOT_FOUND

        services = await reflect(target, (("authorization", f"Bearer {ADMIN_TOKEN}"),))
        assert {
            "csms.v1.ChargerService",
            "csms.v1.TaskService",
            "csms.v1.Registry",
            "csms.v1.AuditService",
            "csms.v1.Events",
            "grpc.health.v1.Health",
            "grpc.reflection.v1alpha.ServerReflection",
        } <= set(services), services
        # every service the gateway publishes (a new one must be listed too)
        assert set(PUBLIC_SERVICES) <= set(services), set(PUBLIC_SERVICES) - set(services)
        assert await reflection_refusal(target) == "UNAUTHENTICATED"
        assert (
            await reflection_refusal(target, (("x-csms-mesh-secret", MESH_SECRET),))
            == "UNAUTHENTICATED"
        ), "the mesh secret is not an operator's token"


async def test_manager_not_serving_while_postgres_is_unreachable(
    registry: RedisRegistry, postgres_url: str
) -> None:
    """A manager whose PostgreSQL goes away turns NOT_SERVING at its next check, and
    SERVING again once the database is back."""
    async with relay_to(*_hostport(postgres_url)) as relay:
        settings = manager_settings(_via(postgres_url, relay.port))
        async with Manager(settings, registry) as manager:
            target = f"127.0.0.1:{manager.port}"
            assert await health_of(target) == SERVING

            await relay.cut()  # the database server goes away
            assert await eventually(lambda: _is(target, NOT_SERVING))
            assert await health_of(target, "csms.v1.ChargerService") == NOT_SERVING
            assert manager.health is not None
            assert "database" in manager.health.failures

            await relay.start()  # and comes back on the same address
            assert await eventually(lambda: _is(target, SERVING), timeout=20 * UNIT)
            assert manager.health.failures == {}


async def _is(target: str, status: int) -> bool:
    return await health_of(target) == status


async def test_manager_not_serving_while_redis_is_unreachable(
    redis_server_url: str, redis_prefix: str, sqlite_url: str
) -> None:
    """The registry (Redis) is the manager's other dependency: unreachable, NOT_SERVING."""
    async with relay_to(*_hostport(redis_server_url)) as relay:
        client = aioredis.from_url(_via(redis_server_url, relay.port), socket_timeout=UNIT)
        registry = RedisRegistry(client, prefix=redis_prefix, lease_seconds=2 * UNIT)
        try:
            async with Manager(manager_settings(sqlite_url), registry) as manager:
                target = f"127.0.0.1:{manager.port}"
                assert await health_of(target) == SERVING
                await relay.cut()
                assert await eventually(lambda: _is(target, NOT_SERVING))
                assert manager.health is not None
                assert set(manager.health.failures) == {"registry"}
                await relay.start()
                assert await eventually(lambda: _is(target, SERVING), timeout=20 * UNIT)
        finally:
            await registry.aclose()
            await client.aclose()


async def test_shutdown_says_not_serving_before_the_server_stops(
    registry: RedisRegistry, sqlite_url: str
) -> None:
    """A watcher of the manager's health hears NOT_SERVING when the manager starts to
    stop, before its server goes away."""
    manager = Manager(manager_settings(sqlite_url), registry)
    await manager.__aenter__()
    heard: list[int] = []
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{manager.port}") as channel:
            watch = health_pb2_grpc.HealthStub(channel).Watch(
                health_pb2.HealthCheckRequest(), timeout=20 * UNIT
            )
            heard.append((await watch.read()).status)
            closing = asyncio.create_task(manager.aclose())
            heard.append((await watch.read()).status)
            watch.cancel()
            await closing
    finally:
        await manager.aclose()
    assert heard == [SERVING, NOT_SERVING]


# -- what is open without credentials: the probes, and nothing else --------------------------


async def _code(call: Any) -> str:
    try:
        await call
    except grpc.aio.AioRpcError as exc:
        return exc.code().name
    return "OK"


async def test_only_health_check_and_watch_are_open(
    registry: RedisRegistry, sqlite_url: str
) -> None:
    """On the manager and on a node, Check and Watch answer without credentials; health's
    List and every other method are refused without them."""
    async with (
        Manager(manager_settings(sqlite_url), registry) as manager,
        running_node(registry, manager.port, "N-open") as node,
    ):
        for target in (f"127.0.0.1:{manager.port}", node.address):
            async with grpc.aio.insecure_channel(target) as channel:
                stub = health_pb2_grpc.HealthStub(channel)
                request = health_pb2.HealthCheckRequest()
                assert await _code(stub.Check(request, timeout=4 * UNIT)) == "OK"
                watch = stub.Watch(request, timeout=4 * UNIT)
                assert (await watch.read()).status in (SERVING, NOT_SERVING)
                watch.cancel()
                listed = await _code(stub.List(health_pb2.HealthListRequest(), timeout=4 * UNIT))
                assert listed == "UNAUTHENTICATED", (target, listed)


# -- a node --------------------------------------------------------------------------------


async def test_node_health_follows_its_event_stream(
    registry: RedisRegistry, sqlite_url: str
) -> None:
    """A node is SERVING while its event stream to the manager is up, NOT_SERVING once
    the manager is gone; its reflection lists csms.v1.Node to the mesh only."""
    manager = Manager(manager_settings(sqlite_url), registry)
    await manager.__aenter__()
    try:
        async with running_node(registry, manager.port, "N-health", health=FAST) as node:
            assert node.health is not None
            assert await eventually(lambda: _is(node.address, SERVING))
            assert await health_of(node.address, "csms.v1.Node") == SERVING

            services = await reflect(node.address, (("x-csms-mesh-secret", MESH_SECRET),))
            assert services == sorted(
                [
                    "csms.v1.Node",
                    "grpc.health.v1.Health",
                    "grpc.reflection.v1alpha.ServerReflection",
                ]
            )
            assert await reflection_refusal(node.address) == "UNAUTHENTICATED"
            bearer = (("authorization", f"Bearer {ADMIN_TOKEN}"),)
            assert await reflection_refusal(node.address, bearer) == "UNAUTHENTICATED"

            await manager.aclose()
            assert await eventually(lambda: _is(node.address, NOT_SERVING))
            assert "event stream" in node.health.failures
    finally:
        await manager.aclose()


async def test_a_draining_node_is_not_serving(registry: RedisRegistry, sqlite_url: str) -> None:
    """A drain turns the node's gRPC health NOT_SERVING at once (as its /health goes 503),
    the reason being the drain."""
    async with (
        Manager(manager_settings(sqlite_url), registry) as manager,
        running_node(registry, manager.port, "N-drain-health", health=FAST) as node,
    ):
        assert await eventually(lambda: _is(node.address, SERVING))
        node.drain()
        assert await eventually(lambda: _is(node.address, NOT_SERVING))
        assert node.health is not None
        assert "drain" in node.health.failures


# -- the registry API ------------------------------------------------------------------------


async def test_registry_api_health_follows_redis(redis_server_url: str, redis_prefix: str) -> None:
    """The registry service is NOT_SERVING until its first check, then SERVING while Redis
    answers and NOT_SERVING while it does not; its reflection needs the mesh secret."""
    async with relay_to(*_hostport(redis_server_url)) as relay:
        client = aioredis.from_url(_via(redis_server_url, relay.port), socket_timeout=UNIT)
        registry = RedisRegistry(client, prefix=redis_prefix, lease_seconds=2 * UNIT)
        health = HealthMonitor("registry", {"redis": registry.ping}, settings=FAST)
        server = registry_server(registry, MESH_SECRET, health=health)
        port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        target = f"127.0.0.1:{port}"
        try:
            # Not ready before its first check has passed.
            assert await health_of(target) == NOT_SERVING
            assert await health_of(target, "csms.v1.Registry") == NOT_SERVING
            await health.start()
            assert await health_of(target) == SERVING
            assert await health_of(target, "csms.v1.Registry") == SERVING
            services = await reflect(target, (("x-csms-mesh-secret", MESH_SECRET),))
            assert "csms.v1.Registry" in services
            assert await reflection_refusal(target) == "UNAUTHENTICATED"

            await relay.cut()
            assert await eventually(lambda: _is(target, NOT_SERVING))
            await relay.start()
            assert await eventually(lambda: _is(target, SERVING), timeout=20 * UNIT)
        finally:
            await health.aclose()
            await server.stop(None)
            await registry.aclose()
            await client.aclose()


# -- python -m services.healthcheck ----------------------------------------------------------


async def healthcheck(*args: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services.healthcheck",
        *args,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(proc.communicate(), 40 * UNIT)
    assert proc.returncode is not None
    return proc.returncode, err.decode()


async def test_healthcheck_command_exits_by_the_answer(
    registry: RedisRegistry, postgres_url: str
) -> None:
    """``python -m services.healthcheck`` exits 0 on SERVING, 1 on NOT_SERVING, an unknown
    service, a server that does not answer or a bad address, saying why on stderr."""
    async with relay_to(*_hostport(postgres_url)) as relay:
        settings = manager_settings(_via(postgres_url, relay.port))
        async with Manager(settings, registry) as manager:
            target = f"127.0.0.1:{manager.port}"
            assert await healthcheck(target) == (0, f"{target}: SERVING\n")
            code, err = await healthcheck(target, "--service", "csms.v1.ChargerService")
            assert (code, err) == (0, f"{target} (csms.v1.ChargerService): SERVING\n")
            code, err = await healthcheck(target, "--service", "csms.v1.Nope")
            assert code == 1, err
            assert "no service 'csms.v1.Nope'" in err, err

            await relay.cut()
            assert await eventually(lambda: _is(target, NOT_SERVING))
            assert await healthcheck(target) == (1, f"{target}: NOT_SERVING\n")

        code, err = await healthcheck(target, "--timeout", "1")
        assert code == 1, err
        assert "UNAVAILABLE" in err, err
    code, err = await healthcheck("no-port-here")
    assert code == 1, err
    assert "HOST:PORT" in err, err
