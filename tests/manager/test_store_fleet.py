"""Contract suites of the fleet stores: charger status columns, charging profiles,
configuration keys, security events and certificate requests, locations.

Every test runs against the SQL stores on PostgreSQL and on SQLite.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.manager.store import (
    AlreadyExists,
    ChargerStore,
    ChargingProfileStore,
    ConfigurationStore,
    InvalidPageToken,
    LocationStore,
    NotFound,
    SecurityStore,
    SqlChargerStore,
    SqlChargingProfileStore,
    SqlConfigurationStore,
    SqlLocationStore,
    SqlSecurityStore,
)

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
#: Flush interval long enough that only explicit flushes write behind.
NEVER = 3600.0


def at(seconds: float) -> datetime:
    """T0 plus ``seconds``."""
    return T0 + timedelta(seconds=seconds)


@dataclass
class Stores:
    """The fleet stores of one implementation, sharing one database."""

    chargers: ChargerStore
    profiles: ChargingProfileStore
    configuration: ConfigurationStore
    security: SecurityStore
    locations: LocationStore


@pytest.fixture
async def stores(store_url: str) -> AsyncIterator[Stores]:
    """Fresh stores with chargers CP-1, CP-2 and CP-3 registered."""
    sql = await SqlChargerStore.open(store_url, flush_interval=NEVER)
    engine = sql.engine
    built = Stores(
        sql,
        SqlChargingProfileStore(engine),
        SqlConfigurationStore(engine),
        SqlSecurityStore(engine),
        SqlLocationStore(engine),
    )
    try:
        for charger_id in ("CP-1", "CP-2", "CP-3"):
            await built.chargers.register(charger_id, "1.6", T0)
        yield built
    finally:
        await built.chargers.aclose()


async def install(stores: Stores, **kwargs: Any) -> Any:
    """Record an installed profile with defaults for what the test does not care about."""
    args: dict[str, Any] = {
        "charger_id": "CP-1",
        "connector_id": 1,
        "charging_profile_id": 1,
        "stack_level": 0,
        "purpose": "TxDefaultProfile",
        "transaction_id": None,
        "profile_json": "{}",
        "at": at(0),
    }
    args.update(kwargs)
    return await stores.profiles.installed(**args)


async def profile_ids(stores: Stores, charger_id: str = "CP-1") -> list[int]:
    """The ids of the charger's profiles in list order."""
    return [p.charging_profile_id for p in await stores.profiles.list(charger_id)]


# -- charger status columns ------------------------------------------------------------


async def test_a_new_charger_has_no_statuses_and_an_unknown_list_version(stores: Stores) -> None:
    """A registered charger starts with empty statuses, list version -1 and no location."""
    charger = await stores.chargers.get("CP-1")
    assert charger is not None
    assert (charger.firmware_status, charger.diagnostics_status, charger.log_status) == ("", "", "")
    assert charger.status_updated_at is None
    assert charger.local_list_version == -1
    assert charger.location_id == ""


async def test_status_setters_show_up_in_get_and_list(stores: Stores) -> None:
    """Firmware, diagnostics and log statuses and the list version are read back by get and list."""
    await stores.chargers.set_firmware_status("CP-1", "Downloading", at(1))
    await stores.chargers.set_diagnostics_status("CP-1", "Uploaded", at(2))
    await stores.chargers.set_log_status("CP-1", "Uploading", at(3))
    await stores.chargers.set_local_list_version("CP-1", 7, at(4))
    await stores.chargers.set_firmware_status("CP-1", "Installed", at(5))

    charger = await stores.chargers.get("CP-1")
    assert charger is not None
    assert charger.firmware_status == "Installed"
    assert charger.diagnostics_status == "Uploaded"
    assert charger.log_status == "Uploading"
    assert charger.status_updated_at == at(5)
    assert charger.local_list_version == 7
    listed, _ = await stores.chargers.list(page_size=10)
    assert listed[0] == charger
    assert listed[1].firmware_status == ""


