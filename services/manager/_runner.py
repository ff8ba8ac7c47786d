"""``TaskRunner``: every command to a charger goes through it, and is recorded as a task.

validate → locate (registry) → build → **record the task** (``sent``) → ``Node.Send``
(``TaskSender``) → **record the outcome** (``answered``, ``call_error``, ``timed_out``,
``aborted``) → apply the result handler (``TaskResults.after``) → return the answer.
Validation and building happen in the RPC before ``send`` is reached: a request refused
there records nothing.

The RPC a command comes from is described by a ``TaskCall`` in a context variable, set by
``task_rpc`` (the wrapper every command RPC gets, see ``with_task_refs``) from the request's
``task_options``:

- **idempotency**: with ``request_id``, the first task of the call carries the key
  (unique per caller). The same key again replays the first task's outcome: its stored
  answer is returned (the RPC builds its response from it as the first time) or its error
  raised again, and nothing is sent; while the first is still in flight, the replay waits
  for it. The same key for another charger or action is INVALID_ARGUMENT.
- **queueing**: with ``deliver_by`` (in the future) and the charger not connected, the
  command is built for the charger's recorded OCPP version and stored ``queued``; the RPC
  answers at once with only ``task`` set. ``QueuedDelivery`` sends a charger's queued tasks
  when its node reports it connected, in creation order, once (the claim is one
  conditional UPDATE); the manager's housekeeping expires those past ``deliver_by``.
  Commands whose effect the RPC records around the send (not a result handler) refuse
  ``deliver_by``: ``QUEUE_REFUSED`` says why.
- the response's ``task`` field names the call's first task (``TaskRef``).

Tasks the CSMS sends on its own (the reconnect status trigger, the lifecycle's) are
recorded too, with ``requested_by`` empty.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import orjson
from csms.v1 import events_pb2

from services.common import OcppVersion
from services.common._logging import bind, unbind
from services.common._tasks import cancel_and_wait
from services.manager import commands
from services.manager._auth import current_caller
from services.manager._context import Clock
from services.manager._errors import (
    ChargerNotConnected,
    ChargerNotFound,
    ChargerTimeout,
    InvalidArgument,
    ManagerError,
)
from services.manager._stores import Stores
from services.manager._task_calls import (
    _FINAL_WAIT_MARGIN,
    QUEUE_REFUSED,
    STATE_NAMES,
    TaskCall,
    TaskQueued,
    _call,
    _outcome,
    new_task_id,
    redacted,
    replay,
    state_enum,
    task_ref,
    with_task_refs,
)
from services.manager._task_results import SentTask, TaskResults
from services.manager._tasks import TaskResult, TaskSender
from services.manager.store import AlreadyExists, StoreError
from services.manager.store._tasks_store import SqlTaskStore, TaskRecord
from services.registry import ChargerLocation, RegistryError

log = logging.getLogger(__name__)

# --- the runner ------------------------------------------------------------------------------


@dataclass(slots=True)
class _Waiters:
    done: dict[str, asyncio.Event] = field(default_factory=dict)


class TaskRunner:
    """Locates chargers and sends tasks like ``TaskSender``, recording each as a task."""

    def __init__(
        self,
        stores: Stores,
        sender: TaskSender,
        clock: Clock,
        *,
        results: TaskResults | None = None,
        poll_interval: float = 0.1,
    ) -> None:
        self._stores = stores
        self.store: SqlTaskStore = stores.tasks
        self.sender = sender
        self._clock = clock
        self.results = results if results is not None else TaskResults(stores, clock)
        self._poll = poll_interval
        self._waiters = _Waiters()
        #: Replays waiting for their first task's outcome (tests observe it).
        self.waiting = 0

    @property
    def timeout(self) -> float:
        return self.sender.timeout

    # --- locate -----------------------------------------------------------------------

    async def locate(self, charger_id: str) -> ChargerLocation:
        """Where the charger is connected, as ``TaskSender.locate``. For a call that
        replays a request_id, where the first task went; for a call with deliver_by and
        the charger not connected, a location without a node (``send`` queues the task)
        for the charger's recorded OCPP version."""
        call = _call.get()
        if call is not None and call.request_id and not call.keyed:
            first = await self._first_of(call)
            if first is not None:
                if first.charger_id != charger_id:
                    raise InvalidArgument(
                        "task_options.request_id",
                        f"{call.request_id!r} was used for a command to charger "
                        f"{first.charger_id!r}; use a new request_id for charger {charger_id!r}",
                    )
                return ChargerLocation(charger_id, "", "", 0, 0.0, first.ocpp_version)
        try:
            return await self.sender.locate(charger_id)
        except ChargerNotConnected:
            if call is None or call.deliver_by is None:
                raise
        charger = await self._stores.chargers.get(charger_id)
        if charger is None:  # pragma: no cover - locate said it is known
            raise ChargerNotFound(charger_id)
        return ChargerLocation(charger_id, "", "", 0, 0.0, OcppVersion.parse(charger.ocpp_version))

    async def _first_of(self, call: TaskCall) -> TaskRecord | None:
        return await self.store.by_request(_caller_name(), call.request_id)

    # --- send -------------------------------------------------------------------------

    async def send(
        self, location: ChargerLocation, action: str, payload: dict[str, Any]
    ) -> TaskResult:
        """Record, send, record the outcome, apply the result handler; return the answer."""
        payload = commands.in_schema_order(location.ocpp_version, action, payload)
        call = _call.get()
        request_id = ""
        if call is not None and call.request_id and not call.keyed:
            call.keyed = True
            request_id = call.request_id
            first = await self._first_of(call)
            if first is not None:
                return await self._replayed(call, first, location.charger_id, action)
        stored = orjson.dumps(redacted(payload)).decode()
        now = self._clock()
        queue = not location.node_address
        if queue and (call is None or call.deliver_by is None):  # pragma: no cover
            raise ChargerNotConnected(location.charger_id)
        if queue and stored != orjson.dumps(payload).decode():
            raise InvalidArgument(
                "task_options.deliver_by",
                f"this {action} holds a secret, which the CSMS does not store: it cannot be "
                "queued; send it while the charger is connected",
            )
        record = TaskRecord(
            task_id=new_task_id(),
            charger_id=location.charger_id,
            action=action,
            ocpp_version=location.ocpp_version,
            payload_json=stored,
            state="queued" if queue else "sent",
            created_at=now,
            requested_by=_caller_name(),
            request_id=request_id,
            sent_at=None if queue else now,
            deliver_by=call.deliver_by if call is not None and queue else None,
            bulk_id=call.bulk_id if call is not None else "",
        )
        try:
            await self.store.create(record)
        except AlreadyExists:  # the same key, at the same moment, from another call
            assert call is not None
            first = await self._first_of(call)
            if first is None:
                raise
            return await self._replayed(call, first, location.charger_id, action)
        if call is not None and call.first is None:
            call.first = record
        if queue:
            log.info("queued %s %s for %s", action, record.task_id, location.charger_id)
            raise TaskQueued(record)
        requeue_until = call.deliver_by if call is not None else None
        return await self._run(record, location, payload, requeue_until=requeue_until)

    async def previous(
        self, charger_id: str, action: str = ""
    ) -> tuple[TaskRecord, TaskResult] | None:
        """For an RPC that records around its send (ReserveNow, RotateChargerPassword,
        SetSecurityProfile): when its request_id was used before, the first task and its
        answer (its error raised again; waiting while it is in flight), so the RPC answers
        from them without recording or sending anything; None otherwise."""
        call = _call.get()
        if call is None or not call.request_id or call.keyed:
            return None
        first = await self._first_of(call)
        if first is None:
            return None
        call.keyed = True
        result = await self._replayed(call, first, charger_id, action or first.action)
        assert call.first is not None
        return call.first, result

    async def _replayed(
        self, call: TaskCall, first: TaskRecord, charger_id: str, action: str
    ) -> TaskResult:
        if first.charger_id != charger_id or first.action != action:
            raise InvalidArgument(
                "task_options.request_id",
                f"{call.request_id!r} was used for {first.action} to charger "
                f"{first.charger_id!r}; use a new request_id for {action} to {charger_id!r}",
            )
        first = await self.wait(first)
        if call.first is None:
            call.first = first
        if first.state == "queued":
            raise TaskQueued(first)
        return replay(first)

    async def wait(self, task: TaskRecord) -> TaskRecord:
        """`task` once it is no longer ``sent`` (its first caller is still waiting)."""
        deadline = asyncio.get_running_loop().time() + self.timeout + _FINAL_WAIT_MARGIN
        self.waiting += 1
        try:
            return await self._wait(task, deadline)
        finally:
            self.waiting -= 1

    async def _wait(self, task: TaskRecord, deadline: float) -> TaskRecord:
        while task.state == "sent":
            event = self._waiters.done.get(task.task_id)
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise ChargerTimeout(
                    f"task {task.task_id} is still waiting for the charger's answer"
                )
            with contextlib.suppress(TimeoutError):
                if event is not None:
                    await asyncio.wait_for(event.wait(), remaining)
                else:  # sent by another manager (or this one before a restart): poll
                    await asyncio.sleep(min(self._poll, remaining))
            current = await self.store.get(task.task_id)
            if current is None:  # pragma: no cover - tasks are never deleted
                raise ChargerTimeout(f"task {task.task_id} disappeared")
            task = current
        return task

    async def _run(
        self,
        record: TaskRecord,
        location: ChargerLocation,
        payload: dict[str, Any],
        *,
        requeue_until: datetime | None = None,
    ) -> TaskResult:
        """Send a recorded (``sent``) task and record its outcome. With `requeue_until`, a
        task the node says it cannot deliver (the charger left since the registry was read)
        is queued again (``TaskQueued``)."""
        event = self._waiters.done[record.task_id] = asyncio.Event()
        context = bind(charger_id=record.charger_id, task_id=record.task_id)  # log lines
        try:
            try:
                answer = await self._deliver(location, record.action, payload, record)
            except ChargerNotConnected:
                if requeue_until is not None:
                    again = await self.store.requeue(record.task_id, deliver_by=requeue_until)
                    if again is not None:
                        self._named(again)
                        raise TaskQueued(again) from None
                await self._finish(
                    record,
                    "aborted",
                    error_code="NotConnected",
                    error_description=f"charger {record.charger_id!r} was not connected",
                )
                raise
            except ManagerError as exc:
                state, code, description = _outcome(exc)
                await self._finish(record, state, error_code=code, error_description=description)
                raise
            except asyncio.CancelledError:
                await self._finish(
                    record,
                    "aborted",
                    error_code="CallerCancelled",
                    error_description=(
                        "the API call was cancelled while waiting for the answer; the charger "
                        "may have acted on it"
                    ),
                )
                raise
            except Exception as exc:  # a bug or an unexpected dependency error: not left sent
                await self._finish(
                    record, "aborted", error_code="Failed", error_description=repr(exc)[:500]
                )
                raise
            return answer
        finally:
            event.set()
            del self._waiters.done[record.task_id]
            unbind(context)

    async def _deliver(
        self,
        location: ChargerLocation,
        action: str,
        payload: dict[str, Any],
        record: TaskRecord | None = None,
    ) -> TaskResult:
        task = SentTask(location.charger_id, location.ocpp_version, action, payload, self._clock())
        await self.results.before(task)
        answer = await self.sender.send(location, action, payload)
        if record is not None:
            await self._finish(record, "answered", answer_json=answer.raw.decode())
        await self.results.after(task, answer.payload)
        return answer

    async def _finish(self, record: TaskRecord, state: str, **outcome: Any) -> None:
        try:
            finished = await self.store.finish(record.task_id, state, at=self._clock(), **outcome)
        except StoreError as exc:  # the command's own outcome is what the caller needs
            log.warning("could not record the outcome of task %s: %s", record.task_id, exc)
            return
        if finished is not None:
            self._named(finished)

    def _named(self, task: TaskRecord) -> None:
        """The response names `task` as it is now, if it is the call's first."""
        call = _call.get()
        if call is not None and call.first is not None and call.first.task_id == task.task_id:
            call.first = task

    # --- queued tasks -----------------------------------------------------------------

    async def deliver_queued(self, charger_id: str) -> int:
        """Send the charger's queued tasks, oldest first, each once; how many were sent."""
        sent = 0
        while True:
            try:
                location = await self.sender.locate(charger_id)
            except (ManagerError, RegistryError):
                return sent  # gone again: the rest wait for the next connection
            record = await self.store.claim_next_queued(charger_id, at=self._clock())
            if record is None:
                return sent
            if record.ocpp_version != location.ocpp_version:
                await self._finish(
                    record,
                    "aborted",
                    error_code="VersionChanged",
                    error_description=(
                        f"built for OCPP {record.ocpp_version}; the charger connected with "
                        f"{location.ocpp_version}"
                    ),
                )
                continue
            payload = orjson.loads(record.payload_json)
            try:
                await self._run(record, location, payload, requeue_until=record.deliver_by)
            except TaskQueued:
                return sent  # it left again: the rest wait for the next connection
            except ManagerError as exc:
                log.info("queued task %s to %s: %s", record.task_id, charger_id, exc)
            sent += 1

    async def expire(self) -> int:
        return await self.store.expire(at=self._clock())

    async def abort_stale(self) -> int:
        """Tasks left ``sent`` past any answer's deadline (their manager stopped) → aborted."""
        now = self._clock()
        before = now - timedelta(seconds=self.timeout + _FINAL_WAIT_MARGIN)
        return await self.store.abort_stale(sent_before=before, at=now)


