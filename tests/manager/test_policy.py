"""ChargerPolicy: admission and boot status from the charger's admission row (unit tests
over the SQL store on SQLite, and the batching of admission reads on PostgreSQL and SQLite)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from services.manager._policy import ChargerPolicy
from services.manager.store import ChargerAdmission, SqlChargerStore, StoreUnavailable

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


class Switchable(SqlChargerStore):
    """The SQL charger store, whose admission reads can be made to fail."""

    down = False

    async def admission(self, charger_id: str) -> ChargerAdmission | None:
        if self.down:
            raise StoreUnavailable("database unavailable while testing")
        return await super().admission(charger_id)


@pytest.fixture
async def store(migrated_sqlite_url: str) -> AsyncIterator[Switchable]:
    """The charger store on this test's own SQLite database."""
    opened = await Switchable.open(migrated_sqlite_url, migrate=False)
    try:
        yield opened
    finally:
        await opened.aclose()


async def test_a_charger_retired_elsewhere_is_refused_at_its_next_admission(
    store: Switchable,
) -> None:
    """A charger admitted before is refused once retired, even when another manager (another
    policy on the same database) retired it: nothing is answered from memory."""
    here, there = ChargerPolicy(store, auto_register=False), ChargerPolicy(store)
    await store.create("CP-1", at=NOW)
    assert (await here.admit("CP-1", "1.6", NOW)).admitted
    await store.retire("CP-1", NOW)
    decision = await here.admit("CP-1", "1.6", NOW)
    assert not decision.admitted
    assert decision.reason == "charger CP-1 is retired; an admin can restore it"
    assert not (await there.admit("CP-1", "1.6", NOW)).admitted  # auto-registration too
    await store.restore("CP-1", NOW)
    assert (await here.admit("CP-1", "1.6", NOW)).admitted


async def test_admission_carries_the_row_for_the_credential_check(store: Switchable) -> None:
    """An admitted charger's admission row (profile, password hash) comes with the decision."""
    await store.create("CP-1", security_profile=1, password_hash="$argon2id$h", at=NOW)
    decision = await ChargerPolicy(store, auto_register=False).admit("CP-1", "1.6", NOW)
    assert decision.charger is not None
    assert (decision.charger.security_profile, decision.charger.password_hash) == (1, "$argon2id$h")


async def test_while_the_database_is_down_only_chargers_read_before_are_answered(
    store: Switchable,
) -> None:
    """During an outage a charger read before is admitted and answered its status as read;
    one never read is an outage (StoreUnavailable), never admitted blindly."""
    policy = ChargerPolicy(store, auto_register=False)
    await store.create("CP-1", registration_status="Pending", at=NOW)
    assert (await policy.admit("CP-1", "1.6", NOW)).admitted
    store.down = True
    assert (await policy.admit("CP-1", "1.6", NOW)).admitted
    assert await policy.boot_status("CP-1", "1.6", NOW) == "Pending"
    with pytest.raises(StoreUnavailable):
        await policy.admit("CP-2", "1.6", NOW)


async def test_not_accepted_chargers_are_gated_until_accepted(store: Switchable) -> None:
    """Admission and boot record a charger that is not Accepted in `gated` (the dispatcher
    refuses its calls) and an Accepted boot takes it out."""
    policy = ChargerPolicy(store, auto_register=True, auto_register_status="Pending")
    assert (await policy.admit("NEW", "2.0.1", NOW)).admitted
    assert policy.gated == {"NEW": "Pending"}
    await store.update("NEW", registration_status="Accepted", at=NOW)
    assert await policy.boot_status("NEW", "2.0.1", NOW) == "Accepted"
    assert policy.gated == {}


async def test_a_reconnect_storm_reads_admissions_in_batches(store_url: str) -> None:
    """200 concurrent admissions read their rows in a few queries, not 200."""
    store = await SqlChargerStore.open(store_url, flush_interval=3600.0)
    try:
        ids = [f"CP-{n:03}" for n in range(200)]
        for charger_id in ids:
            await store.register(charger_id, "1.6", NOW)
        policy = ChargerPolicy(store, auto_register=False)
        before = store._admissions.batches
        decisions = await asyncio.gather(*(policy.admit(c, "1.6", NOW) for c in ids))
        assert all(d.admitted for d in decisions)
        assert store._admissions.batches - before <= 5
    finally:
        await store.aclose()
