"""Errors as API clients and nodes see them (issue 10, items 3 and 4): every error through the
gateway is JSON, unknown body fields and undeclared methods are refused, and a dependency's
outage (Redis, PostgreSQL) is UNAVAILABLE with a message that says which one is down."""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from typing import Any

import asyncpg
import grpc
import pytest
from csms.v1 import chargers_pb2, chargers_pb2_grpc, events_pb2, events_pb2_grpc

from services.common import to_proto_version
from services.gateway import Envoy, GatewaySettings
from services.registry import RedisRegistry
from tests.harness import (
    ADMIN_TOKEN,
    UNIT,
    Charger16,
    api_channel,
    connected,
    eventually,
    free_port,
    mesh_channel,
    running_manager,
)
from tests.test_gateway import ROOT, Stack, gateway_stack, http


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
            api_channel(f"127.0.0.1:{manager.port}") as channel,
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
        mesh_channel(f"127.0.0.1:{manager.port}") as channel,  # Admit is internal
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


# -- item 3: every API error is JSON; unknown fields and undeclared methods refused --------


@pytest.fixture
async def stack(sqlite_url: str) -> AsyncIterator[Stack]:
    """Manager, one node and Envoy in front of them, on free loopback ports."""
    async with gateway_stack(sqlite_url) as s:
        yield s


def _raw(method: str, url: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
    import urllib.error
    import urllib.request

    req = urllib.request.Request(
        url,
        data=body,
        method=method,
        headers={"content-type": "application/json", "authorization": f"Bearer {ADMIN_TOKEN}"},
    )
    try:
        with urllib.request.urlopen(req, timeout=30 * UNIT) as resp:
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()
    except urllib.error.HTTPError as err:
        with err:
            return err.code, {k.lower(): v for k, v in err.headers.items()}, err.read()


def _status(status: int, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    """The google.rpc.Status JSON of an error response (asserting that it is one)."""
    assert headers.get("content-type") == "application/json", (status, headers, body)
    doc = json.loads(body)
    assert isinstance(doc, dict), body
    assert isinstance(doc.get("code"), int), body
    assert isinstance(doc.get("message"), str), body
    return doc


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/chargers/GW-1:reset", b"{bad json", None),
        ("/v1/chargers/GW-1:reset", b'{"kind": "RESET_KIND_NOPE"}', "kind"),
        ("/v1/chargers/GW-1:unlockConnector", b'{"connectorId": -3}', "connector_id"),
        ("/v1/chargers/GW-1:unlockConnector", b'{"connectorId": "one"}', "connector_id"),
    ],
)
async def test_transcoder_errors_are_json_400(
    stack: Stack, path: str, body: bytes, field: str | None
) -> None:
    """A body the transcoder cannot map (bad JSON, unknown enum value, wrong type or range) is
    400 with a JSON status (code INVALID_ARGUMENT) whose message names the field."""
    status, headers, raw = await asyncio.to_thread(_raw, "POST", f"{stack.base}{path}", body)
    assert status == 400, raw
    doc = _status(status, headers, raw)
    assert doc["code"] == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    if field is not None:
        assert field in doc["message"], doc


async def test_bad_query_parameter_is_json_400(stack: Stack) -> None:
    """A query parameter of the wrong type is 400 with a JSON status naming it."""
    bad = await http("GET", f"{stack.base}/v1/chargers?pageSize=many")
    assert bad.status == 400
    doc = _status(bad.status, bad.headers, bad.body)
    assert doc["code"] == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    assert "page_size" in doc["message"]


async def test_unknown_path_is_json_404(stack: Stack) -> None:
    """A /v1/ path no RPC maps to is 404 with a JSON status (NOT_FOUND)."""
    missing = await http("GET", f"{stack.base}/v1/nothing/here")
    assert missing.status == 404
    doc = _status(missing.status, missing.headers, missing.body)
    assert doc["code"] == grpc.StatusCode.NOT_FOUND.value[0]


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/v1/chargers", "GET"),
        ("PUT", "/v1/chargers/GW-1:reset", "POST"),
        ("POST", "/v1/chargers/GW-1", "GET"),
    ],
)
async def test_undeclared_method_on_a_declared_path_is_405(
    stack: Stack, method: str, path: str, allowed: str
) -> None:
    """A method the API does not declare for an existing path is 405 with an Allow header and
    a JSON status, not 400/404."""
    reply = await http(method, f"{stack.base}{path}", {} if method != "DELETE" else None)
    assert reply.status == 405, reply.body
    assert allowed in reply.headers["allow"].split(", ")
    doc = _status(reply.status, reply.headers, reply.body)
    assert method in doc["message"]
    assert allowed in doc["message"]


