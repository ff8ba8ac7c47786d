"""A value the database refuses fails only its own write, never a batch (issue 10, item 2).

Real PostgreSQL: the store is given values the node's edge would refuse (NUL, beyond
int32), as a row written by an older node or a future handler bug would be.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from csms.v1 import common_pb2, events_pb2

from services.common import OcppVersion
from services.manager._context import CallContext, Payload
from services.manager._dispatch import Dispatcher
from services.manager.store import BootInfo, SqlChargerStore, StoreDataError, StoreUnavailable
from tests.manager.test_store import NEVER, database_down, raw_rows

T0 = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@pytest.fixture
async def store(postgres_url: str) -> AsyncIterator[SqlChargerStore]:
    store = await SqlChargerStore.open(postgres_url, flush_interval=NEVER)
    try:
        for charger_id in ("GOOD-1", "GOOD-2", "BAD-1"):
            await store.register(charger_id, "1.6", at(0))
        yield store
    finally:
        await store.aclose()


async def test_a_nul_status_is_isolated_from_its_flush(
    store: SqlChargerStore, postgres_url: str
) -> None:
    """A status whose text PostgreSQL refuses is set aside as rejected; every other buffered
    write of the same flush commits, and nothing is kept to be retried for ever."""
    store.set_connector_status("GOOD-1", 1, 1, "Available", "NoError", "", "", at(1))
    store.set_connector_status("BAD-1", 1, 1, "Available", "NoError", "x\x00y", "", at(1))
    store.set_connector_status("GOOD-2", 1, 1, "Charging", "NoError", "", "", at(1))
    store.touch("GOOD-1", at(2))
    await store.flush()
    assert store.pending == 0
    assert store.rejected == 1
    assert store.dropped == 0
    rows = await raw_rows(postgres_url, "SELECT charger_id, status FROM connectors ORDER BY 1")
    assert rows == [("GOOD-1", "Available"), ("GOOD-2", "Charging")]
    seen = await raw_rows(postgres_url, "SELECT last_seen_at FROM chargers WHERE id = 'GOOD-1'")
    assert seen == [(at(2),)]
    anomalies = await raw_rows(postgres_url, "SELECT charger_id, kind FROM transaction_anomalies")
    assert anomalies == [("BAD-1", "rejected-connector-status")]


async def test_an_out_of_range_evse_id_does_not_block_later_flushes(
    store: SqlChargerStore, postgres_url: str
) -> None:
    """A 2.0.1 evseId beyond int32 in the write-behind is set aside once (far beyond the
    charger's EVSEs, it is recorded as an anomaly); later flushes for the fleet go through
    (it is not retried as if the database were down)."""
    store.set_connector_status("BAD-1", 99_999_999_999, 1, "Available", "", "", "", at(1))
    store.set_connector_status("GOOD-1", 1, 1, "Available", "", "", "", at(1))
    await store.flush()
    store.set_connector_status("GOOD-2", 2, 1, "Faulted", "", "", "", at(2))
    await store.flush()
    assert store.pending == 0
    assert store.phantoms == 1
    assert store.dropped == 0
    rows = await raw_rows(
        postgres_url, "SELECT charger_id, evse_id, status FROM connectors ORDER BY 1"
    )
    assert rows == [("GOOD-1", 1, "Available"), ("GOOD-2", 2, "Faulted")]


async def test_the_flusher_keeps_running_after_a_rejected_row(postgres_url: str) -> None:
    """With the background flusher, a poisoned status never stalls the fleet's statuses."""
    store = await SqlChargerStore.open(postgres_url, flush_interval=0.02)
    try:
        await store.register("BAD-1", "2.0.1", at(0))
        await store.register("GOOD-1", "2.0.1", at(0))
        store.set_connector_status("BAD-1", 1, 1, "Available", "", "x\x00y", "", at(1))
        for second in range(2, 6):
            store.set_connector_status("GOOD-1", 1, 1, f"S{second}", "", "", "", at(second))
            await asyncio.sleep(0.05)
        async with asyncio.timeout(5):
            while store.pending:  # noqa: ASYNC110 (polling the flusher: no event to wait on)
                await asyncio.sleep(0.02)
        rows = await raw_rows(postgres_url, "SELECT charger_id, status FROM connectors")
        assert rows == [("GOOD-1", "S5")]
        assert store.rejected == 1
    finally:
        await store.aclose()  # no StoreUnavailable: nothing is left that cannot be written


async def test_a_poisoned_boot_fails_alone_in_its_group_commit(
    store: SqlChargerStore, postgres_url: str
) -> None:
    """Boots group-committed with a poisoned one all commit; only the poisoned one's caller
    gets StoreDataError (a data error, not an outage), and it is recorded as an anomaly."""
    good = BootInfo("Acme", "M1", "", "", "1.6")
    bad = BootInfo("Ac\x00me", "M1", "", "", "1.6")
    outcomes = await asyncio.gather(
        store.record_boot("GOOD-1", good, "Accepted", at(1)),
        store.record_boot("BAD-1", bad, "Accepted", at(1)),
        store.record_boot("GOOD-2", good, "Accepted", at(1)),
        return_exceptions=True,
    )
    assert outcomes[0] is None
    assert isinstance(outcomes[1], StoreDataError), outcomes[1]
    assert not isinstance(outcomes[1], StoreUnavailable)
    assert "vendor" in str(outcomes[1]) or "0x00" in str(outcomes[1])
    assert outcomes[2] is None
    rows = await raw_rows(postgres_url, "SELECT id, boot_status FROM chargers ORDER BY id")
    assert rows == [("BAD-1", ""), ("GOOD-1", "Accepted"), ("GOOD-2", "Accepted")]
    anomalies = await raw_rows(postgres_url, "SELECT charger_id, kind FROM transaction_anomalies")
    assert anomalies == [("BAD-1", "rejected-boot")]


async def test_an_outage_is_still_an_outage(postgres_url: str, postgres_server_url: str) -> None:
    """A database that refuses connections is StoreUnavailable and the values are kept, not
    rejected as bad data."""
    store = await SqlChargerStore.open(postgres_url, flush_interval=NEVER)
    try:
        await store.register("CP-1", "1.6", at(0))
        store.set_connector_status("CP-1", 1, 1, "Charging", "NoError", "", "", at(1))
        async with database_down(postgres_url, postgres_server_url):
            with pytest.raises(StoreUnavailable):
                await store.flush()
            assert store.pending == 1
            assert store.rejected == 0
        await store.flush()
        assert store.pending == 0
    finally:
        await store.aclose()


async def test_a_data_error_in_a_handler_answers_the_charger_with_a_call_error(
    store: SqlChargerStore,
) -> None:
    """A handler whose write the database refused answers PropertyConstraintViolation, not
    InternalError (which a charger would retry for ever)."""

    async def refused(ctx: CallContext, req: Payload) -> Payload:
        raise StoreDataError("the database refused a value while recording boots: bad byte")

    dispatcher = Dispatcher({OcppVersion.V16: {"BootNotification": refused}}, store)
    event = events_pb2.Event(
        id=1,
        kind=events_pb2.Event.KIND_CALL,
        charger_id="BAD-1",
        ocpp_version=common_pb2.OCPP_VERSION_16,
        action="BootNotification",
        message_id="m1",
        payload=orjson.dumps({"chargePointVendor": "A", "chargePointModel": "B"}),
    )
    reply = dispatcher.handle(event)
    assert not isinstance(reply, events_pb2.Reply)
    answered = await reply
    assert answered.WhichOneof("outcome") == "error"
    assert answered.error.code == "PropertyConstraintViolation"
    assert "refused" in answered.error.description


async def test_an_outage_in_a_handler_says_so_in_one_line_not_a_traceback_per_call(
    store: SqlChargerStore, caplog: pytest.LogCaptureFixture
) -> None:
    """A handler that meets a database outage answers InternalError saying the database is
    unavailable (the charger retries), and an outage hitting many calls logs a few warning
    lines, not a traceback each."""

    async def down(ctx: CallContext, req: Payload) -> Payload:
        raise StoreUnavailable("connection refused")

    dispatcher = Dispatcher({OcppVersion.V16: {"StartTransaction": down}}, store)
    answers = []
    for n in range(50):
        event = events_pb2.Event(
            id=n,
            kind=events_pb2.Event.KIND_CALL,
            charger_id=f"CP-{n}",
            ocpp_version=common_pb2.OCPP_VERSION_16,
            action="StartTransaction",
            message_id=f"m{n}",
            payload=orjson.dumps(
                {
                    "connectorId": 1,
                    "idTag": "T",
                    "meterStart": 0,
                    "timestamp": "2026-01-01T00:00:00Z",
                }
            ),
        )
        reply = dispatcher.handle(event)
        assert not isinstance(reply, events_pb2.Reply)
        answers.append(await reply)
    assert {a.error.code for a in answers} == {"InternalError"}
    assert all("database is unavailable" in a.error.description for a in answers)
    logged = [r for r in caplog.records if r.name == "services.manager._dispatch"]
    assert all(r.exc_info is None for r in logged)
    assert 1 <= len(logged) <= 2
