"""The task history (issue 12): every command is a task with its outcome; idempotency keys;
commands queued for an offline charger; TaskService listing, cancelling, roles.

Real manager (PostgreSQL), real node, real Redis registry; chargers are the `ocpp`
library's ChargePoint (tests.harness.Charger16) with a few scripted handlers.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import orjson
import pytest
from csms.v1 import (
    auth_pb2,
    auth_pb2_grpc,
    chargers_pb2,
    chargers_pb2_grpc,
    common_pb2,
    device_model_pb2,
    device_model_pb2_grpc,
    reservations_pb2,
    reservations_pb2_grpc,
    tasks_pb2,
    tasks_pb2_grpc,
)
from google.protobuf.timestamp_pb2 import Timestamp
from ocpp.routing import on
from ocpp.v16 import call_result as result16

from services import csmsctl
from services.manager import Manager
from services.node import Node
from services.registry import RedisRegistry
from tests.harness import (
    ADMIN_TOKEN,
    UNIT,
    Charger16,
    Station16,
    api_channel,
    charger_url,
    connected,
    eventually,
    running_manager,
    running_node,
)

S = common_pb2


class Scripted16(Charger16):
    """Records every CSMS call it handles, in order; ClearCache does what `clear_cache` says:
    "answer", "hang" (never answers), or "close" (closes the socket on receiving it)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.received: list[str] = []
        self.clear_cache = "answer"
        self.release = asyncio.Event()
        self.hold_resets = False

    @on("Reset")  # type: ignore[untyped-decorator]
    async def on_reset(self, type: str, **_: Any) -> result16.Reset:
        self.received.append("Reset")
        self.resets.append(type)
        if self.hold_resets:
            await self.release.wait()
        return result16.Reset(status="Accepted")

    @on("ChangeConfiguration")  # type: ignore[untyped-decorator]
    def on_change_configuration(
        self, key: str, value: str, **_: Any
    ) -> result16.ChangeConfiguration:
        self.received.append(f"ChangeConfiguration {key}={value}")
        return result16.ChangeConfiguration(status="Accepted")

    @on("TriggerMessage")  # type: ignore[untyped-decorator]
    def on_trigger(self, requested_message: str, **_: Any) -> result16.TriggerMessage:
        self.received.append(f"TriggerMessage {requested_message}")
        return result16.TriggerMessage(status="Accepted")

    @on("ClearCache")  # type: ignore[untyped-decorator]
    async def on_clear_cache(self, **_: Any) -> result16.ClearCache:
        self.received.append("ClearCache")
        if self.clear_cache == "hang":
            await asyncio.Event().wait()
        if self.clear_cache == "close":
            await self._connection.close()
        return result16.ClearCache(status="Accepted")


@pytest.fixture
async def tasks_api(manager: Manager) -> AsyncIterator[tasks_pb2_grpc.TaskServiceAsyncStub]:
    async with api_channel(f"127.0.0.1:{manager.port}") as channel:
        yield tasks_pb2_grpc.TaskServiceStub(channel)


def options(request_id: str = "", deliver_in: float | None = None) -> S.TaskOptions:
    message = S.TaskOptions(request_id=request_id)
    if deliver_in is not None:
        deliver_by = Timestamp()
        deliver_by.FromDatetime(datetime.now(UTC) + timedelta(seconds=deliver_in))
        message.deliver_by.CopyFrom(deliver_by)
    return message


async def task_of(tasks: Any, task_id: str) -> tasks_pb2.Task:
    task: tasks_pb2.Task = await tasks.GetTask(tasks_pb2.GetTaskRequest(task_id=task_id))
    return task


async def only_task(tasks: Any, charger_id: str) -> tasks_pb2.Task:
    listed = await tasks.ListTasks(tasks_pb2.ListTasksRequest(charger_id=charger_id))
    assert len(listed.tasks) == 1, listed
    task: tasks_pb2.Task = listed.tasks[0]
    return task


async def offline_charger(node: Node, charger_id: str) -> None:
    """A charger the CSMS knows (it booted once) and that is not connected now."""
    async with connected(Scripted16, charger_url(node, charger_id), charger_id) as cp:
        await cp.boot()

    async def gone() -> bool:
        return await node.registry.lookup(charger_id) is None

    await eventually(gone)


