"""What a command RPC's tasks share: the ``TaskCall`` (the request's ``task_options``, the
tasks it recorded), the wrapper that names the task in the response (``task_rpc``), the
redaction of secrets before a payload is stored, and how a stored outcome is replayed.
``TaskRunner`` (``_runner.py``) uses them for every send."""

from __future__ import annotations

import contextvars
import functools
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import grpc
import orjson
from csms.v1 import common_pb2
from google.protobuf import message_factory
from google.protobuf.descriptor import ServiceDescriptor
from google.protobuf.message import Message

from services.manager._access import is_security_setting
from services.manager._context import Clock
from services.manager._errors import (
    ChargerCallError,
    ChargerDisconnected,
    ChargerNotConnected,
    ChargerTimeout,
    ConflictError,
    InvalidArgument,
    ManagerError,
    NodeUnavailable,
    grpc_errors,
)
from services.manager._tasks import TaskResult
from services.manager.store._tasks_store import TaskRecord
from services.registry import ChargerLocation

log = logging.getLogger(__name__)

MAX_REQUEST_ID_LENGTH = 64

#: Command RPCs that refuse deliver_by, and why.
QUEUE_REFUSED: dict[str, str] = {
    "ReserveNow": "the reservation is issued and recorded around the send",
    "RotateChargerPassword": "the new password's hash is recorded around the send",
    "SetSecurityProfile": "the new profile is recorded around the send, then a Reset follows",
    "GetVariables": "the values read are recorded by the RPC around the send",
    "SetVariables": "the values set are recorded by the RPC around the send",
    "GetBaseReport": "the report request is recorded by the RPC around the send",
    "GetReport": "the report request is recorded by the RPC around the send",
    "SetVariableMonitoring": "the monitors are recorded by the RPC around the send",
    "ClearVariableMonitoring": "the cleared monitors are forgotten by the RPC around the send",
}

_STATE_ENUM = {
    "queued": common_pb2.TASK_STATE_QUEUED,
    "sent": common_pb2.TASK_STATE_SENT,
    "answered": common_pb2.TASK_STATE_ANSWERED,
    "call_error": common_pb2.TASK_STATE_CALL_ERROR,
    "timed_out": common_pb2.TASK_STATE_TIMED_OUT,
    "aborted": common_pb2.TASK_STATE_ABORTED,
    "expired": common_pb2.TASK_STATE_EXPIRED,
}
STATE_NAMES = {v: k for k, v in _STATE_ENUM.items()}


def state_enum(state: str) -> common_pb2.TaskState:
    return _STATE_ENUM.get(state, common_pb2.TASK_STATE_UNSPECIFIED)


def new_task_id() -> str:
    return "task_" + secrets.token_urlsafe(12)


# --- the RPC a task comes from -------------------------------------------------------------


@dataclass(slots=True)
class TaskCall:
    """One command RPC (or one charger of a bulk task) and the tasks it recorded."""

    method: str = ""
    request_id: str = ""
    deliver_by: datetime | None = None
    bulk_id: str = ""
    first: TaskRecord | None = None  # the call's first task: the response's `task`
    keyed: bool = False  # the request_id was given to (or found for) a task


_call: contextvars.ContextVar[TaskCall | None] = contextvars.ContextVar("task_call", default=None)


class TaskQueued(Exception):
    """The command was queued; the RPC answers with only its ``task``."""

    def __init__(self, task: TaskRecord) -> None:
        super().__init__(task.task_id)
        self.task = task


def _options(request: Any, method: str, clock: Clock, bulk_id: str) -> TaskCall:
    call = TaskCall(method=method, bulk_id=bulk_id)
    if not isinstance(request, Message) or "task_options" not in request.DESCRIPTOR.fields_by_name:
        return call
    if not request.HasField("task_options"):
        return call
    options: common_pb2.TaskOptions = getattr(request, "task_options")  # noqa: B009
    request_id = options.request_id
    if len(request_id) > MAX_REQUEST_ID_LENGTH:
        raise InvalidArgument(
            "task_options.request_id", f"is longer than {MAX_REQUEST_ID_LENGTH} characters"
        )
    if request_id and bulk_id:
        raise InvalidArgument(
            "task_options.request_id",
            "is not taken in a bulk task (one key cannot name many chargers' tasks)",
        )
    call.request_id = request_id
    if options.HasField("deliver_by"):
        if method in QUEUE_REFUSED:
            raise InvalidArgument(
                "task_options.deliver_by",
                f"{method} cannot be queued: {QUEUE_REFUSED[method]}; send it while the "
                "charger is connected",
            )
        deliver_by = options.deliver_by.ToDatetime(tzinfo=UTC)
        if deliver_by <= clock():
            raise InvalidArgument("task_options.deliver_by", "must be in the future")
        call.deliver_by = deliver_by
    return call