async def test_status_setters_ignore_unknown_chargers(stores: Stores) -> None:
    """Setting a status or list version of an unknown charger does nothing and creates nothing."""
    await stores.chargers.set_firmware_status("NOPE", "Idle", at(1))
    await stores.chargers.set_diagnostics_status("NOPE", "Idle", at(1))
    await stores.chargers.set_log_status("NOPE", "Idle", at(1))
    await stores.chargers.set_local_list_version("NOPE", 3, at(1))
    assert await stores.chargers.get("NOPE") is None


async def test_status_setters_refuse_bad_values(stores: Stores) -> None:
    """Empty or over-long statuses, versions below -1 and naive times are caller bugs."""
    with pytest.raises(ValueError, match="status"):
        await stores.chargers.set_firmware_status("CP-1", "", at(1))
    with pytest.raises(ValueError, match="status"):
        await stores.chargers.set_log_status("CP-1", "x" * 33, at(1))
    with pytest.raises(ValueError, match="version"):
        await stores.chargers.set_local_list_version("CP-1", -2, at(1))
    with pytest.raises(ValueError, match="naive"):
        await stores.chargers.set_diagnostics_status("CP-1", "Idle", datetime(2026, 3, 1))


async def test_list_filters_by_location(stores: Stores) -> None:
    """The location_id filter keeps the chargers of that location ("" those of none), paging."""
    await stores.locations.create("site-a", name="A", at=at(0))
    await stores.locations.assign("site-a", "CP-1", at(1))
    await stores.locations.assign("site-a", "CP-3", at(1))

    page, token = await stores.chargers.list(page_size=1, location_id="site-a")
    assert [c.charger_id for c in page] == ["CP-1"]
    assert page[0].location_id == "site-a"
    rest, end = await stores.chargers.list(page_size=1, page_token=token, location_id="site-a")
    assert ([c.charger_id for c in rest], end) == (["CP-3"], "")
    unassigned, _ = await stores.chargers.list(page_size=10, location_id="")
    assert [c.charger_id for c in unassigned] == ["CP-2"]
    assert await stores.chargers.list(page_size=10, location_id="elsewhere") == ([], "")


# -- charging profiles -----------------------------------------------------------------


async def test_installed_profiles_come_back_ordered(stores: Stores) -> None:
    """Profiles list by (connector, purpose, stack level) with every field as recorded."""
    await install(
        stores,
        charging_profile_id=5,
        connector_id=1,
        purpose="TxProfile",
        stack_level=2,
        transaction_id=42,
        profile_json='{"a":1}',
    )
    await install(stores, charging_profile_id=4, connector_id=0, purpose="ChargePointMaxProfile")
    await install(
        stores, charging_profile_id=3, connector_id=1, purpose="TxDefaultProfile", stack_level=1
    )
    await install(
        stores, charging_profile_id=2, connector_id=1, purpose="TxDefaultProfile", stack_level=0
    )
    await install(stores, charger_id="CP-2", charging_profile_id=9)

    assert await profile_ids(stores) == [4, 2, 3, 5]
    tx = (await stores.profiles.list("CP-1", connector_id=1))[-1]
    assert tx.charger_id == "CP-1"
    assert (tx.connector_id, tx.charging_profile_id, tx.stack_level) == (1, 5, 2)
    assert (tx.purpose, tx.transaction_id, tx.profile_json) == ("TxProfile", 42, '{"a":1}')
    assert tx.installed_at == at(0)
    assert [p.charging_profile_id for p in await stores.profiles.list("CP-1", 0)] == [4]
    assert await stores.profiles.list("CP-3") == []


async def test_a_profile_with_the_same_id_replaces_the_old_one(stores: Stores) -> None:
    """Installing a profile id again replaces it, wherever the old one was."""
    await install(stores, charging_profile_id=1, connector_id=1, stack_level=0)
    record = await install(
        stores,
        charging_profile_id=1,
        connector_id=2,
        stack_level=3,
        profile_json='{"v":2}',
        at=at(5),
    )
    profiles = await stores.profiles.list("CP-1")
    assert profiles == [record]
    assert (record.connector_id, record.stack_level, record.installed_at) == (2, 3, at(5))


