"""The read and manage APIs (transactions, id tags, reservations, locations) over real gRPC:
a running manager on PostgreSQL, called through grpc.aio stubs; data made through the
stores, the API itself, and a 1.6 charger's real traffic through a node."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import pytest
from csms.v1 import (
    id_tags_pb2,
    id_tags_pb2_grpc,
    locations_pb2,
    locations_pb2_grpc,
    reservations_pb2,
    reservations_pb2_grpc,
    transactions_pb2,
    transactions_pb2_grpc,
)
from google.protobuf.field_mask_pb2 import FieldMask
from google.protobuf.timestamp_pb2 import Timestamp
from ocpp.v16 import call

from services.manager import Manager
from services.manager.store import MeterValueRecord, TransactionRecord
from services.registry import MemoryRegistry
from tests.harness import UNIT, Charger16, api_channel, charger_url, connected, running_node

T0 = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
INVALID = grpc.StatusCode.INVALID_ARGUMENT
NOT_FOUND = grpc.StatusCode.NOT_FOUND


@dataclass
class Api:
    transactions: transactions_pb2_grpc.TransactionServiceAsyncStub
    id_tags: id_tags_pb2_grpc.IdTagServiceAsyncStub
    reservations: reservations_pb2_grpc.ReservationServiceAsyncStub
    locations: locations_pb2_grpc.LocationServiceAsyncStub


@pytest.fixture
async def registry() -> AsyncIterator[MemoryRegistry]:
    registry = MemoryRegistry(lease_seconds=2 * UNIT)
    try:
        yield registry
    finally:
        await registry.aclose()


@pytest.fixture
async def api(manager: Manager) -> AsyncIterator[Api]:
    async with api_channel(f"127.0.0.1:{manager.port}") as channel:
        yield Api(
            transactions_pb2_grpc.TransactionServiceStub(channel),
            id_tags_pb2_grpc.IdTagServiceStub(channel),
            reservations_pb2_grpc.ReservationServiceStub(channel),
            locations_pb2_grpc.LocationServiceStub(channel),
        )


async def fails(rpc: Awaitable[Any], code: grpc.StatusCode, details_start: str) -> str:
    """Await ``rpc``, expect ``code`` with details starting with ``details_start``."""
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await rpc
    details = info.value.details() or ""
    assert info.value.code() == code, details
    assert details.startswith(details_start), details
    return details


def ts(at: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(at)
    return stamp


def iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


async def register(manager: Manager, *charger_ids: str) -> None:
    for charger_id in charger_ids:
        await manager.stores.chargers.register(charger_id, "1.6", T0)


async def start(
    manager: Manager, charger_id: str, minute: int, id_tag: str = "TAG-A", connector: int = 1
) -> TransactionRecord:
    record, created = await manager.stores.transactions.start(
        charger_id=charger_id,
        connector_id=connector,
        id_tag=id_tag,
        id_tag_status="Accepted",
        meter_start=100 * minute,
        started_at=T0 + timedelta(minutes=minute),
    )
    assert created
    return record


# --- transactions --------------------------------------------------------------------------


async def test_full_16_session_is_read_back_with_energy_and_meter_values(
    registry: MemoryRegistry, manager: Manager, api: Api
) -> None:
    """A 1.6 session driven over a real node reads back through TransactionService, live and stopped."""
    await api.id_tags.CreateIdTag(
        id_tags_pb2.CreateIdTagRequest(id_tag=id_tags_pb2.IdTag(id_tag="TAG-OK"))
    )
    async with (
        running_node(registry, manager.port, "node-1") as node,
        connected(Charger16, charger_url(node, "CP-1"), "CP-1") as cp,
    ):
        assert (await cp.boot()).status == "Accepted"
        await cp.status(1, "Preparing")
        assert (await cp.call(call.Authorize(id_tag="TAG-OK"))).id_tag_info["status"] == "Accepted"
        started = await cp.call(
            call.StartTransaction(
                connector_id=1, id_tag="TAG-OK", meter_start=1000, timestamp=iso(T0)
            )
        )
        tx_id = started.transaction_id
        for minute, wh in ((1, 1500), (2, 2100), (3, 2750)):
            at = iso(T0 + timedelta(minutes=minute))
            samples = [
                {"value": str(wh), "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
                {"value": "16.0", "measurand": "Current.Import", "phase": "L1", "unit": "A"},
            ]
            await cp.call(
                call.MeterValues(
                    connector_id=1,
                    transaction_id=tx_id,
                    meter_value=[{"timestamp": at, "sampled_value": samples}],
                )
            )

        live = await api.transactions.GetTransaction(
            transactions_pb2.GetTransactionRequest(transaction_id=tx_id)
        )
        assert live.active
        assert live.energy_wh == 1750.0
        assert not live.HasField("stopped_at")
        assert not live.HasField("meter_stop_wh")
        assert live.stop_reason == ""

        await cp.call(
            call.StopTransaction(
                meter_stop=3000,
                timestamp=iso(T0 + timedelta(minutes=4)),
                transaction_id=tx_id,
                reason="EVDisconnected",
                id_tag="TAG-OK",
            )
        )

    done = await api.transactions.GetTransaction(
        transactions_pb2.GetTransactionRequest(transaction_id=tx_id)
    )
    assert done.transaction_id == tx_id
    assert done.charger_id == "CP-1"
    assert done.connector_id == 1
    assert done.id_tag == "TAG-OK"
    assert done.id_tag_status == "Accepted"
    assert done.stop_id_tag == "TAG-OK"
    assert done.meter_start_wh == 1000
    assert done.meter_stop_wh == 3000
    assert done.energy_wh == 2000.0
    assert not done.active
    assert done.stop_reason == "EVDisconnected"
    assert done.started_at.ToDatetime(tzinfo=UTC) == T0
    assert done.stopped_at.ToDatetime(tzinfo=UTC) == T0 + timedelta(minutes=4)
    assert not done.HasField("reservation_id")

    values = await api.transactions.ListMeterValues(
        transactions_pb2.ListMeterValuesRequest(transaction_id=tx_id)
    )
    energy = [v for v in values.meter_values if v.measurand == "Energy.Active.Import.Register"]
    assert [v.value for v in energy] == ["1500", "2100", "2750"]
    assert [v.timestamp.ToDatetime(tzinfo=UTC).minute for v in energy] == [1, 2, 3]
    assert all(v.transaction_id == tx_id and v.connector_id == 1 for v in values.meter_values)
    current = [v for v in values.meter_values if v.measurand == "Current.Import"]
    assert [(v.phase, v.unit, v.context, v.location, v.format) for v in current] == [
        ("L1", "A", "Sample.Periodic", "Outlet", "Raw")
    ] * 3
    only_current = await api.transactions.ListMeterValues(
        transactions_pb2.ListMeterValuesRequest(transaction_id=tx_id, measurand="Current.Import")
    )
    assert [v.value for v in only_current.meter_values] == ["16.0"] * 3

    listed = await api.transactions.ListTransactions(
        transactions_pb2.ListTransactionsRequest(charger_id="CP-1")
    )
    assert [t.transaction_id for t in listed.transactions] == [tx_id]
    assert listed.next_page_token == ""


async def test_list_transactions_pages_newest_first(manager: Manager, api: Api) -> None:
    """ListTransactions returns every transaction once, newest first, across pages joined by tokens."""
    await register(manager, "CP-1")
    ids = [
        (await start(manager, "CP-1", minute, connector=minute + 1)).transaction_id
        for minute in range(5)
    ]
    seen: list[int] = []
    token = ""
    pages = 0
    while True:
        page = await api.transactions.ListTransactions(
            transactions_pb2.ListTransactionsRequest(page_size=2, page_token=token)
        )
        pages += 1
        assert len(page.transactions) <= 2
        seen += [t.transaction_id for t in page.transactions]
        token = page.next_page_token
        if not token:
            break
    assert seen == list(reversed(ids))
    assert pages == 3
    everything = await api.transactions.ListTransactions(transactions_pb2.ListTransactionsRequest())
    assert [t.transaction_id for t in everything.transactions] == list(reversed(ids))
    assert everything.next_page_token == ""


async def test_list_transactions_filters(manager: Manager, api: Api) -> None:
    """Each filter (charger_id, id_tag, started_after/before, active) keeps only what it names."""
    await register(manager, "CP-1", "CP-2")
    a = await start(manager, "CP-1", 0, "TAG-A")
    b = await start(manager, "CP-1", 10, "TAG-B", connector=2)
    c = await start(manager, "CP-2", 20, "TAG-A")
    await manager.stores.transactions.stop(
        charger_id="CP-1",
        transaction_id=a.transaction_id,
        meter_stop=500,
        stopped_at=T0 + timedelta(minutes=5),
        reason="Local",
    )

    async def ids(**filters: Any) -> list[int]:
        page = await api.transactions.ListTransactions(
            transactions_pb2.ListTransactionsRequest(**filters)
        )
        return [t.transaction_id for t in page.transactions]

    assert await ids(charger_id="CP-1") == [b.transaction_id, a.transaction_id]
    assert await ids(charger_id="CP-9") == []
    assert await ids(id_tag="TAG-A") == [c.transaction_id, a.transaction_id]
    assert await ids(started_after=ts(T0 + timedelta(minutes=10))) == [
        c.transaction_id,
        b.transaction_id,
    ]
    assert await ids(started_before=ts(T0 + timedelta(minutes=10))) == [a.transaction_id]
    assert await ids(
        started_after=ts(T0 + timedelta(minutes=5)), started_before=ts(T0 + timedelta(minutes=15))
    ) == [b.transaction_id]
    assert await ids(active=True) == [c.transaction_id, b.transaction_id]
    assert await ids(active=False) == [a.transaction_id]
    assert await ids(charger_id="CP-1", id_tag="TAG-A", active=False) == [a.transaction_id]

    stopped = await api.transactions.GetTransaction(
        transactions_pb2.GetTransactionRequest(transaction_id=a.transaction_id)
    )
    assert stopped.energy_wh == 500.0
    assert stopped.stop_reason == "Local"


async def test_list_transactions_rejects_bad_requests(manager: Manager, api: Api) -> None:
    """Bad page sizes, tokens, filters and time ranges are INVALID_ARGUMENT naming the field."""
    await register(manager, "CP-1")
    for minute in range(3):
        await start(manager, "CP-1", minute, connector=minute + 1)
    list_tx = api.transactions.ListTransactions
    req = transactions_pb2.ListTransactionsRequest
    await fails(list_tx(req(page_size=-1)), INVALID, "page_size: must be between 0 and 1000")
    await fails(list_tx(req(page_size=1001)), INVALID, "page_size: must be between 0 and 1000")
    await fails(list_tx(req(page_token="not-a-token")), INVALID, "page_token:")
    await fails(list_tx(req(id_tag="X" * 256)), INVALID, "id_tag:")  # 2.1 idToken: 255
    await fails(list_tx(req(charger_id="C" * 49)), INVALID, "charger_id:")
    await fails(
        list_tx(req(started_after=ts(T0), started_before=ts(T0))), INVALID, "started_before:"
    )
    await fails(list_tx(req(started_after=Timestamp(nanos=-1))), INVALID, "started_after:")
    first = await list_tx(req(page_size=1, charger_id="CP-1"))
    assert first.next_page_token
    # A token is bound to its filters.
    await fails(list_tx(req(page_size=1, page_token=first.next_page_token)), INVALID, "page_token:")


async def test_get_transaction_validates_and_reports_not_found(manager: Manager, api: Api) -> None:
    """GetTransaction needs a positive id and answers NOT_FOUND naming an unknown transaction."""
    get = api.transactions.GetTransaction
    await fails(get(transactions_pb2.GetTransactionRequest()), INVALID, "transaction_id:")
    await fails(
        get(transactions_pb2.GetTransactionRequest(transaction_id=-3)), INVALID, "transaction_id:"
    )
    details = await fails(
        get(transactions_pb2.GetTransactionRequest(transaction_id=987654)), NOT_FOUND, ""
    )
    assert "987654" in details


async def test_list_meter_values_pages_filters_and_failures(manager: Manager, api: Api) -> None:
    """Meter values come oldest first across pages, filtered by measurand; bad requests name the field."""
    await register(manager, "CP-1")
    tx = await start(manager, "CP-1", 0)
    rows = []
    for i in range(5):
        at = T0 + timedelta(seconds=30 * (i + 1))
        rows.append(MeterValueRecord("CP-1", 1, tx.transaction_id, at, str(100 + i)))
        rows.append(MeterValueRecord("CP-1", 1, tx.transaction_id, at, "230", "Voltage", "L1", "V"))
    await manager.stores.transactions.add_meter_values(rows)

    lmv = api.transactions.ListMeterValues
    req = transactions_pb2.ListMeterValuesRequest
    token = ""
    values: list[str] = []
    while True:
        page = await lmv(
            req(
                transaction_id=tx.transaction_id,
                page_size=2,
                page_token=token,
                measurand="Energy.Active.Import.Register",
            )
        )
        values += [v.value for v in page.meter_values]
        token = page.next_page_token
        if not token:
            break
    assert values == ["100", "101", "102", "103", "104"]
    voltage = await lmv(req(transaction_id=tx.transaction_id, measurand="Voltage"))
    assert [(v.value, v.phase, v.unit) for v in voltage.meter_values] == [("230", "L1", "V")] * 5
    everything = await lmv(req(transaction_id=tx.transaction_id))
    assert len(everything.meter_values) == 10
    stamps = [v.timestamp.ToDatetime() for v in everything.meter_values]
    assert stamps == sorted(stamps)

    empty = await start(manager, "CP-1", 1, connector=2)
    assert not (await lmv(req(transaction_id=empty.transaction_id))).meter_values
    await fails(lmv(req(transaction_id=424242)), NOT_FOUND, "transaction 424242")
    await fails(lmv(req()), INVALID, "transaction_id:")
    await fails(
        lmv(req(transaction_id=tx.transaction_id, page_size=5001)),
        INVALID,
        "page_size: must be between 0 and 5000",
    )
    await fails(
        lmv(req(transaction_id=tx.transaction_id, page_token="%%%")), INVALID, "page_token:"
    )
    await fails(
        lmv(req(transaction_id=tx.transaction_id, measurand="M" * 65)), INVALID, "measurand:"
    )


# --- id tags -------------------------------------------------------------------------------


def tag(id_tag: str, **fields: Any) -> id_tags_pb2.IdTag:
    return id_tags_pb2.IdTag(id_tag=id_tag, **fields)


async def test_create_and_get_id_tags(manager: Manager, api: Api) -> None:
    """CreateIdTag stores a tag (UNSPECIFIED status = Accepted) and GetIdTag returns it as stored."""
    create = api.id_tags.CreateIdTag
    plain = await create(id_tags_pb2.CreateIdTagRequest(id_tag=tag("GROUP-1")))
    assert plain.status == id_tags_pb2.ID_TAG_STATUS_ACCEPTED
    assert not plain.HasField("expiry_date")
    assert plain.parent_id_tag == ""
    assert plain.HasField("created_at")
    assert plain.HasField("updated_at")
    expiry = T0 + timedelta(days=365)
    full = await create(
        id_tags_pb2.CreateIdTagRequest(
            id_tag=tag(
                "CARD-0001",
                status=id_tags_pb2.ID_TAG_STATUS_BLOCKED,
                expiry_date=ts(expiry),
                parent_id_tag="GROUP-1",
                max_active_transactions=2,
            )
        )
    )
    got = await api.id_tags.GetIdTag(id_tags_pb2.GetIdTagRequest(id_tag="CARD-0001"))
    assert got == full
    assert got.status == id_tags_pb2.ID_TAG_STATUS_BLOCKED
    assert got.expiry_date.ToDatetime(tzinfo=UTC) == expiry
    assert got.parent_id_tag == "GROUP-1"
    assert got.max_active_transactions == 2
    stored = await manager.stores.id_tags.get("CARD-0001")
    assert stored is not None
    assert stored.status == "Blocked"


async def test_create_id_tag_failures(manager: Manager, api: Api) -> None:
    """CreateIdTag rejects bad fields by name, a taken tag with ALREADY_EXISTS, a missing parent with FAILED_PRECONDITION."""
    create = api.id_tags.CreateIdTag
    req = id_tags_pb2.CreateIdTagRequest
    await create(req(id_tag=tag("TAG-1")))
    await fails(create(req()), INVALID, "id_tag: is required")
    await fails(create(req(id_tag=tag(""))), INVALID, "id_tag.id_tag: is required")
    await fails(create(req(id_tag=tag("T" * 256))), INVALID, "id_tag.id_tag:")
    await fails(create(req(id_tag=tag("TAG\n2"))), INVALID, "id_tag.id_tag:")
    await fails(create(req(id_tag=tag("TAG-2", status=99))), INVALID, "id_tag.status:")
    await fails(
        create(req(id_tag=tag("TAG-2", expiry_date=Timestamp(seconds=1, nanos=-5)))),
        INVALID,
        "id_tag.expiry_date:",
    )
    await fails(
        create(req(id_tag=tag("TAG-2", parent_id_tag="TAG-2"))), INVALID, "id_tag.parent_id_tag:"
    )
    await fails(
        create(req(id_tag=tag("TAG-2", parent_id_tag="P" * 256))), INVALID, "id_tag.parent_id_tag:"
    )
    await fails(create(req(id_tag=tag("TAG-1"))), grpc.StatusCode.ALREADY_EXISTS, "")
    await fails(
        create(req(id_tag=tag("TAG-2", parent_id_tag="NO-SUCH-GROUP"))),
        grpc.StatusCode.FAILED_PRECONDITION,
        "",
    )
    assert await manager.stores.id_tags.get("TAG-2") is None
    await fails(
        api.id_tags.GetIdTag(id_tags_pb2.GetIdTagRequest(id_tag="TAG-2")), NOT_FOUND, "id tag"
    )
    await fails(api.id_tags.GetIdTag(id_tags_pb2.GetIdTagRequest()), INVALID, "id_tag:")


async def test_list_id_tags_pages_and_filters(manager: Manager, api: Api) -> None:
    """ListIdTags returns tags ordered by tag across pages, filtered by status and parent."""
    store = manager.stores.id_tags
    await store.create("GROUP", at=T0)
    for i in range(5):
        await store.create(
            f"TAG-{i}",
            status="Blocked" if i % 2 else "Accepted",
            parent_id_tag="GROUP" if i < 3 else "",
            at=T0,
        )
    req = id_tags_pb2.ListIdTagsRequest
    token = ""
    names: list[str] = []
    while True:
        page = await api.id_tags.ListIdTags(req(page_size=2, page_token=token))
        names += [t.id_tag for t in page.id_tags]
        token = page.next_page_token
        if not token:
            break
    assert names == ["GROUP", "TAG-0", "TAG-1", "TAG-2", "TAG-3", "TAG-4"]

    blocked = await api.id_tags.ListIdTags(req(status=id_tags_pb2.ID_TAG_STATUS_BLOCKED))
    assert [t.id_tag for t in blocked.id_tags] == ["TAG-1", "TAG-3"]
    grouped = await api.id_tags.ListIdTags(req(parent_id_tag="GROUP"))
    assert [t.id_tag for t in grouped.id_tags] == ["TAG-0", "TAG-1", "TAG-2"]
    both = await api.id_tags.ListIdTags(
        req(parent_id_tag="GROUP", status=id_tags_pb2.ID_TAG_STATUS_ACCEPTED)
    )
    assert [t.id_tag for t in both.id_tags] == ["TAG-0", "TAG-2"]

    await fails(api.id_tags.ListIdTags(req(page_size=1001)), INVALID, "page_size:")
    await fails(api.id_tags.ListIdTags(req(page_token="bogus")), INVALID, "page_token:")
    await fails(api.id_tags.ListIdTags(req(status=42)), INVALID, "status:")  # type: ignore[arg-type]
    await fails(api.id_tags.ListIdTags(req(parent_id_tag="G" * 256)), INVALID, "parent_id_tag:")


async def test_update_id_tag_with_and_without_mask(manager: Manager, api: Api) -> None:
    """UpdateIdTag changes only the masked fields; an empty mask replaces every updatable field."""
    store = manager.stores.id_tags
    await store.create("GROUP", at=T0)
    await store.create("CARD", parent_id_tag="GROUP", expiry_date=T0 + timedelta(days=1), at=T0)
    update = api.id_tags.UpdateIdTag
    req = id_tags_pb2.UpdateIdTagRequest
    masked = await update(
        req(
            id_tag=tag("CARD", status=id_tags_pb2.ID_TAG_STATUS_EXPIRED, max_active_transactions=9),
            update_mask=FieldMask(paths=["status"]),
        )
    )
    assert masked.status == id_tags_pb2.ID_TAG_STATUS_EXPIRED
    assert masked.max_active_transactions == 0  # not in the mask
    assert masked.parent_id_tag == "GROUP"
    assert masked.HasField("expiry_date")

    replaced = await update(
        req(
            id_tag=tag("CARD", status=id_tags_pb2.ID_TAG_STATUS_ACCEPTED, max_active_transactions=3)
        )
    )
    assert replaced.status == id_tags_pb2.ID_TAG_STATUS_ACCEPTED
    assert replaced.max_active_transactions == 3
    assert replaced.parent_id_tag == ""
    assert not replaced.HasField("expiry_date")
    stored = await store.get("CARD")
    assert stored is not None
    assert stored.parent_id_tag == ""
    assert stored.expiry_date is None

    regrouped = await update(
        req(
            id_tag=tag("CARD", parent_id_tag="GROUP", expiry_date=ts(T0)),
            update_mask=FieldMask(paths=["parent_id_tag", "expiry_date"]),
        )
    )
    assert regrouped.parent_id_tag == "GROUP"
    assert regrouped.expiry_date.ToDatetime(tzinfo=UTC) == T0
    assert regrouped.max_active_transactions == 3


async def test_update_id_tag_failures_change_nothing(manager: Manager, api: Api) -> None:
    """Unknown mask paths, bad values, unknown tags and missing parents fail and leave the tag as it was."""
    store = manager.stores.id_tags
    before = await store.create("CARD", at=T0)
    update = api.id_tags.UpdateIdTag
    req = id_tags_pb2.UpdateIdTagRequest
    blocked = tag("CARD", status=id_tags_pb2.ID_TAG_STATUS_BLOCKED)
    await fails(
        update(req(id_tag=blocked, update_mask=FieldMask(paths=["status", "colour"]))),
        INVALID,
        "update_mask:",
    )
    await fails(
        update(req(id_tag=blocked, update_mask=FieldMask(paths=["created_at"]))),
        INVALID,
        "update_mask:",
    )
    await fails(update(req(id_tag=tag("CARD"))), INVALID, "id_tag.status: is required")
    await fails(
        update(req(id_tag=tag("CARD"), update_mask=FieldMask(paths=["status"]))),
        INVALID,
        "id_tag.status:",
    )
    await fails(
        update(
            req(
                id_tag=tag("CARD", parent_id_tag="CARD"),
                update_mask=FieldMask(paths=["parent_id_tag"]),
            )
        ),
        INVALID,
        "id_tag.parent_id_tag:",
    )
    await fails(update(req()), INVALID, "id_tag: is required")
    await fails(
        update(
            req(
                id_tag=tag("CARD", parent_id_tag="NO-GROUP"),
                update_mask=FieldMask(paths=["parent_id_tag"]),
            )
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
        "",
    )
    await fails(
        update(req(id_tag=tag("GHOST", status=id_tags_pb2.ID_TAG_STATUS_BLOCKED))),
        NOT_FOUND,
        "id tag 'GHOST'",
    )
    assert await store.get("CARD") == before


async def test_block_and_delete_id_tags(manager: Manager, api: Api) -> None:
    """BlockIdTag sets BLOCKED; DeleteIdTag refuses a parent still referenced, then removes tags."""
    store = manager.stores.id_tags
    await store.create("GROUP", at=T0)
    await store.create("CARD", parent_id_tag="GROUP", at=T0)
    blocked = await api.id_tags.BlockIdTag(id_tags_pb2.BlockIdTagRequest(id_tag="CARD"))
    assert blocked.status == id_tags_pb2.ID_TAG_STATUS_BLOCKED
    assert blocked.parent_id_tag == "GROUP"
    await fails(
        api.id_tags.BlockIdTag(id_tags_pb2.BlockIdTagRequest(id_tag="GHOST")), NOT_FOUND, "id tag"
    )
    await fails(api.id_tags.BlockIdTag(id_tags_pb2.BlockIdTagRequest()), INVALID, "id_tag:")

    delete = api.id_tags.DeleteIdTag
    await fails(
        delete(id_tags_pb2.DeleteIdTagRequest(id_tag="GROUP")),
        grpc.StatusCode.FAILED_PRECONDITION,
        "",
    )
    assert await store.get("GROUP") is not None
    await delete(id_tags_pb2.DeleteIdTagRequest(id_tag="CARD"))
    await delete(id_tags_pb2.DeleteIdTagRequest(id_tag="GROUP"))
    await fails(
        api.id_tags.GetIdTag(id_tags_pb2.GetIdTagRequest(id_tag="GROUP")), NOT_FOUND, "id tag"
    )
    await fails(delete(id_tags_pb2.DeleteIdTagRequest(id_tag="GROUP")), NOT_FOUND, "id tag")
    await fails(delete(id_tags_pb2.DeleteIdTagRequest(id_tag="X" * 256)), INVALID, "id_tag:")


# --- reservations --------------------------------------------------------------------------


async def test_list_and_get_reservations(manager: Manager, api: Api) -> None:
    """Reservations list newest first across pages, filter by charger and state, and map every field."""
    await register(manager, "CP-1", "CP-2")
    store = manager.stores.reservations
    made = []
    for i, charger in enumerate(("CP-1", "CP-1", "CP-2", "CP-1")):
        made.append(
            await store.create(
                charger_id=charger,
                connector_id=1,
                id_tag=f"TAG-{i}",
                parent_id_tag="GROUP" if i == 0 else "",
                expiry_date=T0 + timedelta(hours=i + 1),
                at=T0,
            )
        )
    await store.set_outcome(made[0].reservation_id, "Accepted", T0)
    await store.set_outcome(made[1].reservation_id, "Occupied", T0)
    tx, _ = await manager.stores.transactions.start(
        charger_id="CP-1",
        connector_id=1,
        id_tag="TAG-0",
        id_tag_status="Accepted",
        meter_start=0,
        started_at=T0,
        reservation_id=made[0].reservation_id,
    )

    req = reservations_pb2.ListReservationsRequest
    token = ""
    ids: list[int] = []
    while True:
        page = await api.reservations.ListReservations(req(page_size=3, page_token=token))
        ids += [r.reservation_id for r in page.reservations]
        token = page.next_page_token
        if not token:
            break
    assert ids == [r.reservation_id for r in reversed(made)]

    async def listed(**filters: Any) -> list[int]:
        page = await api.reservations.ListReservations(req(**filters))
        return [r.reservation_id for r in page.reservations]

    assert await listed(charger_id="CP-2") == [made[2].reservation_id]
    assert await listed(state=reservations_pb2.RESERVATION_STATE_REJECTED) == [
        made[1].reservation_id
    ]
    assert await listed(charger_id="CP-1", state=reservations_pb2.RESERVATION_STATE_PENDING) == [
        made[3].reservation_id
    ]

    used = await api.reservations.GetReservation(
        reservations_pb2.GetReservationRequest(reservation_id=made[0].reservation_id)
    )
    assert used.state == reservations_pb2.RESERVATION_STATE_USED
    assert used.transaction_id == tx.transaction_id
    assert used.charger_id == "CP-1"
    assert used.connector_id == 1
    assert used.id_tag == "TAG-0"
    assert used.parent_id_tag == "GROUP"
    assert used.charger_status == "Accepted"
    assert used.expiry_date.ToDatetime(tzinfo=UTC) == T0 + timedelta(hours=1)
    assert used.created_at.ToDatetime(tzinfo=UTC) == T0
    rejected = await api.reservations.GetReservation(
        reservations_pb2.GetReservationRequest(reservation_id=made[1].reservation_id)
    )
    assert rejected.state == reservations_pb2.RESERVATION_STATE_REJECTED
    assert rejected.charger_status == "Occupied"
    assert not rejected.HasField("transaction_id")


async def test_reservation_failures(manager: Manager, api: Api) -> None:
    """Bad reservation requests name the field; an unknown reservation is NOT_FOUND."""
    get = api.reservations.GetReservation
    lst = api.reservations.ListReservations
    req = reservations_pb2.ListReservationsRequest
    await fails(get(reservations_pb2.GetReservationRequest()), INVALID, "reservation_id:")
    await fails(
        get(reservations_pb2.GetReservationRequest(reservation_id=77)), NOT_FOUND, "reservation 77"
    )
    await fails(lst(req(page_size=-5)), INVALID, "page_size:")
    await fails(lst(req(page_token="garbage")), INVALID, "page_token:")
    await fails(lst(req(state=17)), INVALID, "state:")  # type: ignore[arg-type]
    await fails(lst(req(charger_id="C" * 49)), INVALID, "charger_id:")


# --- locations -----------------------------------------------------------------------------


def location(location_id: str, name: str = "Depot", **fields: Any) -> locations_pb2.Location:
    return locations_pb2.Location(location_id=location_id, name=name, **fields)


async def test_location_crud_and_paging(manager: Manager, api: Api) -> None:
    """Locations are created, read, listed by id across pages, updated by mask or whole, and deleted."""
    loc = api.locations
    created = await loc.CreateLocation(
        locations_pb2.CreateLocationRequest(
            location=location(
                "depot-1",
                "North depot",
                address="1 Main St",
                city="Ghent",
                postal_code="9000",
                country="be",
                charger_ids=["ignored"],
            )
        )
    )
    assert created.country == "BE"
    assert list(created.charger_ids) == []
    assert await loc.GetLocation(locations_pb2.GetLocationRequest(location_id="depot-1")) == created
    for i in range(2, 6):
        await loc.CreateLocation(
            locations_pb2.CreateLocationRequest(location=location(f"depot-{i}"))
        )

    token = ""
    ids: list[str] = []
    while True:
        page = await loc.ListLocations(
            locations_pb2.ListLocationsRequest(page_size=2, page_token=token)
        )
        ids += [x.location_id for x in page.locations]
        token = page.next_page_token
        if not token:
            break
    assert ids == [f"depot-{i}" for i in range(1, 6)]

    renamed = await loc.UpdateLocation(
        locations_pb2.UpdateLocationRequest(
            location=location("depot-1", "Depot North", city="Brussels"),
            update_mask=FieldMask(paths=["name"]),
        )
    )
    assert (renamed.name, renamed.city, renamed.country) == ("Depot North", "Ghent", "BE")
    replaced = await loc.UpdateLocation(
        locations_pb2.UpdateLocationRequest(location=location("depot-1", "Depot", country="NL"))
    )
    assert (replaced.name, replaced.address, replaced.city, replaced.postal_code) == (
        "Depot",
        "",
        "",
        "",
    )
    assert replaced.country == "NL"

    await loc.DeleteLocation(locations_pb2.DeleteLocationRequest(location_id="depot-1"))
    await fails(
        loc.GetLocation(locations_pb2.GetLocationRequest(location_id="depot-1")),
        NOT_FOUND,
        "location 'depot-1'",
    )


async def test_assign_and_unassign_chargers(manager: Manager, api: Api) -> None:
    """A charger is at one location at most: assigning moves it, unassigning and deleting free it."""
    await register(manager, "CP-1", "CP-2")
    loc = api.locations
    for location_id in ("site-a", "site-b"):
        await loc.CreateLocation(
            locations_pb2.CreateLocationRequest(location=location(location_id))
        )
    a = await loc.AssignCharger(
        locations_pb2.AssignChargerRequest(location_id="site-a", charger_id="CP-1")
    )
    assert list(a.charger_ids) == ["CP-1"]
    a = await loc.AssignCharger(
        locations_pb2.AssignChargerRequest(location_id="site-a", charger_id="CP-2")
    )
    assert sorted(a.charger_ids) == ["CP-1", "CP-2"]
    b = await loc.AssignCharger(
        locations_pb2.AssignChargerRequest(location_id="site-b", charger_id="CP-1")
    )
    assert list(b.charger_ids) == ["CP-1"]
    a_now = await loc.GetLocation(locations_pb2.GetLocationRequest(location_id="site-a"))
    assert list(a_now.charger_ids) == ["CP-2"]

    await fails(
        loc.UnassignCharger(
            locations_pb2.UnassignChargerRequest(location_id="site-a", charger_id="CP-1")
        ),
        NOT_FOUND,
        "",
    )
    a_now = await loc.UnassignCharger(
        locations_pb2.UnassignChargerRequest(location_id="site-a", charger_id="CP-2")
    )
    assert list(a_now.charger_ids) == []
    await fails(
        loc.AssignCharger(
            locations_pb2.AssignChargerRequest(location_id="site-a", charger_id="CP-404")
        ),
        NOT_FOUND,
        "",
    )
    await fails(
        loc.AssignCharger(
            locations_pb2.AssignChargerRequest(location_id="nowhere", charger_id="CP-2")
        ),
        NOT_FOUND,
        "",
    )
    await fails(
        loc.AssignCharger(locations_pb2.AssignChargerRequest(location_id="site-a")),
        INVALID,
        "charger_id:",
    )
    await fails(
        loc.UnassignCharger(
            locations_pb2.UnassignChargerRequest(location_id="Site A", charger_id="CP-1")
        ),
        INVALID,
        "location_id:",
    )

    await loc.DeleteLocation(locations_pb2.DeleteLocationRequest(location_id="site-b"))
    charger = await manager.stores.chargers.get("CP-1")
    assert charger is not None
    assert charger.location_id == ""
    again = await loc.AssignCharger(
        locations_pb2.AssignChargerRequest(location_id="site-a", charger_id="CP-1")
    )
    assert list(again.charger_ids) == ["CP-1"]


async def test_location_failures(manager: Manager, api: Api) -> None:
    """Bad location fields and masks name the field; duplicates and unknown locations get their codes."""
    loc = api.locations
    create = loc.CreateLocation
    req = locations_pb2.CreateLocationRequest
    await create(req(location=location("depot")))
    await fails(create(req()), INVALID, "location: is required")
    await fails(create(req(location=location(""))), INVALID, "location.location_id: is required")
    await fails(create(req(location=location("Depot_2"))), INVALID, "location.location_id:")
    await fails(create(req(location=location("d" * 65))), INVALID, "location.location_id:")
    await fails(create(req(location=location("depot-2", ""))), INVALID, "location.name:")
    await fails(
        create(req(location=location("depot-2", country="BEL"))), INVALID, "location.country:"
    )
    await fails(
        create(req(location=location("depot-2", country="1B"))), INVALID, "location.country:"
    )
    await fails(
        create(req(location=location("depot-2", postal_code="9" * 21))),
        INVALID,
        "location.postal_code:",
    )
    await fails(create(req(location=location("depot"))), grpc.StatusCode.ALREADY_EXISTS, "")

    update = loc.UpdateLocation
    ureq = locations_pb2.UpdateLocationRequest
    await fails(
        update(ureq(location=location("depot"), update_mask=FieldMask(paths=["charger_ids"]))),
        INVALID,
        "update_mask:",
    )
    await fails(
        update(ureq(location=location("depot", ""), update_mask=FieldMask(paths=["name"]))),
        INVALID,
        "location.name:",
    )
    await fails(update(ureq(location=location("ghost"))), NOT_FOUND, "location 'ghost'")
    await fails(update(ureq()), INVALID, "location: is required")
    await fails(
        loc.DeleteLocation(locations_pb2.DeleteLocationRequest(location_id="ghost")),
        NOT_FOUND,
        "location 'ghost'",
    )
    await fails(
        loc.GetLocation(locations_pb2.GetLocationRequest(location_id="")), INVALID, "location_id:"
    )
    await fails(
        loc.ListLocations(locations_pb2.ListLocationsRequest(page_size=1001)), INVALID, "page_size:"
    )
    await fails(
        loc.ListLocations(locations_pb2.ListLocationsRequest(page_token="zzz")),
        INVALID,
        "page_token:",
    )
    unchanged = await loc.GetLocation(locations_pb2.GetLocationRequest(location_id="depot"))
    assert unchanged.name == "Depot"
