"""The journal writer: batches off the hot path, bounded, never silent about a loss.

A small fake journal stands in for the store where the test is about the writer's own
rules (drops, retries, shutdown); the last test runs it on the real SQLite journal.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

import pytest

from services.journal import Exchange, JournalError, JournalWriter, Query, Stored
from services.journal._sql import SqlJournal
from tests.harness import UNIT, eventually
from tests.journal.test_contract import T0, exchange, ids


class FakeJournal:
    """Keeps batches in memory; fails the next `failures` writes; `gate` holds writes."""

    def __init__(self, failures: int = 0) -> None:
        self.batches: list[list[Exchange]] = []
        self.failures = failures
        self.attempts = 0
        self.expired_before: list[int] = []
        self.gate: asyncio.Event | None = None
        self.wrote = asyncio.Event()

    async def open(self) -> None:
        pass

    async def write(self, exchanges: Sequence[Exchange]) -> None:
        self.attempts += 1
        if self.gate is not None:
            await self.gate.wait()
        if self.failures:
            self.failures -= 1
            raise JournalError("the store is down")
        self.batches.append(list(exchanges))
        self.wrote.set()

    async def query(self, query: Query) -> list[Stored]:
        return []

    async def expire(self, older_than_ms: int) -> int:
        self.expired_before.append(older_than_ms)
        return 2

    async def aclose(self) -> None:
        pass

    @property
    def written(self) -> list[str]:
        return [e.message_id for batch in self.batches for e in batch]


async def until(condition: Callable[[], object]) -> None:
    """Wait until `condition()` is true (harness.eventually: a bounded poll)."""

    async def check() -> bool:
        return bool(condition())

    await eventually(check, interval=0.01)


async def test_records_reach_the_journal_in_batches_in_order() -> None:
    """Recorded exchanges are written in order, at most `batch` per write."""
    fake = FakeJournal()
    async with JournalWriter(fake, batch=4, flush_interval=0.05) as writer:
        for n in range(10):
            writer.record(exchange(n=n))
        await until(lambda: writer.written == 10)
        assert writer.depth == 0
        assert writer.last_flush_seconds >= 0
    assert fake.written == [f"m{n}" for n in range(10)]
    assert max(len(batch) for batch in fake.batches) <= 4
    assert writer.dropped == 0


async def test_a_full_queue_drops_counts_and_warns(caplog: pytest.LogCaptureFixture) -> None:
    """While the store holds a write, records beyond the queue's bound are dropped at once
    (record never waits) and counted; the first drop is logged at once with the reason,
    later ones at most once per warn_interval, and those not yet told at the latest at
    close."""
    fake = FakeJournal()
    fake.gate = asyncio.Event()
    writer = JournalWriter(fake, queue_size=5, batch=2, flush_interval=0.01)
    await writer.start()
    try:
        writer.record(exchange(n=0))
        writer.record(exchange(n=1))
        await until(lambda: fake.attempts == 1)  # m0, m1 are in the held write
        with caplog.at_level(logging.WARNING, "services.journal"):
            for n in range(2, 12):
                writer.record(exchange(n=n))
        assert writer.depth == 5
        assert writer.dropped == 5
        assert "1 exchanges dropped since the last warning (1 in all)" in caplog.text
        assert "JOURNAL_QUEUE" in caplog.text
        assert len(caplog.records) == 1  # not one warning per drop
        fake.gate.set()
        await until(lambda: writer.written == 7)
    finally:
        with caplog.at_level(logging.WARNING, "services.journal"):
            await writer.aclose()
    assert "4 exchanges dropped since the last warning (5 in all)" in caplog.text
    assert fake.written == [f"m{n}" for n in range(7)]
    assert writer.dropped == 5


async def test_a_failed_write_is_retried() -> None:
    """A batch the store refuses is written again; nothing is lost when a retry succeeds."""
    fake = FakeJournal(failures=2)
    async with JournalWriter(fake, flush_interval=0.01, retries=3, retry_interval=0.01) as w:
        w.record(exchange(n=1))
        await until(lambda: w.written == 1)
    assert fake.attempts == 3
    assert w.dropped == 0
    assert w.failed_batches == 0


async def test_a_batch_refused_every_time_is_dropped_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """After its retries a refused batch is given up: counted in dropped and
    failed_batches, logged; the next batch is written."""
    fake = FakeJournal(failures=3)
    with caplog.at_level(logging.WARNING, "services.journal"):
        async with JournalWriter(
            fake, batch=10, flush_interval=0.01, retries=2, retry_interval=0.01
        ) as writer:
            writer.record(exchange(n=1))
            writer.record(exchange(n=2))
            await until(lambda: writer.failed_batches == 1)
            writer.record(exchange(n=3))
            await until(lambda: writer.written == 1)
    assert fake.attempts == 4
    assert writer.dropped == 2
    assert fake.written == ["m3"]
    assert "refused them 3 times" in caplog.text
    assert "the store is down" in caplog.text


async def test_close_writes_what_is_queued() -> None:
    """aclose writes every exchange still queued before it returns."""
    fake = FakeJournal()
    writer = JournalWriter(fake, batch=3, flush_interval=60.0)  # no timed flush would come
    await writer.start()
    for n in range(8):
        writer.record(exchange(n=n))
    await writer.aclose()
    assert fake.written == [f"m{n}" for n in range(8)]
    assert writer.dropped == 0


async def test_close_waits_a_bounded_time_and_counts_the_rest(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A store that never answers holds aclose for close_timeout at most; what was not
    written is counted as dropped and logged, and later records are dropped too."""
    fake = FakeJournal()
    fake.gate = asyncio.Event()  # never set
    writer = JournalWriter(fake, batch=2, flush_interval=0.01, close_timeout=UNIT)
    await writer.start()
    for n in range(5):
        writer.record(exchange(n=n))
    await until(lambda: fake.attempts == 1)
    with caplog.at_level(logging.WARNING, "services.journal"):
        async with asyncio.timeout(10 * UNIT):
            await writer.aclose()
        writer.record(exchange(n=9))
    assert writer.written == 0
    assert writer.dropped == 6
    assert "not written before shutdown" in caplog.text