async def test_same_connector_purpose_and_stack_level_replaces(stores: Stores) -> None:
    """OCPP 1.6: a profile with another id on the same connector, purpose and level replaces."""
    await install(stores, charging_profile_id=1, connector_id=1, stack_level=0)
    await install(stores, charging_profile_id=2, connector_id=1, stack_level=1)
    await install(stores, charging_profile_id=3, connector_id=2, stack_level=0)
    await install(stores, charging_profile_id=4, connector_id=1, stack_level=0, purpose="TxProfile")
    await install(stores, charging_profile_id=10, connector_id=1, stack_level=0)
    assert sorted(await profile_ids(stores)) == [2, 3, 4, 10]


async def test_installed_refuses_unknown_chargers_and_bad_values(stores: Stores) -> None:
    """An unknown charger is NotFound; an unknown purpose or negative number a ValueError."""
    with pytest.raises(NotFound, match="NOPE"):
        await install(stores, charger_id="NOPE")
    with pytest.raises(ValueError, match="purpose"):
        await install(stores, purpose="TxDefault")
    with pytest.raises(ValueError, match="stack_level"):
        await install(stores, stack_level=-1)
    with pytest.raises(ValueError, match="naive"):
        await install(stores, at=datetime(2026, 3, 1))
    assert await stores.profiles.list("CP-1") == []


async def test_clear_by_id_ignores_the_other_criteria(stores: Stores) -> None:
    """Clearing by id removes that profile only, whatever connector or purpose is also given."""
    await install(stores, charging_profile_id=1, connector_id=1)
    await install(stores, charging_profile_id=2, connector_id=2)
    assert await stores.profiles.cleared("CP-1", charging_profile_id=1, connector_id=2) == 1
    assert await profile_ids(stores) == [2]
    assert await stores.profiles.cleared("CP-1", charging_profile_id=99) == 0
    assert await stores.profiles.cleared("CP-2", charging_profile_id=2) == 0
    assert await profile_ids(stores) == [2]


async def test_clear_by_criteria_matches_all_given(stores: Stores) -> None:
    """Without an id, profiles matching every given criterion go; no criteria clears all."""
    await install(stores, charging_profile_id=1, connector_id=1, purpose="TxDefaultProfile")
    await install(
        stores,
        charging_profile_id=2,
        connector_id=1,
        purpose="TxProfile",
        stack_level=1,
        transaction_id=7,
    )
    await install(
        stores,
        charging_profile_id=3,
        connector_id=2,
        purpose="TxProfile",
        stack_level=1,
        transaction_id=8,
    )
    await install(
        stores,
        charging_profile_id=4,
        connector_id=0,
        purpose="ChargePointMaxProfile",
        stack_level=1,
    )
    await install(stores, charger_id="CP-2", charging_profile_id=5)

    assert await stores.profiles.cleared("CP-1", connector_id=1, purpose="TxProfile") == 1
    assert await profile_ids(stores) == [4, 1, 3]
    assert await stores.profiles.cleared("CP-1", stack_level=1) == 2
    assert await profile_ids(stores) == [1]
    assert await stores.profiles.cleared("CP-1") == 1
    assert await profile_ids(stores) == []
    assert await profile_ids(stores, "CP-2") == [5]


async def test_transaction_ended_discards_its_tx_profiles(stores: Stores) -> None:
    """The TxProfiles of an ended transaction go; other transactions and purposes stay."""
    await install(stores, charging_profile_id=1, purpose="TxProfile", transaction_id=7)
    await install(
        stores, charging_profile_id=2, purpose="TxProfile", transaction_id=8, connector_id=2
    )
    await install(stores, charging_profile_id=3, purpose="TxDefaultProfile", stack_level=1)
    assert await stores.profiles.transaction_ended("CP-1", 7) == 1
    assert await stores.profiles.transaction_ended("CP-2", 8) == 0
    assert await stores.profiles.transaction_ended("CP-1", 7) == 0
    assert sorted(await profile_ids(stores)) == [2, 3]


