"""Every Prometheus metric of the CSMS, defined once, and the cheap calls that move them.

All metrics live in ONE `CollectorRegistry` per process (`REGISTRY`): the embedded mode's
node, manager and registry share it, and one listener (`_listener.py`) serves it. Names
follow the Prometheus conventions: a ``csms_`` prefix, base units (seconds), ``_total``
on counters (prometheus-client appends it), no ``_created`` series.

Cardinality is bounded by construction: no label ever carries a charger id; an OCPP
action is one of the framer's known actions (`services.common._framing`) or ``other``;
an OCPP-J error code one of the spec's codes or ``other``; gRPC methods only those a
server registered; every other label takes values from a fixed list in this module.

Hot paths (a frame in, its answer out) call functions here that look up a labelled
child in a dict keyed by the label values and increment it: no ``.labels()`` call,
no string building per frame.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Sequence
from typing import Any, Final, ParamSpec, TypeVar

import orjson
from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
)
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector

from services.common._framing import CHARGER_ACTIONS, CSMS_ACTIONS

P = ParamSpec("P")
R = TypeVar("R")

disable_created_metrics()  # type: ignore[no-untyped-call]  # no `_created` series: they double the series count for nothing

#: The process's one registry of metrics (served by the metrics listener).
REGISTRY: Final = CollectorRegistry(auto_describe=True)
for _collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
    # process_* (CPU, memory, file descriptors), python_info, python_gc_*: the standard set.
    REGISTRY.register(_collector)

OTHER: Final = "other"
#: Every OCPP action of every version, either direction: the values the `action` label takes.
KNOWN_ACTIONS: Final[frozenset[str]] = frozenset().union(
    *CHARGER_ACTIONS.values(), *CSMS_ACTIONS.values()
)
#: OCPP-J CallError codes (1.6 and 2.x spellings): the values the `code` label takes.
KNOWN_ERROR_CODES: Final[frozenset[str]] = frozenset(
    {
        "NotImplemented",
        "NotSupported",
        "InternalError",
        "ProtocolError",
        "SecurityError",
        "FormationViolation",
        "FormatViolation",
        "PropertyConstraintViolation",
        "OccurenceConstraintViolation",
        "OccurrenceConstraintViolation",
        "TypeConstraintViolation",
        "GenericError",
        "MessageTypeNotSupported",
        "RpcFrameworkError",
    }
)

_LATENCY_BUCKETS: Final = (
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
    30.0,
    60.0,
)
#: A task waits for a charger up to TASK_TIMEOUT (30 s by default).
_TASK_BUCKETS: Final = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
_FAST_BUCKETS: Final = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0)
_BATCH_BUCKETS: Final = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)


def _bounded(value: str, known: frozenset[str]) -> str:
    return value if value in known else OTHER


class _Children:
    """The labelled children of one metric, cached by their label values (a tuple, or a
    single string for one label). ``get`` is a dict hit after the first call."""

    __slots__ = ("_cache", "_metric")

    def __init__(self, metric: Any) -> None:
        self._metric = metric
        self._cache: dict[Any, Any] = {}

    def get(self, key: Any) -> Any:
        child = self._cache.get(key)
        if child is None:
            values = key if isinstance(key, tuple) else (key,)
            child = self._cache[key] = self._metric.labels(*values)
        return child


class CellCounter(Collector):
    """A counter family whose children are plain one-element lists (cells), incremented
    as ``cell[0] += 1`` by the event loop's thread and read at scrape time by the
    listener's (a dict copy is atomic): ~50 ns a count where a prometheus-client child's
    ``inc()`` (a lock and checks) costs ~500 ns. For the per-frame counters only."""

    def __init__(self, name: str, documentation: str, labelnames: tuple[str, ...]) -> None:
        self._name = name
        self._documentation = documentation
        self._labelnames = labelnames
        self._cells: dict[tuple[str, ...], list[int]] = {}
        REGISTRY.register(self)

    def cell(self, *labels: str) -> list[int]:
        """The cell of these label values (created at 0 on first use)."""
        cell = self._cells.get(labels)
        if cell is None:
            cell = self._cells[labels] = [0]
        return cell

    def value(self, *labels: str) -> int:
        cell = self._cells.get(labels)
        return 0 if cell is None else cell[0]

    def describe(self) -> Iterable[Metric]:
        return [CounterMetricFamily(self._name, self._documentation, labels=self._labelnames)]

    def collect(self) -> Iterable[Metric]:
        family = CounterMetricFamily(self._name, self._documentation, labels=self._labelnames)
        for labels, cell in self._cells.copy().items():
            family.add_metric(labels, cell[0])
        return [family]


# --- gRPC servers ----------------------------------------------------------------------

GRPC_HANDLED: Final = Counter(
    "csms_grpc_server_handled",
    "RPCs a gRPC server finished, by server, service, method and status code.",
    ("server", "service", "method", "code"),
    registry=REGISTRY,
)
GRPC_SECONDS: Final = Histogram(
    "csms_grpc_server_handling_seconds",
    "How long RPCs took, from the call to its status (a stream: its whole life).",
    ("server", "service", "method"),
    buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)

# --- node ------------------------------------------------------------------------------

NODE_CONNECTIONS: Final = Gauge(
    "csms_node_connections",
    "Charger websockets open on a node, by OCPP version.",
    ("node", "ocpp_version"),
    registry=REGISTRY,
)
NODE_FRAMES: Final = CellCounter(
    "csms_node_frames",
    "OCPP-J frames a node read from (in) or wrote to (out) chargers, by message type "
    "(call, callresult, callerror; invalid: a frame refused by the framer) and action.",
    ("direction", "message_type", "action"),
)
NODE_CALL_ERRORS: Final = CellCounter(
    "csms_node_call_errors",
    "OCPP-J CallErrors by code: sent to chargers, or received from them (answers to tasks).",
    ("code", "direction"),
)
NODE_HANDSHAKES: Final = Counter(
    "csms_node_handshakes",
    "Charger websocket handshakes by outcome: admitted, refused (bad path, subprotocol, "
    "credentials, unknown charger), unavailable (manager down, node draining), rate_limited.",
    ("outcome",),
    registry=REGISTRY,
)
NODE_EVENT_BATCH_SIZE: Final = Histogram(
    "csms_node_event_batch_size",
    "Events per EventBatch a node sent to the manager.",
    buckets=_BATCH_BUCKETS,
    registry=REGISTRY,
)
NODE_TASKS: Final = Counter(
    "csms_node_tasks",
    "Node.Send tasks a node handled, by outcome.",
    ("outcome",),
    registry=REGISTRY,
)

_connections = _Children(NODE_CONNECTIONS)
_handshakes = _Children(NODE_HANDSHAKES)
_node_tasks = _Children(NODE_TASKS)
# Per action, the cell of each (direction, message type); filled lazily, known actions only.
_calls_in: dict[str, list[int]] = {}
_calls_out: dict[str, list[int]] = {}
_results_out: dict[str, list[int]] = {}
_errors_out: dict[str, list[int]] = {}
_ERROR_BYTE: Final = ord("4")  # a frame built by error_frame starts with b"[4,"


def _cell(cache: dict[str, list[int]], direction: str, message_type: str, action: str) -> list[int]:
    label = _bounded(action, KNOWN_ACTIONS)
    cell = NODE_FRAMES.cell(direction, message_type, label)
    if label != OTHER:  # unknown actions are not cached: the dict stays bounded
        cache[action] = cell
    return cell


def frame_in_call(action: str) -> None:
    """A charger's valid Call of `action` was read."""
    cell = _calls_in.get(action) or _cell(_calls_in, "in", "call", action)
    cell[0] += 1


