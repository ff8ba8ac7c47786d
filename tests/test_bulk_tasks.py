"""Bulk tasks (issue 12): one command to many chargers, one task each, progress and every
outcome readable from TaskService.

Real manager (PostgreSQL), two real nodes, real Redis registry; chargers are the `ocpp`
library's ChargePoint (tests.harness.Charger16).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest
from csms.v1 import (
    chargers_pb2,
    common_pb2,
    locations_pb2,
    locations_pb2_grpc,
    tasks_pb2,
    tasks_pb2_grpc,
)

from services.manager import Manager
from services.node import Node
from services.registry import RedisRegistry
from tests.harness import Charger16, api_channel, charger_url, connected, eventually, running_node

S = common_pb2


@pytest.fixture
async def nodes(registry: RedisRegistry, manager: Manager) -> AsyncIterator[tuple[Node, Node]]:
    async with (
        running_node(registry, manager.port, "node-a") as a,
        running_node(registry, manager.port, "node-b") as b,
    ):
        yield a, b


@pytest.fixture
async def tasks_api(manager: Manager) -> AsyncIterator[tasks_pb2_grpc.TaskServiceAsyncStub]:
    async with api_channel(f"127.0.0.1:{manager.port}") as channel:
        yield tasks_pb2_grpc.TaskServiceStub(channel)


@contextlib.asynccontextmanager
async def fleet(nodes: tuple[Node, Node], ids: list[str]) -> AsyncIterator[list[Charger16]]:
    """The chargers `ids`, alternately on each node, booted."""
    async with contextlib.AsyncExitStack() as stack:
        chargers = [
            await stack.enter_async_context(
                connected(Charger16, charger_url(nodes[i % 2], cid), cid)
            )
            for i, cid in enumerate(ids)
        ]
        await asyncio.gather(*(cp.boot() for cp in chargers))
        yield chargers


async def finished(tasks: Any, bulk_id: str) -> tasks_pb2.BulkTask:
    async def done() -> tasks_pb2.BulkTask | None:
        bulk: tasks_pb2.BulkTask = await tasks.GetBulkTask(
            tasks_pb2.GetBulkTaskRequest(bulk_id=bulk_id)
        )
        return bulk if bulk.done == bulk.total else None

    result = await eventually(done)
    assert result is not None
    return result


async def test_a_bulk_reset_to_50_chargers_on_two_nodes(
    tasks_api: Any, nodes: tuple[Node, Node]
) -> None:
    ids = [f"BULK-{i:02d}" for i in range(50)]
    async with fleet(nodes, ids) as chargers:
        created = await tasks_api.CreateBulkTask(
            tasks_pb2.CreateBulkTaskRequest(
                chargers=tasks_pb2.ChargerIds(charger_ids=ids),
                reset=chargers_pb2.ResetRequest(kind=chargers_pb2.RESET_KIND_HARD),
            )
        )
        assert created.bulk_id
        assert created.total == 50
        assert created.action == "Reset"
        bulk = await finished(tasks_api, created.bulk_id)
    assert dict(bulk.counts) == {"TASK_STATE_ANSWERED": 50}
    assert dict(bulk.refused) == {}
    assert all(cp.resets == ["Hard"] for cp in chargers)
    listed: list[tasks_pb2.Task] = []
    token = ""
    while True:
        page = await tasks_api.ListTasks(
            tasks_pb2.ListTasksRequest(bulk_id=created.bulk_id, page_size=20, page_token=token)
        )
        listed += page.tasks
        token = page.next_page_token
        if not token:
            break
    assert sorted(t.charger_id for t in listed) == ids
    assert {(t.action, t.state, t.answer_json) for t in listed} == {
        ("Reset", S.TASK_STATE_ANSWERED, '{"status":"Accepted"}')
    }
    assert {t.bulk_id for t in listed} == {created.bulk_id}


async def test_a_bulk_task_to_a_location_keeps_the_chargers_it_was_refused_for(
    manager: Manager, tasks_api: Any, nodes: tuple[Node, Node]
) -> None:
    async with api_channel(f"127.0.0.1:{manager.port}") as channel:
        locations = locations_pb2_grpc.LocationServiceStub(channel)
        await locations.CreateLocation(
            locations_pb2.CreateLocationRequest(
                location=locations_pb2.Location(location_id="depot", name="Depot")
            )
        )
        async with fleet(nodes, ["LOC-1", "LOC-2", "LOC-OFF"]):
            pass  # known to the CSMS; LOC-OFF stays away from here on
        for cid in ("LOC-1", "LOC-2", "LOC-OFF"):
            await locations.AssignCharger(
                locations_pb2.AssignChargerRequest(location_id="depot", charger_id=cid)
            )
    async with fleet(nodes, ["LOC-1", "LOC-2"]) as chargers:
        created = await tasks_api.CreateBulkTask(
            tasks_pb2.CreateBulkTaskRequest(
                location_id="depot", clear_cache=chargers_pb2.ClearCacheRequest()
            )
        )
        bulk = await finished(tasks_api, created.bulk_id)
        assert bulk.total == 3
        assert dict(bulk.counts) == {"TASK_STATE_CALL_ERROR": 2}  # Charger16 lacks ClearCache
        assert list(bulk.refused) == ["LOC-OFF"]
        assert bulk.refused["LOC-OFF"].startswith("UNAVAILABLE")
        assert all(cp.resets == [] for cp in chargers)


async def test_a_bulk_command_names_no_charger(tasks_api: Any) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as named:
        await tasks_api.CreateBulkTask(
            tasks_pb2.CreateBulkTaskRequest(
                chargers=tasks_pb2.ChargerIds(charger_ids=["A"]),
                reset=chargers_pb2.ResetRequest(charger_id="A"),
            )
        )
    assert named.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "reset.charger_id" in (named.value.details() or "")
    with pytest.raises(grpc.aio.AioRpcError) as empty:
        await tasks_api.CreateBulkTask(
            tasks_pb2.CreateBulkTaskRequest(reset=chargers_pb2.ResetRequest())
        )
    assert empty.value.code() == grpc.StatusCode.INVALID_ARGUMENT