_Response = TypeVar("_Response", bound=Message)


def task_ref(task: TaskRecord) -> common_pb2.TaskRef:
    return common_pb2.TaskRef(task_id=task.task_id, state=state_enum(task.state))


def task_rpc(
    method: Callable[..., Awaitable[Any]], name: str, response_type: type[Message]
) -> Callable[..., Awaitable[Any]]:
    """`method` (a servicer's command RPC, already ``grpc_errors``-wrapped) with its
    ``TaskCall``: the response names its task; a queued command answers with the task only.
    The servicer has the manager's clock as ``_clock``."""

    @functools.wraps(method)
    @grpc_errors  # a bad task_options is INVALID_ARGUMENT, as the method's own errors are
    async def wrapper(self: Any, request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        outer = _call.get()
        call = _options(request, name, self._clock, outer.bulk_id if outer else "")
        token = _call.set(call)
        try:
            response = await method(self, request, context)
        except TaskQueued as queued:
            return response_type(task=task_ref(queued.task))
        finally:
            _call.reset(token)
        if call.first is not None and "task" in response.DESCRIPTOR.fields_by_name:
            response.task.CopyFrom(task_ref(call.first))
        return response

    return wrapper


def with_task_refs(cls: type[Any], service: ServiceDescriptor) -> None:
    """Wrap every RPC of `service` whose response has a ``task`` field (the commands) in
    ``task_rpc`` on `cls` (an instance attribute would not be seen by gRPC's handlers)."""
    for method in service.methods:
        if "task" not in method.output_type.fields_by_name:
            continue
        response_type = message_factory.GetMessageClass(method.output_type)
        setattr(
            cls,
            method.name,
            task_rpc(getattr(cls, method.name), method.name, response_type),
        )


# --- secrets are not stored ----------------------------------------------------------------

_REDACTED = "<redacted>"


def redacted(value: Any) -> Any:
    """`value` (a payload) with passwords and security settings' values replaced."""
    if isinstance(value, list):
        return [redacted(item) for item in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    key = value.get("key")
    component = value.get("component")
    variable = value.get("variable")
    secret_value = isinstance(key, str) and is_security_setting("", key)
    secret_attribute = (
        isinstance(component, dict)
        and isinstance(variable, dict)
        and is_security_setting(str(component.get("name", "")), str(variable.get("name", "")))
    )
    for name, item in value.items():
        if (
            "password" in name.lower()
            or (secret_value and name == "value")
            or (secret_attribute and name == "attributeValue")
        ):
            out[name] = _REDACTED
        else:
            out[name] = redacted(item)
    return out


# --- errors: raised, recorded, replayed ------------------------------------------------------

_FINAL_WAIT_MARGIN = 5.0


def _outcome(exc: ManagerError) -> tuple[str, str, str]:
    """(state, error_code, error_description) for a send that failed with `exc`."""
    if isinstance(exc, ChargerCallError):
        return "call_error", exc.code, exc.description
    if isinstance(exc, ChargerTimeout):
        return "timed_out", "Timeout", str(exc)
    if isinstance(exc, ChargerDisconnected):
        return "aborted", "Disconnected", str(exc)
    if isinstance(exc, ChargerNotConnected):
        return "aborted", "NotConnected", str(exc)
    if isinstance(exc, InvalidArgument):
        return "aborted", "InvalidPayload", str(exc)
    return "aborted", "NodeUnavailable", str(exc)


def replay(task: TaskRecord) -> TaskResult:
    """The stored outcome of a final task: its answer, or its error raised again."""
    location = ChargerLocation(task.charger_id, "", "", 0, 0.0, task.ocpp_version)
    if task.state == "answered" and task.answer_json is not None:
        raw = task.answer_json.encode()
        return TaskResult(orjson.loads(raw), raw, location)
    code, description = task.error_code, task.error_description
    if task.state == "call_error":
        raise ChargerCallError(task.charger_id, task.action, code, description)
    if task.state == "timed_out":
        raise ChargerTimeout(description)
    if task.state == "expired":
        raise ConflictError(f"task {task.task_id} expired: {description}")
    if code == "Cancelled":
        raise ConflictError(f"task {task.task_id} was cancelled before it was sent")
    if code == "NotConnected":
        raise ChargerNotConnected(task.charger_id)
    if code == "InvalidPayload":
        raise InvalidArgument("payload", description)
    if code == "NodeUnavailable":
        raise NodeUnavailable(description)
    raise ChargerDisconnected(task.charger_id, task.action)
