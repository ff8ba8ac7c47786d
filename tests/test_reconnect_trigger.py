"""A charger that reconnects without a BootNotification is asked for its connector status.

Real manager (PostgreSQL), real node, real Redis registry; chargers are the `ocpp`
library's ChargePoint. The manager asks after ``status_trigger_after`` seconds without a
boot, once per charger per ``status_trigger_interval``, ``status_trigger_concurrency`` at
a time.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any, TypeAlias

import pytest
from csms.v1 import chargers_pb2, chargers_pb2_grpc
from ocpp.routing import on
from ocpp.v16 import call_result as result16
from websockets.asyncio.client import ClientConnection

from services.manager import Manager, ManagerSettings
from services.node import Node
from services.registry import RedisRegistry
from tests.harness import (
    ADMIN_TOKEN,
    MESH_SECRET,
    UNIT,
    Charger16,
    Station201,
    charger_url,
    connected,
    eventually,
    running_node,
)

Api: TypeAlias = "chargers_pb2_grpc.ChargerServiceAsyncStub"


class Watched16(Charger16):
    """A 1.6 charger that records the TriggerMessages it gets and may take a while to answer."""

    answer_delay = 0.0
    answering = 0  # across all instances: triggers being answered right now
    most_answering = 0

    def __init__(self, charger_id: str, connection: ClientConnection) -> None:
        super().__init__(charger_id, connection)
        self.triggers: list[dict[str, Any]] = []

    @on("TriggerMessage")  # type: ignore[untyped-decorator]
    async def on_trigger(self, requested_message: str, **kwargs: Any) -> result16.TriggerMessage:
        self.triggers.append({"requested_message": requested_message, **kwargs})
        cls = type(self)
        cls.answering += 1
        cls.most_answering = max(cls.most_answering, cls.answering)
        try:
            await asyncio.sleep(self.answer_delay)
        finally:
            cls.answering -= 1
        return result16.TriggerMessage(status="Accepted")


@pytest.fixture
async def manager(registry: RedisRegistry, postgres_url: str) -> AsyncIterator[Manager]:
    """A manager that asks after 2 UNIT without a boot, once per charger per hour, 2 at a time."""
    settings = ManagerSettings(
        host="127.0.0.1",
        port=0,
        database_url=postgres_url,
        task_timeout=8 * UNIT,
        flush_interval=0.05,
        sweep_interval=UNIT,
        shutdown_grace=UNIT,
        allow_unsecured=True,  # chargers connect without credentials
        status_trigger_after=2 * UNIT,
        status_trigger_interval=3600.0,
        status_trigger_concurrency=2,
        mesh_secret=MESH_SECRET,
        admin_token=ADMIN_TOKEN,
    )
    async with Manager(settings, registry) as manager:
        yield manager


async def test_reconnect_without_boot_triggers_status_16(node: Node, api: Api) -> None:
    """A 1.6 charger that reconnects without booting receives TriggerMessage StatusNotification, and the status it then sends is what the fleet view shows."""
    async with connected(Watched16, charger_url(node, "CP-1"), "CP-1") as charger:
        await charger.boot()
        await charger.status(1, "Available")
    async with connected(Watched16, charger_url(node, "CP-1"), "CP-1") as charger:

        async def triggered() -> list[dict[str, Any]]:
            return charger.triggers

        assert await eventually(triggered) == [{"requested_message": "StatusNotification"}]
        await charger.status(1, "Charging")  # what it answers the trigger with
        view = await api.GetCharger(chargers_pb2.GetChargerRequest(charger_id="CP-1"))
        assert [(c.connector_id, c.status) for c in view.connectors] == [(1, "Charging")]


async def test_reconnect_without_boot_triggers_status_201(node: Node) -> None:
    """A 2.0.1 station that reconnects without booting receives TriggerMessage with requestedMessage StatusNotification."""
    async with connected(Station201, charger_url(node, "CS-1"), "CS-1") as station:
        await station.boot()
    async with connected(Station201, charger_url(node, "CS-1"), "CS-1") as station:

        async def triggered() -> list[dict[str, Any]]:
            return station.requests("TriggerMessage")

        assert await eventually(triggered) == [{"requested_message": "StatusNotification"}]


async def test_a_booting_charger_is_not_asked_and_a_charger_is_asked_once(node: Node) -> None:
    """A charger that boots after connecting is never asked, and one that reconnects again within the interval is asked only once."""
    async with contextlib.AsyncExitStack() as stack:
        booting = await stack.enter_async_context(
            connected(Watched16, charger_url(node, "CP-BOOT"), "CP-BOOT")
        )
        await booting.boot()
        async with connected(Watched16, charger_url(node, "CP-1"), "CP-1") as first:

            async def first_triggered() -> list[dict[str, Any]]:
                return first.triggers

            await eventually(first_triggered)
        # CP-BOOT connected before CP-1, so it would have been asked before CP-1 was.
        assert booting.triggers == []
        again = await stack.enter_async_context(
            connected(Watched16, charger_url(node, "CP-1"), "CP-1")
        )
        later = await stack.enter_async_context(
            connected(Watched16, charger_url(node, "CP-2"), "CP-2")
        )

        async def later_triggered() -> list[dict[str, Any]]:
            return later.triggers

        await eventually(later_triggered)
        # CP-1 reconnected before CP-2, so it would have been asked before CP-2 was.
        assert again.triggers == []
        assert booting.triggers == []


async def test_a_reconnect_storm_is_asked_a_few_at_a_time(node: Node) -> None:
    """When many chargers reconnect at once, every one is asked, never more than the fleet-wide bound (2 here) at a time."""
    Watched16.answer_delay = 2 * UNIT
    Watched16.answering = Watched16.most_answering = 0
    try:
        async with contextlib.AsyncExitStack() as stack:
            chargers = [
                await stack.enter_async_context(
                    connected(Watched16, charger_url(node, f"CP-{i}"), f"CP-{i}")
                )
                for i in range(6)
            ]

            async def all_triggered() -> bool:
                return all(c.triggers for c in chargers) and Watched16.answering == 0

            await eventually(all_triggered, timeout=30 * UNIT)
            assert Watched16.most_answering == 2
            assert all(len(c.triggers) == 1 for c in chargers)
    finally:
        Watched16.answer_delay = 0.0


async def test_shutdown_cancels_triggers_in_flight(
    registry: RedisRegistry, postgres_url: str
) -> None:
    """Closing the manager while a trigger waits for its answer cancels it: no task of the reconnect watcher outlives the manager."""
    settings = ManagerSettings(
        host="127.0.0.1",
        port=0,
        database_url=postgres_url,
        task_timeout=60 * UNIT,
        flush_interval=0.05,
        sweep_interval=UNIT,
        shutdown_grace=UNIT,
        allow_unsecured=True,  # chargers connect without credentials
        status_trigger_after=UNIT,
        mesh_secret=MESH_SECRET,
        admin_token=ADMIN_TOKEN,
    )
    Watched16.answer_delay = 60 * UNIT
    try:
        async with (
            Manager(settings, registry) as manager,
            running_node(registry, manager.port, "node-a") as node,
            connected(Watched16, charger_url(node, "CP-1"), "CP-1") as charger,
        ):

            async def triggered() -> list[dict[str, Any]]:
                return charger.triggers

            await eventually(triggered)
            async with asyncio.timeout(20 * UNIT):
                await manager.aclose()
        names = {task.get_name() for task in asyncio.all_tasks()}
        assert not {n for n in names if n == "reconnect-status" or n.startswith("status-")}
    finally:
        Watched16.answer_delay = 0.0
