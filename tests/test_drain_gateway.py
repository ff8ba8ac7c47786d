"""Acceptance (issue 13, item 4): a node drained while its chargers send calls; and a
rolling restart of every node, one by one, with no call lost.

Real parts: the manager and the nodes as their own processes (``python -m services.*``),
the real Envoy gateway balancing charger websockets over the nodes with its active health
check, Redis, PostgreSQL. Chargers are the `ocpp` library's ChargePoint behind a
reconnect loop, as real chargers behave: closed with 1001, they connect again through the
gateway after a short pause, and a call the close cut off (sent, no answer) is sent again
on the new connection with the same message id. Each charger keeps a ledger: calls made,
answered (CallResult), answered with a CallError, sent again, and lost (no answer within
ANSWER_TIMEOUT).

Set CSMS_ROLLING_CHARGERS (default 30) for the rolling restart's fleet size, e.g. 300 for
the measured run docs/operations.md quotes (run with ``-s`` to see the figures).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import orjson
import pytest
import websockets
from csms.v1 import node_pb2, nodes_pb2, nodes_pb2_grpc
from ocpp.exceptions import OCPPError
from ocpp.v16 import call as call16
from websockets.typing import Subprotocol

from services.gateway import Envoy, GatewaySettings
from services.registry import RedisRegistry
from tests.harness import (
    UNIT,
    Charger16,
    accepts,
    api_channel,
    eventually,
    free_port,
    spawn_manager,
    spawn_node,
    stop_process,
)
from tests.test_gateway import http

LEASE = 15.0  # seconds: the default node lease (a short one would expire under load)
INTERVAL = 0.5  # seconds between a charger's answer and its next call (about)
RETRY = 0.5  # seconds a refused or closed charger waits before connecting again
ANSWER_TIMEOUT = 20 * UNIT  # a call without an answer this long is lost
OCPP16 = [Subprotocol("ocpp1.6")]


class LedgerCharger16(Charger16):
    """The harness's 1.6 charger, noting the message id of every answer it receives (so a
    call whose answer arrived just before a close is not taken for one cut off)."""

    def __init__(self, charger_id: str, connection: Any) -> None:
        super().__init__(charger_id, connection)
        self.answered_ids: set[str] = set()

    async def route_message(self, raw_msg: str) -> None:
        message = orjson.loads(raw_msg)
        if isinstance(message, list) and message and message[0] in (3, 4):
            self.answered_ids.add(str(message[1]))
        await super().route_message(raw_msg)


@dataclass
class MovingCharger:
    """A charger that calls every INTERVAL, follows the CSMS when closed, and keeps a ledger."""

    charger_id: str
    url: str
    made: int = 0  # calls made (once each, however often sent)
    answered: int = 0  # calls answered with a CallResult
    errors: list[str] = field(default_factory=list)  # calls answered with a CallError
    resent: int = 0  # calls sent again on a new connection after a close cut them off
    lost: int = 0  # calls no answer came for within ANSWER_TIMEOUT
    connections: int = 0  # websockets opened
    refused: list[int] = field(default_factory=list)  # handshakes refused: HTTP status
    closes: list[int | None] = field(default_factory=list)  # close codes the CSMS sent
    online: bool = False  # connected, and its last call answered there
    stop: bool = False
    _pending: tuple[str, Any] | None = None  # the call not answered yet (id, payload)
    _written: bool = False  # whether `_pending` was written to a socket (else: not sent yet)

    def _next_call(self) -> Any:
        if self.made == 0:
            return call16.BootNotification(charge_point_model="Drain", charge_point_vendor="Test")
        if self.made % 2:
            return call16.Heartbeat()
        return call16.StatusNotification(connector_id=1, error_code="NoError", status="Available")

    def done(self) -> bool:
        return self.stop and self._pending is None

    async def run(self) -> None:
        while not self.done():
            try:
                async with websockets.connect(
                    self.url, subprotocols=OCPP16, open_timeout=8 * UNIT
                ) as ws:
                    self.connections += 1
                    await self._session(ws)
                if not self.done():
                    self.closes.append(ws.close_code)
            except websockets.InvalidStatus as exc:
                self.refused.append(exc.response.status_code)
            except (OSError, TimeoutError, websockets.ConnectionClosed):
                pass
            self.online = False
            if not self.done():
                await asyncio.sleep(RETRY)

    async def _session(self, ws: websockets.ClientConnection) -> None:
        """Call until the connection ends (or the charger is stopped between two calls)."""
        cp = LedgerCharger16(self.charger_id, ws)
        receiving = asyncio.create_task(cp.start())
        try:
            if self._pending is not None and self._written:
                self.resent += 1
            while True:
                if self._pending is None:
                    if self.stop:
                        return
                    self._pending = (uuid.uuid4().hex, self._next_call())
                    self.made += 1
                unique_id, payload = self._pending
                self._written = True
                call = asyncio.create_task(cp.call(payload, suppress=False, unique_id=unique_id))
                done, _ = await asyncio.wait(
                    {call, receiving}, timeout=ANSWER_TIMEOUT, return_when=asyncio.FIRST_COMPLETED
                )
                if call not in done and unique_id in cp.answered_ids:
                    done, _ = await asyncio.wait({call}, timeout=ANSWER_TIMEOUT)
                if call not in done:
                    call.cancel()
                    await asyncio.gather(call, return_exceptions=True)
                    if receiving not in done:  # silence on an open connection: lost
                        self.lost += 1
                        self._pending = None
                    return  # cut off by the close: sent again on the next connection
                try:
                    call.result()
                    self.answered += 1
                except OCPPError as exc:
                    self.errors.append(f"{type(exc).__name__}: {exc}")
                except websockets.ConnectionClosed:
                    # The close frame came in, the library refused to write: not sent.
                    self._written = False
                    return
                self._pending = None
                self.online = True
                pause = INTERVAL * random.uniform(0.8, 1.2)
                if (await asyncio.wait({receiving}, timeout=pause))[0]:
                    return
        finally:
            receiving.cancel()
            await asyncio.gather(receiving, return_exceptions=True)


@dataclass
class NodeProc:
    node_id: str
    ws_port: int
    grpc_port: int
    proc: asyncio.subprocess.Process | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.ws_port}"


@dataclass
class Mesh:
    """The manager and node processes, the gateway, the registry."""

    redis_url: str
    prefix: str
    manager_port: int
    nodes: dict[str, NodeProc]
    registry: RedisRegistry
    envoy: Envoy | None = None

    async def start_node(self, node_id: str) -> None:
        node = self.nodes[node_id]
        node.proc, _ = await spawn_node(
            node_id,
            self.manager_port,
            self.redis_url,
            self.prefix,
            lease_seconds=LEASE,
            ports=(node.ws_port, node.grpc_port),
        )
        await eventually(lambda: accepts(node.ws_port), timeout=30 * UNIT)

    async def stop_node(self, node_id: str) -> None:
        node = self.nodes[node_id]
        if node.proc is not None:
            await stop_process(node.proc)
            node.proc = None

    async def healthy(self) -> set[str]:
        """The nodes the gateway's health check passes."""
        assert self.envoy is not None
        assert self.envoy.admin_address is not None
        host, port = self.envoy.admin_address
        reply = await http("GET", f"http://{host}:{port}/clusters")
        up = {
            line.split("::")[1]
            for line in reply.body.decode().splitlines()
            if line.startswith("nodes::") and line.endswith("::health_flags::healthy")
        }
        return {n.node_id for n in self.nodes.values() if n.address in up}

    async def where(self, ids: list[str]) -> dict[str, str]:
        found = await self.registry.lookup_many(ids)
        return {cid: loc.node_id for cid, loc in found.items()}

    async def drain_over_http(self, node_id: str) -> list[dict[str, Any]]:
        """``POST /v1/nodes/{id}:drain`` through the gateway (as admin): every progress
        document of the server-sent event stream."""
        assert self.envoy is not None
        url = f"http://127.0.0.1:{self.envoy.settings.listen_port}/v1/nodes/{node_id}:drain"
        reply = await http("POST", url, {})
        assert reply.status == 200, reply
        lines = reply.body.decode().splitlines()
        return [orjson.loads(line.removeprefix("data:")) for line in lines if line.strip()]

    async def drain(self, node_id: str) -> list[node_pb2.DrainProgress]:
        """NodeService.DrainNode on the manager (as admin): every progress message."""
        async with api_channel(f"127.0.0.1:{self.manager_port}") as channel:
            stub = nodes_pb2_grpc.NodeServiceStub(channel)
            request = nodes_pb2.DrainNodeRequest(node_id=node_id)
            return [p async for p in stub.DrainNode(request, timeout=120 * UNIT)]


