"""NodeService: operating the nodes (drain one for a restart). Admin only, audited.

``DrainNode`` finds the node's address in the registry and relays its ``Node.Drain``
progress (the node does the work, see services/node/_drain.py). The drain runs in the
node: when this stream ends early (the caller left, a deadline), the node drains on, and
a second DrainNode joins it.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from typing import Any, Final

import grpc
from csms.v1 import node_pb2, node_pb2_grpc, nodes_pb2, nodes_pb2_grpc

from services.common._mesh import mesh_metadata
from services.manager._errors import (
    InvalidArgument,
    ManagerError,
    NodeUnavailable,
    ResourceNotFound,
    from_registry_error,
)
from services.registry import Registry, RegistryError

#: The longest a DrainNode stream is relayed when its caller set no deadline (the node's
#: own NODE_DRAIN_DEADLINE ends it sooner).
MAX_DRAIN_RELAY: Final = 3600.0


def _checked_rate(rate: float) -> float:
    """0 (the node's NODE_DRAIN_RATE) or a positive finite rate (the node checks the rest)."""
    if not math.isfinite(rate) or rate < 0:
        raise InvalidArgument(
            "rate", "must be a positive number of chargers per second, or 0 for the node's own"
        )
    return rate


class NodesServicer(nodes_pb2_grpc.NodeServiceServicer):
    """See the module docstring."""

    def __init__(self, registry: Registry, *, mesh_secret: str) -> None:
        self._registry = registry
        self._metadata = mesh_metadata(mesh_secret)  # Node.Drain needs the mesh secret

    async def DrainNode(
        self, request: nodes_pb2.DrainNodeRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> AsyncIterator[node_pb2.DrainProgress]:
        try:
            address = await self._address(request)
        except ManagerError as exc:
            await context.abort(exc.status, str(exc))
            raise AssertionError("unreachable") from exc
        remaining = context.time_remaining()
        timeout = MAX_DRAIN_RELAY if remaining is None else remaining
        async with grpc.aio.insecure_channel(address) as channel:
            stub = node_pb2_grpc.NodeStub(channel)
            try:
                async for progress in stub.Drain(
                    node_pb2.DrainRequest(rate=request.rate),
                    metadata=self._metadata,
                    timeout=timeout,
                ):
                    yield progress
            except grpc.aio.AioRpcError as exc:
                code = exc.code()
                if code == grpc.StatusCode.INVALID_ARGUMENT:
                    await context.abort(code, exc.details() or "invalid rate")
                error = NodeUnavailable(
                    f"node {request.node_id} at {address} did not drain: {code.name} "
                    f"{exc.details()}; it drains on if it started, DrainNode again to follow it"
                )
                await context.abort(error.status, str(error))

    async def _address(self, request: nodes_pb2.DrainNodeRequest) -> str:
        """The live node's Node service address; InvalidArgument / ResourceNotFound."""
        if not request.node_id:
            raise InvalidArgument("node_id", "is required: a node id as ListNodes gives it")
        _checked_rate(request.rate)
        try:
            nodes = await self._registry.list_nodes()
        except RegistryError as exc:
            raise from_registry_error(exc) from exc
        for node in nodes:
            if node.node_id == request.node_id:
                return node.address
        live = ", ".join(n.node_id for n in nodes) or "none"
        raise ResourceNotFound(
            f"no live node {request.node_id!r} in the registry (live nodes: {live})"
        )
