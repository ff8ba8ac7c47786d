"""Contract suite of the smart charging store (2.0.1 charging limits, EV charging needs,
reported profiles).

Every test runs against the SQL stores on PostgreSQL and on SQLite.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from services.manager.store import (
    ChargingLimitRecord,
    EVChargingNeedsRecord,
    NotFound,
    SmartChargingStore,
    SqlChargerStore,
    SqlSmartChargingStore,
)

T0 = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
NEVER = 3600.0


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@pytest.fixture
async def store(store_url: str) -> AsyncIterator[SmartChargingStore]:
    """The smart charging store beside a charger store with CS-1 registered."""
    chargers = await SqlChargerStore.open(store_url, flush_interval=NEVER)
    smart = SqlSmartChargingStore(chargers.engine)
    try:
        await chargers.register("CS-1", "2.0.1", T0)
        yield smart
    finally:
        await chargers.aclose()


def limit(
    evse_id: int, source: str, seconds: float, critical: bool | None = None
) -> ChargingLimitRecord:
    return ChargingLimitRecord(
        charger_id="CS-1",
        evse_id=evse_id,
        source=source,
        is_grid_critical=critical,
        schedules_json="[]",
        updated_at=at(seconds),
    )


async def test_limits_are_kept_per_evse_and_source_until_cleared(store: SmartChargingStore) -> None:
    """A limit replaces the one of its EVSE and source; clearing removes only that one."""
    await store.set_charging_limit(limit(1, "EMS", 0))
    await store.set_charging_limit(limit(0, "SO", 1))
    await store.set_charging_limit(limit(1, "EMS", 2, critical=True))
    assert await store.charging_limits("CS-1") == [limit(0, "SO", 1), limit(1, "EMS", 2, True)]
    assert await store.clear_charging_limit("CS-1", 1, "EMS")
    assert not await store.clear_charging_limit("CS-1", 1, "EMS")
    assert await store.charging_limits("CS-1") == [limit(0, "SO", 1)]


async def test_latest_ev_charging_needs_per_evse(store: SmartChargingStore) -> None:
    """New needs replace an EVSE's previous ones; one EVSE can be read alone."""
    first = EVChargingNeedsRecord(
        charger_id="CS-1",
        evse_id=1,
        requested_energy_transfer="AC_three_phase",
        departure_time=at(3600),
        max_schedule_tuples=16,
        needs_json="{}",
        status="Processing",
        received_at=at(0),
    )
    other = EVChargingNeedsRecord(
        charger_id="CS-1",
        evse_id=2,
        requested_energy_transfer="DC",
        departure_time=None,
        max_schedule_tuples=None,
        needs_json="{}",
        status="Processing",
        received_at=at(1),
    )
    newer = replace(first, requested_energy_transfer="DC", received_at=at(2))
    await store.set_ev_charging_needs(first)
    await store.set_ev_charging_needs(other)
    await store.set_ev_charging_needs(newer)
    assert await store.ev_charging_needs("CS-1") == [newer, other]
    assert await store.ev_charging_needs("CS-1", 2) == [other]


async def test_reported_profiles_by_request_id(store: SmartChargingStore) -> None:
    """Parts add to their request's report until tbc ends it; asking again under the id starts over."""
    assert await store.profile_report("CS-1") is None
    await store.profiles_requested("CS-1", 5, status="Accepted", complete=False, at=at(0))
    await store.profiles_reported(
        "CS-1", 5, evse_id=1, source="CSO", profiles=[(7, "{}")], tbc=True, at=at(1)
    )
    await store.profiles_reported(
        "CS-1", 5, evse_id=0, source="EMS", profiles=[(9, "{}"), (7, "{}")], tbc=False, at=at(2)
    )
    found = await store.profile_report("CS-1")
    assert found is not None
    report, profiles = found
    assert (report.request_id, report.status, report.complete, report.updated_at) == (
        5,
        "Accepted",
        True,
        at(2),
    )
    assert [(p.evse_id, p.source, p.charging_profile_id) for p in profiles] == [
        (0, "EMS", 7),
        (0, "EMS", 9),
        (1, "CSO", 7),
    ]
    await store.profiles_reported(
        "CS-1", 6, evse_id=1, source="CSO", profiles=[(1, "{}")], tbc=True, at=at(3)
    )
    unasked = await store.profile_report("CS-1", 6)
    assert unasked is not None
    assert (unasked[0].status, unasked[0].complete, len(unasked[1])) == ("", False, 1)
    await store.profiles_requested("CS-1", 5, status="NoProfiles", complete=True, at=at(4))
    again = await store.profile_report("CS-1", 5)
    assert again is not None
    assert (again[0].status, again[1]) == ("NoProfiles", [])


async def test_an_answer_after_the_report_keeps_its_profiles(store: SmartChargingStore) -> None:
    """A report that overtakes the charger's answer survives it; a refusal completes it."""
    await store.profiles_requested("CS-1", 8, status="", complete=False, at=at(0))
    await store.profiles_reported(
        "CS-1", 8, evse_id=1, source="CSO", profiles=[(3, "{}")], tbc=False, at=at(1)
    )
    await store.profiles_answered("CS-1", 8, status="Accepted", at=at(2))
    found = await store.profile_report("CS-1", 8)
    assert found is not None
    assert (found[0].status, found[0].complete, found[0].updated_at) == ("Accepted", True, at(2))
    assert [p.charging_profile_id for p in found[1]] == [3]

    await store.profiles_requested("CS-1", 9, status="", complete=False, at=at(3))
    await store.profiles_answered("CS-1", 9, status="NoProfiles", at=at(4))
    refused = await store.profile_report("CS-1", 9)
    assert refused is not None
    assert (refused[0].status, refused[0].complete, refused[1]) == ("NoProfiles", True, [])


async def test_writes_for_an_unknown_charger_are_not_found(store: SmartChargingStore) -> None:
    """Nothing is recorded for a charger the CSMS does not know."""
    with pytest.raises(NotFound):
        await store.set_charging_limit(
            ChargingLimitRecord(
                charger_id="NOPE",
                evse_id=0,
                source="EMS",
                is_grid_critical=None,
                schedules_json="[]",
                updated_at=at(0),
            )
        )
    with pytest.raises(NotFound):
        await store.profiles_reported(
            "NOPE", 1, evse_id=0, source="EMS", profiles=[], tbc=False, at=at(0)
        )
    assert await store.charging_limits("NOPE") == []
