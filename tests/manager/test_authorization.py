"""Unit tests of the Authorizer's idTagInfo, on SQLite stores with a fake clock (the rules
themselves: ``test_domain.py``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.manager._authorization import Authorizer
from services.manager._stores import Stores

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
async def charger(stores: Stores) -> None:
    await stores.chargers.register("CP", "1.6", NOW)


def authorizer(stores: Stores, *, now: datetime = NOW, unknown: str = "Invalid") -> Authorizer:
    return Authorizer(stores.id_tags, stores.transactions, lambda: now, unknown_status=unknown)


async def test_unknown_tag_gets_the_configured_status(stores: Stores) -> None:
    """Unknown tags are Invalid by default and whatever the operator configured otherwise."""
    assert await authorizer(stores).id_tag_info("NEW") == {"status": "Invalid"}
    assert await authorizer(stores, unknown="Accepted").id_tag_info("NEW") == {"status": "Accepted"}


async def test_expiry_is_judged_by_the_clock(stores: Stores) -> None:
    """A tag is Accepted until its expiry date and Expired from then on."""
    expiry = NOW + timedelta(hours=1)
    await stores.id_tags.create("T", expiry_date=expiry, at=NOW)
    before = await authorizer(stores).id_tag_info("T")
    after = await authorizer(stores, now=expiry).id_tag_info("T")
    assert before == {"status": "Accepted", "expiryDate": "2026-11-24T13:00:00.000Z"}
    assert after["status"] == "Expired"


async def test_a_child_inherits_a_refusing_parent(stores: Stores) -> None:
    """A child of an expired group is Expired; of an accepted group, Accepted with parentIdTag."""
    await stores.id_tags.create("G", expiry_date=NOW - timedelta(seconds=1), at=NOW)
    await stores.id_tags.create("C", parent_id_tag="G", at=NOW)
    assert await authorizer(stores).id_tag_info("C") == {"status": "Expired", "parentIdTag": "G"}
    await stores.id_tags.update("G", expiry_date=None, at=NOW)
    assert await authorizer(stores).id_tag_info("C") == {"status": "Accepted", "parentIdTag": "G"}


async def test_concurrency_limit_counts_active_transactions_only(stores: Stores) -> None:
    """With a limit of 1, a second start is ConcurrentTx until the first transaction stops."""
    await stores.id_tags.create("ONE", max_active_transactions=1, at=NOW)
    tx, _ = await stores.transactions.start(
        charger_id="CP",
        connector_id=1,
        id_tag="ONE",
        id_tag_status="Accepted",
        meter_start=0,
        started_at=NOW,
    )
    assert (await authorizer(stores).id_tag_info("ONE", starting=True))["status"] == "ConcurrentTx"
    assert (await authorizer(stores).id_tag_info("ONE"))["status"] == "Accepted"
    await stores.transactions.stop(
        charger_id="CP",
        transaction_id=tx.transaction_id,
        meter_stop=10,
        stopped_at=NOW,
        reason="Local",
    )
    assert (await authorizer(stores).id_tag_info("ONE", starting=True))["status"] == "Accepted"
