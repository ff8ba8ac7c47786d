"""Node.Send failures reach the manager as a reason (google.rpc.ErrorInfo), not as text.

UNAVAILABLE from Node.Send means either "the charger's socket failed, it is not here" or
"the node is broken"; the manager tells them apart by the node's ErrorInfo reason only, so
rewording the node's message changes nothing. Real gRPC over loopback, port 0.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import grpc
import pytest
from csms.v1 import node_pb2, node_pb2_grpc

from services.common import OcppVersion
from services.common._status import NODE_DOMAIN, SendFailure, abort, error_info
from services.manager._errors import ChargerNotConnected, NodeUnavailable
from services.manager._stores import Stores
from services.manager._tasks import TaskSender
from services.node import Node
from services.node._node import NodeServicer
from services.registry import ChargerLocation, MemoryRegistry

Context = grpc.aio.ServicerContext[Any, Any]
Send = Callable[[node_pb2.SendRequest, Context], Awaitable[node_pb2.SendResponse]]


class _Node(node_pb2_grpc.NodeServicer):
    """A Node service whose Send fails as `send` does."""

    def __init__(self, send: Send) -> None:
        self._send = send

    async def Send(self, request: node_pb2.SendRequest, context: Context) -> node_pb2.SendResponse:
        return await self._send(request, context)

    async def Drain(
        self, request: node_pb2.DrainRequest, context: Context
    ) -> AsyncIterator[node_pb2.DrainProgress]:
        await context.abort(grpc.StatusCode.UNIMPLEMENTED, "these tests only send tasks")
        yield node_pb2.DrainProgress()  # pragma: no cover - an async generator, as gRPC needs


@asynccontextmanager
async def serving(servicer: node_pb2_grpc.NodeServicer) -> AsyncIterator[str]:
    """`servicer` on 127.0.0.1, port 0; yields its address."""
    server = grpc.aio.server()
    node_pb2_grpc.add_NodeServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        yield f"127.0.0.1:{port}"
    finally:
        await server.stop(None)


async def send_to(address: str, tmp_path: Path) -> None:
    """One task from a manager's TaskSender to the node at `address`."""
    stores = await Stores.open(f"sqlite+aiosqlite:///{tmp_path / 'csms.sqlite3'}")
    sender = TaskSender(MemoryRegistry(), stores.chargers, mesh_secret="s", timeout=5.0)
    location = ChargerLocation("CP-1", "node-1", address, 1, 0.0, OcppVersion.V16)
    try:
        await sender.send(location, "Reset", {"type": "Soft"})
    finally:
        await sender.aclose()
        await stores.aclose()


async def test_a_lost_charger_is_read_from_the_reason_whatever_the_message_says(
    tmp_path: Path,
) -> None:
    """UNAVAILABLE with reason CHARGER_CONNECTION_LOST is "charger not connected", even when
    the message does not mention the charger."""

    async def lost(request: node_pb2.SendRequest, context: Context) -> node_pb2.SendResponse:
        await abort(
            context,
            grpc.StatusCode.UNAVAILABLE,
            "socket gone",
            reason=SendFailure.CHARGER_CONNECTION_LOST,
            domain=NODE_DOMAIN,
        )

    async with serving(_Node(lost)) as address:
        with pytest.raises(ChargerNotConnected):
            await send_to(address, tmp_path)


async def test_unavailable_without_a_reason_is_the_node(tmp_path: Path) -> None:
    """UNAVAILABLE without the node's reason is the node's failure, even when the message
    happens to mention a charger."""

    async def broken(request: node_pb2.SendRequest, context: Context) -> node_pb2.SendResponse:
        await context.abort(grpc.StatusCode.UNAVAILABLE, "charger table locked, node restarting")

    async with serving(_Node(broken)) as address:
        with pytest.raises(NodeUnavailable, match="node node-1"):
            await send_to(address, tmp_path)


async def test_the_node_names_the_reason_when_a_chargers_socket_fails(tmp_path: Path) -> None:
    """The real Node.Send answers a socket that failed before the task was written with
    UNAVAILABLE, reason CHARGER_CONNECTION_LOST and the charger and action as metadata."""

    async def fails(*args: object) -> node_pb2.SendResponse:
        raise ConnectionError("connection reset by peer")

    node = SimpleNamespace(settings=SimpleNamespace(task_timeout=5.0), send_task=fails)
    async with serving(NodeServicer(cast(Node, node))) as address:
        with pytest.raises(ChargerNotConnected):
            await send_to(address, tmp_path)
        async with grpc.aio.insecure_channel(address) as channel:
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await node_pb2_grpc.NodeStub(channel).Send(
                    node_pb2.SendRequest(charger_id="CP-1", action="Reset", epoch=1)
                )
    info = error_info(caught.value, NODE_DOMAIN)
    assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
    assert info is not None
    assert (info.reason, dict(info.metadata)) == (
        SendFailure.CHARGER_CONNECTION_LOST,
        {"charger_id": "CP-1", "action": "Reset"},
    )
