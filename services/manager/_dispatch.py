"""From an event to a reply: route by OCPP version and action, run the handler.

A call is checked before it is routed, as the node's framer checks a charger's frame
(`Framer.validate_call`): a node is trusted to be a node, not to have validated. An
unknown OCPP version or action, a payload that is not JSON or breaks the action's
schema gets the CallError the node would have sent, and no handler runs.

Handlers that need no I/O (write-behind updates) are plain functions and run
inline; handlers that await the database are coroutine functions and run as tasks,
so a slow one never holds up the rest of a batch.
"""

from __future__ import annotations

import inspect
import logging
import time
from collections.abc import Awaitable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Protocol, cast

import orjson
from csms.v1 import common_pb2, events_pb2
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import Span, Status, StatusCode

from services.common import OCPP_VERSIONS, OcppVersion, to_proto_version
from services.common._framing import Framer, FrameRejected
from services.common._tracing import TRACING, context_from_traceparent
from services.manager._context import CallContext, Handler, Payload, Reply, Router
from services.manager._errors import (
    OcppCallError,
    OcppInternalError,
    OcppNotImplemented,
    OcppNotSupported,
    OcppPropertyConstraintViolation,
    OcppSecurityError,
)
from services.manager.store import ChargerStore, StoreDataError, StoreUnavailable

log = logging.getLogger(__name__)

_EMPTY = b"{}"
_MAX_DESCRIPTION = 255  # OCPP 2.0.1 errorDescription
_OUTAGE_LOG_INTERVAL = 10.0  # seconds between two warnings about calls failed by an outage


def _end_handle_span(span: Span, reply: events_pb2.Reply | None) -> None:
    if reply is None:
        span.set_status(Status(StatusCode.ERROR, "the handler failed"))
    elif reply.HasField("error"):
        span.set_attribute("ocpp.error_code", reply.error.code)
        span.set_status(Status(StatusCode.ERROR, reply.error.code))
    span.end()


class ConnectionWatcher(Protocol):
    """Told of every connection event and every BootNotification, on the event path: it
    must return at once (no I/O), e.g. ``_reconnect.ReconnectStatus``."""

    def connection_changed(self, event: events_pb2.Event) -> None:
        """A CONNECTED or DISCONNECTED event from a node."""

    def booted(self, charger_id: str) -> None:
        """The charger sent a BootNotification (before it is handled)."""


def _noting_boots(handler: Handler, watcher: ConnectionWatcher) -> Handler:
    """`handler` (BootNotification's) telling `watcher` first; sync stays sync."""
    if inspect.iscoroutinefunction(handler):

        async def boot_async(ctx: CallContext, payload: Payload) -> Reply:
            watcher.booted(ctx.charger_id)
            return await cast(Awaitable[Reply], handler(ctx, payload))

        return boot_async

    def boot(ctx: CallContext, payload: Payload) -> Reply:
        watcher.booted(ctx.charger_id)
        return cast(Reply, handler(ctx, payload))

    return boot