async def test_unknown_body_field_is_rejected_naming_it(stack: Stack) -> None:
    """A body with a field the request message lacks is INVALID_ARGUMENT (400, JSON) naming
    the field, and the command is not sent."""
    async with connected(Charger16, f"{stack.ws}/GW-UF", "GW-UF") as cp:
        assert (await cp.boot()).status == "Accepted"
        reply = await http(
            "POST", f"{stack.base}/v1/chargers/GW-UF:reset", {"kind": "RESET_KIND_HARD", "bogus": 1}
        )
        assert reply.status == 400, reply.body
        doc = _status(reply.status, reply.headers, reply.body)
        assert doc["code"] == grpc.StatusCode.INVALID_ARGUMENT.value[0]
        assert "bogus" in doc["message"]
        assert cp.resets == []
        ok = await http(
            "POST", f"{stack.base}/v1/chargers/GW-UF:reset", {"kind": "RESET_KIND_HARD"}
        )
        assert ok.status == 200, ok.body
        assert cp.resets == ["Hard"]


async def test_unknown_nested_body_field_is_rejected_naming_its_path(stack: Stack) -> None:
    """An unknown field inside a nested message of the body, or in a body bound to one field,
    is refused with its path from the request message."""
    nested = await http(
        "POST",
        f"{stack.base}/v1/chargers/GW-1:setChargingProfile",
        {"connectorId": 1, "profile": {"stackLevel": 1, "colour": "red"}},
    )
    assert nested.status == 400, nested.body
    assert "profile.colour" in _status(nested.status, nested.headers, nested.body)["message"]
    bound = await http(
        "POST",
        f"{stack.base}/v1/idTags",
        {"idTag": "TAG-1", "status": "ID_TAG_STATUS_ACCEPTED", "colour": "red"},
    )
    assert bound.status == 400, bound.body
    assert "id_tag.colour" in _status(bound.status, bound.headers, bound.body)["message"]


def _limited_query_parameters() -> list[tuple[str, str, str, int]]:
    """(path, parameter, "minimum"/"maximum", bound) of every GET query parameter the OpenAPI
    document gives a minimum or maximum."""
    spec = json.loads((ROOT / "gen" / "openapi.json").read_text())
    found: list[tuple[str, str, str, int]] = []
    for path, ops in spec["paths"].items():
        op = ops.get("get")
        if op is None or "{" in path:
            continue
        for param in op.get("parameters", []):
            schema = param["schema"]
            for kind in ("minimum", "maximum"):
                if kind in schema and schema.get("type") == "integer":
                    found.append((path, param["name"], kind, int(schema[kind])))
    return found


def test_openapi_states_the_page_size_limits() -> None:
    """Every list's pageSize parameter carries its enforced range (0 to its maximum)."""
    spec = json.loads((ROOT / "gen" / "openapi.json").read_text())
    sizes = {
        path: next(p for p in ops["get"]["parameters"] if p["name"] == "pageSize")["schema"]
        for path, ops in spec["paths"].items()
        if "get" in ops and any(p["name"] == "pageSize" for p in ops["get"].get("parameters", []))
    }
    assert sizes
    for path, schema in sizes.items():
        assert schema.get("minimum") == 0, path
        assert schema.get("maximum", 0) >= 1000, path


async def test_stated_query_limits_are_the_enforced_ones(stack: Stack) -> None:
    """For every GET query parameter with a stated minimum/maximum, one past it is refused with
    INVALID_ARGUMENT naming the field, and the bound itself is accepted."""
    limited = _limited_query_parameters()
    assert limited
    for path, name, kind, bound in limited:
        past = bound + 1 if kind == "maximum" else bound - 1
        bad = await http("GET", f"{stack.base}{path}?{name}={past}")
        assert bad.status == 400, (path, name, past, bad.body)
        snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in name)
        assert snake.split(".")[-1] in bad.json()["message"], (path, name, bad.body)
        at = await http("GET", f"{stack.base}{path}?{name}={bound}")
        assert at.status != 400 or snake not in at.json()["message"], (path, name, at.body)


async def test_unreachable_manager_is_json_503() -> None:
    """With no manager listening, an API call is 503 with a JSON status (UNAVAILABLE), not
    Envoy's plain-text "upstream connect error"."""
    settings = GatewaySettings(
        manager_address=f"127.0.0.1:{free_port()}",
        node_addresses=(f"127.0.0.1:{free_port()}",),
        listen_host="127.0.0.1",
        listen_port=free_port(),
        admin_port=0,
        concurrency=1,
        ui_dir=None,
        connect_timeout=1.0,
    )
    async with Envoy(settings, start_timeout=20 * UNIT):
        base = f"http://127.0.0.1:{settings.listen_port}"
        for method, path, body in (
            ("GET", "/v1/chargers", None),
            ("POST", "/v1/chargers/CP-1:reset", {"kind": "RESET_KIND_SOFT"}),
        ):
            reply = await http(method, f"{base}{path}", body)
            assert reply.status == 503, reply.body
            doc = _status(reply.status, reply.headers, reply.body)
            assert doc["code"] == grpc.StatusCode.UNAVAILABLE.value[0], doc
