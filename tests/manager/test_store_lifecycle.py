"""The charger lifecycle in the ChargerStore contract: create, update, retire, restore,
the admission row, and the retired filter; on PostgreSQL and SQLite."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from services.manager.store import (
    AlreadyExists,
    ChargerStore,
    LocationStore,
    NotFound,
    SqlChargerStore,
    SqlLocationStore,
)

T0 = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
NEVER = 3600.0


@dataclass
class Stores:
    chargers: ChargerStore
    locations: LocationStore


@pytest.fixture
async def stores(store_url: str) -> AsyncIterator[Stores]:
    """A charger store and a location store on the same (empty) database."""
    sql = await SqlChargerStore.open(store_url, flush_interval=NEVER)
    try:
        yield Stores(sql, SqlLocationStore(sql.engine))
    finally:
        await sql.aclose()


async def test_create_reads_back_without_the_password(stores: Stores) -> None:
    """A created charger has its profile, status, description and location, and says it has
    a password without carrying it."""
    await stores.locations.create("loc-1", name="Depot", at=T0)
    record = await stores.chargers.create(
        "CP-1",
        security_profile=1,
        password_hash="$argon2id$fake",
        description="by the gate",
        location_id="loc-1",
        registration_status="Pending",
        at=T0,
    )
    assert (record.security_profile, record.registration_status) == (1, "Pending")
    assert (record.description, record.location_id) == ("by the gate", "loc-1")
    assert record.has_password
    assert not record.password_rotation_pending
    assert record.retired_at is None
    assert record.registered_at == T0
    assert await stores.chargers.get("CP-1") == record
    admission = await stores.chargers.admission("CP-1")
    assert admission is not None
    assert (admission.security_profile, admission.registration_status) == (1, "Pending")
    assert (admission.password_hash, admission.retired) == ("$argon2id$fake", False)


async def test_create_refuses_an_existing_id_and_names_restore_for_a_retired_one(
    stores: Stores,
) -> None:
    """Creating an id that exists is AlreadyExists; for a retired charger the message says
    to restore it."""
    await stores.chargers.create("CP-1", at=T0)
    with pytest.raises(AlreadyExists, match="exists already"):
        await stores.chargers.create("CP-1", at=T0)
    await stores.chargers.retire("CP-1", T0)
    with pytest.raises(AlreadyExists, match="restore"):
        await stores.chargers.create("CP-1", at=T0)


async def test_create_and_update_need_an_existing_location(stores: Stores) -> None:
    """A location that does not exist is NotFound, and nothing is written."""
    with pytest.raises(NotFound, match="location 'nowhere'"):
        await stores.chargers.create("CP-1", location_id="nowhere", at=T0)
    assert await stores.chargers.get("CP-1") is None
    await stores.chargers.create("CP-1", at=T0)
    with pytest.raises(NotFound, match="location 'nowhere'"):
        await stores.chargers.update("CP-1", location_id="nowhere", at=T0)


async def test_update_changes_only_the_named_fields(stores: Stores) -> None:
    """update changes the fields given and keeps the others; "" location means none."""
    await stores.locations.create("loc-1", name="Depot", at=T0)
    await stores.chargers.create("CP-1", description="old", location_id="loc-1", at=T0)
    record = await stores.chargers.update(
        "CP-1", registration_status="Rejected", location_id="", at=T0
    )
    assert (record.registration_status, record.location_id, record.description) == (
        "Rejected",
        "",
        "old",
    )
    record = await stores.chargers.update(
        "CP-1", security_profile=2, password_hash="$argon2id$x", at=T0
    )
    assert (record.security_profile, record.has_password) == (2, True)
    record = await stores.chargers.update("CP-1", security_profile=0, password_hash=None, at=T0)
    assert (record.security_profile, record.has_password) == (0, False)
    with pytest.raises(NotFound):
        await stores.chargers.update("GHOST", description="x", at=T0)
    with pytest.raises(ValueError, match="security profile"):
        await stores.chargers.update("CP-1", security_profile=4, at=T0)
    with pytest.raises(ValueError, match="registration status"):
        await stores.chargers.update("CP-1", registration_status="Maybe", at=T0)


async def test_retire_keeps_history_and_restore_brings_it_back(stores: Stores) -> None:
    """Retiring sets retired_at once (a second retire keeps the first time) and keeps the
    charger's rows; restoring clears it; both are NotFound for an unknown id."""
    await stores.chargers.register("CP-1", "1.6", T0)
    stores.chargers.set_connector_status("CP-1", 1, 1, "Available", "NoError", "", "", T0)
    retired = await stores.chargers.retire("CP-1", T0 + timedelta(seconds=1))
    assert retired.retired_at == T0 + timedelta(seconds=1)
    assert [c.status for c in retired.connectors] == ["Available"]
    again = await stores.chargers.retire("CP-1", T0 + timedelta(seconds=2))
    assert again.retired_at == T0 + timedelta(seconds=1)
    admission = await stores.chargers.admission("CP-1")
    assert admission is not None
    assert admission.retired
    restored = await stores.chargers.restore("CP-1", T0 + timedelta(seconds=3))
    assert restored.retired_at is None
    assert [c.status for c in restored.connectors] == ["Available"]
    for change in (stores.chargers.retire, stores.chargers.restore):
        with pytest.raises(NotFound):
            await change("GHOST", T0)


async def test_list_filters_retired_chargers(stores: Stores) -> None:
    """retired=False keeps active chargers, True only retired ones, None all of them."""
    for charger_id in ("CP-1", "CP-2", "CP-3"):
        await stores.chargers.register(charger_id, "1.6", T0)
    await stores.chargers.retire("CP-2", T0)

    async def ids(retired: bool | None) -> list[str]:
        page, _ = await stores.chargers.list(page_size=10, retired=retired)
        return [r.charger_id for r in page]

    assert await ids(False) == ["CP-1", "CP-3"]
    assert await ids(True) == ["CP-2"]
    assert await ids(None) == ["CP-1", "CP-2", "CP-3"]


async def test_register_with_a_status_and_admission_of_unknown(stores: Stores) -> None:
    """Auto-registration records the configured status with profile 0; an unknown id has no
    admission row; registering an existing charger changes nothing."""
    assert await stores.chargers.admission("CP-NEW") is None
    await stores.chargers.register("CP-NEW", "2.0.1", T0, registration_status="Pending")
    admission = await stores.chargers.admission("CP-NEW")
    assert admission is not None
    assert (admission.security_profile, admission.registration_status) == (0, "Pending")
    assert admission.password_hash is None
    await stores.chargers.register("CP-NEW", "2.0.1", T0, registration_status="Accepted")
    record = await stores.chargers.get("CP-NEW")
    assert record is not None
    assert record.registration_status == "Pending"


async def test_an_operator_password_ends_a_rotation(stores: Stores) -> None:
    """Setting the password clears a rotated one waiting for the charger."""
    await stores.chargers.create("CP-1", security_profile=1, password_hash="$a$old", at=T0)
    record = await stores.chargers.update("CP-1", password_hash="$a$new", at=T0)
    assert record.has_password
    assert not record.password_rotation_pending
    admission = await stores.chargers.admission("CP-1")
    assert admission is not None
    assert (admission.password_hash, admission.new_password_hash) == ("$a$new", None)
