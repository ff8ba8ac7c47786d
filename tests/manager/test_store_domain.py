"""Contract suites of the id tag, transaction and reservation stores.

Every test runs against the SQL stores on PostgreSQL and on SQLite.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.manager.store import (
    AlreadyExists,
    ChargerStore,
    Conflict,
    IdTagStore,
    InvalidPageToken,
    MeterValueRecord,
    NotFound,
    ReservationStore,
    SqlChargerStore,
    SqlIdTagStore,
    SqlReservationStore,
    SqlTransactionStore,
    TransactionStore,
)

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    """T0 plus ``seconds``."""
    return T0 + timedelta(seconds=seconds)


@dataclass
class Stores:
    """The stores of one implementation, sharing one database."""

    chargers: ChargerStore
    id_tags: IdTagStore
    transactions: TransactionStore
    reservations: ReservationStore


@pytest.fixture
async def stores(store_url: str) -> AsyncIterator[Stores]:
    """Fresh stores with chargers CP-1 and CP-2 registered."""
    chargers = await SqlChargerStore.open(store_url)
    engine = chargers.engine
    built = Stores(
        chargers,
        SqlIdTagStore(engine),
        SqlTransactionStore(engine),
        SqlReservationStore(engine),
    )
    try:
        await built.chargers.register("CP-1", "1.6", T0)
        await built.chargers.register("CP-2", "1.6", T0)
        yield built
    finally:
        await built.chargers.aclose()


async def start(stores: Stores, **kwargs: Any) -> Any:
    """Start a transaction with defaults for what the test does not care about."""
    args: dict[str, Any] = {
        "charger_id": "CP-1",
        "connector_id": 1,
        "id_tag": "TAG-1",
        "id_tag_status": "Accepted",
        "meter_start": 1000,
        "started_at": at(0),
    }
    args.update(kwargs)
    return await stores.transactions.start(**args)


def energy(
    charger_id: str, tid: int | None, seconds: float, value: str, **kw: Any
) -> MeterValueRecord:
    """An energy register reading."""
    return MeterValueRecord(charger_id, 1, tid, at(seconds), value, **kw)


# -- id tags ---------------------------------------------------------------------------


async def test_id_tag_create_and_get(stores: Stores) -> None:
    """create stores every field and get/get_many return it; unknown tags are absent."""
    parent = await stores.id_tags.create("GROUP", at=at(0))
    tag = await stores.id_tags.create(
        "abc",
        status="Blocked",
        expiry_date=at(100),
        parent_id_tag="GROUP",
        max_active_transactions=2,
        at=at(1),
    )
    assert (parent.status, parent.parent_id_tag, parent.max_active_transactions) == (
        "Accepted",
        "",
        0,
    )
    assert tag.expiry_date == at(100)
    assert tag.parent_id_tag == "GROUP"
    assert (tag.created_at, tag.updated_at) == (at(1), at(1))
    assert await stores.id_tags.get("abc") == tag
    assert await stores.id_tags.get("ABC") is None  # case-sensitive
    assert await stores.id_tags.get_many(["abc", "GROUP", "nope"]) == {"abc": tag, "GROUP": parent}
    assert await stores.id_tags.get_many([]) == {}


async def test_id_tag_create_failures(stores: Stores) -> None:
    """create refuses a taken tag, a missing or own parent, and bad values."""
    await stores.id_tags.create("A", at=at(0))
    with pytest.raises(AlreadyExists, match="'A'"):
        await stores.id_tags.create("A", at=at(1))
    with pytest.raises(Conflict, match="'MISSING'"):
        await stores.id_tags.create("B", parent_id_tag="MISSING", at=at(1))
    with pytest.raises(Conflict):
        await stores.id_tags.create("C", parent_id_tag="C", at=at(1))
    with pytest.raises(ValueError, match="status"):
        await stores.id_tags.create("D", status="ConcurrentTx", at=at(1))
    with pytest.raises(ValueError, match="id tag"):
        await stores.id_tags.create("X" * 256, at=at(1))
    with pytest.raises(ValueError, match="id tag"):
        await stores.id_tags.create("", at=at(1))
    wide = await stores.id_tags.create("W" * 255, parent_id_tag="A", at=at(1))  # 2.1 idToken
    assert wide.id_tag == "W" * 255
    assert await stores.id_tags.get("W" * 255) == wide
    with pytest.raises(ValueError, match="naive"):
        await stores.id_tags.create("E", at=datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="max_active"):
        await stores.id_tags.create("F", max_active_transactions=-1, at=at(1))
    assert await stores.id_tags.get("B") is None


async def test_id_tag_update(stores: Stores) -> None:
    """update changes the given fields only and refuses unknown tags, parents and fields."""
    await stores.id_tags.create("P", at=at(0))
    await stores.id_tags.create("T", at=at(0))
    tag = await stores.id_tags.update("T", status="Blocked", parent_id_tag="P", at=at(5))
    assert (tag.status, tag.parent_id_tag, tag.updated_at, tag.created_at) == (
        "Blocked",
        "P",
        at(5),
        at(0),
    )
    tag = await stores.id_tags.update(
        "T", parent_id_tag="", expiry_date=at(9), max_active_transactions=1, at=at(6)
    )
    assert (tag.parent_id_tag, tag.expiry_date, tag.max_active_transactions) == ("", at(9), 1)
    assert await stores.id_tags.get("T") == tag
    with pytest.raises(NotFound, match="id tag 'NOPE' does not exist"):
        await stores.id_tags.update("NOPE", status="Blocked", at=at(7))
    with pytest.raises(Conflict):
        await stores.id_tags.update("T", parent_id_tag="MISSING", at=at(7))
    with pytest.raises(Conflict):
        await stores.id_tags.update("T", parent_id_tag="T", at=at(7))
    with pytest.raises(ValueError, match="colour"):
        await stores.id_tags.update("T", colour="red", at=at(7))
    assert await stores.id_tags.get("T") == tag


async def test_id_tag_delete(stores: Stores) -> None:
    """delete removes a tag, refuses a parent still referenced and an unknown tag."""
    await stores.id_tags.create("P", at=at(0))
    await stores.id_tags.create("C", parent_id_tag="P", at=at(0))
    with pytest.raises(Conflict, match="'P'"):
        await stores.id_tags.delete("P")
    await stores.id_tags.delete("C")
    await stores.id_tags.delete("P")
    assert await stores.id_tags.get("P") is None
    with pytest.raises(NotFound, match="id tag 'P' does not exist"):
        await stores.id_tags.delete("P")


async def test_id_tag_list_pages_and_filters(stores: Stores) -> None:
    """list pages through tags in bytewise order and filters by status and parent."""
    await stores.id_tags.create("G", at=at(0))
    names = ["a", "B", "c", "D", "e", "F"]
    for i, name in enumerate(names):
        await stores.id_tags.create(
            name,
            status="Blocked" if i % 2 else "Accepted",
            parent_id_tag="G" if i < 3 else "",
            at=at(i),
        )
    seen: list[str] = []
    token = ""
    while True:
        page, token = await stores.id_tags.list(page_size=3, page_token=token)
        seen += [t.id_tag for t in page]
        if not token:
            break
    assert seen == sorted([*names, "G"])
    blocked, token = await stores.id_tags.list(page_size=2, status="Blocked")
    assert [t.id_tag for t in blocked] == ["B", "D"]
    assert token
    rest, token = await stores.id_tags.list(page_size=2, page_token=token, status="Blocked")
    assert ([t.id_tag for t in rest], token) == (["F"], "")
    children, _ = await stores.id_tags.list(page_size=10, parent_id_tag="G")
    assert [t.id_tag for t in children] == ["B", "a", "c"]
    orphans, _ = await stores.id_tags.list(page_size=10, parent_id_tag="")
    assert [t.id_tag for t in orphans] == ["D", "F", "G", "e"]
    with pytest.raises(InvalidPageToken, match="page_token"):
        await stores.id_tags.list(page_size=2, page_token=token or "x", status="Blocked")
    _, token = await stores.id_tags.list(page_size=2, status="Blocked")
    with pytest.raises(InvalidPageToken, match="filters"):
        await stores.id_tags.list(page_size=2, page_token=token, status="Accepted")
    with pytest.raises(ValueError, match="page_size"):
        await stores.id_tags.list(page_size=0)


# -- transactions ------------------------------------------------------------------------


async def test_start_issues_ids_and_is_idempotent(stores: Stores) -> None:
    """start issues increasing ids; a retried start returns the same record, created False."""
    first, created = await start(stores)
    assert created
    assert first.active
    assert first.energy_wh == 0.0
    again, created = await start(stores)
    assert (again, created) == (first, False)
    second, created = await start(stores, connector_id=2, started_at=at(1))
    assert created
    assert second.transaction_id > first.transaction_id
    assert await stores.transactions.get(first.transaction_id) == first
    assert await stores.transactions.get(999_999) is None


async def test_concurrent_identical_starts_make_one_transaction(stores: Stores) -> None:
    """Five concurrent identical starts make one row and all get its transaction id."""
    results = await asyncio.gather(*(start(stores) for _ in range(5)))
    assert len({record.transaction_id for record, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    page, _ = await stores.transactions.list(page_size=10)
    assert len(page) == 1


async def test_start_on_unknown_charger(stores: Stores) -> None:
    """start refuses a charger that does not exist, and bad arguments."""
    with pytest.raises(NotFound, match="'CP-9'"):
        await start(stores, charger_id="CP-9")
    with pytest.raises(ValueError, match="naive"):
        await start(stores, started_at=datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="id tag"):
        await start(stores, id_tag="")


async def test_stop(stores: Stores) -> None:
    """stop records the end once; a retry returns it unchanged; foreign and unknown give None."""
    record, _ = await start(stores)
    tid = record.transaction_id
    stopped = await stores.transactions.stop(
        charger_id="CP-1",
        transaction_id=tid,
        meter_stop=3500,
        stopped_at=at(60),
        reason="Local",
        stop_id_tag="TAG-2",
    )
    assert stopped is not None
    assert (stopped.meter_stop, stopped.stopped_at, stopped.stop_reason, stopped.stop_id_tag) == (
        3500,
        at(60),
        "Local",
        "TAG-2",
    )
    assert not stopped.active
    assert stopped.energy_wh == 2500.0
    retry = await stores.transactions.stop(
        charger_id="CP-1", transaction_id=tid, meter_stop=9999, stopped_at=at(99), reason="Other"
    )
    assert retry == stopped
    assert (
        await stores.transactions.stop(
            charger_id="CP-2", transaction_id=tid, meter_stop=1, stopped_at=at(1), reason=""
        )
        is None
    )
    assert (
        await stores.transactions.stop(
            charger_id="CP-1", transaction_id=424242, meter_stop=1, stopped_at=at(1), reason=""
        )
        is None
    )
    assert await stores.transactions.get(tid) == stopped


async def test_active_on_and_active_count(stores: Stores) -> None:
    """active_on finds the running transaction of a connector; active_count counts a tag's."""
    one, _ = await start(stores, connector_id=1)
    two, _ = await start(stores, connector_id=2, started_at=at(1))
    await start(stores, charger_id="CP-2", id_tag="OTHER")
    assert await stores.transactions.active_on("CP-1", 1) == one
    assert await stores.transactions.active_on("CP-1", 3) is None
    assert await stores.transactions.active_count("TAG-1") == 2
    await stores.transactions.stop(
        charger_id="CP-1",
        transaction_id=two.transaction_id,
        meter_stop=1,
        stopped_at=at(9),
        reason="",
    )
    assert await stores.transactions.active_on("CP-1", 2) is None
    assert await stores.transactions.active_count("TAG-1") == 1
    assert await stores.transactions.active_count("NOBODY") == 0