# -- configuration ---------------------------------------------------------------------


async def test_a_complete_read_replaces_the_configuration(stores: Stores) -> None:
    """A complete read stores its keys and removes keys it did not report."""
    await stores.configuration.record_read(
        "CP-1", [("B", "1", False), ("A", None, True), ("Gone", "x", False)], at(1), complete=True
    )
    await stores.configuration.record_read(
        "CP-1", [("B", "2", True), ("A", "a", True)], at(2), complete=True
    )
    records, read_at = await stores.configuration.list("CP-1")
    assert [(r.key, r.value, r.readonly, r.read_at) for r in records] == [
        ("A", "a", True, at(2)),
        ("B", "2", True, at(2)),
    ]
    assert read_at == at(2)
    await stores.configuration.record_read("CP-1", [], at(3), complete=True)
    assert await stores.configuration.list("CP-1") == ([], None)


async def test_a_partial_read_keeps_the_other_keys(stores: Stores) -> None:
    """A partial read updates the keys it names and leaves the others as they were."""
    await stores.configuration.record_read(
        "CP-1", [("A", "1", False), ("B", None, True)], at(1), complete=True
    )
    await stores.configuration.record_read("CP-1", [("B", "b", True)], at(2), complete=False)
    records, read_at = await stores.configuration.list("CP-1")
    assert [(r.key, r.value, r.read_at) for r in records] == [("A", "1", at(1)), ("B", "b", at(2))]
    assert read_at == at(2)
    assert await stores.configuration.list("CP-2") == ([], None)


async def test_record_change_updates_or_adds_a_key(stores: Stores) -> None:
    """A change keeps a known key's readonly flag and adds an unknown key as writable."""
    await stores.configuration.record_read("CP-1", [("A", "1", True)], at(1), complete=True)
    await stores.configuration.record_change("CP-1", "A", "2", at(2))
    await stores.configuration.record_change("CP-1", "New", "x", at(3))
    records, read_at = await stores.configuration.list("CP-1")
    assert [(r.key, r.value, r.readonly, r.read_at) for r in records] == [
        ("A", "2", True, at(2)),
        ("New", "x", False, at(3)),
    ]
    assert read_at == at(3)


async def test_configuration_refuses_unknown_chargers_and_bad_keys(stores: Stores) -> None:
    """An unknown charger is NotFound; an empty or over-long key is a ValueError."""
    with pytest.raises(NotFound, match="NOPE"):
        await stores.configuration.record_read("NOPE", [("A", "1", False)], at(1), complete=True)
    with pytest.raises(NotFound, match="NOPE"):
        await stores.configuration.record_change("NOPE", "A", "1", at(1))
    with pytest.raises(ValueError, match="key"):
        await stores.configuration.record_read("CP-1", [("", "1", False)], at(1), complete=False)
    with pytest.raises(ValueError, match="key"):
        await stores.configuration.record_change("CP-1", "K" * 51, "1", at(1))
    assert await stores.configuration.list("CP-1") == ([], None)


# -- security --------------------------------------------------------------------------


async def test_security_events_page_newest_first(stores: Stores) -> None:
    """Events list newest first by timestamp (ties by arrival), page by page, per charger."""
    for second, kind in [(5, "A"), (1, "B"), (5, "C"), (3, "D"), (9, "E")]:
        await stores.security.add_event(
            charger_id="CP-1", type=kind, timestamp=at(second), tech_info=f"t{kind}", at=at(20)
        )
    await stores.security.add_event(
        charger_id="CP-2", type="X", timestamp=at(4), tech_info="", at=at(20)
    )
    seen: list[str] = []
    token = ""
    while True:
        page, token = await stores.security.list_events("CP-1", page_size=2, page_token=token)
        seen += [event.type for event in page]
        if not token:
            break
    assert seen == ["E", "C", "A", "D", "B"]
    first, _ = await stores.security.list_events("CP-1", page_size=1)
    event = first[0]
    assert (event.charger_id, event.type, event.timestamp, event.tech_info) == (
        "CP-1",
        "E",
        at(9),
        "tE",
    )
    assert event.received_at == at(20)
    assert await stores.security.list_events("CP-3", page_size=5) == ([], "")


