"""Draining a node (issue 13): waves at the configured rate, no answer cut off, 503 on
/health and on handshakes while draining, idempotence, and who may ask.

Real parts: a manager on SQLite, nodes on loopback, the Redis registry, raw websockets
and the ocpp library's chargers. The gateway run (200 chargers moving through Envoy)
is tests/test_drain_gateway.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import grpc
import orjson
import pytest
import websockets
from csms.v1 import auth_pb2, auth_pb2_grpc, node_pb2, node_pb2_grpc, nodes_pb2, nodes_pb2_grpc
from websockets.typing import Subprotocol

from services import csmsctl
from services.manager import Manager, ManagerSettings
from services.manager._audit import AuditRecord
from services.manager._data_transfer import VendorAnswer, VendorMessage
from services.node import Node, NodeSettings
from services.node._drain import InvalidRate, Waves, check_rate
from services.registry import RedisRegistry
from tests.harness import (
    ADMIN_TOKEN,
    MESH_SECRET,
    ROOT,
    UNIT,
    api_channel,
    eventually,
    mesh_channel,
)
from tests.test_gateway import http

OCPP16 = [Subprotocol("ocpp1.6")]


# -- the waves, without I/O -------------------------------------------------------------------


def test_waves_hold_the_rate_in_steps_of_one_tick() -> None:
    """At 50 chargers a second and ticks of 0.1 s, each tick lets 5 go: 50 in ten ticks."""
    waves = Waves(50, tick=0.1)
    assert [waves.due(0.1) for _ in range(10)] == [5] * 10


def test_slow_waves_carry_the_fraction_over() -> None:
    """At 0.5 chargers a second one charger goes every 2 s (20 ticks of 0.1 s), none between."""
    waves = Waves(0.5, tick=0.1)
    counts = [waves.due(0.1) for _ in range(40)]
    assert sum(counts) == 2
    assert counts.index(1) == 19  # the 20th tick, 2.0 s in


def test_a_stalled_loop_gets_one_wave_not_a_burst() -> None:
    """After a 5 s stall, the next tick lets one wave go (5 at 50/s), not the 250 missed."""
    waves = Waves(50, tick=0.1)
    assert waves.due(5.0) == 5
    assert waves.due(0.1) == 5


@pytest.mark.parametrize("rate", [0.0, -1.0, float("nan"), float("inf"), 1e9])
def test_a_rate_that_is_no_plan_is_refused(rate: float) -> None:
    """Zero, negative, not finite or absurd rates are refused, naming the rate."""
    with pytest.raises(InvalidRate, match="rate"):
        check_rate(rate)


# -- a node -------------------------------------------------------------------------------------


@dataclass
class RecordingAudit:
    entries: list[AuditRecord] = field(default_factory=list)

    def record(self, entry: AuditRecord) -> None:
        self.entries.append(entry)


@contextlib.asynccontextmanager
async def stack(
    registry: RedisRegistry, sqlite_url: str, **handlers: object
) -> AsyncIterator[tuple[Manager, RecordingAudit]]:
    audit = RecordingAudit()
    settings = ManagerSettings(
        host="127.0.0.1",
        port=0,
        database_url=sqlite_url,
        task_timeout=4 * UNIT,
        flush_interval=0.05,
        sweep_interval=UNIT,
        shutdown_grace=UNIT,
        mesh_secret=MESH_SECRET,
        admin_token=ADMIN_TOKEN,
        allow_unsecured=True,
    )
    async with Manager(
        settings,
        registry,
        audit=audit,
        vendor_handlers=handlers or None,  # type: ignore[arg-type]
    ) as manager:
        yield manager, audit


@contextlib.asynccontextmanager
async def draining_node(
    registry: RedisRegistry, manager: Manager, node_id: str, *, rate: float = 20.0
) -> AsyncIterator[Node]:
    """A node whose drain gives no notice (no gateway here to notice it)."""
    settings = NodeSettings(
        node_id=node_id,
        host="127.0.0.1",
        port=0,
        grpc_host="127.0.0.1",
        grpc_port=0,
        advertise_host="127.0.0.1",
        manager_address=f"127.0.0.1:{manager.port}",
        call_timeout=8 * UNIT,
        task_timeout=4 * UNIT,
        drain_timeout=UNIT,
        close_timeout=UNIT,
        lease_seconds=2 * UNIT,
        mesh_secret=MESH_SECRET,
        drain_rate=rate,
        drain_notice=0.0,
        drain_idle_timeout=16 * UNIT,
        drain_deadline=40 * UNIT,
    )
    async with Node(settings, registry) as node:
        yield node


async def _call(ws: websockets.ClientConnection, message_id: str, action: str) -> list[object]:
    await ws.send(orjson.dumps([2, message_id, action, {}]).decode())
    answer: list[object] = orjson.loads(await asyncio.wait_for(ws.recv(), 8 * UNIT))
    return answer


async def _drain(node: Node, rate: float = 0.0) -> list[node_pb2.DrainProgress]:
    """Node.Drain over gRPC with the mesh secret; every progress message."""
    async with mesh_channel(node.address) as channel:
        stub = node_pb2_grpc.NodeStub(channel)
        return [p async for p in stub.Drain(node_pb2.DrainRequest(rate=rate), timeout=40 * UNIT)]


async def test_a_drain_closes_every_charger_with_1001_and_takes_no_new_one(
    registry: RedisRegistry, sqlite_url: str
) -> None:
    """Drained: every charger is closed with 1001 and released in the registry, /health and
    new handshakes answer 503 (with Retry-After), and a second Drain reports the same
    figures, its own rate ignored."""
    async with (
        stack(registry, sqlite_url) as (manager, _),
        draining_node(registry, manager, "drain-a") as node,
        contextlib.AsyncExitStack() as exits,
    ):
        url = f"ws://127.0.0.1:{node.ws_port}/ocpp"
        sockets = []
        for i in range(6):
            ws = await exits.enter_async_context(
                websockets.connect(f"{url}/DR-{i}", subprotocols=OCPP16)
            )
            assert (await _call(ws, f"hb{i}", "Heartbeat"))[:2] == [3, f"hb{i}"]
            sockets.append(ws)
        assert (await http("GET", f"http://127.0.0.1:{node.ws_port}/health")).status == 200

        progress = await _drain(node)

        final = progress[-1]
        assert final.state == node_pb2.DRAIN_STATE_DRAINED, progress
        assert (final.closed, final.remaining, final.unanswered_calls) == (6, 0, 0)
        assert final.rate == 20.0
        assert final.node_id == "drain-a"
        assert progress[0].remaining == 6  # the first report is the state at the start
        for ws in sockets:
            await ws.wait_closed()
            assert ws.close_code == 1001
            assert "draining" in (ws.close_reason or "")
        located = await registry.lookup_many([f"DR-{i}" for i in range(6)])
        assert located == {}
        health = await http("GET", f"http://127.0.0.1:{node.ws_port}/health")
        assert health.status == 503
        with pytest.raises(websockets.InvalidStatus) as refused:
            async with websockets.connect(f"{url}/DR-NEW", subprotocols=OCPP16):
                pass
        assert refused.value.response.status_code == 503
        assert refused.value.response.headers["Retry-After"] == "2"
        assert b"draining" in refused.value.response.body

        again = await _drain(node, rate=1000.0)

        assert len(again) == 1
        assert again[0].state == node_pb2.DRAIN_STATE_DRAINED
        assert (again[0].closed, again[0].remaining, again[0].rate) == (6, 0, 20.0)
        assert again[0].refused == 1
        assert again[0].elapsed_s == final.elapsed_s  # the drain's own, ended


async def test_a_charger_is_closed_only_once_its_call_is_answered(
    registry: RedisRegistry, sqlite_url: str
) -> None:
    """A charger whose call the manager is still working on is not closed: the drain waits,
    the answer reaches the charger, and only then does the 1001 close follow."""
    entered = asyncio.Event()
    release = asyncio.Event()

    async def slow(message: VendorMessage) -> VendorAnswer:
        entered.set()
        await release.wait()
        return VendorAnswer("Accepted", "done")

    async with (
        stack(registry, sqlite_url, slow=slow) as (manager, _),
        draining_node(registry, manager, "drain-b") as node,
        websockets.connect(f"ws://127.0.0.1:{node.ws_port}/ocpp/BUSY", subprotocols=OCPP16) as ws,
    ):
        await ws.send(orjson.dumps([2, "dt1", "DataTransfer", {"vendorId": "slow"}]).decode())
        await asyncio.wait_for(entered.wait(), 8 * UNIT)
        drain = node.drain()
        await eventually(lambda: _async(drain.waiting == 1))  # its close waits for the answer

        release.set()

        answer = orjson.loads(await asyncio.wait_for(ws.recv(), 8 * UNIT))
        assert answer == [3, "dt1", {"status": "Accepted", "data": "done"}]
        await ws.wait_closed()
        assert ws.close_code == 1001
        await asyncio.wait_for(drain.done.wait(), 8 * UNIT)
        assert drain.progress().unanswered_calls == 0
        assert drain.busy_closed == 0


async def test_a_charger_is_closed_only_once_it_answered_a_task(
    registry: RedisRegistry, sqlite_url: str
) -> None:
    """A charger that has a task to answer is not closed: the drain waits, the task gets
    the charger's answer (not ABORTED), and the 1001 close follows."""
    async with (
        stack(registry, sqlite_url) as (manager, _),
        draining_node(registry, manager, "drain-t") as node,
        websockets.connect(f"ws://127.0.0.1:{node.ws_port}/ocpp/TASKED", subprotocols=OCPP16) as ws,
        mesh_channel(node.address) as channel,
    ):
        assert (await _call(ws, "hb", "Heartbeat"))[:2] == [3, "hb"]
        location = await registry.lookup("TASKED")
        assert location is not None
        request = node_pb2.SendRequest(
            charger_id="TASKED", action="Reset", payload=b'{"type":"Soft"}', epoch=location.epoch
        )
        stub = node_pb2_grpc.NodeStub(channel)

        async def send() -> node_pb2.SendResponse:
            response: node_pb2.SendResponse = await stub.Send(request, timeout=8 * UNIT)
            return response

        task = asyncio.create_task(send())
        call = orjson.loads(await asyncio.wait_for(ws.recv(), 8 * UNIT))
        assert call[2] == "Reset"
        drain = node.drain()
        await eventually(lambda: _async(drain.waiting == 1))

        await ws.send(orjson.dumps([3, call[1], {"status": "Accepted"}]).decode())

        answer = await task
        assert orjson.loads(answer.result) == {"status": "Accepted"}
        await ws.wait_closed()
        assert ws.close_code == 1001
        await asyncio.wait_for(drain.done.wait(), 8 * UNIT)
        assert drain.busy_closed == 0


