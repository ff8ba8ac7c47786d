"""OCPP 1.6 call handlers (v16/router.py) as units: each called with a CallContext and a
payload, on the manager's real stores (a SQLite copy of the test's own) and a clock the
test moves. No node, charger or network: the end-to-end side is tests/test_ocpp16_*.py."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.common import OcppVersion
from services.manager._authorization import Authorizer
from services.manager._connector_states import ConnectorStates
from services.manager._context import CallContext, Router
from services.manager._policy import ChargerPolicy
from services.manager._provisioning import BootBacklog
from services.manager._stores import Stores
from services.manager._watch import EventBus
from services.manager.v16.router import build_router
from tests.manager.fake_clock import FakeClock

START = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
CHARGER = "CP-1"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
async def router(stores: Stores, clock: FakeClock) -> Router:
    await stores.chargers.register(CHARGER, "1.6", START)
    policy = ChargerPolicy(stores.chargers, heartbeat_interval=120)
    return build_router(
        stores,
        policy,
        clock,
        Authorizer(stores.id_tags, stores.transactions, clock),
        {},
        EventBus(clock=clock),
        boots=BootBacklog(stores.chargers),
        states=ConnectorStates(),
    )


async def call(router: Router, action: str, payload: dict[str, Any]) -> dict[str, Any]:
    ctx = CallContext(CHARGER, OcppVersion.V16, epoch=1, message_id="m1", received_at=START)
    reply = router[action](ctx, payload)
    if inspect.isawaitable(reply):
        reply = await reply
    assert isinstance(reply, dict)
    return reply


def ocpp(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


async def test_boot_and_heartbeat_answer_the_clocks_time(
    router: Router, stores: Stores, clock: FakeClock
) -> None:
    boot = {"chargePointVendor": "Acme", "chargePointModel": "AC-22"}
    reply = await call(router, "BootNotification", boot)
    assert reply == {
        "currentTime": "2026-12-01T08:00:00.000Z",
        "interval": 120,
        "status": "Accepted",
    }
    record = await stores.chargers.get(CHARGER)
    assert record is not None
    assert (record.vendor, record.model, record.last_boot_at) == ("Acme", "AC-22", START)
    clock.advance(seconds=90.5)
    assert await call(router, "Heartbeat", {}) == {"currentTime": "2026-12-01T08:01:30.500Z"}


async def test_a_tag_expires_when_the_clock_passes_its_expiry(
    router: Router, stores: Stores, clock: FakeClock
) -> None:
    """Authorize answers Accepted until the tag's expiry date, Expired after it."""
    expiry = START + timedelta(hours=1)
    await stores.id_tags.create("CARD-1", expiry_date=expiry, at=START)
    reply = await call(router, "Authorize", {"idTag": "CARD-1"})
    assert reply["idTagInfo"]["status"] == "Accepted"
    clock.advance(hours=1, seconds=1)
    reply = await call(router, "Authorize", {"idTag": "CARD-1"})
    assert reply["idTagInfo"]["status"] == "Expired"


async def test_a_member_of_a_blocked_group_is_blocked_and_a_stranger_invalid(
    router: Router, stores: Stores
) -> None:
    await stores.id_tags.create("FLEET", status="Blocked", at=START)
    await stores.id_tags.create("CARD-2", parent_id_tag="FLEET", at=START)
    member = await call(router, "Authorize", {"idTag": "CARD-2"})
    assert member["idTagInfo"]["status"] == "Blocked"
    assert member["idTagInfo"]["parentIdTag"] == "FLEET"
    stranger = await call(router, "Authorize", {"idTag": "NOBODY"})
    assert stranger["idTagInfo"]["status"] == "Invalid"


async def test_a_retried_start_gets_the_same_transaction_and_stop_records_the_energy(
    router: Router, stores: Stores, clock: FakeClock
) -> None:
    """A StartTransaction repeated (lost answer, charger retries) is the same transaction;
    StopTransaction ends it with the energy between the two meter readings."""
    await stores.id_tags.create("CARD-3", at=START)
    start = {"connectorId": 1, "idTag": "CARD-3", "meterStart": 1000, "timestamp": ocpp(START)}
    first = await call(router, "StartTransaction", start)
    again = await call(router, "StartTransaction", start)
    assert first["idTagInfo"]["status"] == "Accepted"
    assert again["transactionId"] == first["transactionId"]
    clock.advance(minutes=30)
    stop = {
        "transactionId": first["transactionId"],
        "meterStop": 8500,
        "timestamp": ocpp(clock.now),
        "reason": "Local",
    }
    await call(router, "StopTransaction", stop)
    transaction = await stores.transactions.get(first["transactionId"])
    assert transaction is not None
    assert (transaction.active, transaction.energy_wh, transaction.stop_reason) == (
        False,
        7500,
        "Local",
    )
    assert transaction.stopped_at == clock.now


async def test_a_tag_at_its_concurrency_limit_gets_concurrent_tx(
    router: Router, stores: Stores
) -> None:
    """With max_active_transactions 1 and one running, Authorize answers ConcurrentTx."""
    await stores.id_tags.create("CARD-4", max_active_transactions=1, at=START)
    start = {"connectorId": 1, "idTag": "CARD-4", "meterStart": 0, "timestamp": ocpp(START)}
    await call(router, "StartTransaction", start)
    reply = await call(router, "Authorize", {"idTag": "CARD-4"})
    assert reply["idTagInfo"]["status"] == "ConcurrentTx"