def frame_out_call(action: str) -> None:
    """A task's Call of `action` was written to a charger."""
    cell = _calls_out.get(action) or _cell(_calls_out, "out", "call", action)
    cell[0] += 1


def frame_out_answer(action: str, frame: bytes) -> None:
    """The answer `frame` (CallResult or CallError) to a charger's call of `action` was
    built to be written. The type is read from the frame's second byte."""
    if frame[1] != _ERROR_BYTE:
        cell = _results_out.get(action) or _cell(_results_out, "out", "callresult", action)
        cell[0] += 1
        return
    cell = _errors_out.get(action) or _cell(_errors_out, "out", "callerror", action)
    cell[0] += 1
    # Rare: read the code back from the frame rather than pass it down every path.
    try:
        code = str(orjson.loads(frame)[2])
    except (orjson.JSONDecodeError, IndexError):
        code = OTHER
    NODE_CALL_ERRORS.cell(_bounded(code, KNOWN_ERROR_CODES), "sent")[0] += 1


def frame_in_answer(action: str | None, error_code: str | None) -> None:
    """A charger answered a task of `action` (None: an unknown or expired message id) with
    a CallResult (`error_code` None) or a CallError with `error_code`."""
    label = OTHER if action is None else _bounded(action, KNOWN_ACTIONS)
    if error_code is None:
        NODE_FRAMES.cell("in", "callresult", label)[0] += 1
        return
    NODE_FRAMES.cell("in", "callerror", label)[0] += 1
    NODE_CALL_ERRORS.cell(_bounded(error_code, KNOWN_ERROR_CODES), "received")[0] += 1