async def _async(value: bool) -> bool:
    return value


async def test_node_drain_needs_the_mesh_secret_and_a_sane_rate(
    registry: RedisRegistry, sqlite_url: str
) -> None:
    """Node.Drain without the mesh secret, or with a wrong one, is UNAUTHENTICATED; a
    negative rate is INVALID_ARGUMENT; neither starts a drain."""
    async with (
        stack(registry, sqlite_url) as (manager, _),
        draining_node(registry, manager, "drain-c") as node,
    ):
        for channel in (
            grpc.aio.insecure_channel(node.address),
            mesh_channel(node.address, "wrong-mesh-secret-0123456789"),
        ):
            async with channel:
                with pytest.raises(grpc.aio.AioRpcError) as refused:
                    async for _ in node_pb2_grpc.NodeStub(channel).Drain(
                        node_pb2.DrainRequest(), timeout=8 * UNIT
                    ):
                        pass
                assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
        with pytest.raises(grpc.aio.AioRpcError) as bad:
            await _drain(node, rate=-5.0)
        assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "rate" in (bad.value.details() or "")
        assert not node.draining
        assert (await http("GET", f"http://127.0.0.1:{node.ws_port}/health")).status == 200


async def _token(manager: Manager, name: str, role: int) -> str:
    async with api_channel(f"127.0.0.1:{manager.port}") as channel:
        created = await auth_pb2_grpc.AuthServiceStub(channel).CreateToken(
            auth_pb2.CreateTokenRequest(name=name, role=role)  # type: ignore[arg-type]
        )
    return str(created.secret)


