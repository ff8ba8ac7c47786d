"""Contract of the stores' idempotency and consistency rules added for issue 10: every
test runs against the SQL stores on PostgreSQL and on SQLite.

- a meter value is stored once per (charger, connector, transaction, timestamp, measurand,
  phase, context, location), whichever copy of a retried call arrives first;
- a repeated StopTransaction says it stopped nothing;
- an id tag's parent chain never loops;
- migration 0009 keeps one row of meter values stored twice before it.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from alembic import command
from sqlalchemy import text

from services.manager.store import Conflict, NotFound, create_engine, migrate
from services.manager.store._engine import alembic_config
from tests.manager import test_store_domain as domain
from tests.manager.test_store_domain import Stores, at, energy, start

#: The contract suite's stores (on tests/manager/conftest.py's ``store_url``).
stores = domain.stores


async def test_the_same_meter_value_is_stored_once(stores: Stores) -> None:
    """Meter values sent again (a retry, the same rows in the same or a later call) add no
    row; a value differing in phase, context or location is another value."""
    record, _ = await start(stores, meter_start=1000)
    tid = record.transaction_id
    rows = [
        energy("CP-1", tid, 10, "1200"),
        energy("CP-1", tid, 10, "9", phase="L1"),
        energy("CP-1", tid, 10, "1200", context="Sample.Clock"),
        energy("CP-1", tid, 10, "1201", location="EV"),
        energy("CP-1", None, 10, "5"),
        energy("CP-1", 777777, 11, "6"),  # unknown: stored unlinked
    ]
    first = await stores.transactions.add_meter_values(rows)
    assert first == {777777}
    again = await stores.transactions.add_meter_values(rows)
    assert again == set(), "a retry stores nothing and names no unknown transaction again"
    await stores.transactions.add_meter_values(rows[:1] + rows[:1])
    values, _ = await stores.transactions.list_meter_values(tid, page_size=100)
    assert sorted((v.value, v.phase, v.context, v.location) for v in values) == [
        ("1200", "", "Sample.Clock", "Outlet"),
        ("1200", "", "Sample.Periodic", "Outlet"),
        ("1201", "", "Sample.Periodic", "EV"),
        ("9", "L1", "Sample.Periodic", "Outlet"),
    ]


async def test_concurrent_copies_store_one_row_and_one_update(stores: Stores) -> None:
    """Copies of one call handled at once (a stalled original and the charger's retry)
    store each value once, and only one of them is told it stored anything."""
    record, _ = await start(stores, meter_start=1000)
    tid = record.transaction_id
    rows = [energy("CP-1", tid, s, str(1000 + s)) for s in range(1, 49)]
    outcomes = await asyncio.gather(
        *(stores.transactions.add_meter_values_outcome(rows) for _ in range(4))
    )
    assert sorted(o.stored for o in outcomes) == [0, 0, 0, 48]
    assert sorted(len(o.updated) for o in outcomes) == [0, 0, 0, 1]
    values, _ = await stores.transactions.list_meter_values(tid, page_size=100)
    assert len(values) == 48


async def test_a_repeated_stop_stops_nothing(stores: Stores) -> None:
    """stop_outcome tells the Stop that ended the transaction from its retries."""
    record, _ = await start(stores)
    args = {
        "charger_id": "CP-1",
        "transaction_id": record.transaction_id,
        "meter_stop": 2000,
        "stopped_at": at(60),
        "reason": "Local",
    }
    first = await stores.transactions.stop_outcome(**args)
    again = await stores.transactions.stop_outcome(**args)
    assert (first.stopped, again.stopped) == (True, False)
    assert first.transaction == again.transaction


async def test_parent_cycles_of_any_length_are_refused(stores: Stores) -> None:
    """Making a tag the parent of one of its ancestors is a Conflict naming the loop, and
    changes nothing."""
    await stores.id_tags.create("A", at=at(0))
    await stores.id_tags.create("B", parent_id_tag="A", at=at(0))
    await stores.id_tags.create("C", parent_id_tag="B", at=at(0))
    with pytest.raises(Conflict, match="A -> C -> B -> A"):
        await stores.id_tags.update("A", parent_id_tag="C", at=at(1))
    with pytest.raises(Conflict, match="A -> B -> A"):
        await stores.id_tags.update("A", parent_id_tag="B", at=at(1))
    tag = await stores.id_tags.get("A")
    assert tag is not None
    assert tag.parent_id_tag == ""
    await stores.id_tags.update("C", parent_id_tag="A", at=at(2))  # no loop: fine


@pytest.fixture(params=["postgres", "sqlite"])
def sql_url(request: pytest.FixtureRequest) -> str:
    """A fresh, empty database URL for each SQL implementation (the test migrates it)."""
    url: str = request.getfixturevalue(f"empty_{request.param}_url")
    return url


async def test_migration_0009_keeps_one_row_of_stored_duplicates(sql_url: str) -> None:
    """Upgrading a database that holds duplicated meter values (from before the unique
    index) keeps the oldest row of each sample and every distinct one; it downgrades and
    upgrades again."""
    engine = create_engine(sql_url)
    try:
        await migrate(engine, "0008")
        async with engine.begin() as conn:
            await conn.execute(
                text("INSERT INTO chargers (id, ocpp_version) VALUES ('CP-1', '1.6')")
            )
            for value, phase in (("1", ""), ("2", ""), ("3", "L1"), ("4", "")):
                await conn.execute(
                    text(
                        "INSERT INTO meter_values (charger_id, connector_id, timestamp, value,"
                        " phase) VALUES ('CP-1', 1, :at, :value, :phase)"
                    ),
                    {"at": at(0).replace(tzinfo=None), "value": value, "phase": phase},
                )
            await conn.execute(
                text(
                    "INSERT INTO transactions (id, charger_id, connector_id, id_tag,"
                    " id_tag_status, meter_start, started_at, start_key)"
                    " VALUES (7, 'CP-1', 1, '', '', 0, :at, 'k')"
                ),
                {"at": at(0).replace(tzinfo=None)},
            )
            await conn.execute(
                text(
                    "INSERT INTO transaction_events (transaction_id, seq_no, event_type,"
                    " trigger_reason, offline, timestamp) VALUES (7, 0, 'Started', 'x', false, :at)"
                ),
                {"at": at(0).replace(tzinfo=None)},
            )
        await migrate(engine)
        async with engine.connect() as conn:
            kept = (await conn.execute(text("SELECT value FROM meter_values ORDER BY id"))).all()
            events = (
                await conn.execute(text("SELECT seq_no, digest FROM transaction_events"))
            ).all()
        assert [row[0] for row in kept] == ["1", "3"]
        assert [tuple(row) for row in events] == [(0, "")], "events stored before are kept"
        async with engine.begin() as conn:
            await conn.run_sync(lambda sync: command.downgrade(alembic_config(sync), "0008"))
        await migrate(engine)
    finally:
        await engine.dispose()


async def test_concurrent_session_calls_each_get_their_own_answer(stores: Stores) -> None:
    """Starts, active-transaction reads, stops and tag reads made at once (under load
    they share one statement or one database transaction) each get the answer they would
    alone: twins of one start make one row and one of them is told it created it, a start
    for an unknown charger fails only itself, a retried stop stops nothing."""
    await stores.id_tags.create("TAG-1", at=at(0))
    results: tuple[Any, ...] = await asyncio.gather(
        start(stores),
        start(stores),  # a twin of the first (a retry handled at the same time)
        start(stores, charger_id="CP-2", connector_id=2, meter_start=5),
        start(stores, charger_id="CP-404"),
        stores.id_tags.get("TAG-1"),
        stores.id_tags.get("NOPE"),
        return_exceptions=True,
    )
    (one, created_one), (twin, created_twin), (other, created_other) = results[:3]
    assert isinstance(results[3], NotFound)
    assert "CP-404" in str(results[3])
    assert results[4].id_tag == "TAG-1"
    assert results[5] is None
    assert one.transaction_id == twin.transaction_id != other.transaction_id
    assert sorted([created_one, created_twin]) == [False, True]
    assert created_other
    active = await asyncio.gather(
        stores.transactions.active_on("CP-1", 1),
        stores.transactions.active_on("CP-2", 2),
        stores.transactions.active_on("CP-2", 1),
    )
    assert [a.transaction_id if a else None for a in active] == [
        one.transaction_id,
        other.transaction_id,
        None,
    ]

    def stop(charger_id: str, tid: int) -> Any:
        return stores.transactions.stop_outcome(
            charger_id=charger_id,
            transaction_id=tid,
            meter_stop=2000,
            stopped_at=at(60),
            reason="Local",
        )

    stops = await asyncio.gather(
        stop("CP-1", one.transaction_id),
        stop("CP-1", one.transaction_id),  # a retry handled at the same time
        stop("CP-1", other.transaction_id),  # another charger's: unknown to CP-1
    )
    assert sorted(s.stopped for s in stops[:2]) == [False, True]
    assert all(s.transaction and s.transaction.meter_stop == 2000 for s in stops[:2])
    assert stops[2].transaction is None
    assert not stops[2].stopped
    assert await stores.transactions.active_on("CP-1", 1) is None