# --- each outcome -------------------------------------------------------------------------


async def test_an_answered_command_is_a_task_with_its_answer_and_who_asked(
    api: Any, tasks_api: Any, node: Node
) -> None:
    async with connected(Scripted16, charger_url(node, "T-ANS"), "T-ANS") as cp:
        await cp.boot()
        response = await api.Reset(
            chargers_pb2.ResetRequest(charger_id="T-ANS", kind=chargers_pb2.RESET_KIND_HARD)
        )
    assert response.status == "Accepted"
    assert response.task.state == S.TASK_STATE_ANSWERED
    task = await task_of(tasks_api, response.task.task_id)
    assert (task.charger_id, task.action, task.state) == ("T-ANS", "Reset", S.TASK_STATE_ANSWERED)
    assert orjson.loads(task.payload_json) == {"type": "Hard"}
    assert orjson.loads(task.answer_json) == {"status": "Accepted"}
    assert task.requested_by == "bootstrap"
    assert task.ocpp_version == S.OCPP_VERSION_16
    assert task.sent_at.ToDatetime() <= task.finished_at.ToDatetime()
    assert cp.resets == ["Hard"]


async def test_a_call_error_is_recorded_with_its_code(api: Any, tasks_api: Any, node: Node) -> None:
    async with connected(Scripted16, charger_url(node, "T-ERR"), "T-ERR") as cp:
        await cp.boot()
        with pytest.raises(grpc.aio.AioRpcError) as failed:
            # Charger16 has no handler for UnlockConnector: the library answers a CallError.
            await api.UnlockConnector(
                chargers_pb2.UnlockConnectorRequest(charger_id="T-ERR", connector_id=1)
            )
    assert failed.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    task = await only_task(tasks_api, "T-ERR")
    assert task.state == S.TASK_STATE_CALL_ERROR
    assert task.error_code == "NotImplemented"
    assert task.action == "UnlockConnector"


async def test_a_command_never_answered_times_out(
    registry: RedisRegistry, postgres_url: str
) -> None:
    async with (
        running_manager(registry, postgres_url, task_timeout=UNIT) as manager,
        running_node(registry, manager.port, "node-t") as node,
        api_channel(f"127.0.0.1:{manager.port}") as channel,
        connected(Scripted16, charger_url(node, "T-HANG"), "T-HANG") as cp,
    ):
        await cp.boot()
        cp.clear_cache = "hang"
        api = chargers_pb2_grpc.ChargerServiceStub(channel)
        with pytest.raises(grpc.aio.AioRpcError) as failed:
            await api.ClearCache(chargers_pb2.ClearCacheRequest(charger_id="T-HANG"))
        assert failed.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        task = await only_task(tasks_pb2_grpc.TaskServiceStub(channel), "T-HANG")
    assert task.state == S.TASK_STATE_TIMED_OUT
    assert task.error_code == "Timeout"
    assert cp.received == ["ClearCache"]


async def test_a_command_delivered_then_the_socket_closed_is_aborted(
    api: Any, tasks_api: Any, node: Node
) -> None:
    async with connected(Scripted16, charger_url(node, "T-CLOSE"), "T-CLOSE") as cp:
        await cp.boot()
        cp.clear_cache = "close"
        with pytest.raises(grpc.aio.AioRpcError) as failed:
            await api.ClearCache(chargers_pb2.ClearCacheRequest(charger_id="T-CLOSE"))
    assert failed.value.code() == grpc.StatusCode.ABORTED
    task = await only_task(tasks_api, "T-CLOSE")
    assert task.state == S.TASK_STATE_ABORTED
    assert task.error_code == "Disconnected"
    assert cp.received == ["ClearCache"]


# --- queued commands --------------------------------------------------------------------------