def frame_rejected(code: str, answered: bool) -> None:
    """The framer refused a frame; `answered`: the node answered it with a CallError `code`."""
    NODE_FRAMES.cell("in", "invalid", OTHER)[0] += 1
    if answered:
        NODE_FRAMES.cell("out", "callerror", OTHER)[0] += 1
        NODE_CALL_ERRORS.cell(_bounded(code, KNOWN_ERROR_CODES), "sent")[0] += 1


def connection_opened(node_id: str, ocpp_version: str) -> None:
    _connections.get((node_id, str(ocpp_version))).inc()


def connection_closed(node_id: str, ocpp_version: str) -> None:
    _connections.get((node_id, str(ocpp_version))).dec()


HANDSHAKE_OUTCOMES: Final = ("admitted", "refused", "unavailable", "rate_limited")


def handshake(status: int | None) -> None:
    """A handshake ended: admitted (`status` None: the upgrade goes on) or refused with
    HTTP `status` (503 unavailable, 429 rate limited, anything else refused)."""
    if status is None:
        outcome = "admitted"
    elif status == 503:
        outcome = "unavailable"
    elif status == 429:
        outcome = "rate_limited"
    else:
        outcome = "refused"
    _handshakes.get(outcome).inc()


def counting_handshakes(
    process_request: Callable[[Any, Any], Awaitable[Any]], *, skip: str
) -> Callable[[Any, Any], Coroutine[Any, Any, Any]]:
    """Wrap a websockets ``process_request`` hook: each handshake's outcome is counted from
    what it returns (None: admitted; else the HTTP status), except requests for `skip`
    (the health check path)."""

    async def counted(connection: Any, request: Any) -> Any:
        response = await process_request(connection, request)
        if request.path != skip:
            handshake(None if response is None else response.status_code)
        return response

    return counted


def event_batch_sent(size: int) -> None:
    NODE_EVENT_BATCH_SIZE.observe(size)


#: Node.Send outcomes: the charger's answer, or the node's refusal reason (SendFailure).
NODE_TASK_OUTCOMES: Final = {
    "CHARGER_NOT_CONNECTED": "not_connected",
    "CHARGER_CONNECTION_LOST": "connection_lost",
    "TASK_NOT_DELIVERABLE": "not_deliverable",
    "CHARGER_TIMEOUT": "timed_out",
    "CHARGER_DISCONNECTED": "disconnected",
}


def node_task(outcome: str) -> None:
    """A Node.Send ended: ``answered``, ``call_error`` or a SendFailure reason."""
    _node_tasks.get(NODE_TASK_OUTCOMES.get(outcome, outcome)).inc()


# --- manager ---------------------------------------------------------------------------

MANAGER_EVENT_BATCHES: Final = Counter(
    "csms_manager_event_batches",
    "EventBatches the manager received from nodes.",
    registry=REGISTRY,
)
MANAGER_EVENTS: Final = Counter(
    "csms_manager_events",
    "Events in the EventBatches the manager received.",
    registry=REGISTRY,
)
MANAGER_EVENT_LAG: Final = Histogram(
    "csms_manager_event_lag_seconds",
    "From a node receiving a batch's oldest event to the manager having handled (inline) "
    "or dispatched the batch; across hosts it includes their clock difference.",
    buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)
MANAGER_TASK_SECONDS: Final = Histogram(
    "csms_manager_task_seconds",
    "Tasks to chargers: from Node.Send to the charger's answer, by action and outcome.",
    ("action", "outcome"),
    buckets=_TASK_BUCKETS,
    registry=REGISTRY,
)
WRITE_BEHIND_FLUSH_SECONDS: Final = Histogram(
    "csms_manager_write_behind_flush_seconds",
    "One flush of the write-behind buffer (heartbeats, connector statuses).",
    buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)
