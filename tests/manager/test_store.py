"""The charger store: migrations, the ChargerStore contract, and write-behind.

Contract tests run against PostgreSQL and SQLite (migrated once per session,
``conftest.py``); tests of the SQL store itself (migrations, flushing, outages) run against PostgreSQL and SQLite.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.engine.interfaces import ReflectedIndex
from sqlalchemy.ext.asyncio import create_async_engine

from services.manager.store import (
    BootInfo,
    ChargerStore,
    InvalidPageToken,
    SqlChargerStore,
    StoreUnavailable,
    create_engine,
    migrate,
)
from services.manager.store._buffer import PendingStatus, WriteBuffer
from services.manager.store._engine import alembic_config
from services.manager.store._schema import metadata

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
#: Flush interval long enough that only explicit flushes (or max_buffered) write.
NEVER = 3600.0
#: Longest a test waits for the background flusher.
WAIT = 5.0

BOOT = BootInfo(
    vendor="Acme",
    model="Wallbox 22",
    serial_number="SN-1",
    firmware_version="1.2.3",
    ocpp_version="1.6",
)


def at(seconds: float) -> datetime:
    """T0 plus ``seconds``."""
    return T0 + timedelta(seconds=seconds)


@pytest.fixture(params=["postgres", "sqlite"])
def db_url(request: pytest.FixtureRequest) -> str:
    """A fresh, empty database: PostgreSQL (asyncpg) or SQLite (aiosqlite)."""
    url: str = request.getfixturevalue(f"empty_{request.param}_url")
    return url


@pytest.fixture
async def sql_store(db_url: str) -> AsyncIterator[SqlChargerStore]:
    """A SQL store that only writes behind when told to flush."""
    store = await SqlChargerStore.open(db_url, flush_interval=NEVER)
    try:
        yield store
    finally:
        await store.aclose()


@pytest.fixture
async def store(store_url: str) -> AsyncIterator[ChargerStore]:
    """The ChargerStore on a migrated, empty database."""
    implementation = await SqlChargerStore.open(store_url, flush_interval=NEVER)
    try:
        yield implementation
    finally:
        await implementation.aclose()


async def raw_rows(url: str, sql: str) -> list[tuple[Any, ...]]:
    """Rows read through a connection of a separate engine, bypassing the store."""
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return [tuple(row) for row in await conn.execute(text(sql))]
    finally:
        await engine.dispose()


async def wait_for_rows(url: str, sql: str, count: int) -> list[tuple[Any, ...]]:
    """Poll ``sql`` through a separate engine until it returns ``count`` rows."""
    async with asyncio.timeout(WAIT):
        # Polling another connection: there is no event to wait on.
        while len(rows := await raw_rows(url, sql)) != count:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
    return rows


@asynccontextmanager
async def database_down(url: str, postgres_server_url: str) -> AsyncIterator[None]:
    """Make the database refuse work: PostgreSQL refuses connections, SQLite stays locked."""
    sa_url = make_url(url)
    if sa_url.get_backend_name() == "sqlite":
        assert sa_url.database is not None
        locker = sqlite3.connect(sa_url.database, isolation_level=None)
        locker.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            locker.execute("ROLLBACK")
            locker.close()
        return
    name = sa_url.database
    admin_url = postgres_server_url.replace("postgresql://", "postgresql+asyncpg://", 1)
    admin = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            await conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            )
            try:
                yield
            finally:
                await conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
    finally:
        await admin.dispose()


# -- migrations ------------------------------------------------------------------------


async def test_migrations_create_the_tables_and_rerun_as_a_no_op(db_url: str) -> None:
    """Migrating creates chargers and connectors at head, and migrating again changes nothing."""
    engine = create_engine(db_url)
    try:
        await migrate(engine)

        def tables(conn: Connection) -> tuple[set[str], list[ReflectedIndex]]:
            inspector = inspect(conn)
            return set(inspector.get_table_names()), inspector.get_indexes("connectors")

        async with engine.connect() as conn:
            names, indexes = await conn.run_sync(tables)
            version = (await conn.execute(text("SELECT version_num FROM alembic_version"))).all()
        assert {"chargers", "connectors", "alembic_version"} <= names
        assert [ix["column_names"] for ix in indexes] == [["status", "charger_id"]]
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        assert version == [(head,)]

        await migrate(engine)
        async with engine.connect() as conn:
            again = (await conn.execute(text("SELECT version_num FROM alembic_version"))).all()
        assert again == [(head,)]
    finally:
        await engine.dispose()


async def test_migrations_match_the_models(db_url: str) -> None:
    """After migrating, Alembic finds no difference between the database and the models."""
    engine = create_engine(db_url)
    try:
        await migrate(engine)

        def diff(conn: Connection) -> list[Any]:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return list(compare_metadata(context, metadata))

        async with engine.connect() as conn:
            assert await conn.run_sync(diff) == []
    finally:
        await engine.dispose()


async def test_migration_0010_widens_limit_sources_and_keeps_their_rows(db_url: str) -> None:
    """Revision 0010 keeps the limits and reported profiles stored before it, takes a
    20-character (OCPP 2.1) source after it, and downgrades once no wider source is left."""
    engine = create_engine(db_url)
    wide = "LocalEnergyMgmt-2026"
    try:
        await migrate(engine, "0009")
        async with engine.begin() as conn:
            await conn.execute(
                text("INSERT INTO chargers (id, ocpp_version) VALUES ('CS-1', '2.1')")
            )
            await conn.execute(
                text(
                    "INSERT INTO charging_limits (charger_id, evse_id, source, schedules,"
                    " updated_at) VALUES ('CS-1', 0, 'EMS', '[]', :at)"
                ),
                {"at": T0.replace(tzinfo=None)},
            )
            await conn.execute(
                text(
                    "INSERT INTO charging_profile_reports (charger_id, request_id, status,"
                    " complete, created_at, updated_at) VALUES ('CS-1', 7, '', true, :at, :at)"
                ),
                {"at": T0.replace(tzinfo=None)},
            )
            await conn.execute(
                text(
                    "INSERT INTO reported_profiles (charger_id, request_id, evse_id, source,"
                    " charging_profile_id, profile, received_at)"
                    " VALUES ('CS-1', 7, 0, 'CSO', 5, '{}', :at)"
                ),
                {"at": T0.replace(tzinfo=None)},
            )
        await migrate(engine)
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO charging_limits (charger_id, evse_id, source, schedules,"
                    " updated_at) VALUES ('CS-1', 1, :source, '[]', :at)"
                ),
                {"source": wide, "at": T0.replace(tzinfo=None)},
            )
            await conn.execute(
                text(
                    "INSERT INTO reported_profiles (charger_id, request_id, evse_id, source,"
                    " charging_profile_id, profile, received_at)"
                    " VALUES ('CS-1', 7, 0, :source, 6, '{}', :at)"
                ),
                {"source": wide, "at": T0.replace(tzinfo=None)},
            )
        async with engine.connect() as conn:
            limits = (
                await conn.execute(text("SELECT source FROM charging_limits ORDER BY evse_id"))
            ).all()
            profiles = (
                await conn.execute(
                    text("SELECT source FROM reported_profiles ORDER BY charging_profile_id")
                )
            ).all()
        assert [row[0] for row in limits] == ["EMS", wide]
        assert [row[0] for row in profiles] == ["CSO", wide]
        async with engine.begin() as conn:
            await conn.execute(text("DELETE FROM charging_limits WHERE evse_id = 1"))
            await conn.execute(text("DELETE FROM reported_profiles WHERE charging_profile_id = 6"))
            await conn.run_sync(lambda sync: command.downgrade(alembic_config(sync), "0009"))
        async with engine.connect() as conn:
            kept = (await conn.execute(text("SELECT source FROM reported_profiles"))).all()
        assert [row[0] for row in kept] == ["CSO"]
        await migrate(engine)
    finally:
        await engine.dispose()


# -- the ChargerStore contract ---------------------------------------------------------


async def test_register_creates_a_charger_once(store: ChargerStore) -> None:
    """register creates an unknown charger and leaves a known one as it is."""
    assert not await store.is_known("CP-1")
    await store.register("CP-1", "2.0.1", at(0))
    await store.register("CP-1", "1.6", at(5))
    assert await store.is_known("CP-1")
    record = await store.get("CP-1")
    assert record is not None
    assert (record.charger_id, record.ocpp_version, record.registered_at) == (
        "CP-1",
        "2.0.1",
        at(0),
    )
    assert (record.boot_status, record.last_boot_at, record.last_seen_at) == ("", None, None)
    assert record.connectors == ()
    assert await store.get("CP-2") is None


async def test_record_boot_upserts_identity_and_times(store: ChargerStore) -> None:
    """record_boot creates the charger if needed and records identity, status and times in UTC."""
    await store.record_boot("CP-1", BOOT, "Pending", at(0))
    later_boot = BootInfo("Acme", "Wallbox 22", "SN-1", "1.3.0", "2.0.1")
    plus_two = timezone(timedelta(hours=2))
    await store.record_boot("CP-1", later_boot, "Accepted", at(60).astimezone(plus_two))
    record = await store.get("CP-1")
    assert record is not None
    assert (record.vendor, record.model, record.serial_number) == ("Acme", "Wallbox 22", "SN-1")
    assert (record.firmware_version, record.ocpp_version) == ("1.3.0", "2.0.1")
    assert record.boot_status == "Accepted"
    assert record.registered_at == at(0)
    assert record.last_boot_at == at(60)
    assert record.last_seen_at == at(60)
    assert record.last_seen_at is not None
    assert record.last_seen_at.utcoffset() == timedelta(0)


async def test_connectors_come_back_ordered(store: ChargerStore) -> None:
    """get returns the connectors ordered by (evse, connector)."""
    await store.register("CP-1", "2.0.1", at(0))
    for evse, connector in [(2, 1), (0, 0), (1, 2), (1, 1)]:
        store.set_connector_status("CP-1", evse, connector, "Available", "NoError", "", "", at(1))
    record = await store.get("CP-1")
    assert record is not None
    keys = [(c.evse_id, c.connector_id) for c in record.connectors]
    assert keys == [(0, 0), (1, 1), (1, 2), (2, 1)]


async def test_later_value_wins(store: ChargerStore) -> None:
    """For the same key the value with the later timestamp wins, whatever the call order."""
    await store.register("CP-1", "1.6", at(0))
    store.set_connector_status("CP-1", 1, 1, "Charging", "NoError", "", "", at(10))
    store.set_connector_status("CP-1", 1, 1, "Available", "NoError", "", "", at(5))
    store.touch("CP-1", at(20))
    store.touch("CP-1", at(15))
    await store.flush()
    store.set_connector_status("CP-1", 1, 1, "Faulted", "OtherError", "x", "E1", at(7))
    store.touch("CP-1", at(16))
    record = await store.get("CP-1")
    assert record is not None
    assert [(c.status, c.updated_at) for c in record.connectors] == [("Charging", at(10))]
    assert record.last_seen_at == at(20)


async def test_writes_for_unknown_chargers_are_ignored(store: ChargerStore) -> None:
    """Status and touches of an unknown charger are dropped without failing the others."""
    await store.register("CP-1", "1.6", at(0))
    store.set_connector_status("GHOST", 1, 1, "Available", "NoError", "", "", at(1))
    store.set_connector_status("CP-1", 1, 1, "Available", "NoError", "", "", at(1))
    store.touch("GHOST", at(2))
    store.touch("CP-1", at(2))
    await store.flush()
    assert not await store.is_known("GHOST")
    record = await store.get("CP-1")
    assert record is not None
    assert [c.status for c in record.connectors] == ["Available"]
    assert record.last_seen_at == at(2)


async def test_naive_timestamps_are_refused(store: ChargerStore) -> None:
    """A naive datetime is a caller bug and raises ValueError at once."""
    with pytest.raises(ValueError, match="naive"):
        store.touch("CP-1", datetime(2026, 1, 1))


async def test_list_pages_with_tokens(store: ChargerStore) -> None:
    """list walks all chargers in id order, page by page, ending with an empty token."""
    ids = [f"CP-{n:03d}" for n in range(7)]
    for charger_id in reversed(ids):
        await store.register(charger_id, "1.6", at(0))
    seen: list[str] = []
    token = ""
    pages = 0
    while True:
        page, token = await store.list(page_size=3, page_token=token)
        seen += [record.charger_id for record in page]
        pages += 1
        if not token:
            break
    assert seen == ids
    assert pages == 3


async def test_list_filters_by_connector_status(store: ChargerStore) -> None:
    """The status filter keeps chargers with a connector in that status, with all connectors."""
    for n in range(5):
        await store.register(f"CP-{n}", "1.6", at(0))
        store.set_connector_status(f"CP-{n}", 1, 1, "Available", "NoError", "", "", at(1))
    store.set_connector_status("CP-1", 2, 1, "Faulted", "GroundFailure", "", "", at(1))
    store.set_connector_status("CP-3", 1, 1, "Faulted", "OtherError", "", "", at(2))
    page, token = await store.list(page_size=1, status="Faulted")
    assert [r.charger_id for r in page] == ["CP-1"]
    assert [c.status for c in page[0].connectors] == ["Available", "Faulted"]
    page, token = await store.list(page_size=1, page_token=token, status="Faulted")
    assert [r.charger_id for r in page] == ["CP-3"]
    assert token == ""


async def test_list_only_and_exclude_ids(store: ChargerStore) -> None:
    """only_ids and exclude_ids restrict by id, even with thousands of ids."""
    for n in range(6):
        await store.register(f"CP-{n}", "1.6", at(0))
    many = [f"OTHER-{n}" for n in range(5000)]
    page, _ = await store.list(page_size=10, only_ids=[*many, "CP-4", "CP-1"])
    assert [r.charger_id for r in page] == ["CP-1", "CP-4"]
    page, _ = await store.list(page_size=10, exclude_ids={*many, "CP-0", "CP-5"})
    assert [r.charger_id for r in page] == ["CP-1", "CP-2", "CP-3", "CP-4"]
    page, token = await store.list(page_size=10, only_ids=[])
    assert (page, token) == ([], "")


@pytest.mark.parametrize("token", ["garbage!", "eyJ2IjogOX0", "bm90IGpzb24"])
async def test_bad_page_token_is_refused(store: ChargerStore, token: str) -> None:
    """A page token no list call issued raises InvalidPageToken naming page_token."""
    with pytest.raises(InvalidPageToken, match="page_token"):
        await store.list(page_size=10, page_token=token)


async def test_page_token_is_tied_to_the_status_filter(store: ChargerStore) -> None:
    """A token used with another status filter raises InvalidPageToken."""
    for n in range(3):
        await store.register(f"CP-{n}", "1.6", at(0))
    _, token = await store.list(page_size=1)
    with pytest.raises(InvalidPageToken, match="status filter"):
        await store.list(page_size=1, page_token=token, status="Available")


# -- write-behind ----------------------------------------------------------------------


async def test_writes_behind_are_invisible_until_flushed(
    sql_store: SqlChargerStore, db_url: str
) -> None:
    """touch and set_connector_status reach the database only when flushed."""
    await sql_store.register("CP-1", "1.6", at(0))
    sql_store.touch("CP-1", at(30))
    sql_store.set_connector_status("CP-1", 1, 1, "Preparing", "NoError", "", "", at(30))
    assert await raw_rows(db_url, "SELECT last_seen_at FROM chargers") == [(None,)]
    assert await raw_rows(db_url, "SELECT status FROM connectors") == []
    assert sql_store.pending == 2

    await sql_store.flush()
    assert sql_store.pending == 0
    assert len(await raw_rows(db_url, "SELECT 1 FROM chargers WHERE last_seen_at IS NOT NULL")) == 1
    assert await raw_rows(db_url, "SELECT status FROM connectors") == [("Preparing",)]


async def test_a_thousand_updates_cost_one_transaction(sql_store: SqlChargerStore) -> None:
    """1,000 status updates and 100 heartbeats are flushed in one transaction of a few statements."""
    for n in range(100):
        await sql_store.register(f"CP-{n:03d}", "1.6", at(0))
    for n in range(1000):
        charger, connector = divmod(n, 10)
        sql_store.set_connector_status(
            f"CP-{charger:03d}", connector, 1, "Occupied", "NoError", "", "", at(1)
        )
    for n in range(100):
        sql_store.touch(f"CP-{n:03d}", at(2))

    statements: list[str] = []
    commits: list[object] = []

    def on_execute(*args: Any) -> None:
        statements.append(args[2])

    def on_commit(connection: object) -> None:
        commits.append(connection)

    sync_engine = sql_store.engine.sync_engine
    event.listen(sync_engine, "before_cursor_execute", on_execute)
    event.listen(sync_engine, "commit", on_commit)
    try:
        await sql_store.flush()
    finally:
        event.remove(sync_engine, "before_cursor_execute", on_execute)
        event.remove(sync_engine, "commit", on_commit)
    assert len(commits) == 1
    assert len(statements) <= 5, statements
    page, _ = await sql_store.list(page_size=1000, status="Occupied")
    assert len(page) == 100
    assert all(len(record.connectors) == 10 for record in page)


async def test_max_buffered_wakes_the_flusher(db_url: str) -> None:
    """Reaching max_buffered pending keys flushes at once, without waiting for the interval."""
    store = await SqlChargerStore.open(db_url, flush_interval=NEVER, max_buffered=10)
    try:
        await store.register("CP-1", "1.6", at(0))
        for n in range(9):
            store.set_connector_status("CP-1", n, 1, "Available", "NoError", "", "", at(1))
        await asyncio.sleep(0.2)
        assert await raw_rows(db_url, "SELECT 1 FROM connectors") == []
        store.set_connector_status("CP-1", 9, 1, "Available", "NoError", "", "", at(1))
        await wait_for_rows(db_url, "SELECT 1 FROM connectors", 10)
    finally:
        await store.aclose()


async def test_the_flusher_writes_every_interval(db_url: str) -> None:
    """Buffered values are written by the background flusher within flush_interval."""
    store = await SqlChargerStore.open(db_url, flush_interval=0.05)
    try:
        await store.register("CP-1", "1.6", at(0))
        store.set_connector_status("CP-1", 1, 1, "Available", "NoError", "", "", at(1))
        await wait_for_rows(db_url, "SELECT 1 FROM connectors", 1)
    finally:
        await store.aclose()


async def test_aclose_flushes_everything(db_url: str) -> None:
    """Nothing written before aclose is lost, and aclose can be called again."""
    store = await SqlChargerStore.open(db_url, flush_interval=NEVER)
    await store.register("CP-1", "1.6", at(0))
    for n in range(50):
        store.set_connector_status("CP-1", n, 1, "Unavailable", "NoError", "", "", at(n))
    store.touch("CP-1", at(99))
    await store.aclose()
    await store.aclose()
    assert len(await raw_rows(db_url, "SELECT 1 FROM connectors")) == 50
    assert len(await raw_rows(db_url, "SELECT 1 FROM chargers WHERE last_seen_at IS NOT NULL")) == 1
    with pytest.raises(RuntimeError, match="closed"):
        store.touch("CP-1", at(100))


async def test_a_failed_flush_keeps_the_values(db_url: str, postgres_server_url: str) -> None:
    """A flush while the database is unavailable raises StoreUnavailable, keeps the values, and a later flush writes them."""
    store = await SqlChargerStore.open(db_url, flush_interval=NEVER, busy_timeout=0.1)
    try:
        await store.register("CP-1", "1.6", at(0))
        await store.flush()  # let the pool hold a connection that the outage kills
        store.set_connector_status("CP-1", 1, 1, "Charging", "NoError", "", "", at(1))
        store.touch("CP-1", at(1))
        async with database_down(db_url, postgres_server_url):
            with pytest.raises(StoreUnavailable, match="flushing 2 buffered writes"):
                await store.flush()
            store.set_connector_status("CP-1", 1, 1, "Finishing", "NoError", "", "", at(2))
            store.set_connector_status("CP-1", 2, 1, "Available", "NoError", "", "", at(2))
            assert store.pending == 3
        await store.flush()
        assert store.pending == 0
        rows = await raw_rows(db_url, "SELECT evse_id, status FROM connectors ORDER BY evse_id")
        assert rows == [(1, "Finishing"), (2, "Available")]
    finally:
        await store.aclose()


# -- the buffer on its own -------------------------------------------------------------


def status(name: str, seconds: float) -> PendingStatus:
    """A pending status at T0 + seconds."""
    return PendingStatus(name, "NoError", "", "", at(seconds))


def test_buffer_drops_the_oldest_writes_beyond_its_limit() -> None:
    """Beyond its limit the buffer drops the oldest written keys and counts them."""
    buffer = WriteBuffer(limit=3)
    buffer.touch("CP-1", at(1))
    buffer.set_status(("CP-1", 1, 1), status("Available", 2))
    buffer.touch("CP-2", at(3))
    buffer.touch("CP-1", at(4))  # rewritten: now the newest
    buffer.touch("CP-3", at(5))
    assert buffer.dropped == 1
    taken = buffer.take()
    assert list(taken.seen) == ["CP-2", "CP-1", "CP-3"]
    assert taken.statuses == {}
    assert len(buffer) == 0


def test_buffer_restore_keeps_the_newer_value() -> None:
    """Restoring a failed flush keeps, per key, the newer of the restored and the current value."""
    buffer = WriteBuffer(limit=10)
    buffer.touch("CP-1", at(1))
    buffer.touch("CP-2", at(1))
    buffer.set_status(("CP-1", 1, 1), status("Charging", 1))
    taken = buffer.take()
    buffer.touch("CP-1", at(5))
    buffer.set_status(("CP-1", 1, 1), status("Finishing", 0))
    buffer.restore(taken)
    pending = buffer.take()
    assert pending.seen == {"CP-1": at(5), "CP-2": at(1)}
    assert pending.statuses == {("CP-1", 1, 1): status("Charging", 1)}