async def test_queued_commands_are_sent_on_reconnect_in_order_once(
    api: Any, tasks_api: Any, node: Node
) -> None:
    await offline_charger(node, "T-Q")
    first = await api.ChangeConfiguration(
        chargers_pb2.ChangeConfigurationRequest(
            charger_id="T-Q",
            key="HeartbeatInterval",
            value="77",
            task_options=options(deliver_in=60),
        )
    )
    second = await api.Reset(
        chargers_pb2.ResetRequest(
            charger_id="T-Q", kind=chargers_pb2.RESET_KIND_SOFT, task_options=options(deliver_in=60)
        )
    )
    third = await api.TriggerMessage(
        chargers_pb2.TriggerMessageRequest(
            charger_id="T-Q",
            requested_message=chargers_pb2.TRIGGERABLE_MESSAGE_HEARTBEAT,
            task_options=options(deliver_in=60),
        )
    )
    for queued in (first, second, third):
        assert queued.task.state == S.TASK_STATE_QUEUED
    assert second.status == ""  # answered at once, with only the task
    ids = [first.task.task_id, second.task.task_id, third.task.task_id]

    async with connected(Scripted16, charger_url(node, "T-Q"), "T-Q") as cp:

        async def all_answered() -> bool:
            states = [(await task_of(tasks_api, i)).state for i in ids]
            return all(s == S.TASK_STATE_ANSWERED for s in states)

        await eventually(all_answered)
        # A second connection of the same charger finds nothing left to send.
    async with connected(Scripted16, charger_url(node, "T-Q"), "T-Q") as again:
        await again.boot()
    assert cp.received == [
        "ChangeConfiguration HeartbeatInterval=77",
        "Reset",
        "TriggerMessage Heartbeat",
    ]
    assert again.received == []
    # The result handler ran as for a command sent at once: the key is recorded.
    keys = await api.ListConfigurationKeys(
        chargers_pb2.ListConfigurationKeysRequest(charger_id="T-Q")
    )
    assert {(k.key, k.value) for k in keys.entries} == {("HeartbeatInterval", "77")}


async def test_a_queued_command_expires_when_the_charger_stays_away(
    api: Any, tasks_api: Any, node: Node
) -> None:
    await offline_charger(node, "T-EXP")
    queued = await api.ClearCache(
        chargers_pb2.ClearCacheRequest(charger_id="T-EXP", task_options=options(deliver_in=UNIT))
    )
    assert queued.task.state == S.TASK_STATE_QUEUED

    async def expired() -> bool:
        return (await task_of(tasks_api, queued.task.task_id)).state == S.TASK_STATE_EXPIRED

    await eventually(expired)
    async with connected(Scripted16, charger_url(node, "T-EXP"), "T-EXP") as cp:
        await cp.boot()
    assert cp.received == []


async def test_a_queued_command_can_be_cancelled_and_only_then(
    api: Any, tasks_api: Any, node: Node
) -> None:
    await offline_charger(node, "T-CAN")
    queued = await api.ClearCache(
        chargers_pb2.ClearCacheRequest(charger_id="T-CAN", task_options=options(deliver_in=60))
    )
    cancelled = await tasks_api.CancelTask(tasks_pb2.CancelTaskRequest(task_id=queued.task.task_id))
    assert cancelled.state == S.TASK_STATE_ABORTED
    assert cancelled.error_code == "Cancelled"
    with pytest.raises(grpc.aio.AioRpcError) as again:
        await tasks_api.CancelTask(tasks_pb2.CancelTaskRequest(task_id=queued.task.task_id))
    assert again.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "TASK_STATE_ABORTED" in (again.value.details() or "")
    async with connected(Scripted16, charger_url(node, "T-CAN"), "T-CAN") as cp:
        await cp.boot()
    assert cp.received == []
    with pytest.raises(grpc.aio.AioRpcError) as unknown:
        await tasks_api.CancelTask(tasks_pb2.CancelTaskRequest(task_id="task_nope"))
    assert unknown.value.code() == grpc.StatusCode.NOT_FOUND