class Dispatcher:
    """Turns events into replies, synchronously when it can."""

    def __init__(
        self,
        routers: Mapping[OcppVersion, Router],
        store: ChargerStore,
        *,
        connections: Sequence[ConnectionWatcher] = (),
        gated: Mapping[str, str] | None = None,
        allowed_while: Mapping[str, frozenset[str]] | None = None,
    ) -> None:
        # (version, action) -> (handler, is_async)
        self._routes: dict[tuple[OcppVersion, str], tuple[Handler, bool]] = {
            (version, action): (handler, inspect.iscoroutinefunction(handler))
            for version, router in routers.items()
            for action, handler in router.items()
        }
        self._connections = tuple(connections)
        for watcher in self._connections:  # only BootNotification's route changes
            for key, (handler, is_async) in list(self._routes.items()):
                if key[1] == "BootNotification":
                    self._routes[key] = (_noting_boots(handler, watcher), is_async)
        self._store = store
        #: Chargers not Accepted -> their registration status (``ChargerPolicy.gated``), and
        #: the actions each status still allows: any other call is refused (SecurityError).
        self._gated: Mapping[str, str] = gated if gated is not None else {}
        self._allowed_while: Mapping[str, frozenset[str]] = allowed_while or {}
        # proto version -> (version name, framer checking the calls of that version)
        self._versions: dict[int, tuple[OcppVersion, Framer]] = {
            to_proto_version(version): (version, Framer(version)) for version in OCPP_VERSIONS
        }
        self.calls_handled = 0  # charger calls routed (for tests and metrics)
        self._outage_failures = 0  # calls failed by a database outage since the last warning
        self._outage_logged_at = -_OUTAGE_LOG_INTERVAL

    @property
    def routes(self) -> frozenset[tuple[OcppVersion, str]]:
        """The (OCPP version, action) pairs this dispatcher handles."""
        return frozenset(self._routes)

    def handle(self, event: events_pb2.Event) -> events_pb2.Reply | Awaitable[events_pb2.Reply]:
        """The reply to `event`, or an awaitable of it when the handler does I/O."""
        if event.trace_parent and TRACING.on:
            return self._traced(event)
        return self._handle(event)

    def _traced(self, event: events_pb2.Event) -> events_pb2.Reply | Awaitable[events_pb2.Reply]:
        """`_handle` in a span that continues the node's trace of the call (a handler that
        does I/O keeps it open until its reply, so its SQL joins the trace)."""
        span = TRACING.tracer.start_span(
            f"handle {event.action}",
            context=context_from_traceparent(event.trace_parent),
            attributes={"ocpp.charger_id": event.charger_id, "ocpp.action": event.action},
        )
        token = otel_context.attach(trace.set_span_in_context(span))
        try:
            reply = self._handle(event)
        finally:
            otel_context.detach(token)
        if not inspect.isawaitable(reply):
            _end_handle_span(span, reply)
            return reply
        pending = reply

        async def finish() -> events_pb2.Reply:
            token = otel_context.attach(trace.set_span_in_context(span))
            done: events_pb2.Reply | None = None
            try:
                done = await pending
            finally:
                otel_context.detach(token)
                _end_handle_span(span, done)
            return done

        return finish()

    def _handle(self, event: events_pb2.Event) -> events_pb2.Reply | Awaitable[events_pb2.Reply]:
        received_at = datetime.fromtimestamp(event.received_at_ms / 1000, UTC)
        if event.kind != events_pb2.Event.KIND_CALL:
            self._store.touch(event.charger_id, received_at)
            for watcher in self._connections:
                watcher.connection_changed(event)
            return events_pb2.Reply(event_id=event.id, charger_id=event.charger_id)
        self.calls_handled += 1
        known = self._versions.get(event.ocpp_version)
        if known is None:
            return self._error(
                event,
                OcppNotImplemented.code,  # the same in every version
                f"OCPP version {event.ocpp_version} (proto enum) is not supported by this CSMS",
            )
        version, framer = known
        try:
            payload = framer.validate_call(event.action, event.payload, message_id=event.message_id)
        except FrameRejected as rejected:
            log.warning(
                "refused %s from charger %s as forwarded by its node: %s",
                event.action[:40],
                event.charger_id,
                rejected,
            )
            return self._error(
                event, rejected.code, rejected.description, orjson.dumps(rejected.details)
            )
        route = self._routes.get((version, event.action))
        if route is None:
            return self._call_error(
                event,
                version,
                OcppNotSupported(
                    f"{event.action} is recognised but not supported by this CSMS (OCPP {version})"
                ),
            )
        status = self._gated.get(event.charger_id) if self._gated else None
        if status is not None and event.action not in self._allowed_while.get(status, ()):
            return self._call_error(
                event,
                version,
                OcppSecurityError(
                    f"the CSMS answered this charger's BootNotification {status}: "
                    f"{event.action} is not allowed until it is Accepted"
                ),
            )
        self._store.touch(event.charger_id, received_at)
        handler, is_async = route
        ctx = CallContext(event.charger_id, version, event.epoch, event.message_id, received_at)
        if is_async:
            return self._run_async(event, handler, ctx, payload)
        try:
            result = cast(Reply, handler(ctx, payload))
        except OcppCallError as exc:
            return self._call_error(event, ctx.ocpp_version, exc)
        except StoreDataError as exc:
            return self._refused(event, exc)
        except StoreUnavailable as exc:
            return self._unavailable(event, exc)
        except Exception:
            log.exception("handler for %s from %s failed", event.action, event.charger_id)
            return self._call_error(
                event,
                ctx.ocpp_version,
                OcppInternalError(f"the CSMS failed to process {event.action}"),
            )
        return events_pb2.Reply(
            event_id=event.id, charger_id=event.charger_id, result=orjson.dumps(result)
        )

    async def _run_async(
        self, event: events_pb2.Event, handler: Handler, ctx: CallContext, payload: Payload
    ) -> events_pb2.Reply:
        try:
            result = await cast(Awaitable[Reply], handler(ctx, payload))
        except OcppCallError as exc:
            return self._call_error(event, ctx.ocpp_version, exc)
        except StoreDataError as exc:
            return self._refused(event, exc)
        except StoreUnavailable as exc:
            return self._unavailable(event, exc)
        except Exception:
            log.exception("handler for %s from %s failed", event.action, event.charger_id)
            return self._call_error(
                event,
                ctx.ocpp_version,
                OcppInternalError(f"the CSMS failed to process {event.action}"),
            )
        return events_pb2.Reply(
            event_id=event.id, charger_id=event.charger_id, result=orjson.dumps(result)
        )

    def _unavailable(self, event: events_pb2.Event, exc: StoreUnavailable) -> events_pb2.Reply:
        """The database is down: InternalError (the charger retries the call later), and one
        warning per `_OUTAGE_LOG_INTERVAL` with the count of calls failed meanwhile, instead of
        a traceback per call (an outage fails hundreds a second)."""
        self._outage_failures += 1
        now = time.monotonic()
        if now - self._outage_logged_at >= _OUTAGE_LOG_INTERVAL:
            log.warning(
                "database unavailable: %d charger calls answered InternalError (last: %s from %s): %s",
                self._outage_failures,
                event.action,
                event.charger_id,
                exc,
            )
            self._outage_logged_at = now
            self._outage_failures = 0
        return self._error(
            event,
            OcppInternalError.code,  # the same in every version
            f"the CSMS database is unavailable; retry {event.action} later",
        )

    @classmethod
    def _refused(cls, event: events_pb2.Event, exc: StoreDataError) -> events_pb2.Reply:
        """The database refused a value of this (schema-valid) call: the charger is told which
        message and why, with a code it does not retry blindly (ADR 0010)."""
        log.warning("refused %s from %s: %s", event.action, event.charger_id, exc)
        description = f"{event.action}: a value cannot be stored: {exc}"
        if len(description) > _MAX_DESCRIPTION:
            description = description[: _MAX_DESCRIPTION - 3] + "..."
        return cls._error(event, OcppPropertyConstraintViolation.code, description)

    @classmethod
    def _call_error(
        cls, event: events_pb2.Event, version: OcppVersion, error: OcppCallError
    ) -> events_pb2.Reply:
        """The CallError answering `event`, its code spelled for the charger's `version`."""
        return cls._error(event, error.code_for(version), error.description)

    @staticmethod
    def _error(
        event: events_pb2.Event, code: str, description: str, details: bytes = _EMPTY
    ) -> events_pb2.Reply:
        return events_pb2.Reply(
            event_id=event.id,
            charger_id=event.charger_id,
            error=common_pb2.CallError(code=code, description=description, details=details),
        )