@contextlib.asynccontextmanager
async def mesh(
    registry: RedisRegistry, database_url: str, redis_url: str, prefix: str, node_ids: list[str]
) -> AsyncIterator[Mesh]:
    """The manager, and a gateway over `node_ids` (no node started yet)."""
    port = free_port()
    manager = await spawn_manager(port, database_url, redis_url, prefix, lease_seconds=LEASE)
    nodes = {i: NodeProc(i, free_port(), free_port()) for i in node_ids}
    m = Mesh(redis_url, prefix, port, nodes, registry)
    try:
        settings = GatewaySettings(
            manager_address=f"127.0.0.1:{port}",
            node_addresses=tuple(n.address for n in nodes.values()),
            listen_host="127.0.0.1",
            listen_port=free_port(),
            admin_port=0,
            concurrency=1,
            ui_dir=None,
        )
        async with Envoy(settings, start_timeout=20 * UNIT) as envoy:
            m.envoy = envoy
            yield m
    finally:
        for node_id in nodes:
            await m.stop_node(node_id)
        await stop_process(manager)


@contextlib.asynccontextmanager
async def fleet(m: Mesh, count: int, prefix: str) -> AsyncIterator[list[MovingCharger]]:
    assert m.envoy is not None
    base = f"ws://127.0.0.1:{m.envoy.settings.listen_port}/ocpp"
    chargers = [
        MovingCharger(f"{prefix}-{i:03d}", f"{base}/{prefix}-{i:03d}") for i in range(count)
    ]
    runs = [asyncio.create_task(c.run()) for c in chargers]
    try:
        yield chargers
        for c in chargers:  # stop calling; a call under way is answered first
            c.stop = True
        await asyncio.wait_for(asyncio.gather(*runs), 2 * ANSWER_TIMEOUT)
    finally:
        for run in runs:
            run.cancel()
        await asyncio.gather(*runs, return_exceptions=True)