async def test_security_event_tokens_are_checked(stores: Stores) -> None:
    """A malformed token, or one issued for another charger's events, is InvalidPageToken."""
    for second in (1, 2):
        await stores.security.add_event(
            charger_id="CP-1", type="T", timestamp=at(second), tech_info="", at=at(3)
        )
    _, token = await stores.security.list_events("CP-1", page_size=1)
    assert token
    with pytest.raises(InvalidPageToken, match="page_token"):
        await stores.security.list_events("CP-2", page_size=1, page_token=token)
    with pytest.raises(InvalidPageToken, match="page_token"):
        await stores.security.list_events("CP-1", page_size=1, page_token="garbage!")
    with pytest.raises(ValueError, match="page_size"):
        await stores.security.list_events("CP-1", page_size=0)


async def test_certificate_requests_get_increasing_ids(stores: Stores) -> None:
    """Certificate requests are kept per charger, oldest first, under the ids returned."""
    first = await stores.security.add_certificate_request(
        charger_id="CP-1", csr="CSR-1", certificate_type="ChargingStationCertificate", at=at(1)
    )
    other = await stores.security.add_certificate_request(
        charger_id="CP-2", csr="CSR-X", certificate_type="", at=at(2)
    )
    second = await stores.security.add_certificate_request(
        charger_id="CP-1", csr="CSR-2", certificate_type="V2GCertificate", at=at(3)
    )
    assert first < other < second
    requests = await stores.security.certificate_requests("CP-1")
    assert [
        (r.request_id, r.charger_id, r.csr, r.certificate_type, r.received_at) for r in requests
    ] == [
        (first, "CP-1", "CSR-1", "ChargingStationCertificate", at(1)),
        (second, "CP-1", "CSR-2", "V2GCertificate", at(3)),
    ]
    assert await stores.security.certificate_requests("CP-3") == []


async def test_a_certificate_request_records_what_became_of_it(stores: Stores) -> None:
    """A new request is Pending; its status, reason and signed chain are recorded, a later
    status keeps the chain; an unknown request is NotFound, an unknown status a ValueError."""
    request_id = await stores.security.add_certificate_request(
        charger_id="CP-1", csr="CSR-1", certificate_type="", at=at(1)
    )
    (new,) = await stores.security.certificate_requests("CP-1")
    assert (new.status, new.status_reason, new.certificate_chain, new.updated_at) == (
        "Pending",
        "",
        None,
        None,
    )
    await stores.security.update_certificate_request(
        request_id, status="Signed", certificate_chain="CHAIN", at=at(2)
    )
    await stores.security.update_certificate_request(
        request_id, status="Rejected", reason="charger said no", at=at(3)
    )
    (done,) = await stores.security.certificate_requests("CP-1")
    assert (done.status, done.status_reason, done.certificate_chain, done.updated_at) == (
        "Rejected",
        "charger said no",
        "CHAIN",
        at(3),
    )
    with pytest.raises(NotFound, match="certificate request"):
        await stores.security.update_certificate_request(
            request_id + 1000, status="Failed", at=at(4)
        )
    with pytest.raises(ValueError, match="status"):
        await stores.security.update_certificate_request(request_id, status="Done", at=at(4))