async def test_transaction_list_pages_and_filters(stores: Stores) -> None:
    """list pages newest first (ties by id) and filters by charger, tag, time and activity."""
    ids = []
    for i in range(7):
        record, _ = await start(
            stores,
            charger_id="CP-1" if i % 2 else "CP-2",
            id_tag="EVEN" if i % 2 == 0 else "ODD",
            started_at=at(i // 2 * 10),  # pairs share a start time
            meter_start=i,
        )
        ids.append(record.transaction_id)
    await stores.transactions.stop(
        charger_id="CP-1", transaction_id=ids[1], meter_stop=5, stopped_at=at(50), reason=""
    )
    records = [await stores.transactions.get(i) for i in ids]
    expected = [
        r.transaction_id
        for r in sorted(
            (r for r in records if r is not None),
            key=lambda r: (r.started_at, r.transaction_id),
            reverse=True,
        )
    ]
    seen: list[int] = []
    token = ""
    while True:
        page, token = await stores.transactions.list(page_size=3, page_token=token)
        seen += [t.transaction_id for t in page]
        if not token:
            break
    assert seen == expected

    async def all_of(**filters: Any) -> list[int]:
        got: list[int] = []
        token = ""
        while True:
            page, token = await stores.transactions.list(page_size=2, page_token=token, **filters)
            got += [t.transaction_id for t in page]
            if not token:
                return got

    assert await all_of(charger_id="CP-1") == [i for i in expected if ids.index(i) % 2]
    assert await all_of(id_tag="EVEN") == [i for i in expected if ids.index(i) % 2 == 0]
    assert await all_of(started_after=at(10), started_before=at(30)) == [
        i for i in expected if 2 <= ids.index(i) <= 5
    ]
    assert await all_of(active=False) == [ids[1]]
    assert await all_of(active=True) == [i for i in expected if i != ids[1]]
    _, token = await stores.transactions.list(page_size=2, charger_id="CP-1")
    with pytest.raises(InvalidPageToken, match="filters"):
        await stores.transactions.list(page_size=2, page_token=token, charger_id="CP-2")
    _, _id_token = await stores.id_tags.list(page_size=1)
    with pytest.raises(InvalidPageToken):
        await stores.transactions.list(page_size=2, page_token="bm90IGpzb24")


async def test_meter_values_link_and_energy(stores: Stores) -> None:
    """Meter values link to their charger's transaction and update its energy (Wh and kWh)."""
    record, _ = await start(stores, meter_start=1000)
    tid = record.transaction_id
    await stores.transactions.add_meter_values(
        [
            energy("CP-1", tid, 0, "1000", context="Transaction.Begin"),
            energy("CP-1", tid, 20, "1500"),
            energy("CP-1", tid, 10, "1200"),  # older: does not win
            energy("CP-1", tid, 20, "230", measurand="Voltage", unit="V"),
            energy("CP-1", tid, 30, "9", phase="L1"),  # per phase: not the total
            energy("CP-2", tid, 40, "7777"),  # another charger's: unlinked
            energy("CP-1", 777777, 40, "8888"),  # unknown transaction: unlinked
            energy("CP-1", None, 40, "5"),
        ]
    )
    current = await stores.transactions.get(tid)
    assert current is not None
    assert (current.last_energy_wh, current.energy_wh) == (1500.0, 500.0)
    await stores.transactions.add_meter_values([energy("CP-1", tid, 60, "2.5", unit="kWh")])
    await stores.transactions.add_meter_values([energy("CP-1", tid, 50, "9000")])  # late, older
    current = await stores.transactions.get(tid)
    assert current is not None
    assert current.last_energy_wh == 2500.0
    assert current.energy_wh == 1500.0
    await stores.transactions.add_meter_values([])
    values, token = await stores.transactions.list_meter_values(tid, page_size=100)
    assert token == ""
    assert [(v.timestamp, v.value) for v in values] == [
        (at(0), "1000"),
        (at(10), "1200"),
        (at(20), "1500"),
        (at(20), "230"),
        (at(30), "9"),
        (at(50), "9000"),
        (at(60), "2.5"),
    ]
    assert values[3].measurand == "Voltage"
    assert values[3].unit == "V"
    assert values[4].phase == "L1"
    assert values[0].context == "Transaction.Begin"
    voltage, _ = await stores.transactions.list_meter_values(tid, page_size=5, measurand="Voltage")
    assert [v.value for v in voltage] == ["230"]
    other, _ = await stores.transactions.list_meter_values(777777, page_size=5)
    assert other == []


async def test_meter_values_after_stop_do_not_change_energy(stores: Stores) -> None:
    """Readings for a stopped transaction are stored but its energy stays meter_stop - start."""
    record, _ = await start(stores, meter_start=0)
    tid = record.transaction_id
    await stores.transactions.stop(
        charger_id="CP-1", transaction_id=tid, meter_stop=400, stopped_at=at(60), reason=""
    )
    await stores.transactions.add_meter_values(
        [energy("CP-1", tid, 60, "400", context="Transaction.End")]
    )
    current = await stores.transactions.get(tid)
    assert current is not None
    assert current.last_energy_wh is None
    assert current.energy_wh == 400.0
    values, _ = await stores.transactions.list_meter_values(tid, page_size=5)
    assert len(values) == 1
    assert values[0].transaction_id == tid


async def test_meter_value_pages(stores: Stores) -> None:
    """list_meter_values pages oldest first, ties by insertion, and checks its token."""
    record, _ = await start(stores)
    tid = record.transaction_id
    # Pairs at one time: two samples (phases) of it, which the store keeps apart.
    rows = [energy("CP-1", tid, i // 2, str(i), phase="L2" if i % 2 else "") for i in range(9)]
    await stores.transactions.add_meter_values(rows)
    seen: list[str] = []
    token = ""
    while True:
        page, token = await stores.transactions.list_meter_values(
            tid, page_size=4, page_token=token
        )
        seen += [v.value for v in page]
        if not token:
            break
    assert seen == [str(i) for i in range(9)]
    _, token = await stores.transactions.list_meter_values(tid, page_size=4)
    with pytest.raises(InvalidPageToken):
        await stores.transactions.list_meter_values(
            tid, page_size=4, page_token=token, measurand="X"
        )
    with pytest.raises(InvalidPageToken):
        await stores.transactions.list_meter_values(tid + 1, page_size=4, page_token=token)
    with pytest.raises(InvalidPageToken):
        await stores.transactions.list(page_size=4, page_token=token)


async def test_anomalies(stores: Stores) -> None:
    """record_anomaly keeps calls that fit no transaction, per charger, oldest first."""
    await stores.transactions.record_anomaly(
        charger_id="CP-1", kind="unknown-transaction-stop", transaction_id=5, payload="{}", at=at(1)
    )
    await stores.transactions.record_anomaly(
        charger_id="CP-1",
        kind="meter-values-unknown-transaction",
        transaction_id=None,
        payload='{"a":1}',
        at=at(2),
    )
    await stores.transactions.record_anomaly(
        charger_id="CP-2", kind="foreign-transaction-stop", transaction_id=1, payload="", at=at(3)
    )
    assert await stores.transactions.anomalies("CP-1") == [
        ("unknown-transaction-stop", 5, "{}", at(1)),
        ("meter-values-unknown-transaction", None, '{"a":1}', at(2)),
    ]
    assert await stores.transactions.anomalies("CP-3") == []
    with pytest.raises(ValueError, match="kind"):
        await stores.transactions.record_anomaly(
            charger_id="CP-1", kind="odd", transaction_id=None, payload="", at=at(1)
        )


# -- reservations ------------------------------------------------------------------------


async def reserve(stores: Stores, **kwargs: Any) -> Any:
    """Create a reservation with defaults."""
    args: dict[str, Any] = {
        "charger_id": "CP-1",
        "connector_id": 1,
        "id_tag": "TAG-1",
        "parent_id_tag": "",
        "expiry_date": at(600),
        "at": at(0),
    }
    args.update(kwargs)
    return await stores.reservations.create(**args)


async def test_reservation_create_and_outcome(stores: Stores) -> None:
    """create issues Pending reservations; the charger's answer sets Accepted or Rejected."""
    first = await reserve(stores, parent_id_tag="G")
    second = await reserve(stores, connector_id=2)
    assert second.reservation_id > first.reservation_id
    assert (first.state, first.charger_status, first.parent_id_tag, first.transaction_id) == (
        "Pending",
        "",
        "G",
        None,
    )
    assert await stores.reservations.get(first.reservation_id) == first
    accepted = await stores.reservations.set_outcome(first.reservation_id, "Accepted", at(1))
    assert (accepted.state, accepted.charger_status, accepted.updated_at) == (
        "Accepted",
        "Accepted",
        at(1),
    )
    rejected = await stores.reservations.set_outcome(second.reservation_id, "Occupied", at(1))
    assert (rejected.state, rejected.charger_status) == ("Rejected", "Occupied")
    with pytest.raises(NotFound, match="reservation 4242 does not exist"):
        await stores.reservations.set_outcome(4242, "Accepted", at(1))
    with pytest.raises(ValueError, match="status"):
        await stores.reservations.set_outcome(first.reservation_id, "Maybe", at(1))
    with pytest.raises(NotFound, match="'CP-9'"):
        await reserve(stores, charger_id="CP-9")
    assert await stores.reservations.get(4242) is None


async def test_reservation_cancel(stores: Stores) -> None:
    """cancel ends a live reservation, leaves a final one as it is, refuses unknown ids."""
    live = await reserve(stores)
    cancelled = await stores.reservations.cancel(live.reservation_id, at(5))
    assert (cancelled.state, cancelled.updated_at) == ("Cancelled", at(5))
    assert await stores.reservations.cancel(live.reservation_id, at(6)) == cancelled
    with pytest.raises(NotFound):
        await stores.reservations.cancel(4242, at(6))


async def test_reservation_used_by_start(stores: Stores) -> None:
    """A start naming a live reservation of its charger marks it Used with the transaction."""
    mine = await reserve(stores)
    await stores.reservations.set_outcome(mine.reservation_id, "Accepted", at(1))
    foreign = await reserve(stores, charger_id="CP-2")
    record, _ = await start(stores, reservation_id=mine.reservation_id, started_at=at(10))
    assert record.reservation_id == mine.reservation_id
    used = await stores.reservations.get(mine.reservation_id)
    assert used is not None
    assert (used.state, used.transaction_id) == ("Used", record.transaction_id)
    await start(stores, reservation_id=foreign.reservation_id, connector_id=2)
    untouched = await stores.reservations.get(foreign.reservation_id)
    assert untouched is not None
    assert untouched.state == "Pending"
    # A retried start leaves the reservation with the first transaction.
    _, created = await start(stores, reservation_id=mine.reservation_id, started_at=at(10))
    assert not created


async def test_reservation_expiry(stores: Stores) -> None:
    """expire ends live reservations whose expiry passed, and only those."""
    soon = await reserve(stores, expiry_date=at(10))
    later = await reserve(stores, expiry_date=at(100))
    done = await reserve(stores, expiry_date=at(5))
    await stores.reservations.cancel(done.reservation_id, at(1))
    assert await stores.reservations.expire(at(10)) == 1
    expired = await stores.reservations.get(soon.reservation_id)
    assert expired is not None
    assert (expired.state, expired.updated_at) == ("Expired", at(10))
    still = await stores.reservations.get(later.reservation_id)
    assert still is not None
    assert still.state == "Pending"
    cancelled = await stores.reservations.get(done.reservation_id)
    assert cancelled is not None
    assert cancelled.state == "Cancelled"
    assert await stores.reservations.expire(at(10)) == 0


async def test_reservation_list_pages_and_filters(stores: Stores) -> None:
    """list pages newest first and filters by charger and state."""
    made = [await reserve(stores, charger_id="CP-1" if i % 2 else "CP-2") for i in range(5)]
    await stores.reservations.cancel(made[0].reservation_id, at(1))
    seen: list[int] = []
    token = ""
    while True:
        page, token = await stores.reservations.list(page_size=2, page_token=token)
        seen += [r.reservation_id for r in page]
        if not token:
            break
    assert seen == [r.reservation_id for r in reversed(made)]
    cp1, token = await stores.reservations.list(page_size=5, charger_id="CP-1")
    assert ([r.reservation_id for r in cp1], token) == (
        [made[3].reservation_id, made[1].reservation_id],
        "",
    )
    cancelled, _ = await stores.reservations.list(page_size=5, state="Cancelled")
    assert [r.reservation_id for r in cancelled] == [made[0].reservation_id]
    _, token = await stores.reservations.list(page_size=1, state="Pending")
    with pytest.raises(InvalidPageToken):
        await stores.reservations.list(page_size=1, page_token=token)
    with pytest.raises(ValueError, match="state"):
        await stores.reservations.list(page_size=1, state="Odd")
