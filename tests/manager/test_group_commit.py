"""Group commit: concurrent writers share one write, and one bad item fails alone."""

from __future__ import annotations

import asyncio

import pytest

from services.manager.store import StoreUnavailable
from services.manager.store._group import GroupCommit


async def test_concurrent_submits_share_writes() -> None:
    """Items submitted while a write is in flight go together in the next write."""
    written: list[list[int]] = []

    async def write(items: list[int]) -> int:
        written.append(items)
        await asyncio.sleep(0.01)
        return len(items)

    group: GroupCommit[int, int] = GroupCommit(write)
    results = await asyncio.gather(*(group.submit(i) for i in range(100)))
    assert sorted(i for batch in written for i in batch) == list(range(100))
    assert group.batches == len(written) <= 2
    assert results[-1] == len(written[-1])
    await group.aclose()


async def test_a_bad_item_fails_only_its_submitter() -> None:
    """When a batch fails, its items are written one by one: only the bad one's caller sees the error."""

    async def write(items: list[int]) -> None:
        if 13 in items:
            raise ValueError("13 is unlucky")

    group: GroupCommit[int, None] = GroupCommit(write)
    outcomes = await asyncio.gather(*(group.submit(i) for i in (1, 13, 2)), return_exceptions=True)
    assert outcomes[0] is None
    assert isinstance(outcomes[1], ValueError)
    assert outcomes[2] is None


async def test_an_unavailable_database_fails_the_whole_batch_without_retrying() -> None:
    """A database outage is reported to every submitter of the batch, with no per-item retry."""
    calls = 0

    async def write(items: list[int]) -> None:
        nonlocal calls
        calls += 1
        raise StoreUnavailable("database down")

    group: GroupCommit[int, None] = GroupCommit(write)
    outcomes = await asyncio.gather(*(group.submit(i) for i in range(5)), return_exceptions=True)
    assert all(isinstance(o, StoreUnavailable) for o in outcomes)
    assert calls == 1


@pytest.mark.parametrize("max_batch", [1, 7])
async def test_batches_are_bounded(max_batch: int) -> None:
    """No write gets more than max_batch items."""
    sizes: list[int] = []

    async def write(items: list[int]) -> None:
        sizes.append(len(items))
        await asyncio.sleep(0)

    group: GroupCommit[int, None] = GroupCommit(write, max_batch=max_batch)
    await asyncio.gather(*(group.submit(i) for i in range(20)))
    assert sum(sizes) == 20
    assert max(sizes) <= max_batch