async def test_security_refuses_unknown_chargers_and_bad_values(stores: Stores) -> None:
    """Events and requests of unknown chargers are NotFound; bad types are ValueErrors."""
    with pytest.raises(NotFound, match="NOPE"):
        await stores.security.add_event(
            charger_id="NOPE", type="T", timestamp=at(1), tech_info="", at=at(1)
        )
    with pytest.raises(NotFound, match="NOPE"):
        await stores.security.add_certificate_request(
            charger_id="NOPE", csr="c", certificate_type="", at=at(1)
        )
    with pytest.raises(ValueError, match="type"):
        await stores.security.add_event(
            charger_id="CP-1", type="", timestamp=at(1), tech_info="", at=at(1)
        )
    with pytest.raises(ValueError, match="naive"):
        await stores.security.add_event(
            charger_id="CP-1", type="T", timestamp=datetime(2026, 3, 1), tech_info="", at=at(1)
        )
    with pytest.raises(ValueError, match="certificate type"):
        await stores.security.add_certificate_request(
            charger_id="CP-1", csr="c", certificate_type="x" * 41, at=at(1)
        )
    assert await stores.security.list_events("CP-1", page_size=5) == ([], "")


# -- locations -------------------------------------------------------------------------


async def test_create_and_get_a_location(stores: Stores) -> None:
    """A created location reads back with its fields, no chargers, and both times set."""
    created = await stores.locations.create(
        "depot-1",
        name="Depot",
        address="Main St 1",
        city="Ghent",
        postal_code="9000",
        country="BE",
        at=at(1),
    )
    got = await stores.locations.get("depot-1")
    assert got == created
    assert (created.location_id, created.name, created.address) == ("depot-1", "Depot", "Main St 1")
    assert (created.city, created.postal_code, created.country) == ("Ghent", "9000", "BE")
    assert created.charger_ids == ()
    assert created.created_at == created.updated_at == at(1)
    assert await stores.locations.get("other") is None


async def test_create_refuses_duplicates_and_bad_values(stores: Stores) -> None:
    """A taken id is AlreadyExists; a bad id, empty name or bad country is a ValueError."""
    await stores.locations.create("site", name="S", at=at(1))
    with pytest.raises(AlreadyExists, match="site"):
        await stores.locations.create("site", name="Again", at=at(2))
    for bad in ("", "Upper", "with space", "x" * 65, "under_score"):
        with pytest.raises(ValueError, match="location id"):
            await stores.locations.create(bad, name="S", at=at(1))
    with pytest.raises(ValueError, match="name"):
        await stores.locations.create("unnamed", name="", at=at(1))
    with pytest.raises(ValueError, match="country"):
        await stores.locations.create("far", name="F", country="bel", at=at(1))
    location = await stores.locations.get("site")
    assert location is not None
    assert location.name == "S"


async def test_update_changes_the_given_fields(stores: Stores) -> None:
    """Update changes only the fields given and the update time; unknown ids are NotFound."""
    await stores.locations.create("site", name="S", city="Old", at=at(1))
    updated = await stores.locations.update("site", at=at(5), city="New", country="NL")
    assert (updated.name, updated.city, updated.country) == ("S", "New", "NL")
    assert (updated.created_at, updated.updated_at) == (at(1), at(5))
    assert await stores.locations.get("site") == updated
    with pytest.raises(NotFound, match="nowhere"):
        await stores.locations.update("nowhere", at=at(6), name="N")
    with pytest.raises(ValueError, match="no field"):
        await stores.locations.update("site", at=at(6), colour="red")
    with pytest.raises(ValueError, match="name"):
        await stores.locations.update("site", at=at(6), name="")


async def test_locations_list_in_pages(stores: Stores) -> None:
    """Locations list by id across pages, with their chargers; foreign tokens are refused."""
    for location_id in ("c", "a", "b"):
        await stores.locations.create(location_id, name=location_id.upper(), at=at(1))
    await stores.locations.assign("b", "CP-2", at(2))
    first, token = await stores.locations.list(page_size=2)
    assert [loc.location_id for loc in first] == ["a", "b"]
    assert first[1].charger_ids == ("CP-2",)
    rest, end = await stores.locations.list(page_size=2, page_token=token)
    assert ([loc.location_id for loc in rest], end) == (["c"], "")
    _, event_token = await _two_events_token(stores)
    with pytest.raises(InvalidPageToken, match="page_token"):
        await stores.locations.list(page_size=2, page_token=event_token)
    with pytest.raises(InvalidPageToken, match="page_token"):
        await stores.locations.list(page_size=2, page_token="%%%")


