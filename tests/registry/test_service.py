"""The csms.v1.Registry inspection API, served by grpc.aio on a real port over each registry."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import pytest
from csms.v1 import common_pb2, registry_pb2, registry_pb2_grpc

from services.registry import Registry, RegistryServicer


@pytest.fixture
async def stub(registry: Registry) -> AsyncIterator[registry_pb2_grpc.RegistryAsyncStub]:
    """A client of a RegistryServicer over ``registry`` on 127.0.0.1, port 0."""
    server = grpc.aio.server()
    registry_pb2_grpc.add_RegistryServicer_to_server(RegistryServicer(registry), server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield registry_pb2_grpc.RegistryStub(channel)
    finally:
        await server.stop(None)


async def test_get_found(registry: Registry, stub: registry_pb2_grpc.RegistryAsyncStub) -> None:
    """GetChargerLocation returns the owner's node, address, epoch, time and version."""
    await registry.register_node("node-a", "10.0.0.1:7000")
    location = await registry.claim("CP-1", "node-a", "2.0.1")
    reply = await stub.GetChargerLocation(registry_pb2.GetChargerLocationRequest(charger_id="CP-1"))
    assert (reply.charger_id, reply.node_id, reply.node_address, reply.epoch) == (
        "CP-1",
        "node-a",
        "10.0.0.1:7000",
        location.epoch,
    )
    assert reply.ocpp_version == common_pb2.OCPP_VERSION_201
    assert abs(reply.connected_at.ToNanoseconds() / 1e9 - location.connected_at) < 1e-3


async def test_get_unknown_is_not_found(stub: registry_pb2_grpc.RegistryAsyncStub) -> None:
    """GetChargerLocation of a charger that is not connected is NOT_FOUND, naming it."""
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await stub.GetChargerLocation(registry_pb2.GetChargerLocationRequest(charger_id="CP-404"))
    assert error.value.code() == grpc.StatusCode.NOT_FOUND
    assert "CP-404" in (error.value.details() or "")


async def test_get_empty_id_is_invalid(stub: registry_pb2_grpc.RegistryAsyncStub) -> None:
    """GetChargerLocation without a charger id is INVALID_ARGUMENT naming charger_id."""
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await stub.GetChargerLocation(registry_pb2.GetChargerLocationRequest())
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "charger_id" in (error.value.details() or "")


async def test_list_pages(registry: Registry, stub: registry_pb2_grpc.RegistryAsyncStub) -> None:
    """ListChargerLocations pages through all chargers, or one node's, with next_page_token."""
    await registry.register_node("node-a", "a:1")
    await registry.register_node("node-b", "b:1")
    for i in range(5):
        await registry.claim(f"CP-{i}", "node-a" if i < 3 else "node-b", "1.6")
    ids: list[str] = []
    token = ""
    while True:
        reply = await stub.ListChargerLocations(
            registry_pb2.ListChargerLocationsRequest(page_size=2, page_token=token)
        )
        ids.extend(c.charger_id for c in reply.chargers)
        token = reply.next_page_token
        if not token:
            break
    assert ids == [f"CP-{i}" for i in range(5)]

    default = await stub.ListChargerLocations(registry_pb2.ListChargerLocationsRequest())
    assert len(default.chargers) == 5
    assert default.next_page_token == ""
    by_node = await stub.ListChargerLocations(
        registry_pb2.ListChargerLocationsRequest(node_id="node-b")
    )
    assert [c.charger_id for c in by_node.chargers] == ["CP-3", "CP-4"]


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (registry_pb2.ListChargerLocationsRequest(page_size=-1), "page_size"),
        (registry_pb2.ListChargerLocationsRequest(page_size=1001), "page_size"),
        (registry_pb2.ListChargerLocationsRequest(page_token="garbage!"), "page_token"),
    ],
)
async def test_list_bad_request_is_invalid_argument(
    stub: registry_pb2_grpc.RegistryAsyncStub,
    request_: registry_pb2.ListChargerLocationsRequest,
    field: str,
) -> None:
    """A page_size outside 0..1000 or a foreign page_token is INVALID_ARGUMENT naming the field."""
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await stub.ListChargerLocations(request_)
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field in (error.value.details() or "")


async def test_list_nodes(registry: Registry, stub: registry_pb2_grpc.RegistryAsyncStub) -> None:
    """ListNodes reports each live node with its address, lease expiry and charger count."""
    await registry.register_node("node-a", "a:1")
    await registry.claim("CP-1", "node-a", "1.6")
    (expected,) = await registry.list_nodes()
    reply = await stub.ListNodes(registry_pb2.ListNodesRequest())
    assert [(n.node_id, n.address, n.charger_count) for n in reply.nodes] == [("node-a", "a:1", 1)]
    assert (
        abs(reply.nodes[0].lease_expires_at.ToNanoseconds() / 1e9 - expected.lease_expires_at) < 1
    )