def _caller_name() -> str:
    caller = current_caller()
    return caller.name if caller is not None else ""


class QueuedDelivery:
    """A ``ConnectionWatcher``: when a node reports a charger connected, its queued tasks
    are sent (in a task of its own: nothing on the event path waits)."""

    def __init__(self, runner: TaskRunner) -> None:
        self._runner = runner
        self._running: dict[str, asyncio.Task[None]] = {}
        self._again: set[str] = set()

    def connection_changed(self, event: events_pb2.Event) -> None:
        if event.kind == events_pb2.Event.KIND_CONNECTED:
            self._start(event.charger_id)

    def booted(self, charger_id: str) -> None:
        """Nothing: delivery starts when the charger connects, booting or not."""

    def _start(self, charger_id: str) -> None:
        if charger_id in self._running:
            self._again.add(charger_id)
            return
        task = asyncio.create_task(self._deliver(charger_id), name=f"queued-{charger_id}")
        self._running[charger_id] = task

    async def _deliver(self, charger_id: str) -> None:
        try:
            while True:
                self._again.discard(charger_id)
                try:
                    await self._runner.deliver_queued(charger_id)
                except StoreError as exc:
                    log.warning("could not deliver %s's queued tasks: %s", charger_id, exc)
                if charger_id not in self._again:
                    return
        finally:
            del self._running[charger_id]

    async def aclose(self) -> None:
        for task in list(self._running.values()):
            await cancel_and_wait(task)


__all__ = [
    "QUEUE_REFUSED",
    "STATE_NAMES",
    "QueuedDelivery",
    "TaskCall",
    "TaskQueued",
    "TaskRunner",
    "redacted",
    "replay",
    "state_enum",
    "task_ref",
    "with_task_refs",
]
