"""The command lane: a command and its answer are not queued behind a whole batch of charger
events. The manager handles a batch's events and the node resolves a batch's replies in
slices (``EVENTS_PER_STEP``) and lets the loop run in between; these tests check that,
with slices of two, every event is still answered once and in full and commands sent
while chargers keep the event stream busy are answered and recorded. (How fast is for
``make bench``, scenario (6), not for a test.)"""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from typing import Any

import pytest
from csms.v1 import chargers_pb2, common_pb2

from services.manager import _events
from services.node import Node, _manager_link
from tests.harness import Charger16, charger_url, connected

CHARGERS = 8
HEARTBEATS = 40  # per charger, back to back


@pytest.fixture(autouse=True)
def small_slices(monkeypatch: pytest.MonkeyPatch) -> None:
    """Slices of two, so a batch of a few events is already cut (read when a stream opens,
    i.e. before the manager and node fixtures connect)."""
    monkeypatch.setattr(_events, "EVENTS_PER_STEP", 2)
    monkeypatch.setattr(_manager_link, "EVENTS_PER_STEP", 2)


async def _heartbeats(cp: Charger16) -> list[str]:
    return [(await cp.heartbeat()).current_time for _ in range(HEARTBEATS)]


async def _resets(api: Any, charger_id: str, count: int) -> list[Any]:
    request = chargers_pb2.ResetRequest(charger_id=charger_id, kind=chargers_pb2.RESET_KIND_SOFT)
    return [await api.Reset(request) for _ in range(count)]


async def test_commands_under_a_concurrent_event_load_are_answered_and_recorded(
    api: Any, node: Node
) -> None:
    ids = [f"LANE-{n}" for n in range(CHARGERS)]
    async with AsyncExitStack() as stack:
        chargers = [
            await stack.enter_async_context(connected(Charger16, charger_url(node, i), i))
            for i in ids
        ]
        await asyncio.gather(*(cp.boot() for cp in chargers))
        batches_before = node.link.batches_sent
        events_before = node.link.events_sent
        async with asyncio.TaskGroup() as group:
            load = [group.create_task(_heartbeats(cp)) for cp in chargers]
            commands = [group.create_task(_resets(api, i, 3)) for i in ids]
    for beats in (task.result() for task in load):
        assert len(beats) == HEARTBEATS
        assert all(beats)  # every heartbeat answered, in full
    for charger_id, cp, task in zip(ids, chargers, commands, strict=True):
        responses = task.result()
        assert [r.status for r in responses] == ["Accepted"] * 3, charger_id
        assert {r.task.state for r in responses} == {common_pb2.TASK_STATE_ANSWERED}
        assert cp.resets == ["Soft"] * 3
    # The load did send batches of several events, so the slicing was exercised.
    assert node.link.events_sent - events_before > node.link.batches_sent - batches_before
