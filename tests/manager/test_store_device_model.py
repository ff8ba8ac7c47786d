"""Contract suite of the device model store: multi-part reports, values read and set,
monitors and events.

Every test runs against the SQL stores on PostgreSQL and on SQLite.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from services.manager.store import (
    ChargerStore,
    DeviceEventRecord,
    DeviceModelStore,
    InvalidPageToken,
    MonitorRecord,
    NotFound,
    SqlChargerStore,
    SqlDeviceModelStore,
    VariableKey,
    VariableRecord,
)

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
NEVER = 3600.0


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@dataclass
class Stores:
    chargers: ChargerStore
    model: DeviceModelStore


@pytest.fixture
async def stores(store_url: str) -> AsyncIterator[Stores]:
    """Fresh stores with chargers CS-1 and CS-2 registered."""
    sql = await SqlChargerStore.open(store_url, flush_interval=NEVER)
    built = Stores(sql, SqlDeviceModelStore(sql.engine))
    try:
        for charger_id in ("CS-1", "CS-2"):
            await built.chargers.register(charger_id, "2.0.1", T0)
        yield built
    finally:
        await built.chargers.aclose()


def var(component: str, variable: str, value: str | None = "1", **fields: object) -> VariableRecord:
    evse = int(fields.pop("evse_id", 0))  # type: ignore[call-overload]
    return VariableRecord(
        VariableKey(component, evse_id=evse, variable=variable),
        value=value,
        mutability="ReadWrite",
        **fields,  # type: ignore[arg-type]
    )


async def names(model: DeviceModelStore, charger_id: str = "CS-1") -> list[tuple[str, str, str]]:
    page, _ = await model.list_variables(charger_id, page_size=1000)
    return [(v.key.component, v.key.variable, v.value or "") for v in page]


async def test_a_report_in_parts_is_applied_only_when_complete(stores: Stores) -> None:
    """Parts are staged until 0..last are all there; then the model holds every part."""
    model = stores.model
    await model.report_requested("CS-1", 7, "FullInventory", at(0))
    assert not await model.add_report_part("CS-1", 7, 0, False, [var("A", "x")], at(1))
    assert await names(model) == []
    assert await model.add_report_part("CS-1", 7, 1, True, [var("B", "y", "2")], at(2))
    assert await names(model) == [("A", "x", "1"), ("B", "y", "2")]
    (report,) = await model.reports("CS-1")
    assert (report.request_id, report.kind, report.completed_at) == (7, "FullInventory", at(2))


async def test_parts_out_of_order_complete_the_report(stores: Stores) -> None:
    """The last part arriving before a middle one waits for it; the report then applies."""
    model = stores.model
    await model.report_requested("CS-1", 8, "FullInventory", at(0))
    assert not await model.add_report_part("CS-1", 8, 2, True, [var("C", "z")], at(1))
    assert not await model.add_report_part("CS-1", 8, 0, False, [var("A", "x")], at(2))
    assert await model.add_report_part("CS-1", 8, 1, False, [var("B", "y")], at(3))
    assert [n[0] for n in await names(model)] == ["A", "B", "C"]


async def test_a_full_inventory_replaces_and_other_reports_merge(stores: Stores) -> None:
    """A FullInventory drops variables it does not name; a GetReport only upserts."""
    model = stores.model
    await model.report_requested("CS-1", 1, "FullInventory", at(0))
    await model.add_report_part("CS-1", 1, 0, True, [var("A", "x"), var("B", "y")], at(1))
    await model.report_requested("CS-1", 2, "Custom", at(2))
    await model.add_report_part("CS-1", 2, 0, True, [var("B", "y", "9")], at(3))
    assert await names(model) == [("A", "x", "1"), ("B", "y", "9")]
    await model.report_requested("CS-1", 3, "FullInventory", at(4))
    await model.add_report_part("CS-1", 3, 0, True, [var("C", "z")], at(5))
    assert await names(model) == [("C", "z", "1")]
    assert [r.request_id for r in await model.reports("CS-1")] == [3]


async def test_a_new_request_abandons_an_incomplete_report(stores: Stores) -> None:
    """Staged parts of an unfinished report are dropped by the next request; the model is untouched."""
    model = stores.model
    await model.report_requested("CS-1", 1, "FullInventory", at(0))
    await model.add_report_part("CS-1", 1, 0, False, [var("A", "x")], at(1))
    await model.report_requested("CS-1", 2, "FullInventory", at(2))
    assert [r.request_id for r in await model.reports("CS-1")] == [2]
    # The old report's last part now starts a report of its own that never completes.
    assert not await model.add_report_part("CS-1", 1, 1, True, [var("B", "y")], at(3))
    assert await names(model) == []


async def test_parts_of_an_applied_report_are_ignored(stores: Stores) -> None:
    """A charger retrying a part of a complete report changes nothing."""
    model = stores.model
    await model.report_requested("CS-1", 1, "FullInventory", at(0))
    await model.add_report_part("CS-1", 1, 0, True, [var("A", "x")], at(1))
    assert not await model.add_report_part("CS-1", 1, 0, True, [var("Z", "q")], at(2))
    assert await names(model) == [("A", "x", "1")]


async def test_an_unrequested_report_is_merged(stores: Stores) -> None:
    """A report nobody asked for is kept once complete, merged into the model."""
    model = stores.model
    await model.report_requested("CS-1", 1, "FullInventory", at(0))
    await model.add_report_part("CS-1", 1, 0, True, [var("A", "x")], at(1))
    assert await model.add_report_part("CS-1", 99, 0, True, [var("B", "y")], at(2))
    assert await names(model) == [("A", "x", "1"), ("B", "y", "1")]


async def test_values_read_and_set_keep_the_reported_characteristics(stores: Stores) -> None:
    """record_values changes value, source and time only; unknown variables are added."""
    model = stores.model
    reported = var("OCPPCommCtrlr", "HeartbeatInterval", "300", data_type="integer", unit="s")
    await model.report_requested("CS-1", 1, "FullInventory", at(0))
    await model.add_report_part("CS-1", 1, 0, True, [reported], at(1))
    key = reported.key
    await model.record_values("CS-1", [(key, "Actual", "60")], "set", at(2))
    await model.record_values(
        "CS-1", [(VariableKey("Other", variable="v"), "Target", "x")], "get", at(3)
    )
    page, _ = await model.list_variables("CS-1", page_size=10)
    first, second = page
    assert (first.key.component, second.key.component) == ("OCPPCommCtrlr", "Other")
    assert (first.value, first.value_source, first.updated_at) == ("60", "set", at(2))
    assert (first.data_type, first.unit, first.mutability) == ("integer", "s", "ReadWrite")
    assert (second.attribute_type, second.value_source, second.mutability) == ("Target", "get", "")


async def test_1000_variables_page_and_filter(stores: Stores) -> None:
    """A large report applies in bulk; pages follow key order; filters are case-insensitive."""
    model = stores.model
    report = [
        var(f"Comp{c:02d}", f"Var{v:03d}", str(v), evse_id=c % 3)
        for c in range(10)
        for v in range(100)
    ]
    await model.report_requested("CS-1", 1, "FullInventory", at(0))
    for seq in range(10):
        await model.add_report_part(
            "CS-1", 1, seq, seq == 9, report[seq * 100 : (seq + 1) * 100], at(1)
        )
    seen: list[VariableRecord] = []
    token = ""
    while True:
        page, token = await model.list_variables("CS-1", page_size=300, page_token=token)
        seen.extend(page)
        if not token:
            break
    assert len(seen) == 1000
    assert [v.sort_key() for v in seen] == sorted(v.sort_key() for v in seen)
    page, _ = await model.list_variables("CS-1", page_size=1000, component="comp03")
    assert len(page) == 100
    page, _ = await model.list_variables("CS-1", page_size=1000, variable="VAR007", evse_id=1)
    assert [v.key.component for v in page] == ["Comp01", "Comp04", "Comp07"]
    assert await names(stores.model, "CS-2") == []


async def test_a_page_token_for_other_filters_is_refused(stores: Stores) -> None:
    """Replaying a token with different filters is InvalidPageToken, not a wrong page."""
    model = stores.model
    await model.record_values(
        "CS-1",
        [(VariableKey("A", variable=f"v{i}"), "Actual", "1") for i in range(3)],
        "get",
        at(0),
    )
    _, token = await model.list_variables("CS-1", page_size=1)
    with pytest.raises(InvalidPageToken):
        await model.list_variables("CS-1", page_size=1, page_token=token, component="A")
    with pytest.raises(InvalidPageToken):
        await model.list_variables("CS-1", page_size=1, page_token="garbage")


async def test_unknown_charger_and_bad_values_are_refused(stores: Stores) -> None:
    """Writes for an unknown charger are NotFound; names too long or attribute types
    outside the enumeration are ValueError; nothing is written."""
    model = stores.model
    with pytest.raises(NotFound):
        await model.report_requested("nope", 1, "FullInventory", at(0))
    with pytest.raises(NotFound):
        await model.add_report_part("nope", 1, 0, True, [var("A", "x")], at(0))
    with pytest.raises(NotFound):
        await model.record_values(
            "nope", [(VariableKey("A", variable="x"), "Actual", "1")], "get", at(0)
        )
    with pytest.raises(ValueError, match="component"):
        await model.record_values(
            "CS-1", [(VariableKey("A" * 51, variable="x"), "Actual", "1")], "get", at(0)
        )
    with pytest.raises(ValueError, match="attribute type"):
        await model.record_values(
            "CS-1", [(VariableKey("A", variable="x"), "Bogus", "1")], "get", at(0)
        )
    with pytest.raises(ValueError, match="report kind"):
        await model.report_requested("CS-1", 1, "Everything", at(0))
    assert await names(model) == []


def monitor(monitor_id: int, value: float = 10.0) -> MonitorRecord:
    return MonitorRecord(
        monitor_id,
        VariableKey("EVSE", evse_id=1, variable="Power"),
        "UpperThreshold",
        value,
        4,
        False,
        at(0),
    )


async def test_monitors_upsert_replace_and_remove(stores: Stores) -> None:
    """Monitors are kept by id: set upserts, replace_all forgets the rest, remove forgets."""
    model = stores.model
    await model.set_monitors("CS-1", [monitor(1), monitor(2)])
    await model.set_monitors("CS-1", [monitor(2, 20.0)])
    assert [(m.monitor_id, m.value) for m in await model.list_monitors("CS-1")] == [
        (1, 10.0),
        (2, 20.0),
    ]
    assert await model.remove_monitors("CS-1", [2, 5]) == 1
    assert [m.monitor_id for m in await model.list_monitors("CS-1")] == [1]
    await model.set_monitors("CS-1", [monitor(3)], replace_all=True)
    (only,) = await model.list_monitors("CS-1")
    assert (only.monitor_id, only.key.evse_id, only.type, only.severity) == (
        3,
        1,
        "UpperThreshold",
        4,
    )
    with pytest.raises(NotFound):
        await model.set_monitors("nope", [monitor(1)])


def event(event_id: int) -> DeviceEventRecord:
    return DeviceEventRecord(
        event_id=event_id,
        timestamp=at(event_id),
        trigger="Delta",
        actual_value=str(event_id),
        key=VariableKey("Connector", evse_id=1, connector_id=1, variable="AvailabilityState"),
        notification_type="HardWiredNotification",
        received_at=at(event_id),
        cause=None if event_id == 1 else 1,
    )


async def test_events_are_kept_newest_first_and_pruned(stores: Stores) -> None:
    """Events list newest first in pages; only the latest ``keep`` per charger remain."""
    model = stores.model
    await model.add_events("CS-1", [event(i) for i in range(1, 6)], keep=4)
    await model.add_events("CS-2", [event(9)], keep=4)
    page, token = await model.list_events("CS-1", page_size=3)
    assert [e.event_id for e in page] == [5, 4, 3]
    rest, end = await model.list_events("CS-1", page_size=3, page_token=token)
    assert ([e.event_id for e in rest], end) == ([2], "")
    assert rest[0].cause == 1
    assert rest[0].key.connector_id == 1
    with pytest.raises(NotFound):
        await model.add_events("nope", [event(1)])