async def test_deliver_by_is_refused_where_it_cannot_work(api: Any, node: Node) -> None:
    await offline_charger(node, "T-REF")
    with pytest.raises(grpc.aio.AioRpcError) as past:
        await api.ClearCache(
            chargers_pb2.ClearCacheRequest(charger_id="T-REF", task_options=options(deliver_in=-5))
        )
    assert past.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "deliver_by" in (past.value.details() or "")
    expiry = Timestamp()
    expiry.FromDatetime(datetime.now(UTC) + timedelta(hours=1))
    with pytest.raises(grpc.aio.AioRpcError) as reserve:
        await api.ReserveNow(
            chargers_pb2.ReserveNowRequest(
                charger_id="T-REF",
                connector_id=1,
                id_tag="TAG",
                expiry_date=expiry,
                task_options=options(deliver_in=60),
            )
        )
    assert reserve.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "recorded around the send" in (reserve.value.details() or "")
    # Without deliver_by an offline charger is UNAVAILABLE, as before.
    with pytest.raises(grpc.aio.AioRpcError) as offline:
        await api.ClearCache(chargers_pb2.ClearCacheRequest(charger_id="T-REF"))
    assert offline.value.code() == grpc.StatusCode.UNAVAILABLE


# --- idempotency ------------------------------------------------------------------------------


async def test_the_same_request_id_twice_sends_once(api: Any, tasks_api: Any, node: Node) -> None:
    async with connected(Scripted16, charger_url(node, "T-IDEM"), "T-IDEM") as cp:
        await cp.boot()
        request = chargers_pb2.ResetRequest(
            charger_id="T-IDEM", kind=chargers_pb2.RESET_KIND_HARD, task_options=options("r-1")
        )
        first = await api.Reset(request)
        second = await api.Reset(request)
        assert cp.resets == ["Hard"]
        assert first == second
        assert first.task.task_id
        # The same key for another command is refused, naming the key.
        with pytest.raises(grpc.aio.AioRpcError) as other:
            await api.ClearCache(
                chargers_pb2.ClearCacheRequest(charger_id="T-IDEM", task_options=options("r-1"))
            )
        assert other.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "request_id" in (other.value.details() or "")
        # A failed command's error is replayed too, without sending again.
        with pytest.raises(grpc.aio.AioRpcError) as failed:
            await api.UnlockConnector(
                chargers_pb2.UnlockConnectorRequest(
                    charger_id="T-IDEM", connector_id=1, task_options=options("r-2")
                )
            )
        with pytest.raises(grpc.aio.AioRpcError) as replayed:
            await api.UnlockConnector(
                chargers_pb2.UnlockConnectorRequest(
                    charger_id="T-IDEM", connector_id=1, task_options=options("r-2")
                )
            )
        assert replayed.value.code() == failed.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert replayed.value.details() == failed.value.details()
    listed = await tasks_api.ListTasks(tasks_pb2.ListTasksRequest(charger_id="T-IDEM"))
    assert len(listed.tasks) == 2


async def test_a_repeated_reserve_now_reserves_once(manager: Manager, api: Any, node: Node) -> None:
    """ReserveNow records its reservation around the send: a repeat answers with the first
    reservation, records no second one and sends nothing."""
    expiry = Timestamp()
    expiry.FromDatetime(datetime.now(UTC) + timedelta(hours=1))
    request = chargers_pb2.ReserveNowRequest(
        charger_id="T-RES",
        connector_id=1,
        id_tag="TAG-1",
        expiry_date=expiry,
        task_options=options("res-1"),
    )
    async with connected(Station16, charger_url(node, "T-RES"), "T-RES") as cp:
        await cp.boot()
        first = await api.ReserveNow(request)
        second = await api.ReserveNow(request)
    assert first == second
    assert first.status == "Accepted"
    assert len(cp.requests("ReserveNow")) == 1
    async with api_channel(f"127.0.0.1:{manager.port}") as channel:
        listed = await reservations_pb2_grpc.ReservationServiceStub(channel).ListReservations(
            reservations_pb2.ListReservationsRequest(charger_id="T-RES")
        )
    assert [r.reservation_id for r in listed.reservations] == [first.reservation_id]


