"""Tasks: CSMS-initiated calls, sent to the ONE node that holds the charger.

The registry says which node holds the charger and with which connection epoch;
the call goes to that node's ``Node.Send`` (channels are kept per node address, and
closed once no live node has that address: `close_channels_except`) and carries the
epoch, so a node that lost the charger to a newer connection refuses it instead of
answering for a stale socket.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any

import grpc
import orjson
from csms.v1 import node_pb2, node_pb2_grpc
from opentelemetry.trace import SpanKind

from services import metrics
from services.common import reconnect_backoff_options
from services.common._mesh import mesh_metadata
from services.common._status import NODE_DOMAIN, SendFailure, reason_of
from services.common._tracing import inject, span
from services.manager._errors import (
    ChargerCallError,
    ChargerDisconnected,
    ChargerNotConnected,
    ChargerNotFound,
    ChargerTimeout,
    InvalidArgument,
    ManagerError,
    NodeUnavailable,
)
from services.manager.store import ChargerStore
from services.registry import ChargerLocation, Registry

log = logging.getLogger(__name__)

#: The `outcome` label of csms_manager_task_seconds for each way a task fails.
_TASK_OUTCOMES: dict[type[ManagerError], str] = {
    ChargerCallError: "call_error",
    ChargerTimeout: "timed_out",
    ChargerDisconnected: "disconnected",
    ChargerNotConnected: "not_connected",
    InvalidArgument: "invalid",
    NodeUnavailable: "node_unavailable",
}


@dataclass(frozen=True, slots=True)
class TaskResult:
    payload: dict[str, Any]
    raw: bytes  # the charger's answer as JSON
    location: ChargerLocation


class TaskSender:
    """Sends tasks to chargers through their owning node."""

    def __init__(
        self, registry: Registry, store: ChargerStore, *, mesh_secret: str, timeout: float = 30.0
    ) -> None:
        self._registry = registry
        self._store = store
        self.timeout = timeout  # how long to wait for a charger's answer
        # Every call to a node carries the mesh secret: Node.Send refuses calls without it.
        # (Per call, not a channel interceptor: interceptors cost every call a wrapper.)
        self._metadata = mesh_metadata(mesh_secret)
        self._channels: dict[str, grpc.aio.Channel] = {}
        self._stubs: dict[str, node_pb2_grpc.NodeAsyncStub] = {}
        self._in_flight: dict[str, int] = {}  # node address -> tasks waiting on its channel

    async def locate(self, charger_id: str) -> ChargerLocation:
        """Where the charger is connected; NOT_FOUND / UNAVAILABLE errors otherwise."""
        with span(
            "registry lookup", kind=SpanKind.CLIENT, attributes={"ocpp.charger_id": charger_id}
        ):
            location = await self._registry.lookup(charger_id)
        if location is not None:
            return location
        if await self._store.is_known(charger_id):
            raise ChargerNotConnected(charger_id)
        raise ChargerNotFound(charger_id)

    async def send(
        self, location: ChargerLocation, action: str, payload: dict[str, Any]
    ) -> TaskResult:
        """Send `action` to the charger at `location` and return its answer."""
        return await self.send_json(location, action, orjson.dumps(payload))

    async def send_json(self, location: ChargerLocation, action: str, payload: bytes) -> TaskResult:
        started = time.perf_counter()
        outcome = "failed"
        try:
            result = await self._send_json(location, action, payload)
            outcome = "answered"
            return result
        except ManagerError as exc:
            outcome = _TASK_OUTCOMES.get(type(exc), "failed")
            raise
        except asyncio.CancelledError:
            outcome = "cancelled"
            raise
        finally:
            metrics.task_finished(action, outcome, time.perf_counter() - started)

    async def _send_json(
        self, location: ChargerLocation, action: str, payload: bytes
    ) -> TaskResult:
        charger_id = location.charger_id
        request = node_pb2.SendRequest(
            charger_id=charger_id,
            action=action,
            payload=payload,
            epoch=location.epoch,
            timeout_ms=int(self.timeout * 1000),
        )
        address = location.node_address
        stub = self._stub(address)
        self._in_flight[address] = self._in_flight.get(address, 0) + 1
        try:
            with span(
                f"Node.Send {action}",
                kind=SpanKind.CLIENT,
                attributes={
                    "ocpp.charger_id": charger_id,
                    "ocpp.action": action,
                    "csms.node_id": location.node_id,
                },
            ):
                response: node_pb2.SendResponse = await stub.Send(
                    request, timeout=self.timeout + 2.0, metadata=inject(self._metadata)
                )
        except grpc.aio.AioRpcError as exc:
            code = exc.code()
            if code == grpc.StatusCode.NOT_FOUND:
                raise ChargerNotConnected(charger_id) from exc
            if code == grpc.StatusCode.DEADLINE_EXCEEDED:
                raise ChargerTimeout(
                    f"charger {charger_id!r} did not answer {action} within {self.timeout:g} s"
                ) from exc
            if code == grpc.StatusCode.ABORTED:  # delivered, then the socket closed
                raise ChargerDisconnected(charger_id, action) from exc
            if code == grpc.StatusCode.INVALID_ARGUMENT:
                raise InvalidArgument("payload", exc.details() or "invalid") from exc
            if reason_of(exc, NODE_DOMAIN) == SendFailure.CHARGER_CONNECTION_LOST:
                raise ChargerNotConnected(charger_id) from exc  # UNAVAILABLE, from the charger
            raise NodeUnavailable(
                f"node {location.node_id} ({location.node_address}) holding charger "
                f"{charger_id!r} did not take the task: {code.name} {exc.details()}"
            ) from exc
        finally:
            left = self._in_flight[address] - 1
            if left:
                self._in_flight[address] = left
            else:
                del self._in_flight[address]
        if response.HasField("error"):
            raise ChargerCallError(
                charger_id, action, response.error.code, response.error.description
            )
        return TaskResult(orjson.loads(response.result), response.result, location)

    @property
    def node_addresses(self) -> frozenset[str]:
        """The node addresses this sender holds a channel to."""
        return frozenset(self._channels)

    def _stub(self, address: str) -> node_pb2_grpc.NodeAsyncStub:
        stub = self._stubs.get(address)
        if stub is None:
            # Capped reconnect back-off: a node back after an outage gets tasks at once.
            channel = grpc.aio.insecure_channel(address, options=reconnect_backoff_options())
            self._channels[address] = channel
            stub = self._stubs[address] = node_pb2_grpc.NodeStub(channel)
        return stub

    async def close_channels_except(self, live_addresses: set[str]) -> None:
        """Close the channels to addresses no live node has (its lease expired or it
        deregistered); one with a task still waiting is closed at a later call."""
        dead = [
            address
            for address in self._channels
            if address not in live_addresses and address not in self._in_flight
        ]
        for address in dead:
            channel = self._channels.pop(address)
            del self._stubs[address]
            log.info("closing the task channel to %s: no live node has that address", address)
            await channel.close()

    async def aclose(self) -> None:
        channels, self._channels, self._stubs = self._channels, {}, {}
        for channel in channels.values():
            await channel.close()
