"""``csms.v1.TaskService``: the task history, cancelling queued tasks, bulk tasks.

A bulk task runs each charger's command through the ChargerService RPC itself (same
validation, version rules, recording and result handling as one command), with a
bound on how many are in flight; refusals before sending (not connected, invalid for
the charger's version) are kept per charger on the bulk task.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

import grpc
from csms.v1 import common_pb2, tasks_pb2, tasks_pb2_grpc
from google.protobuf.message import Message

from services.common import to_proto_version
from services.common._tasks import cancel_and_wait
from services.manager._api_checks import checked_page_size, stamp
from services.manager._auth import current_caller
from services.manager._context import Clock
from services.manager._errors import (
    ConflictError,
    InvalidArgument,
    ResourceNotFound,
    grpc_errors,
)
from services.manager._stores import Stores
from services.manager._task_calls import STATE_NAMES, TaskCall, _call, state_enum
from services.manager.store import StoreError
from services.manager.store._tasks_store import (
    FINAL_TASK_STATES,
    BulkTaskRecord,
    SqlTaskStore,
    TaskFilters,
    TaskRecord,
)

log = logging.getLogger(__name__)

Context = grpc.aio.ServicerContext[Any, Any]

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
TASK_PAGE = (DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
MAX_BULK_CHARGERS = 10_000

#: The bulk command oneof's field → (ChargerService RPC, OCPP action as on 1.6).
BULK_COMMANDS = {
    "reset": ("Reset", "Reset"),
    "trigger_message": ("TriggerMessage", "TriggerMessage"),
    "change_configuration": ("ChangeConfiguration", "ChangeConfiguration"),
    "change_availability": ("ChangeAvailability", "ChangeAvailability"),
    "clear_cache": ("ClearCache", "ClearCache"),
    "update_firmware": ("UpdateFirmware", "UpdateFirmware"),
    "send_call": ("SendCall", ""),  # the action is the call's own
}


def task_message(task: TaskRecord) -> tasks_pb2.Task:
    message = tasks_pb2.Task(
        task_id=task.task_id,
        charger_id=task.charger_id,
        action=task.action,
        ocpp_version=to_proto_version(task.ocpp_version),
        payload_json=task.payload_json,
        answer_json=task.answer_json or "",
        error_code=task.error_code,
        error_description=task.error_description,
        requested_by=task.requested_by,
        request_id=task.request_id,
        state=state_enum(task.state),
        bulk_id=task.bulk_id,
    )
    stamp(message, "created_at", task.created_at)
    stamp(message, "sent_at", task.sent_at)
    stamp(message, "finished_at", task.finished_at)
    stamp(message, "deliver_by", task.deliver_by)
    return message


class _Refused(Exception):
    def __init__(self, code: grpc.StatusCode, details: str) -> None:
        super().__init__(details)
        self.code = code


class _BulkContext:
    """What a ChargerService RPC needs of its context when a bulk task calls it."""

    async def abort(self, code: grpc.StatusCode, details: str = "") -> None:
        raise _Refused(code, details)

    def set_trailing_metadata(self, metadata: Any) -> None:
        pass


class TaskServicer(tasks_pb2_grpc.TaskServiceServicer):
    def __init__(
        self,
        stores: Stores,
        chargers: Any,  # the ChargerServicer: bulk tasks call its RPCs
        clock: Clock,
        *,
        bulk_concurrency: int = 16,
    ) -> None:
        self._tasks: SqlTaskStore = stores.tasks
        self._locations = stores.locations
        self._chargers = chargers
        self._clock = clock
        self._bulk_concurrency = bulk_concurrency
        #: Bulk tasks running in this manager: their refusals so far.
        self._running: dict[str, dict[str, str]] = {}
        self._bulks: set[asyncio.Task[None]] = set()

    @grpc_errors
    async def ListTasks(
        self, request: tasks_pb2.ListTasksRequest, context: Context
    ) -> tasks_pb2.ListTasksResponse:
        page_size = checked_page_size(request.page_size, TASK_PAGE)
        state = ""
        if request.state:
            state = STATE_NAMES.get(request.state, "")
            if not state:
                raise InvalidArgument("state", f"{request.state} is not a TaskState")
        filters = TaskFilters(
            charger_id=request.charger_id,
            state=state,
            action=request.action,
            bulk_id=request.bulk_id,
        )
        records, token = await self._tasks.list(
            filters, page_size=page_size, page_token=request.page_token
        )
        return tasks_pb2.ListTasksResponse(
            tasks=[task_message(r) for r in records], next_page_token=token
        )

    @grpc_errors
    async def GetTask(self, request: tasks_pb2.GetTaskRequest, context: Context) -> tasks_pb2.Task:
        return task_message(await self._task(request.task_id))

    @grpc_errors
    async def CancelTask(
        self, request: tasks_pb2.CancelTaskRequest, context: Context
    ) -> tasks_pb2.Task:
        await self._task(request.task_id)
        task, cancelled = await self._tasks.cancel(request.task_id, at=self._clock())
        if not cancelled:
            raise ConflictError(
                f"task {task.task_id} is {common_pb2.TaskState.Name(state_enum(task.state))}: "
                "only a queued task can be cancelled (a sent command cannot be recalled)"
            )
        return task_message(task)

    async def _task(self, task_id: str) -> TaskRecord:
        if not task_id:
            raise InvalidArgument("task_id", "is required")
        task = await self._tasks.get(task_id)
        if task is None:
            raise ResourceNotFound(
                f"task {task_id!r} does not exist: pass a task_id from a command's `task` "
                "or ListTasks"
            )
        return task

    # --- bulk tasks ---------------------------------------------------------------------

    @grpc_errors
    async def CreateBulkTask(
        self, request: tasks_pb2.CreateBulkTaskRequest, context: Context
    ) -> tasks_pb2.BulkTask:
        kind = request.WhichOneof("command")
        if kind is None:
            raise InvalidArgument("command", f"is required: one of {', '.join(BULK_COMMANDS)}")
        inner: Message = getattr(request, kind)
        if getattr(inner, "charger_id", ""):
            raise InvalidArgument(
                f"{kind}.charger_id", "must be empty: each task gets its charger's id"
            )
        if inner.HasField("task_options") and getattr(inner, "task_options").request_id:  # noqa: B009
            raise InvalidArgument(
                f"{kind}.task_options.request_id",
                "is not taken in a bulk task (one key cannot name many chargers' tasks)",
            )
        charger_ids = await self._targets(request)
        method_name, action = BULK_COMMANDS[kind]
        if not action:
            action = str(getattr(inner, "action", ""))
        caller = current_caller()
        bulk = BulkTaskRecord(
            bulk_id="bulk_" + secrets.token_urlsafe(12),
            action=action,
            requested_by=caller.name if caller is not None else "",
            created_at=self._clock(),
            total=len(charger_ids),
            refused={},
        )
        await self._tasks.create_bulk(bulk)
        refused: dict[str, str] = {}
        self._running[bulk.bulk_id] = refused
        method = getattr(self._chargers, method_name)
        task = asyncio.create_task(
            self._run_bulk(bulk, charger_ids, inner, method, refused), name=bulk.bulk_id
        )
        self._bulks.add(task)
        task.add_done_callback(self._bulks.discard)
        return self._bulk_message(bulk, {}, refused)

    async def _targets(self, request: tasks_pb2.CreateBulkTaskRequest) -> list[str]:
        target = request.WhichOneof("target")
        if target == "chargers":
            ids = list(dict.fromkeys(request.chargers.charger_ids))
            if not ids:
                raise InvalidArgument("chargers.charger_ids", "is empty")
            if any(not i for i in ids):
                raise InvalidArgument("chargers.charger_ids", "holds an empty charger id")
        elif target == "location_id":
            location = await self._locations.get(request.location_id)
            if location is None:
                raise ResourceNotFound(f"location {request.location_id!r} does not exist")
            ids = list(location.charger_ids)
            if not ids:
                raise InvalidArgument(
                    "location_id", f"location {request.location_id!r} has no chargers"
                )
        else:
            raise InvalidArgument("target", "is required: chargers or location_id")
        if len(ids) > MAX_BULK_CHARGERS:
            raise InvalidArgument(
                "chargers.charger_ids", f"names more than {MAX_BULK_CHARGERS} chargers"
            )
        return ids

    async def _run_bulk(
        self,
        bulk: BulkTaskRecord,
        charger_ids: list[str],
        inner: Message,
        method: Callable[[Any, Any], Awaitable[Any]],
        refused: dict[str, str],
    ) -> None:
        slots = asyncio.Semaphore(self._bulk_concurrency)

        async def one(charger_id: str) -> None:
            request = type(inner)()
            request.CopyFrom(inner)
            request.charger_id = charger_id  # type: ignore[attr-defined]
            _call.set(TaskCall(bulk_id=bulk.bulk_id))
            async with slots:
                try:
                    await method(request, _BulkContext())
                except _Refused as exc:
                    if not await self._recorded(bulk.bulk_id, charger_id):
                        refused[charger_id] = f"{exc.code.name}: {exc}"
                except Exception as exc:  # one charger's failure never stops the others
                    log.exception("bulk task %s: charger %s", bulk.bulk_id, charger_id)
                    refused[charger_id] = f"INTERNAL: {exc}"

        try:
            await asyncio.gather(*(one(c) for c in charger_ids))
        finally:
            try:
                await self._tasks.set_bulk_refused(bulk.bulk_id, refused)
            except StoreError as exc:
                log.warning("bulk task %s: could not record refusals: %s", bulk.bulk_id, exc)
            self._running.pop(bulk.bulk_id, None)

    async def _recorded(self, bulk_id: str, charger_id: str) -> bool:
        """Whether the charger's command became a task (it failed after being recorded:
        its outcome is on the task, not a refusal)."""
        records, _ = await self._tasks.list(
            TaskFilters(charger_id=charger_id, bulk_id=bulk_id), page_size=1
        )
        return bool(records)

    @grpc_errors
    async def GetBulkTask(
        self, request: tasks_pb2.GetBulkTaskRequest, context: Context
    ) -> tasks_pb2.BulkTask:
        if not request.bulk_id:
            raise InvalidArgument("bulk_id", "is required")
        found = await self._tasks.get_bulk(request.bulk_id)
        if found is None:
            raise ResourceNotFound(f"bulk task {request.bulk_id!r} does not exist")
        bulk, counts = found
        refused = self._running.get(bulk.bulk_id, bulk.refused)
        return self._bulk_message(bulk, counts, refused)

    def _bulk_message(
        self, bulk: BulkTaskRecord, counts: dict[str, int], refused: dict[str, str] | Any
    ) -> tasks_pb2.BulkTask:
        refused = dict(refused)
        done = sum(n for state, n in counts.items() if state in FINAL_TASK_STATES)
        message = tasks_pb2.BulkTask(
            bulk_id=bulk.bulk_id,
            action=bulk.action,
            total=bulk.total,
            done=done + len(refused),
            requested_by=bulk.requested_by,
            refused=refused,
        )
        for state, n in counts.items():
            message.counts[common_pb2.TaskState.Name(state_enum(state))] = n
        message.created_at.FromDatetime(bulk.created_at)
        return message

    async def aclose(self) -> None:
        """Stop the bulk tasks still running (their tasks in flight are left as recorded)."""
        for task in list(self._bulks):
            await cancel_and_wait(task)
