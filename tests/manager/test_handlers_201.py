"""OCPP 2.0.1 call handlers (v201/router.py) as units: a transaction's events on the
manager's real stores (a SQLite copy of the test's own) and a clock the test moves. No node,
charger or network: the end-to-end side is tests/test_ocpp201_transactions.py."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.common import OcppVersion
from services.manager._connector_states import ConnectorStates
from services.manager._context import CallContext, Router
from services.manager._policy import ChargerPolicy
from services.manager._provisioning import BootBacklog
from services.manager._stores import Stores
from services.manager._watch import EventBus
from services.manager.v201.router import build_router
from tests.manager.fake_clock import FakeClock

START = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
CHARGER = "CS-1"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
async def router(stores: Stores, clock: FakeClock) -> Router:
    await stores.chargers.register(CHARGER, "2.0.1", START)
    await stores.id_tags.create("TOKEN-1", at=START)
    return build_router(
        stores,
        ChargerPolicy(stores.chargers),
        clock,
        EventBus(clock=clock),
        boots=BootBacklog(stores.chargers),
        states=ConnectorStates(),
    )


async def call(router: Router, action: str, payload: dict[str, Any]) -> dict[str, Any]:
    ctx = CallContext(CHARGER, OcppVersion.V201, epoch=1, message_id="m1", received_at=START)
    reply = router[action](ctx, payload)
    if inspect.isawaitable(reply):
        reply = await reply
    assert isinstance(reply, dict)
    return reply


def event(kind: str, seq_no: int, at: datetime, wh: float, **extra: Any) -> dict[str, Any]:
    return {
        "eventType": kind,
        "timestamp": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "triggerReason": {"Started": "Authorized", "Updated": "MeterValuePeriodic"}.get(
            kind, "StopAuthorized"
        ),
        "seqNo": seq_no,
        "transactionInfo": {"transactionId": "TX-9"},
        "evse": {"id": 1, "connectorId": 1},
        "meterValue": [
            {
                "timestamp": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "sampledValue": [{"value": wh, "measurand": "Energy.Active.Import.Register"}],
            }
        ],
        **extra,
    }


async def test_a_transaction_from_its_events_with_a_repeated_event_counted_once(
    router: Router, stores: Stores, clock: FakeClock
) -> None:
    """Started, Updated (sent twice: a charger retrying after a lost answer), Ended: one
    transaction, its energy the register's rise, its id token's status answered."""
    token = {"idToken": "TOKEN-1", "type": "ISO14443"}
    started = await call(
        router, "TransactionEvent", event("Started", 0, START, 100.0, idToken=token)
    )
    assert started["idTokenInfo"]["status"] == "Accepted"
    updated = event("Updated", 1, START + timedelta(minutes=10), 2100.0)
    await call(router, "TransactionEvent", updated)
    await call(router, "TransactionEvent", updated)
    clock.advance(minutes=20)
    await call(router, "TransactionEvent", event("Ended", 2, clock.now, 4100.0))
    transaction = await stores.transactions.get_by_charger_transaction_id(CHARGER, "TX-9")
    assert transaction is not None
    assert (transaction.active, transaction.energy_wh, transaction.id_tag) == (
        False,
        4000.0,
        "TOKEN-1",
    )
    assert transaction.stopped_at == clock.now