async def test_a_repeat_while_the_first_is_in_flight_waits_for_it(
    manager: Manager, api: Any, node: Node
) -> None:
    async with connected(Scripted16, charger_url(node, "T-WAIT"), "T-WAIT") as cp:
        await cp.boot()
        cp.hold_resets = True
        request = chargers_pb2.ResetRequest(
            charger_id="T-WAIT", kind=chargers_pb2.RESET_KIND_SOFT, task_options=options("w-1")
        )

        async def reset() -> chargers_pb2.ResetResponse:
            response: chargers_pb2.ResetResponse = await api.Reset(request)
            return response

        first = asyncio.create_task(reset())

        async def received() -> bool:
            return cp.resets == ["Soft"]

        await eventually(received)
        second = asyncio.create_task(reset())

        async def waiting() -> bool:
            return manager.task_runner.waiting == 1

        await eventually(waiting)
        cp.release.set()
        answers = await asyncio.gather(first, second)
    assert answers[0] == answers[1]
    assert answers[0].status == "Accepted"
    assert cp.resets == ["Soft"]


# --- listing and roles ------------------------------------------------------------------------


async def test_list_tasks_filters_and_pages(api: Any, tasks_api: Any, node: Node) -> None:
    async with (
        connected(Scripted16, charger_url(node, "T-L1"), "T-L1") as one,
        connected(Scripted16, charger_url(node, "T-L2"), "T-L2") as two,
    ):
        await one.boot()
        await two.boot()
        for _ in range(3):
            await api.ClearCache(chargers_pb2.ClearCacheRequest(charger_id="T-L1"))
        await api.Reset(
            chargers_pb2.ResetRequest(charger_id="T-L1", kind=chargers_pb2.RESET_KIND_SOFT)
        )
        await api.ClearCache(chargers_pb2.ClearCacheRequest(charger_id="T-L2"))

    seen: list[str] = []
    token = ""
    while True:
        page = await tasks_api.ListTasks(
            tasks_pb2.ListTasksRequest(charger_id="T-L1", page_size=2, page_token=token)
        )
        assert len(page.tasks) <= 2
        seen += [t.action for t in page.tasks]
        token = page.next_page_token
        if not token:
            break
    assert seen == ["Reset", "ClearCache", "ClearCache", "ClearCache"]  # newest first
    by_action = await tasks_api.ListTasks(tasks_pb2.ListTasksRequest(action="ClearCache"))
    assert sorted(t.charger_id for t in by_action.tasks) == ["T-L1"] * 3 + ["T-L2"]
    answered = await tasks_api.ListTasks(
        tasks_pb2.ListTasksRequest(charger_id="T-L2", state=S.TASK_STATE_ANSWERED)
    )
    assert [t.action for t in answered.tasks] == ["ClearCache"]
    none = await tasks_api.ListTasks(
        tasks_pb2.ListTasksRequest(charger_id="T-L2", state=S.TASK_STATE_QUEUED)
    )
    assert list(none.tasks) == []
    with pytest.raises(grpc.aio.AioRpcError) as wrong:
        await tasks_api.ListTasks(
            tasks_pb2.ListTasksRequest(charger_id="T-L2", page_size=2, page_token=token or "x")
        )
    assert wrong.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_roles(manager: Manager, node: Node) -> None:
    """Viewers read tasks; cancelling and bulk commands need an operator; a bulk raw call
    needs an admin, as SendCall does."""
    target = f"127.0.0.1:{manager.port}"
    secrets: dict[str, str] = {}
    async with api_channel(target) as channel:
        auth = auth_pb2_grpc.AuthServiceStub(channel)
        for role in ("viewer", "operator"):
            created = await auth.CreateToken(
                auth_pb2.CreateTokenRequest(
                    name=f"tasks-{role}", role=getattr(auth_pb2, f"ROLE_{role.upper()}")
                )
            )
            secrets[role] = created.secret
    async with api_channel(target, secrets["viewer"]) as channel:
        viewer = tasks_pb2_grpc.TaskServiceStub(channel)
        await viewer.ListTasks(tasks_pb2.ListTasksRequest())
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await viewer.CancelTask(tasks_pb2.CancelTaskRequest(task_id="task_x"))
        assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
    async with api_channel(target, secrets["operator"]) as channel:
        operator = tasks_pb2_grpc.TaskServiceStub(channel)
        with pytest.raises(grpc.aio.AioRpcError) as raw:
            await operator.CreateBulkTask(
                tasks_pb2.CreateBulkTaskRequest(
                    chargers=tasks_pb2.ChargerIds(charger_ids=["A"]),
                    send_call=chargers_pb2.SendCallRequest(action="Reset", payload_json="{}"),
                )
            )
        assert raw.value.code() == grpc.StatusCode.PERMISSION_DENIED
        assert "admin" in (raw.value.details() or "")
        with pytest.raises(grpc.aio.AioRpcError) as unknown:
            await operator.CancelTask(tasks_pb2.CancelTaskRequest(task_id="task_x"))
        assert unknown.value.code() == grpc.StatusCode.NOT_FOUND
    # Cancels and bulk commands are audited like the other commands, refusals too.
    async with api_channel(target) as channel:
        audit = auth_pb2_grpc.AuditServiceStub(channel)

        async def audited() -> list[tuple[str, str, str]]:
            listed = await audit.ListAuditEntries(
                auth_pb2.ListAuditEntriesRequest(actor="tasks-operator")
            )
            return sorted((e.action, e.target, e.outcome) for e in listed.entries)

        async def both() -> list[tuple[str, str, str]]:
            found = await audited()
            return found if len(found) == 2 else []

        assert await eventually(both) == [
            ("TaskService/CancelTask", "task_x", "NOT_FOUND"),
            ("TaskService/CreateBulkTask", "", "PERMISSION_DENIED"),
        ]


