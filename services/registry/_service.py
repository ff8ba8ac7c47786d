"""gRPC inspection API (``csms.v1.Registry``) over any ``Registry``.

Domain errors map to gRPC status codes here and nowhere else (``_STATUS``).
"""

from __future__ import annotations

from typing import Any, Final, NoReturn

import grpc
from csms.v1 import registry_pb2, registry_pb2_grpc
from google.protobuf.timestamp_pb2 import Timestamp

from services.common._health import HealthMonitor, service_names
from services.common._mesh import MeshAuthInterceptor
from services.common._tracing import TracingInterceptor
from services.common._versions import to_proto_version
from services.metrics import GrpcMetricsInterceptor

from ._model import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    ChargerLocation,
    InvalidArgument,
    NodeInfo,
    NodeNotRegistered,
    Registry,
    RegistryError,
    RegistryUnavailable,
)

_STATUS: Final[dict[type[RegistryError], grpc.StatusCode]] = {
    InvalidArgument: grpc.StatusCode.INVALID_ARGUMENT,
    NodeNotRegistered: grpc.StatusCode.FAILED_PRECONDITION,
    RegistryUnavailable: grpc.StatusCode.UNAVAILABLE,
}

Context = grpc.aio.ServicerContext[Any, Any]


def status_for(error: RegistryError) -> grpc.StatusCode:
    """The gRPC status code a registry domain error is reported with."""
    for cls in type(error).__mro__:
        if cls in _STATUS:
            return _STATUS[cls]
    return grpc.StatusCode.INTERNAL


async def _abort(context: Context, error: RegistryError) -> NoReturn:
    await context.abort(status_for(error), str(error))


def _timestamp(unix_seconds: float) -> Timestamp:
    seconds = int(unix_seconds // 1)
    return Timestamp(seconds=seconds, nanos=int((unix_seconds - seconds) * 1e9))


def location_to_proto(location: ChargerLocation) -> registry_pb2.ChargerLocation:
    """The wire form of a charger location."""
    return registry_pb2.ChargerLocation(
        charger_id=location.charger_id,
        node_id=location.node_id,
        node_address=location.node_address,
        epoch=location.epoch,
        connected_at=_timestamp(location.connected_at),
        ocpp_version=to_proto_version(location.ocpp_version),
    )


def node_to_proto(node: NodeInfo) -> registry_pb2.NodeInfo:
    """The wire form of a live node."""
    return registry_pb2.NodeInfo(
        node_id=node.node_id,
        address=node.address,
        lease_expires_at=_timestamp(node.lease_expires_at),
        charger_count=node.charger_count,
    )


class RegistryServicer(registry_pb2_grpc.RegistryServicer):
    """Serves ``csms.v1.Registry`` from a registry it does not own."""

    def __init__(self, registry: Registry) -> None:
        self._registry = registry

    async def GetChargerLocation(
        self, request: registry_pb2.GetChargerLocationRequest, context: Context
    ) -> registry_pb2.ChargerLocation:
        if not request.charger_id:
            await _abort(context, InvalidArgument("charger_id", "must not be empty"))
        try:
            location = await self._registry.lookup(request.charger_id)
        except RegistryError as exc:
            await _abort(context, exc)
        if location is None:
            await context.abort(
                grpc.StatusCode.NOT_FOUND, f"charger {request.charger_id!r} is not connected"
            )
        return location_to_proto(location)

    async def ListChargerLocations(
        self, request: registry_pb2.ListChargerLocationsRequest, context: Context
    ) -> registry_pb2.ListChargerLocationsResponse:
        if not 0 <= request.page_size <= MAX_PAGE_SIZE:
            await _abort(
                context, InvalidArgument("page_size", f"must be between 0 and {MAX_PAGE_SIZE}")
            )
        try:
            page, token = await self._registry.list_chargers(
                node_id=request.node_id or None,
                page_size=request.page_size or DEFAULT_PAGE_SIZE,
                page_token=request.page_token,
            )
        except RegistryError as exc:
            await _abort(context, exc)
        return registry_pb2.ListChargerLocationsResponse(
            chargers=[location_to_proto(loc) for loc in page], next_page_token=token
        )

    async def ListNodes(
        self, request: registry_pb2.ListNodesRequest, context: Context
    ) -> registry_pb2.ListNodesResponse:
        try:
            nodes = await self._registry.list_nodes()
        except RegistryError as exc:
            await _abort(context, exc)
        return registry_pb2.ListNodesResponse(nodes=[node_to_proto(n) for n in nodes])


def registry_server(
    registry: Registry, mesh_secret: str, *, health: HealthMonitor | None = None
) -> grpc.aio.Server:
    """The standalone registry service's gRPC server (not started, no port yet): the
    inspection API for internal tools, every call requiring the mesh secret but the
    health probes. Operators read the registry through the manager's copy of this API,
    with a bearer token. With `health`, the server also serves gRPC health (its status
    set by that monitor) and server reflection."""
    if not mesh_secret:
        raise ValueError("the registry service needs the mesh secret (MESH_SECRET)")
    server = grpc.aio.server(
        interceptors=[
            TracingInterceptor(),
            GrpcMetricsInterceptor("registry"),
            MeshAuthInterceptor(mesh_secret),
        ]
    )
    registry_pb2_grpc.add_RegistryServicer_to_server(RegistryServicer(registry), server)
    if health is not None:
        health.serve_on(server, service_names(registry_pb2))
    return server