async def test_record_never_raises_after_close() -> None:
    """A record after aclose (a late answer during shutdown) is counted, not an error."""
    writer = JournalWriter(FakeJournal())
    await writer.start()
    await writer.aclose()
    writer.record(exchange())
    assert writer.dropped == 1
    await writer.aclose()  # idempotent


async def test_retention_sweep_expires_older_exchanges() -> None:
    """With a retention, the writer asks the journal to expire what began before now
    minus the retention, at start and every sweep_interval."""
    fake = FakeJournal()
    now = (T0 + 100_000) / 1000
    async with JournalWriter(
        fake, flush_interval=0.01, retention_s=60.0, sweep_interval=3600, clock=lambda: now
    ) as writer:
        await until(lambda: fake.expired_before)
    assert fake.expired_before == [T0 + 40_000]
    assert writer.expired == 2


async def test_no_sweep_without_retention() -> None:
    """Without a retention the writer never deletes."""
    fake = FakeJournal()
    async with JournalWriter(fake, flush_interval=0.01) as writer:
        writer.record(exchange())
        await until(lambda: writer.written == 1)
    assert fake.expired_before == []


@pytest.mark.parametrize(
    "kwargs",
    [{"queue_size": 0}, {"batch": 0}, {"flush_interval": 0.0}, {"retries": -1}],
)
def test_bad_bounds_are_refused(kwargs: dict[str, float]) -> None:
    """A writer without a positive queue, batch or interval is refused at construction."""
    with pytest.raises(ValueError, match="must be"):
        JournalWriter(FakeJournal(), **kwargs)  # type: ignore[arg-type]


async def test_on_the_sqlite_journal(sqlite_journal_url: str) -> None:
    """The writer on the real SQLite journal: what it took is in the timeline."""
    journal = SqlJournal(sqlite_journal_url)
    await journal.open()
    try:
        async with JournalWriter(journal, batch=50, flush_interval=0.01) as writer:
            for n in range(120):
                writer.record(exchange(n=n))
        assert writer.written == 120
        page = await journal.query(Query("CP-1", limit=3))
        assert ids(page) == ["m119", "m118", "m117"]
    finally:
        await journal.aclose()


async def test_a_long_sweep_does_not_hold_up_writes() -> None:
    """While a retention sweep is still deleting, recorded exchanges are written; close
    stops the sweep."""
    fake = FakeJournal()
    sweeping = asyncio.Event()
    never = asyncio.Event()

    async def slow_expire(older_than_ms: int) -> int:
        sweeping.set()
        await never.wait()
        return 0

    fake.expire = slow_expire  # type: ignore[method-assign]
    async with JournalWriter(fake, flush_interval=0.01, retention_s=60.0) as writer:
        await asyncio.wait_for(sweeping.wait(), 10 * UNIT)
        writer.record(exchange(n=1))
        await until(lambda: writer.written == 1)
    assert fake.written == ["m1"]