async def _drain_node(
    manager: Manager, token: str, node_id: str, rate: float = 0.0
) -> list[node_pb2.DrainProgress]:
    async with api_channel(f"127.0.0.1:{manager.port}", token) as channel:
        stub = nodes_pb2_grpc.NodeServiceStub(channel)
        request = nodes_pb2.DrainNodeRequest(node_id=node_id, rate=rate)
        return [p async for p in stub.DrainNode(request, timeout=40 * UNIT)]


async def test_drain_node_is_an_admins_and_audited(
    registry: RedisRegistry, sqlite_url: str
) -> None:
    """The manager's DrainNode refuses an operator (and the node does not drain), drains the
    node for an admin, records both calls in the audit log under the node's id, and names
    the live nodes when asked for one that is not."""
    async with (
        stack(registry, sqlite_url) as (manager, audit),
        draining_node(registry, manager, "drain-d") as node,
    ):
        operator = await _token(manager, "ops", auth_pb2.ROLE_OPERATOR)
        with pytest.raises(grpc.aio.AioRpcError) as denied:
            await _drain_node(manager, operator, "drain-d")
        assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED
        assert "needs role admin" in (denied.value.details() or "")
        assert not node.draining

        progress = await _drain_node(manager, ADMIN_TOKEN, "drain-d", rate=5.0)

        assert progress[-1].state == node_pb2.DRAIN_STATE_DRAINED
        assert progress[-1].rate == 5.0
        assert node.draining
        with pytest.raises(grpc.aio.AioRpcError) as missing:
            await _drain_node(manager, ADMIN_TOKEN, "no-such-node")
        assert missing.value.code() == grpc.StatusCode.NOT_FOUND
        assert "drain-d" in (missing.value.details() or "")  # the live nodes are named
        with pytest.raises(grpc.aio.AioRpcError) as bad:
            await _drain_node(manager, ADMIN_TOKEN, "drain-d", rate=-1.0)
        assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT

        def drains(outcome: str) -> list[AuditRecord]:
            return [
                e
                for e in audit.entries
                if e.action == "NodeService/DrainNode" and e.outcome == outcome
            ]

        assert [(e.actor, e.target) for e in drains("PERMISSION_DENIED")] == [("ops", "drain-d")]
        assert [(e.actor, e.target) for e in drains("OK")] == [("bootstrap", "drain-d")]


