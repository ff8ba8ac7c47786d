"""The audit log: its table (PostgreSQL, SQLite), the writer that fills it in
batches behind a bounded queue, and ListAuditEntries over real gRPC.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta

import asyncpg
import grpc
import pytest
from csms.v1 import auth_pb2, auth_pb2_grpc, id_tags_pb2, id_tags_pb2_grpc
from google.protobuf.timestamp_pb2 import Timestamp

from services import csmsctl
from services.manager import Manager
from services.manager._audit import AuditLog, AuditRecord
from services.manager._stores import Stores
from services.manager.store import (
    AuditEntryRecord,
    AuditFilters,
    AuditStore,
    InvalidPageToken,
    SqlAuditStore,
    SqlChargerStore,
    StoreDataError,
    StoreUnavailable,
)
from services.registry import MemoryRegistry
from tests.harness import ADMIN_TOKEN, UNIT, api_channel, eventually, free_port, running_manager

T0 = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def entry(n: int, **fields: object) -> AuditEntryRecord:
    """Entry number ``n`` (at T0 + n s) by "alice", a Reset of CP-1, unless told otherwise."""
    values: dict[str, object] = {
        "entry_id": 0,
        "at": at(n),
        "actor": "alice",
        "role": "operator",
        "action": "ChargerService/Reset",
        "charger_id": "CP-1",
        "target": "",
        "outcome": "OK",
        "detail": f"entry {n}",
        "source": "ipv4:127.0.0.1:5555",
    }
    values.update(fields)
    return AuditEntryRecord(**values)  # type: ignore[arg-type]


@pytest.fixture
async def store(store_url: str) -> AsyncIterator[AuditStore]:
    """An empty audit table, on PostgreSQL and on SQLite."""
    chargers = await SqlChargerStore.open(store_url)
    try:
        yield SqlAuditStore(chargers.engine)
    finally:
        await chargers.aclose()


async def everything(store: AuditStore, filters: AuditFilters, page_size: int) -> list[str]:
    """The details of every entry ``filters`` select, following the pages."""
    details: list[str] = []
    token = ""
    while True:
        page, token = await store.list(filters, page_size=page_size, page_token=token)
        assert len(page) <= page_size
        details += [e.detail for e in page]
        if not token:
            return details


# --- the table --------------------------------------------------------------------------------


async def test_entries_are_listed_newest_first_with_every_field(store: AuditStore) -> None:
    """Appended entries come back newest first with their fields and increasing ids."""
    await store.append([entry(1), entry(2, actor="bob", role="admin", target="tok-1")])
    await store.append([entry(3, outcome="PERMISSION_DENIED", detail="needs role admin")])
    page, token = await store.list(AuditFilters(), page_size=10)
    assert token == ""
    assert [e.detail for e in page] == ["needs role admin", "entry 2", "entry 1"]
    assert page[0].entry_id > page[1].entry_id > page[2].entry_id > 0
    second = page[1]
    assert (second.actor, second.role, second.target, second.at) == ("bob", "admin", "tok-1", at(2))
    assert (second.action, second.charger_id, second.outcome, second.source) == (
        "ChargerService/Reset",
        "CP-1",
        "OK",
        "ipv4:127.0.0.1:5555",
    )


async def test_filters_select_by_actor_action_charger_outcome_and_time(store: AuditStore) -> None:
    """Each filter selects its entries; since is inclusive, until exclusive; filters combine."""
    await store.append(
        [
            entry(1),
            entry(2, actor="bob"),
            entry(3, action="IdTagService/BlockIdTag", charger_id="", target="CARD-1"),
            entry(4, charger_id="CP-2"),
            entry(5, outcome="UNAUTHENTICATED", actor="anonymous"),
            entry(6, actor="bob", charger_id="CP-2"),
        ]
    )

    async def details(**kwargs: object) -> list[str]:
        return await everything(store, AuditFilters(**kwargs), 100)  # type: ignore[arg-type]

    assert await details(actor="bob") == ["entry 6", "entry 2"]
    assert await details(action="IdTagService/BlockIdTag") == ["entry 3"]
    assert await details(charger_id="CP-2") == ["entry 6", "entry 4"]
    assert await details(outcome="UNAUTHENTICATED") == ["entry 5"]
    assert await details(since=at(4)) == ["entry 6", "entry 5", "entry 4"]
    assert await details(until=at(2)) == ["entry 1"]
    assert await details(since=at(2), until=at(5)) == ["entry 4", "entry 3", "entry 2"]
    assert await details(actor="bob", charger_id="CP-2") == ["entry 6"]
    assert await details(actor="nobody") == []


async def test_pages_follow_each_other_without_gaps_or_repeats(store: AuditStore) -> None:
    """Keyset pages by id cover every matching entry once, also when entries arrive between pages."""
    await store.append([entry(n, actor="alice" if n % 3 else "bob") for n in range(1, 26)])
    alice = AuditFilters(actor="alice")
    expected = [f"entry {n}" for n in range(25, 0, -1) if n % 3]
    assert await everything(store, alice, 4) == expected

    first, token = await store.list(alice, page_size=5)
    await store.append([entry(30)])  # newer: not on the pages that follow
    rest = await everything_from(store, alice, 5, token)
    assert [e.detail for e in first] + rest == expected


async def everything_from(
    store: AuditStore, filters: AuditFilters, size: int, token: str
) -> list[str]:
    details: list[str] = []
    while token:
        page, token = await store.list(filters, page_size=size, page_token=token)
        details += [e.detail for e in page]
    return details


async def test_foreign_or_malformed_page_tokens_are_refused(store: AuditStore) -> None:
    """A token replayed with other filters, or one nobody issued, is InvalidPageToken."""
    await store.append([entry(n) for n in range(1, 4)])
    _, token = await store.list(AuditFilters(actor="alice"), page_size=1)
    assert token
    with pytest.raises(InvalidPageToken, match="different filters"):
        await store.list(AuditFilters(actor="bob"), page_size=1, page_token=token)
    with pytest.raises(InvalidPageToken, match="malformed"):
        await store.list(AuditFilters(), page_size=1, page_token="%%%")
    with pytest.raises(InvalidPageToken):
        await store.list(AuditFilters(), page_size=1, page_token="eyJ2IjoxfQ")


async def test_overlong_values_are_cut_and_nul_replaced(store: AuditStore) -> None:
    """An entry about a hostile request (a 300-character actor, a NUL in the detail) is kept, cut to fit."""
    await store.append(
        [entry(1, actor="x" * 300, charger_id="C" * 100, detail="a\x00b", outcome="O" * 50)]
    )
    (kept,), _ = await store.list(AuditFilters(), page_size=1)
    assert len(kept.actor) == 80
    assert kept.actor.endswith("…")
    assert len(kept.charger_id) == 48
    assert len(kept.outcome) == 32
    assert kept.detail == "a\ufffdb"


async def test_an_unreachable_database_is_store_unavailable(sqlite_url: str) -> None:
    """Appending to a PostgreSQL server that does not answer raises StoreUnavailable (the writer retries those)."""
    from services.manager.store import create_engine

    engine = create_engine(
        f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/none", connect_timeout=UNIT
    )
    try:
        with pytest.raises(StoreUnavailable, match="writing audit entries"):
            await SqlAuditStore(engine).append([entry(1)])
    finally:
        await engine.dispose()


# --- the writer -------------------------------------------------------------------------------


class FlakyStore:
    """An AuditStore in front of a real one that can be made unavailable, or stalled,
    and remembers the size of every batch it was given."""

    def __init__(self, inner: AuditStore) -> None:
        self.inner = inner
        self.down = False
        self.stalled = asyncio.Event()
        self.stalled.set()
        self.batches: list[int] = []
        self.refuse: set[str] = set()  # details the "database" refuses as bad data
        self.broken: set[str] = set()  # details the store fails on with a bug

    async def append(self, entries: Sequence[AuditEntryRecord]) -> None:
        await self.stalled.wait()
        self.batches.append(len(entries))
        if self.down:
            raise StoreUnavailable("database unavailable while writing audit entries: test")
        if any(e.detail in self.refuse for e in entries):
            raise StoreDataError("the database refused a value: test")
        if any(e.detail in self.broken for e in entries):
            raise RuntimeError("a bug in the store: test")
        await self.inner.append(entries)

    async def list(
        self, filters: AuditFilters, *, page_size: int, page_token: str = ""
    ) -> tuple[list[AuditEntryRecord], str]:
        return await self.inner.list(filters, page_size=page_size, page_token=page_token)


def record(n: int, **fields: str) -> AuditRecord:
    values = {"actor": "alice", "action": "ChargerService/Reset", "outcome": "OK"}
    values.update(fields)
    return AuditRecord(detail=f"entry {n}", at=at(n), **values)


async def test_the_writer_writes_in_batches_in_order(store: AuditStore) -> None:
    """1,200 entries recorded at once are written in batches of at most batch_size, in order, none lost."""
    flaky = FlakyStore(store)
    async with AuditLog(flaky, batch_size=500, flush_interval=UNIT) as audit:
        for n in range(1, 1201):
            audit.record(record(n))
        assert audit.pending == 1200  # record() only queued them
        await eventually(lambda: _done(audit), timeout=10 * UNIT)
    assert flaky.batches == [500, 500, 200]
    assert audit.written == 1200
    assert audit.dropped == 0
    details = await everything(store, AuditFilters(), 1000)
    assert details == [f"entry {n}" for n in range(1200, 0, -1)]


async def _done(audit: AuditLog) -> bool:
    return audit.pending == 0


async def test_a_few_entries_are_written_within_the_flush_interval(store: AuditStore) -> None:
    """A single entry does not wait for a full batch: it is written within flush_interval."""
    async with AuditLog(store, flush_interval=UNIT / 5) as audit:
        audit.record(AuditRecord(actor="alice", action="ChargerService/Reset", outcome="OK"))
        await eventually(lambda: _done(audit), timeout=2 * UNIT)
    (written,), _ = await store.list(AuditFilters(), page_size=10)
    assert written.actor == "alice"
    assert written.at.tzinfo is not None  # stamped by the log's clock when taken


async def test_a_full_queue_drops_counts_and_warns(
    store: AuditStore, caplog: pytest.LogCaptureFixture
) -> None:
    """With the database stalled, entries beyond max_pending are dropped, counted and logged; the rest are written later."""
    flaky = FlakyStore(store)
    flaky.stalled.clear()
    caplog.set_level(logging.WARNING, logger="services.manager._audit")
    audit = AuditLog(flaky, max_pending=10, batch_size=4, flush_interval=0.01)
    audit.start()
    try:
        for n in range(1, 16):
            audit.record(record(n))  # never blocks, even now
        assert audit.pending == 10
        assert audit.dropped == 5
        warnings = [r.getMessage() for r in caplog.records if "dropped" in r.getMessage()]
        assert len(warnings) == 1, "one warning per warn_interval, not one per entry"
        assert "queue is full" in warnings[0]
        assert "at most 10" in warnings[0]
        flaky.stalled.set()
        await eventually(lambda: _done(audit), timeout=4 * UNIT)
    finally:
        await audit.aclose()
    assert await everything(store, AuditFilters(), 100) == [f"entry {n}" for n in range(10, 0, -1)]
    assert audit.dropped == 5
    assert audit.written == 10


async def test_drops_after_the_last_warning_are_reported_later(
    store: AuditStore, caplog: pytest.LogCaptureFixture
) -> None:
    """Entries dropped after a warning are counted in the next one, once warn_interval has passed."""
    flaky = FlakyStore(store)
    flaky.stalled.clear()
    caplog.set_level(logging.WARNING, logger="services.manager._audit")
    async with AuditLog(flaky, max_pending=2, flush_interval=0.01, warn_interval=UNIT / 2) as audit:
        for n in range(1, 8):
            audit.record(record(n))
        await asyncio.sleep(UNIT)
        flaky.stalled.set()
        await eventually(lambda: _done(audit), timeout=4 * UNIT)
    warnings = [r.getMessage() for r in caplog.records if "dropped" in r.getMessage()]
    assert len(warnings) == 2
    assert warnings[0].startswith("audit entries dropped: 1 since the last warning (1 in all)")
    assert warnings[1].startswith("audit entries dropped: 4 since the last warning (5 in all)")


async def test_an_outage_loses_nothing_up_to_the_bound(
    store: AuditStore, caplog: pytest.LogCaptureFixture
) -> None:
    """While the database is unavailable the writer keeps its entries and retries; back up, all are written once."""
    flaky = FlakyStore(store)
    flaky.down = True
    caplog.set_level(logging.INFO, logger="services.manager._audit")
    async with AuditLog(flaky, batch_size=3, flush_interval=0.01, retry_interval=0.05) as audit:
        for n in range(1, 8):
            audit.record(record(n))
        await eventually(lambda: _attempts(flaky, 3), timeout=4 * UNIT)
        assert audit.pending == 7
        assert audit.written == 0
        waits = [r for r in caplog.records if "wait for the database" in r.getMessage()]
        assert len(waits) == 1, "the outage is logged once, not per retry"
        flaky.down = False
        await eventually(lambda: _done(audit), timeout=4 * UNIT)
    assert await everything(store, AuditFilters(), 100) == [f"entry {n}" for n in range(7, 0, -1)]
    assert audit.dropped == 0
    assert any("written again" in r.getMessage() for r in caplog.records)


async def _attempts(flaky: FlakyStore, n: int) -> bool:
    return len(flaky.batches) >= n


async def test_an_entry_the_database_refuses_does_not_hold_back_its_batch(
    store: AuditStore,
) -> None:
    """A batch with one refused entry is written without it; only that one is dropped."""
    flaky = FlakyStore(store)
    flaky.refuse = {"entry 2"}
    async with AuditLog(flaky, batch_size=10, flush_interval=0.01) as audit:
        for n in range(1, 5):
            audit.record(record(n))
        await eventually(lambda: _done(audit), timeout=4 * UNIT)
    assert await everything(store, AuditFilters(), 100) == ["entry 4", "entry 3", "entry 1"]
    assert audit.dropped == 1
    assert audit.written == 3


async def test_an_entry_that_breaks_the_store_is_dropped_not_retried_forever(
    store: AuditStore, caplog: pytest.LogCaptureFixture
) -> None:
    """An entry the store fails on with an unexpected error is dropped and logged; the queue moves on."""
    flaky = FlakyStore(store)
    flaky.broken = {"entry 1"}
    async with AuditLog(flaky, batch_size=10, flush_interval=0.01) as audit:
        for n in range(1, 4):
            audit.record(record(n))
        await eventually(lambda: _done(audit), timeout=4 * UNIT)
    assert await everything(store, AuditFilters(), 100) == ["entry 3", "entry 2"]
    assert audit.dropped == 1
    assert any("could not be written and was dropped" in r.getMessage() for r in caplog.records)


async def test_a_time_without_zone_is_taken_as_utc(store: AuditStore) -> None:
    """An entry whose time has no zone (a caller's slip) is written as UTC rather than lost."""
    async with AuditLog(store, flush_interval=0.01) as audit:
        audit.record(
            AuditRecord(actor="a", action="x", outcome="OK", at=datetime(2026, 12, 3, 12, 0))
        )
        await eventually(lambda: _done(audit), timeout=4 * UNIT)
    (written,), _ = await store.list(AuditFilters(), page_size=1)
    assert written.at == T0
    assert audit.dropped == 0


async def test_close_flushes_what_is_waiting(store: AuditStore) -> None:
    """aclose writes the entries still queued before it returns."""
    audit = AuditLog(store, flush_interval=3600)
    audit.start()
    for n in range(1, 4):
        audit.record(record(n))
    await audit.aclose()
    assert await everything(store, AuditFilters(), 100) == ["entry 3", "entry 2", "entry 1"]
    audit.record(record(4))  # after close: dropped and counted, never raises
    assert audit.dropped == 1


async def test_close_during_an_outage_gives_up_after_close_timeout(
    caplog: pytest.LogCaptureFixture, stores: Stores
) -> None:
    """With the database down at shutdown, aclose returns after close_timeout and logs how many were lost."""
    flaky = FlakyStore(stores.audit)
    flaky.down = True
    audit = AuditLog(flaky, flush_interval=0.01, retry_interval=0.05, close_timeout=UNIT / 2)
    audit.start()
    audit.record(record(1))
    audit.record(record(2))
    started = asyncio.get_running_loop().time()
    await audit.aclose()
    assert asyncio.get_running_loop().time() - started < 2 * UNIT
    assert audit.dropped == 2
    assert any("2 audit entries could not be written" in r.getMessage() for r in caplog.records)


# --- AuditService -----------------------------------------------------------------------------


@pytest.fixture
async def manager(postgres_url: str) -> AsyncIterator[Manager]:
    registry = MemoryRegistry()
    try:
        async with running_manager(registry, postgres_url) as manager:
            yield manager
    finally:
        await registry.aclose()


@pytest.fixture
async def audit_api(manager: Manager) -> AsyncIterator[auth_pb2_grpc.AuditServiceAsyncStub]:
    async with api_channel(f"127.0.0.1:{manager.port}") as channel:
        yield auth_pb2_grpc.AuditServiceStub(channel)


def _ts(moment: datetime) -> Timestamp:
    ts = Timestamp()
    ts.FromDatetime(moment)
    return ts


async def test_list_audit_entries_filters_and_pages(
    manager: Manager, audit_api: auth_pb2_grpc.AuditServiceAsyncStub
) -> None:
    """ListAuditEntries answers newest first, filtered, in pages whose tokens lead to the next."""
    # Distinct actors, so entries the manager records about the test's own calls do not count.
    for n in range(1, 8):
        manager.audit.record(record(n, actor="t-alice" if n % 2 else "t-bob", role="operator"))
    manager.audit.record(record(8, actor="t-alice", outcome="PERMISSION_DENIED", role="viewer"))

    async def written() -> bool:
        answer = await audit_api.ListAuditEntries(
            auth_pb2.ListAuditEntriesRequest(actor="t-alice", page_size=100)
        )
        return len(answer.entries) == 5

    await eventually(written)

    request = auth_pb2.ListAuditEntriesRequest(actor="t-alice", page_size=2)
    seen: list[str] = []
    pages = 0
    while True:
        answer = await audit_api.ListAuditEntries(request)
        pages += 1
        seen += [e.detail for e in answer.entries]
        if not answer.next_page_token:
            break
        request.page_token = answer.next_page_token
    assert seen == ["entry 8", "entry 7", "entry 5", "entry 3", "entry 1"]
    assert pages == 3

    denied = await audit_api.ListAuditEntries(
        auth_pb2.ListAuditEntriesRequest(actor="t-alice", outcome="PERMISSION_DENIED")
    )
    (one,) = denied.entries
    assert one.role == auth_pb2.ROLE_VIEWER
    assert one.action == "ChargerService/Reset"
    assert one.at.ToDatetime(tzinfo=UTC) == at(8)
    timed = await audit_api.ListAuditEntries(
        auth_pb2.ListAuditEntriesRequest(actor="t-bob", since=_ts(at(4)), until=_ts(at(6)))
    )
    assert [e.detail for e in timed.entries] == ["entry 4"]


@pytest.mark.parametrize(
    ("request_fields", "field"),
    [
        ({"page_size": 1001}, "page_size"),
        ({"page_size": -1}, "page_size"),
        ({"page_token": "not-a-token"}, "page_token"),
        ({"actor": "x" * 81}, "actor"),
        ({"since": _ts(at(10)), "until": _ts(at(5))}, "until"),
    ],
)
async def test_bad_list_requests_are_invalid_argument(
    audit_api: auth_pb2_grpc.AuditServiceAsyncStub, request_fields: dict[str, object], field: str
) -> None:
    """A bad page size, page token, filter or time range is INVALID_ARGUMENT naming the field."""
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await audit_api.ListAuditEntries(auth_pb2.ListAuditEntriesRequest(**request_fields))  # type: ignore[arg-type]
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert (caught.value.details() or "").startswith(f"{field}:")


async def test_a_token_for_other_filters_is_invalid_argument(
    manager: Manager, audit_api: auth_pb2_grpc.AuditServiceAsyncStub
) -> None:
    """A page token replayed with another filter is INVALID_ARGUMENT naming page_token."""
    for n in range(1, 4):
        manager.audit.record(record(n, actor="t-carol"))

    async def token() -> str:
        answer = await audit_api.ListAuditEntries(
            auth_pb2.ListAuditEntriesRequest(actor="t-carol", page_size=1)
        )
        return answer.next_page_token

    issued = await eventually(token)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await audit_api.ListAuditEntries(
            auth_pb2.ListAuditEntriesRequest(actor="t-dave", page_token=issued)
        )
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "page_token" in (caught.value.details() or "")


async def test_the_manager_flushes_its_audit_log_when_it_closes(postgres_url: str) -> None:
    """Entries recorded just before the manager closes are in the table afterwards."""
    registry = MemoryRegistry()
    try:
        async with running_manager(registry, postgres_url) as manager:
            for n in range(1, 4):
                manager.audit.record(record(n, actor="t-last"))
        chargers = await SqlChargerStore.open(postgres_url)
        try:
            details = await everything(
                SqlAuditStore(chargers.engine), AuditFilters(actor="t-last"), 10
            )
        finally:
            await chargers.aclose()
    finally:
        await registry.aclose()
    assert details == ["entry 3", "entry 2", "entry 1"]


async def test_csmsctl_audit_prints_the_filtered_log(
    manager: Manager,
    audit_api: auth_pb2_grpc.AuditServiceAsyncStub,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`csmsctl audit --actor A --charger ID --limit N` prints the newest N matching entries as a table."""
    monkeypatch.setenv("CSMS_TOKEN", ADMIN_TOKEN)
    for n in range(1, 6):
        manager.audit.record(record(n, actor="t-eve", role="admin", charger_id="CP-9"))
    manager.audit.record(record(6, actor="t-eve", charger_id="CP-8"))

    async def written() -> bool:
        answer = await audit_api.ListAuditEntries(
            auth_pb2.ListAuditEntriesRequest(actor="t-eve", page_size=100)
        )
        return len(answer.entries) == 6

    await eventually(written)
    argv = ["--manager", f"127.0.0.1:{manager.port}", "audit", "--actor", "t-eve"]
    code = await asyncio.to_thread(csmsctl.main, [*argv, "--charger", "CP-9", "--limit", "3"])
    out, err = capsys.readouterr()
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split() == [
        "TIME", "ACTOR", "ROLE", "ACTION", "CHARGER", "TARGET", "OUTCOME", "DETAIL"
    ]  # fmt: skip
    assert [line.split()[-1] for line in lines[1:]] == ["5", "4", "3"]
    assert "2026-12-03 12:00:05Z  t-eve  admin  ChargerService/Reset  CP-9" in lines[1]
    assert "more: raise --limit" in err

    code = await asyncio.to_thread(csmsctl.main, [*argv, "--since", "2026-12-03T12:00:05Z"])
    out, _ = capsys.readouterr()
    assert code == 0
    assert [line.split()[-1] for line in out.splitlines()[1:]] == ["6", "5"]


def test_csmsctl_audit_since_takes_an_age_or_a_time() -> None:
    """--since 2h is two hours before now; an ISO time without a zone is UTC; anything else is refused."""
    now = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)
    assert csmsctl.parse_since("2h", now) == datetime(2026, 12, 3, 13, 0, tzinfo=UTC)
    assert csmsctl.parse_since("7d", now) == now - timedelta(days=7)
    assert csmsctl.parse_since("2026-12-03T10:00:00") == datetime(2026, 12, 3, 10, tzinfo=UTC)
    with pytest.raises(argparse.ArgumentTypeError, match="neither an age"):
        csmsctl.parse_since("yesterday")


async def test_refused_and_admitted_api_calls_land_in_the_audit_log(
    manager: Manager, audit_api: auth_pb2_grpc.AuditServiceAsyncStub
) -> None:
    """A call without a token and an admin's change both reach the table through the manager's
    audit log, with actor, role, action, target and outcome."""
    port = manager.port
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as anonymous:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await id_tags_pb2_grpc.IdTagServiceStub(anonymous).CreateIdTag(
                id_tags_pb2.CreateIdTagRequest(id_tag=id_tags_pb2.IdTag(id_tag="CARD-AUDIT"))
            )
        assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
    async with api_channel(f"127.0.0.1:{port}") as admin:
        await id_tags_pb2_grpc.IdTagServiceStub(admin).CreateIdTag(
            id_tags_pb2.CreateIdTagRequest(id_tag=id_tags_pb2.IdTag(id_tag="CARD-AUDIT"))
        )

    async def both() -> list[auth_pb2.AuditEntry]:
        answer = await audit_api.ListAuditEntries(
            auth_pb2.ListAuditEntriesRequest(action="IdTagService/CreateIdTag")
        )
        return list(answer.entries) if len(answer.entries) == 2 else []

    created, refused = await eventually(both)
    assert (refused.actor, refused.outcome, refused.role) == (
        "anonymous",
        "UNAUTHENTICATED",
        auth_pb2.ROLE_UNSPECIFIED,
    )
    assert (created.actor, created.outcome, created.role) == (
        "bootstrap",
        "OK",
        auth_pb2.ROLE_ADMIN,
    )
    # The id tag is the target, not the text of the IdTag message that carries it.
    assert created.target == "CARD-AUDIT"
    assert created.id > refused.id


async def test_a_real_postgresql_outage_loses_no_entry(
    postgres_url: str, postgres_server_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """With PostgreSQL refusing every connection, entries wait in the queue; once it is back they are all written."""
    name = postgres_url.rsplit("/", 1)[-1]
    chargers = await SqlChargerStore.open(postgres_url)
    store = SqlAuditStore(chargers.engine)
    admin = await asyncpg.connect(postgres_server_url)
    try:
        async with AuditLog(store, flush_interval=0.01, retry_interval=0.1) as audit:
            await admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name
            )
            for n in range(1, 6):
                audit.record(record(n))
            await asyncio.sleep(2 * UNIT)  # several attempts, each refused
            assert audit.pending == 5
            assert audit.written == 0
            assert audit.dropped == 0
            assert any("wait for the database" in r.getMessage() for r in caplog.records)

            await admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
            await eventually(lambda: _done(audit), timeout=10 * UNIT)
        assert await everything(store, AuditFilters(), 10) == [
            f"entry {n}" for n in range(5, 0, -1)
        ]
    finally:
        await admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
        await admin.close()
        await chargers.aclose()