async def _two_events_token(stores: Stores) -> tuple[Any, str]:
    """A valid page token of another list (security events)."""
    for second in (1, 2):
        await stores.security.add_event(
            charger_id="CP-1", type="T", timestamp=at(second), tech_info="", at=at(3)
        )
    return await stores.security.list_events("CP-1", page_size=1)


async def test_assign_moves_and_unassign_removes(stores: Stores) -> None:
    """Assigning moves a charger from its old location; unassigning leaves it at none."""
    await stores.locations.create("a", name="A", at=at(0))
    await stores.locations.create("b", name="B", at=at(0))
    assigned = await stores.locations.assign("a", "CP-2", at(1))
    assert (assigned.charger_ids, assigned.updated_at) == (("CP-2",), at(1))
    await stores.locations.assign("a", "CP-1", at(2))
    moved = await stores.locations.assign("b", "CP-2", at(3))
    assert moved.charger_ids == ("CP-2",)
    a = await stores.locations.get("a")
    assert a is not None
    assert (a.charger_ids, a.updated_at) == (("CP-1",), at(3))
    charger = await stores.chargers.get("CP-2")
    assert charger is not None
    assert charger.location_id == "b"
    again = await stores.locations.assign("b", "CP-2", at(4))
    assert (again.charger_ids, again.updated_at) == (("CP-2",), at(3))

    left = await stores.locations.unassign("b", "CP-2", at(5))
    assert (left.charger_ids, left.updated_at) == ((), at(5))
    charger = await stores.chargers.get("CP-2")
    assert charger is not None
    assert charger.location_id == ""


async def test_assign_and_unassign_refuse_what_does_not_exist(stores: Stores) -> None:
    """Unknown locations or chargers are NotFound, as is unassigning from the wrong location."""
    await stores.locations.create("a", name="A", at=at(0))
    await stores.locations.create("b", name="B", at=at(0))
    await stores.locations.assign("a", "CP-1", at(1))
    with pytest.raises(NotFound, match="location 'nowhere'"):
        await stores.locations.assign("nowhere", "CP-1", at(2))
    with pytest.raises(NotFound, match="charger 'NOPE'"):
        await stores.locations.assign("a", "NOPE", at(2))
    with pytest.raises(NotFound, match="not assigned"):
        await stores.locations.unassign("b", "CP-1", at(2))
    with pytest.raises(NotFound, match="not assigned"):
        await stores.locations.unassign("a", "CP-2", at(2))
    with pytest.raises(NotFound, match="location 'nowhere'"):
        await stores.locations.unassign("nowhere", "CP-1", at(2))
    a = await stores.locations.get("a")
    assert a is not None
    assert a.charger_ids == ("CP-1",)


async def test_delete_unassigns_the_chargers(stores: Stores) -> None:
    """Deleting a location unassigns its chargers; deleting an unknown one is NotFound."""
    await stores.locations.create("a", name="A", at=at(0))
    await stores.locations.create("b", name="B", at=at(0))
    await stores.locations.assign("a", "CP-1", at(1))
    await stores.locations.assign("b", "CP-2", at(1))
    await stores.locations.delete("a")
    assert await stores.locations.get("a") is None
    one = await stores.chargers.get("CP-1")
    two = await stores.chargers.get("CP-2")
    assert one is not None
    assert two is not None
    assert (one.location_id, two.location_id) == ("", "b")
    with pytest.raises(NotFound, match="location 'a'"):
        await stores.locations.delete("a")
    remaining, _ = await stores.locations.list(page_size=10)
    assert [loc.location_id for loc in remaining] == ["b"]