def ledger(chargers: list[MovingCharger]) -> dict[str, int]:
    return {
        "made": sum(c.made for c in chargers),
        "answered": sum(c.answered for c in chargers),
        "errors": sum(len(c.errors) for c in chargers),
        "resent": sum(c.resent for c in chargers),
        "lost": sum(c.lost for c in chargers),
        "refused": sum(len(c.refused) for c in chargers),
    }


def assert_nothing_lost(chargers: list[MovingCharger]) -> None:
    """Every call of every charger was answered with a CallResult (none lost, none failed)."""
    lost = {c.charger_id: c.lost for c in chargers if c.lost}
    assert lost == {}, f"calls never answered: {lost}"
    errors = {c.charger_id: c.errors for c in chargers if c.errors}
    assert errors == {}, f"calls answered with a CallError: {errors}"
    short = {c.charger_id: (c.made, c.answered) for c in chargers if c.made != c.answered}
    assert short == {}, f"(made, answered) differ: {short}"
    closes = {code for c in chargers for code in c.closes}
    assert closes <= {1001}, f"closed other than by a drain's 1001: {closes}"


async def _all_online(chargers: list[MovingCharger]) -> bool:
    return all(c.online for c in chargers)


@pytest.mark.timeout(300)
async def test_a_drained_nodes_200_chargers_move_with_no_call_lost(
    registry: RedisRegistry, postgres_url: str, redis_server_url: str, redis_prefix: str
) -> None:
    """200 chargers on node A, each calling every half second: draining A moves every one
    to node B through the gateway (the registry says so), every call each charger made was
    answered, and node A counts no call it read and left unanswered."""
    count = 200
    async with mesh(registry, postgres_url, redis_server_url, redis_prefix, ["a", "b"]) as m:
        await m.start_node("a")
        await eventually(lambda: _equals(m.healthy(), {"a"}), timeout=20 * UNIT)
        async with fleet(m, count, "MV") as chargers:
            ids = [c.charger_id for c in chargers]

            async def all_on(node_id: str) -> bool:
                placed = await m.where(ids)
                return len(placed) == count and set(placed.values()) == {node_id}

            await eventually(lambda: _all_online(chargers), timeout=60 * UNIT)
            await eventually(lambda: all_on("a"), timeout=20 * UNIT)
            await m.start_node("b")
            await eventually(lambda: _equals(m.healthy(), {"a", "b"}), timeout=20 * UNIT)
            before = ledger(chargers)
            started = time.monotonic()

            progress = await m.drain_over_http("a")

            took = time.monotonic() - started
            final = progress[-1]
            assert final["state"] == "DRAIN_STATE_DRAINED", progress
            assert final["closed"] == count
            assert final["remaining"] == 0
            assert final["unansweredCalls"] == "0"  # node A's own count (uint64: a string)
            print(f"\nfirst and last progress over HTTP: {progress[0]}, {final}")
            await eventually(lambda: all_on("b"), timeout=40 * UNIT)
            await eventually(lambda: _all_online(chargers), timeout=40 * UNIT)
            assert all(c.connections >= 2 for c in chargers)
            await asyncio.sleep(2 * INTERVAL)  # calls go on, on node B
        after = ledger(chargers)
        assert_nothing_lost(chargers)
        assert after["made"] > before["made"] + count  # the fleet kept calling throughout
        print(
            f"\ndrain of node a: {final['closed']} chargers moved to node b in {took:.1f} s "
            f"(notice included); calls made {after['made']}, answered {after['answered']}, "
            f"lost {after['lost']}, resent after a close {after['resent']}, "
            f"handshakes refused {after['refused']} (node a counted {final['refused']}), "
            f"node a unanswered {final['unansweredCalls']}"
        )


