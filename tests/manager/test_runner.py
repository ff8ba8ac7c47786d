"""The task store and the runner's pieces that need no charger: atomic claims of queued
tasks, expiry, the restart sweep, idempotency keys, secrets kept out of the history.

PostgreSQL and SQLite (embedded mode), each a fresh database with every migration.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from services.common import OcppVersion
from services.manager._runner import redacted
from services.manager._stores import Stores
from services.manager.store import AlreadyExists
from services.manager.store._tasks_store import SqlTaskStore, TaskRecord
from services.registry import MemoryRegistry
from tests.harness import running_manager

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


@pytest.fixture(params=["postgres", "sqlite"])
def db_url(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


@pytest.fixture
async def store(db_url: str) -> AsyncIterator[SqlTaskStore]:
    stores = await Stores.open(db_url)
    try:
        assert stores.tasks is not None
        yield stores.tasks
    finally:
        await stores.aclose()


def task(
    task_id: str,
    *,
    charger_id: str = "CP-1",
    state: str = "queued",
    created: datetime = NOW,
    deliver_by: datetime | None = NOW + timedelta(hours=1),
    requested_by: str = "ops",
    request_id: str = "",
) -> TaskRecord:
    return TaskRecord(
        task_id=task_id,
        charger_id=charger_id,
        action="Reset",
        ocpp_version=OcppVersion.V16,
        payload_json='{"type":"Soft"}',
        state=state,
        created_at=created,
        requested_by=requested_by,
        request_id=request_id,
        sent_at=created if state == "sent" else None,
        deliver_by=deliver_by if state == "queued" else None,
    )


async def test_queued_tasks_are_claimed_in_creation_order_each_once(store: SqlTaskStore) -> None:
    for n in range(5):
        await store.create(task(f"task_{n}"))
    await store.create(task("task_other", charger_id="CP-2"))
    await store.create(task("task_late", deliver_by=NOW - timedelta(seconds=1)))
    # Ten claimers at once (as two managers would race): each task goes to one of them.
    claims = await asyncio.gather(*(store.claim_next_queued("CP-1", at=NOW) for _ in range(10)))
    claimed = [c.task_id for c in claims if c is not None]
    assert sorted(claimed) == [f"task_{n}" for n in range(5)]
    assert all(c is None or c.state == "sent" for c in claims)
    assert await store.claim_next_queued("CP-1", at=NOW) is None  # the late one is not sent


async def test_claims_follow_creation_order(store: SqlTaskStore) -> None:
    for n in range(3):
        await store.create(task(f"task_{n}"))
    order = []
    while (claimed := await store.claim_next_queued("CP-1", at=NOW)) is not None:
        order.append(claimed.task_id)
    assert order == ["task_0", "task_1", "task_2"]


async def test_expiry_and_outcomes_happen_once(store: SqlTaskStore) -> None:
    await store.create(task("task_soon", deliver_by=NOW + timedelta(seconds=5)))
    await store.create(task("task_later", deliver_by=NOW + timedelta(hours=1)))
    assert await store.expire(at=NOW + timedelta(seconds=10)) == 1
    expired = await store.get("task_soon")
    assert expired is not None
    assert expired.state == "expired"
    assert await store.expire(at=NOW + timedelta(seconds=10)) == 0
    # A final task is never moved again: a late outcome or a cancel changes nothing.
    assert await store.finish("task_soon", "answered", at=NOW, answer_json="{}") is None
    current, cancelled = await store.cancel("task_soon", at=NOW)
    assert (current.state, cancelled) == ("expired", False)
    current, cancelled = await store.cancel("task_later", at=NOW)
    assert (current.state, current.error_code, cancelled) == ("aborted", "Cancelled", True)


async def test_a_request_id_is_unique_per_caller(store: SqlTaskStore) -> None:
    await store.create(task("task_a", request_id="k-1"))
    with pytest.raises(AlreadyExists):
        await store.create(task("task_b", request_id="k-1"))
    await store.create(task("task_c", request_id="k-1", requested_by="someone-else"))
    await store.create(task("task_d"))  # no key: never collides
    await store.create(task("task_e"))
    first = await store.by_request("ops", "k-1")
    assert first is not None
    assert first.task_id == "task_a"


async def test_a_restarted_manager_aborts_tasks_left_waiting(sqlite_url: str) -> None:
    stores = await Stores.open(sqlite_url)
    try:
        assert stores.tasks is not None
        old = datetime.now(UTC) - timedelta(minutes=10)
        await stores.tasks.create(task("task_stale", state="sent", created=old))
        await stores.tasks.create(task("task_fresh", state="sent", created=datetime.now(UTC)))
    finally:
        await stores.aclose()
    registry = MemoryRegistry()
    async with running_manager(registry, sqlite_url) as manager:
        assert manager.stores.tasks is not None
        stale = await manager.stores.tasks.get("task_stale")
        fresh = await manager.stores.tasks.get("task_fresh")
    assert stale is not None
    assert (stale.state, stale.error_code) == ("aborted", "ManagerRestarted")
    assert fresh is not None
    assert fresh.state == "sent"


def test_secrets_are_not_kept_in_the_history() -> None:
    assert redacted({"key": "AuthorizationKey", "value": "00112233"}) == {
        "key": "AuthorizationKey",
        "value": "<redacted>",
    }
    assert redacted({"key": "HeartbeatInterval", "value": "60"}) == {
        "key": "HeartbeatInterval",
        "value": "60",
    }
    sent = {
        "setVariableData": [
            {
                "attributeValue": "secret-password-123",
                "component": {"name": "SecurityCtrlr"},
                "variable": {"name": "BasicAuthPassword"},
            },
            {
                "attributeValue": "60",
                "component": {"name": "OCPPCommCtrlr"},
                "variable": {"name": "HeartbeatInterval"},
            },
        ]
    }
    values = [item["attributeValue"] for item in redacted(sent)["setVariableData"]]
    assert values == ["<redacted>", "60"]
    assert redacted({"apn": {"apnPassword": "x", "apn": "internet"}}) == {
        "apn": {"apnPassword": "<redacted>", "apn": "internet"}
    }


async def test_a_task_the_node_could_not_deliver_is_queued_again(store: SqlTaskStore) -> None:
    """The registry still named the charger but the node no longer held it: the task goes
    back to queued (it was never delivered) and is claimed at the next connection."""
    await store.create(task("task_raced", state="sent"))
    again = await store.requeue("task_raced", deliver_by=NOW + timedelta(minutes=5))
    assert again is not None
    assert (again.state, again.sent_at) == ("queued", None)
    assert await store.requeue("task_raced", deliver_by=NOW) is None  # only from sent
    claimed = await store.claim_next_queued("CP-1", at=NOW)
    assert claimed is not None
    assert claimed.task_id == "task_raced"