async def test_csmsctl_lists_shows_and_cancels_tasks(
    manager: Manager, api: Any, node: Node, capsys: pytest.CaptureFixture[str]
) -> None:
    await offline_charger(node, "T-CLI")
    queued = await api.ClearCache(
        chargers_pb2.ClearCacheRequest(charger_id="T-CLI", task_options=options(deliver_in=60))
    )
    task_id = queued.task.task_id
    base = ["--manager", f"127.0.0.1:{manager.port}", "--token", ADMIN_TOKEN, "--timeout", "5"]
    capsys.readouterr()

    code = await asyncio.to_thread(csmsctl.main, [*base, "tasks", "--charger", "T-CLI"])
    listed = capsys.readouterr().out
    assert code == 0
    assert task_id in listed
    assert "ClearCache" in listed
    assert "queued" in listed
    code = await asyncio.to_thread(csmsctl.main, [*base, "tasks", "cancel", task_id])
    assert code == 0
    assert "aborted" in capsys.readouterr().out
    code = await asyncio.to_thread(csmsctl.main, [*base, "tasks", "cancel", task_id])
    assert code == 1
    assert "TASK_STATE_ABORTED" in capsys.readouterr().err
    code = await asyncio.to_thread(
        csmsctl.main, [*base, "tasks", "ls", "--state", "aborted", "--json"]
    )
    assert code == 0
    assert [t["taskId"] for t in orjson.loads(capsys.readouterr().out)["tasks"]] == [task_id]


async def test_device_model_commands_are_tasks_too(
    manager: Manager, tasks_api: Any, node: Node
) -> None:
    """DeviceModelService sends through the same runner: GetVariables on a 1.6 charger is
    a GetConfiguration task, named in the response; it cannot be queued."""
    async with (
        connected(Scripted16, charger_url(node, "T-DM"), "T-DM") as cp,
        api_channel(f"127.0.0.1:{manager.port}") as channel,
    ):
        await cp.boot()
        model = device_model_pb2_grpc.DeviceModelServiceStub(channel)
        key = device_model_pb2.VariableKey(variable="HeartbeatInterval")
        answer = await model.GetVariables(
            device_model_pb2.GetVariablesRequest(
                charger_id="T-DM", items=[device_model_pb2.GetVariableItem(key=key)]
            )
        )
        with pytest.raises(grpc.aio.AioRpcError) as queued:
            await model.GetVariables(
                device_model_pb2.GetVariablesRequest(
                    charger_id="T-DM",
                    items=[device_model_pb2.GetVariableItem(key=key)],
                    task_options=options(deliver_in=60),
                )
            )
    assert queued.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    task = await task_of(tasks_api, answer.task.task_id)
    assert (task.action, task.state) == ("GetConfiguration", S.TASK_STATE_ANSWERED)
    assert "HeartbeatInterval" in task.answer_json