async def test_csmsctl_node_drain_prints_the_progress(
    registry: RedisRegistry, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """`csmsctl node drain NODE --rate N` follows the drain to its end and exits 0."""
    async with (
        stack(registry, sqlite_url) as (manager, _),
        draining_node(registry, manager, "drain-e") as node,
        websockets.connect(f"ws://127.0.0.1:{node.ws_port}/ocpp/CTL-1", subprotocols=OCPP16) as ws,
    ):
        assert (await _call(ws, "hb", "Heartbeat"))[:2] == [3, "hb"]
        argv = [
            "--manager",
            f"127.0.0.1:{manager.port}",
            "--token",
            ADMIN_TOKEN,
            "node",
            "drain",
            "drain-e",
            "--rate",
            "10",
        ]
        code = await asyncio.to_thread(csmsctl.main, argv)
        out, err = capsys.readouterr()
        assert code == 0, err
        lines = out.strip().splitlines()
        assert lines[-1].startswith("node drain-e: drained, 1 closed, 0 remaining"), out
        assert "0 calls unanswered" in lines[-1]
        await ws.wait_closed()
        assert ws.close_code == 1001


async def test_python_m_services_node_drain_drains_the_local_node(
    registry: RedisRegistry, sqlite_url: str
) -> None:
    """`python -m services.node drain` (a preStop hook) drains the node on this host's
    NODE_GRPC_PORT with MESH_SECRET and exits 0 once it is empty; without the secret it
    fails and the node is left alone."""
    async with (
        stack(registry, sqlite_url) as (manager, _),
        draining_node(registry, manager, "drain-f") as node,
    ):
        env = {**os.environ, "NODE_GRPC_HOST": "0.0.0.0", "NODE_GRPC_PORT": str(node.grpc_port)}
        env["MESH_SECRET"] = "not-the-mesh-secret-0123456789"
        refused = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "services.node",
            "drain",
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.PIPE,
        )
        out, _ = await asyncio.wait_for(refused.communicate(), 30 * UNIT)
        assert refused.returncode == 1, out
        assert b"UNAUTHENTICATED" in out
        assert not node.draining

        env["MESH_SECRET"] = MESH_SECRET
        hook = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "services.node",
            "drain",
            "--rate",
            "3",
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.PIPE,
        )
        out, _ = await asyncio.wait_for(hook.communicate(), 30 * UNIT)
        assert hook.returncode == 0, out
        assert b"node drain-f: drained" in out
        assert node.draining
