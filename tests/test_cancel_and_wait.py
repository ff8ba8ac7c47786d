"""cancel_and_wait stops a task that lost its cancellation, as a loop calling redis-py (which
writes through asyncio.wait_for) does on Python 3.11 when the cancellation comes in the
same loop iteration as the write's completion: the node's lease renewal then ran on and
the node's (or manager's) shutdown waited for it until the 60 s test timeout."""

from __future__ import annotations

import asyncio
import sys

import pytest

from services.common._tasks import cancel_and_wait


def renewing_loop() -> tuple[asyncio.Task[None], list[asyncio.Future[None]]]:
    """A task looping on wait_for over operations the test completes (`steps[-1]`)."""
    loop = asyncio.get_running_loop()
    steps: list[asyncio.Future[None]] = []

    async def renew_forever() -> None:
        while True:
            steps.append(loop.create_future())
            await asyncio.wait_for(steps[-1], 60)

    return asyncio.create_task(renew_forever()), steps


async def test_a_cancellation_racing_a_completed_wait_for_is_lost_on_311() -> None:
    """What the helper is for: ``task.cancel()`` in the iteration its wait_for's operation
    completes leaves the task running on Python 3.11 (CPython gh-86296)."""
    task, steps = renewing_loop()
    await asyncio.sleep(0)
    steps[-1].set_result(None)
    task.cancel()
    await asyncio.sleep(0.05)
    try:
        assert task.done() is (sys.version_info >= (3, 12))
    finally:
        await cancel_and_wait(task)


async def test_cancel_and_wait_stops_a_task_that_lost_its_cancellation() -> None:
    task, steps = renewing_loop()
    await asyncio.sleep(0)
    steps[-1].set_result(None)  # completes in the iteration of the helper's first cancel
    async with asyncio.timeout(5):
        await cancel_and_wait(task)
    assert task.cancelled()


async def test_cancel_and_wait_raises_what_the_task_raised() -> None:
    async def failing() -> None:
        try:
            await asyncio.sleep(60)
        finally:
            raise RuntimeError("cleanup failed")

    task = asyncio.create_task(failing())
    await asyncio.sleep(0)
    with pytest.raises(RuntimeError, match="cleanup failed"):
        await cancel_and_wait(task)
