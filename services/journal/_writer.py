"""The journal's writer: exchanges in, batches out, off the charger's path.

The node calls `JournalWriter.record` for every exchange as it ends: a deque append, never
a wait and never an error, whatever the store does. ONE background task takes up to
``batch`` exchanges at a time (at once when a batch is full, else every
``flush_interval``) and hands them to the backend's `Journal.write`.

Nothing is lost silently: an exchange that does not fit the queue (``queue_size``: the
store is down or slower than the chargers) is dropped and counted in ``dropped``, and a
warning says how many, at most once per ``warn_interval``. A batch the store refuses is
retried ``retries`` times with a growing pause; then it is dropped, counted (``dropped``,
``failed_batches``) and logged. ``aclose`` writes what is queued, waiting at most
``close_timeout``; what is left then is counted and logged.

With ``retention_s``, a second task deletes exchanges older than that at start and every
``sweep_interval`` (`Journal.expire`; SQL needs it, MongoDB's TTL index does it itself and
answers 0). It is a task of its own so that a long sweep (the first after weeks off)
never holds up the writes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable

from services.common._tasks import cancel_and_wait
from services.journal._model import Exchange, Journal

log = logging.getLogger(__name__)

__all__ = ["JournalWriter"]


class JournalWriter:
    """Batches exchanges to a `Journal` from one background task.

    Use as ``async with JournalWriter(journal, ...)`` or ``await start()`` + ``await
    aclose()``. The writer does not open or close the journal itself.
    """

    def __init__(
        self,
        journal: Journal,
        *,
        queue_size: int = 50_000,
        batch: int = 1_000,
        flush_interval: float = 0.2,
        retries: int = 3,
        retry_interval: float = 0.5,
        write_timeout: float = 10.0,
        close_timeout: float = 5.0,
        warn_interval: float = 10.0,
        retention_s: float | None = None,
        sweep_interval: float = 600.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if queue_size < 1 or batch < 1:
            raise ValueError("queue_size and batch must be at least 1")
        if flush_interval <= 0:
            raise ValueError("flush_interval must be positive")
        if retries < 0:
            raise ValueError("retries must be at least 0")
        self._journal = journal
        self.queue_size = queue_size
        self.batch = batch
        self.flush_interval = flush_interval
        self.retries = retries
        self.retry_interval = retry_interval
        self.write_timeout = write_timeout  # one Journal.write; longer counts as a failure
        self.close_timeout = close_timeout
        self.warn_interval = warn_interval
        self.retention_s = retention_s
        self.sweep_interval = sweep_interval
        self._clock = clock  # Unix seconds, for the retention cut-off
        self._queue: deque[Exchange] = deque()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._sweeper: asyncio.Task[None] | None = None
        self._closed = False
        #: Exchanges dropped since the start: queue full, a batch given up, or left at close.
        self.dropped = 0
        #: Exchanges the journal took.
        self.written = 0
        #: Batches given up after their retries (their exchanges are in `dropped` too).
        self.failed_batches = 0
        #: Seconds the last successful `Journal.write` took (0.0 before the first).
        self.last_flush_seconds = 0.0
        #: Exchanges deleted by the retention sweep.
        self.expired = 0
        self._unreported = 0  # drops not yet in a warning
        self._drop_reason = ""
        self._last_warning = -float("inf")

    @property
    def depth(self) -> int:
        """Exchanges recorded and not yet handed to the journal."""
        return len(self._queue)

    # -- the hot path --------------------------------------------------------------------

    def record(self, exchange: Exchange) -> None:
        """Queue `exchange` for writing; never blocks, never raises (a full queue drops it)."""
        queue = self._queue
        if len(queue) >= self.queue_size or self._closed:
            self._drop(
                1,
                "the journal writer is closed (the node is stopping)"
                if self._closed
                else f"its queue is full ({self.queue_size} exchanges waiting: JOURNAL_QUEUE); "
                "the journal's store is unavailable or slower than the chargers",
            )
            return
        queue.append(exchange)
        if len(queue) == self.batch:
            self._wake.set()

    def _drop(self, count: int, why: str) -> None:
        self.dropped += count
        self._unreported += count
        self._drop_reason = why
        self._report_drops()

    def _report_drops(self, *, force: bool = False) -> None:
        """Warn of the drops since the last warning, at most once per warn_interval."""
        if not self._unreported:
            return
        now = time.monotonic()
        if force or now - self._last_warning >= self.warn_interval:
            log.warning(
                "journal: %d exchanges dropped since the last warning (%d in all), because %s",
                self._unreported,
                self.dropped,
                self._drop_reason,
            )
            self._unreported = 0
            self._last_warning = now

    # -- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        """Start the background task (idempotent)."""
        if self._task is None and not self._closed:
            self._task = asyncio.create_task(self._run(), name="journal-writer")
            if self.retention_s is not None:
                self._sweeper = asyncio.create_task(self._sweep(), name="journal-retention")

    async def __aenter__(self) -> JournalWriter:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Write what is queued (waiting at most ``close_timeout``), then stop; idempotent."""
        if self._closed:
            return
        self._closed = True
        self._wake.set()
        if self._sweeper is not None:
            await cancel_and_wait(self._sweeper)
        task = self._task
        if task is not None:
            try:
                async with asyncio.timeout(self.close_timeout):
                    await asyncio.shield(task)
            except TimeoutError:
                await cancel_and_wait(task)
            except asyncio.CancelledError:
                await cancel_and_wait(task)
                raise
        if self._queue:
            left = len(self._queue)
            self._queue.clear()
            self.dropped += left
            log.error(
                "journal: %d exchanges were not written before shutdown (the store did not "
                "take them within %.1f s) and are lost",
                left,
                self.close_timeout,
            )
        self._report_drops(force=True)

    # -- the background task -------------------------------------------------------------

    async def _run(self) -> None:
        queue = self._queue
        while True:
            if len(queue) < self.batch and not self._closed:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.flush_interval):
                        await self._wake.wait()
                self._wake.clear()
            if queue:
                count = min(len(queue), self.batch)
                batch = [queue.popleft() for _ in range(count)]
                await self._write(batch)
            elif self._closed:
                return
            self._report_drops()  # drops after the last warning are not left unsaid

    async def _write(self, batch: list[Exchange]) -> None:
        """Hand `batch` to the journal, retrying a failure `retries` times; then drop it."""
        try:
            for attempt in range(self.retries + 1):
                started = time.monotonic()
                try:
                    async with asyncio.timeout(self.write_timeout):
                        await self._journal.write(batch)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # the store's JournalError, a timeout, or a bug
                    last = attempt == self.retries
                    log.warning(
                        "journal: writing %d exchanges failed (%s: %s)%s",
                        len(batch),
                        type(exc).__name__,
                        exc or "timed out",
                        "" if last else f"; retry {attempt + 1} of {self.retries}",
                    )
                    if not last:
                        await asyncio.sleep(self.retry_interval * 2**attempt)
                    continue
                self.last_flush_seconds = time.monotonic() - started
                self.written += len(batch)
                return
        except asyncio.CancelledError:
            # aclose gave up waiting: whether the store took this batch is unknown.
            self._drop(len(batch), "the node stopped while they were being written")
            raise
        self.failed_batches += 1
        self._drop(len(batch), f"the journal's store refused them {self.retries + 1} times")

    async def _sweep(self) -> None:
        """Delete what is older than the retention, now and every sweep_interval."""
        assert self.retention_s is not None
        while True:
            cutoff_ms = int((self._clock() - self.retention_s) * 1000)
            try:
                async with asyncio.timeout(self.write_timeout * 6):
                    deleted = await self._journal.expire(cutoff_ms)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # retried at the next sweep
                log.warning(
                    "journal: the retention sweep failed (%s: %s); next try in %.0f s",
                    type(exc).__name__,
                    exc or "timed out",
                    self.sweep_interval,
                )
            else:
                self.expired += deleted
                if deleted:
                    log.info("journal: %d exchanges older than the retention deleted", deleted)
            await asyncio.sleep(self.sweep_interval)