WRITE_BEHIND_FLUSH_ERRORS: Final = Counter(
    "csms_manager_write_behind_flush_errors",
    "Write-behind flushes that failed (database unavailable); the values are kept.",
    registry=REGISTRY,
)
GROUP_COMMIT_SECONDS: Final = Histogram(
    "csms_manager_group_commit_seconds",
    "One group-commit batch (one transaction shared by concurrent writers), by writer.",
    ("writer",),
    buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)
GROUP_COMMIT_BATCH_SIZE: Final = Histogram(
    "csms_manager_group_commit_batch_size",
    "Items written in one group-commit batch, by writer.",
    ("writer",),
    buckets=_BATCH_BUCKETS,
    registry=REGISTRY,
)

_task_seconds = _Children(MANAGER_TASK_SECONDS)
TASK_OUTCOMES: Final = frozenset(
    {
        "answered",
        "call_error",
        "timed_out",
        "disconnected",
        "not_connected",
        "invalid",
        "node_unavailable",
        "cancelled",
        "failed",
    }
)


def event_batch_received(events: Sequence[Any]) -> None:
    """The manager handled (or dispatched) an EventBatch of `events` (protos with
    ``received_at_ms``, oldest first): count it, and the lag of its oldest event."""
    if not events:
        return
    MANAGER_EVENT_BATCHES.inc()
    MANAGER_EVENTS.inc(len(events))
    lag = time.time() - events[0].received_at_ms / 1000
    MANAGER_EVENT_LAG.observe(lag if lag > 0 else 0.0)


def task_finished(action: str, outcome: str, seconds: float) -> None:
    """A task to a charger ended with `outcome` (one of TASK_OUTCOMES) after `seconds`."""
    key = (_bounded(action, KNOWN_ACTIONS), outcome if outcome in TASK_OUTCOMES else "failed")
    _task_seconds.get(key).observe(seconds)


def write_behind_flushed(seconds: float) -> None:
    WRITE_BEHIND_FLUSH_SECONDS.observe(seconds)


def write_behind_flush_failed() -> None:
    WRITE_BEHIND_FLUSH_ERRORS.inc()


class GroupCommitMetrics:
    """The two histograms of one group-commit writer (its label bound once)."""

    __slots__ = ("_seconds", "_size")

    def __init__(self, writer: Callable[..., Any]) -> None:
        # The writer's method name, e.g. _write_meter_values -> meter_values: fixed in code.
        name = getattr(writer, "__name__", OTHER).lstrip("_")
        for prefix in ("write_", "read_"):
            name = name.removeprefix(prefix)
        self._seconds = GROUP_COMMIT_SECONDS.labels(name)
        self._size = GROUP_COMMIT_BATCH_SIZE.labels(name)

    def observe(self, size: int, seconds: float) -> None:
        self._size.observe(size)
        self._seconds.observe(seconds)


# --- registry --------------------------------------------------------------------------

REGISTRY_OPERATIONS: Final = Counter(
    "csms_registry_operations",
    "Registry operations (Redis or in-process) by operation.",
    ("operation",),
    registry=REGISTRY,
)
REGISTRY_ERRORS: Final = Counter(
    "csms_registry_errors",
    "Registry operations that failed, by operation and error class.",
    ("operation", "error"),
    registry=REGISTRY,
)
REGISTRY_SECONDS: Final = Histogram(
    "csms_registry_operation_seconds",
    "How long registry operations took, by operation.",
    ("operation",),
    buckets=_FAST_BUCKETS,
    registry=REGISTRY,
)
_registry_errors = _Children(REGISTRY_ERRORS)


def registry_operation(
    name: str,
) -> Callable[[Callable[P, Awaitable[R]]], Callable[P, Coroutine[Any, Any, R]]]:
    """Decorate a registry method: count it as operation `name`, time it, and count its
    exceptions by class (re-raised as they are)."""
    operations = REGISTRY_OPERATIONS.labels(name)
    seconds = REGISTRY_SECONDS.labels(name)

    def decorate(method: Callable[P, Awaitable[R]]) -> Callable[P, Coroutine[Any, Any, R]]:
        @functools.wraps(method)
        async def counted(*args: P.args, **kwargs: P.kwargs) -> R:
            operations.inc()
            started = time.perf_counter()
            try:
                return await method(*args, **kwargs)
            except Exception as exc:
                _registry_errors.get((name, type(exc).__name__)).inc()
                raise
            finally:
                seconds.observe(time.perf_counter() - started)

        return counted

    return decorate
