"""Group commit: concurrent writers share one database transaction.

Under load many chargers write at once (a connection storm registering chargers, a
fleet sending meter values). Each write on its own costs a pool check-out, BEGIN, the
statement and COMMIT: a handful of round trips. ``GroupCommit.submit`` instead queues
its item; one writer task takes everything queued (no timer: a lone item goes at once,
a burst goes together), writes it in one transaction, and wakes every submitter when
the commit is done. A submit returns only after its item is committed, so durability
is the same as writing alone.

If a batch fails for a reason other than the database being unavailable, each item is
written again alone, so one bad item fails only its own submitter; an item the database
refuses on its own (``StoreDataError``) is also handed to ``on_rejected`` (to record it).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from services import metrics

from ._errors import StoreDataError, StoreUnavailable

T = TypeVar("T")
R = TypeVar("R")

__all__ = ["GroupCommit"]


class GroupCommit(Generic[T, R]):
    """Batches concurrent `submit` calls into calls of `write(items)`."""

    def __init__(
        self,
        write: Callable[[list[T]], Awaitable[R]],
        *,
        max_batch: int = 1000,
        on_rejected: Callable[[T, StoreDataError], Awaitable[None]] | None = None,
    ) -> None:
        self._write = write
        self._max_batch = max_batch
        self._on_rejected = on_rejected
        self._items: list[T] = []
        self._waiters: list[asyncio.Future[R]] = []
        self._task: asyncio.Task[None] | None = None
        self.batches = 0  # write calls made (for tests and metrics)
        self._metrics = metrics.GroupCommitMetrics(write)  # labelled by the writer's name

    async def submit(self, item: T) -> R:
        """Write `item` with whatever else is waiting; return that batch's result."""
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._items.append(item)
        self._waiters.append(future)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._drain(), name="group-commit")
        return await future

    async def _drain(self) -> None:
        while self._items:
            items, self._items = self._items[: self._max_batch], self._items[self._max_batch :]
            waiters, self._waiters = (
                self._waiters[: self._max_batch],
                self._waiters[self._max_batch :],
            )
            self.batches += 1
            started = time.perf_counter()
            try:
                result = await self._write(items)
                self._metrics.observe(len(items), time.perf_counter() - started)
            except StoreUnavailable as exc:
                _fail(waiters, exc)
            except Exception as exc:
                if len(items) == 1:
                    await self._rejected(items[0], exc)
                    _fail(waiters, exc)
                else:
                    await self._one_by_one(items, waiters)
            else:
                for waiter in waiters:
                    if not waiter.done():
                        waiter.set_result(result)

    async def _one_by_one(self, items: list[T], waiters: list[asyncio.Future[R]]) -> None:
        for item, waiter in zip(items, waiters, strict=True):
            try:
                result = await self._write([item])
            except Exception as exc:
                await self._rejected(item, exc)
                _fail([waiter], exc)
            else:
                if not waiter.done():
                    waiter.set_result(result)

    async def _rejected(self, item: T, exc: Exception) -> None:
        if self._on_rejected is not None and isinstance(exc, StoreDataError):
            # If recording fails too, the item's submitter gets ``exc`` all the same.
            with contextlib.suppress(StoreUnavailable):
                await self._on_rejected(item, exc)

    async def aclose(self) -> None:
        """Wait for the writes already submitted."""
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)


def _fail(waiters: list[asyncio.Future[R]], exc: BaseException) -> None:
    for waiter in waiters:
        if not waiter.done():
            waiter.set_exception(exc)