async def _equals(value: Any, expected: object) -> bool:
    return bool(await value == expected)


@pytest.mark.timeout(600)
async def test_a_rolling_restart_of_every_node_loses_no_call(
    registry: RedisRegistry, postgres_url: str, redis_server_url: str, redis_prefix: str
) -> None:
    """Three nodes restarted one by one (drain, wait until empty, stop, start, wait until
    the gateway routes to it again): every charger stays served and no call is lost."""
    count = int(os.environ.get("CSMS_ROLLING_CHARGERS", "30"))
    names = ["n1", "n2", "n3"]
    async with mesh(registry, postgres_url, redis_server_url, redis_prefix, names) as m:
        for name in names:
            await m.start_node(name)
        await eventually(lambda: _equals(m.healthy(), set(names)), timeout=20 * UNIT)
        async with fleet(m, count, "RR") as chargers:
            ids = [c.charger_id for c in chargers]

            async def located() -> dict[str, str] | None:
                placed = await m.where(ids)
                return placed if len(placed) == count else None

            await eventually(lambda: _all_online(chargers), timeout=60 * UNIT)
            await eventually(located, timeout=20 * UNIT)
            report = []
            started_all = time.monotonic()
            for name in names:
                started = time.monotonic()
                progress = await m.drain(name)
                final = progress[-1]
                assert final.state == node_pb2.DRAIN_STATE_DRAINED, progress
                assert final.unanswered_calls == 0
                drained = time.monotonic() - started

                async def elsewhere(name: str = name) -> bool:
                    placed = await located()
                    return placed is not None and name not in placed.values()

                await eventually(elsewhere, timeout=40 * UNIT)
                await m.stop_node(name)
                await m.start_node(name)
                await eventually(lambda: _equals(m.healthy(), set(names)), timeout=20 * UNIT)
                report.append((name, final.closed, drained, time.monotonic() - started))
            total = time.monotonic() - started_all
            await eventually(lambda: _all_online(chargers), timeout=40 * UNIT)
        figures = ledger(chargers)
        assert_nothing_lost(chargers)
        print(f"\nrolling restart of {len(names)} nodes, {count} chargers, {total:.1f} s:")
        for name, moved, drained, whole in report:
            print(
                f"  {name}: {moved} chargers moved, drained in {drained:.1f} s, "
                f"back in the gateway's rotation {whole:.1f} s after the drain began"
            )
        print(
            f"  calls made {figures['made']}, answered {figures['answered']}, "
            f"lost {figures['lost']}, errors {figures['errors']}, "
            f"resent after a close {figures['resent']}, handshakes refused {figures['refused']}"
        )
