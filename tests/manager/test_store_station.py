"""Contract suite of the station store (2.0.1 requests reported on by id, display messages).

Every test runs against the SQL stores on PostgreSQL and on SQLite.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from services.manager.store import (
    ChargerStore,
    NotFound,
    SqlChargerStore,
    SqlStationStore,
    StationStore,
)

T0 = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
NEVER = 3600.0


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@pytest.fixture
async def stores(store_url: str) -> AsyncIterator[tuple[ChargerStore, StationStore]]:
    """A charger store with CS-1 registered, and the station store beside it."""
    chargers = await SqlChargerStore.open(store_url, flush_interval=NEVER)
    station = SqlStationStore(chargers.engine)
    try:
        await chargers.register("CS-1", "2.0.1", T0)
        yield chargers, station
    finally:
        await chargers.aclose()


@pytest.fixture
def station(stores: tuple[ChargerStore, StationStore]) -> StationStore:
    return stores[1]


async def test_answer_then_reports_update_the_request(station: StationStore) -> None:
    """A request starts with the charger's answer; reports set its status and completeness."""
    await station.request_answered(
        "CS-1", "Firmware", 4, status="Accepted", complete=False, sent_at=at(0)
    )
    await station.request_reported("CS-1", "Firmware", 4, at=at(1), status="Downloading")
    record = await station.request_reported(
        "CS-1", "Firmware", 4, at=at(2), status="Installed", complete=True
    )
    assert (record.status, record.complete, record.created_at, record.updated_at) == (
        "Installed",
        True,
        at(0),
        at(2),
    )
    assert await station.list_requests("CS-1") == [record]


async def test_parts_append_in_order_once(station: StationStore) -> None:
    """Parts append in seqNo order; a part at or before the last one appended is ignored."""
    await station.request_answered(
        "CS-1", "CustomerInformation", 1, status="Accepted", complete=False, sent_at=at(0)
    )
    for seq_no, data in ((0, "a"), (1, "b"), (1, "b"), (0, "a"), (2, "c")):
        await station.request_reported(
            "CS-1", "CustomerInformation", 1, at=at(1), part=(seq_no, data)
        )
    [record] = await station.list_requests("CS-1", kind="CustomerInformation")
    assert (record.data, record.seq_no) == ("abc", 2)


async def test_a_report_that_overtakes_the_answer_is_kept(station: StationStore) -> None:
    """A report received after the request was sent survives the answer recorded later;
    a report of an older request with the same id is replaced."""
    await station.request_reported("CS-1", "Log", 8, at=at(0), status="Uploaded", complete=True)
    await station.request_answered(
        "CS-1", "Log", 8, status="Accepted", complete=False, sent_at=at(5), data="old.log"
    )
    await station.request_reported("CS-1", "Log", 8, at=at(6), status="Uploading")
    await station.request_answered(
        "CS-1", "Log", 8, status="Accepted", complete=False, sent_at=at(5), data="new.log"
    )
    [record] = await station.list_requests("CS-1", kind="Log", request_id=8)
    assert (record.status, record.data, record.created_at) == ("Uploading", "old.log", at(5))


async def test_requests_list_newest_first_filtered(station: StationStore) -> None:
    """Requests list newest first, by kind and request id, at most ``limit``."""
    for n, kind in enumerate(("Firmware", "Log", "DisplayMessages")):
        await station.request_answered(
            "CS-1", kind, 10 + n, status="Accepted", complete=False, sent_at=at(n)
        )
    assert [r.kind for r in await station.list_requests("CS-1")] == [
        "DisplayMessages",
        "Log",
        "Firmware",
    ]
    assert [r.request_id for r in await station.list_requests("CS-1", limit=1)] == [12]
    assert [r.kind for r in await station.list_requests("CS-1", request_id=11)] == ["Log"]
    assert await station.list_requests("CS-2") == []
    with pytest.raises(ValueError, match="kind"):
        await station.list_requests("CS-1", kind="Diagnostics")


async def test_display_messages_replace_and_remove(station: StationStore) -> None:
    """Messages are kept by id, replaced by a later one with the same id, and removable."""
    await station.put_display_messages(
        "CS-1", [(2, '{"id": 2}'), (1, '{"id": 1}')], source="csms", at=at(0)
    )
    await station.put_display_messages(
        "CS-1", [(2, '{"id": 2, "x": 1}')], source="charger", at=at(1)
    )
    listed = await station.display_messages("CS-1")
    assert [(m.message_id, m.source, m.message_json) for m in listed] == [
        (1, "csms", '{"id": 1}'),
        (2, "charger", '{"id": 2, "x": 1}'),
    ]
    assert await station.remove_display_message("CS-1", 1) is True
    assert await station.remove_display_message("CS-1", 1) is False
    assert [m.message_id for m in await station.display_messages("CS-1")] == [2]


async def test_writes_for_an_unknown_charger_are_not_found(station: StationStore) -> None:
    """Recording anything for a charger the store does not know raises NotFound."""
    with pytest.raises(NotFound):
        await station.request_answered(
            "nobody", "Log", 1, status="Accepted", complete=False, sent_at=T0
        )
    with pytest.raises(NotFound):
        await station.request_reported("nobody", "Log", 1, at=T0, status="Uploaded")
    with pytest.raises(NotFound):
        await station.put_display_messages("nobody", [(1, "{}")], source="charger", at=T0)
