"""OpenTelemetry tracing across the mesh; off unless OTEL_TRACES_EXPORTER names an exporter.

When on, one trace follows a piece of work across processes:

- a command: the API call (a server span per unary RPC, `TracingInterceptor`), the registry
  lookup and ``Node.Send`` (client spans whose context travels in the call's metadata as
  W3C ``traceparent``), the node's ``Node.Send`` span until the charger's answer;
- a charger's call: the node's span from the frame to its answer, whose context travels
  with the event (``Event.trace_parent``) so the manager's handling of it, and the SQL it
  runs (`instrument_engine`), join that trace.

Off (the default), every hook is one test of `TRACING.on`: nothing is allocated.

Settings are the OpenTelemetry SDK's own variables: OTEL_TRACES_EXPORTER (``otlp`` or
``console``; unset or ``none`` = off), OTEL_EXPORTER_OTLP_ENDPOINT (default
http://localhost:4317) and the other OTEL_EXPORTER_OTLP_* ones, OTEL_SERVICE_NAME (default:
the service's name), OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

import grpc
from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from services.common._env import ConfigError
from services.common._handlers import handler_like, status_code

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from sqlalchemy.ext.asyncio import AsyncEngine

__all__ = [
    "TRACING",
    "TracingInterceptor",
    "configure",
    "context_from_traceparent",
    "inject",
    "instrument_engine",
    "span",
    "traceparent",
]

_SCOPE = "ocpp-csms-mesh"
_EXPORTERS = ("otlp", "console")


class _Tracing:
    """Whether tracing is on, and the tracer that makes the spans."""

    __slots__ = ("on", "provider", "tracer")

    def __init__(self) -> None:
        self.on = False
        self.provider: TracerProvider | None = None
        self.tracer: trace.Tracer = trace.NoOpTracer()

    def use(self, provider: TracerProvider) -> None:
        """Make spans with `provider` (the SDK's); what `configure` and tests call."""
        self.provider = provider
        self.tracer = provider.get_tracer(_SCOPE)
        self.on = True

    def off(self) -> None:
        self.on = False
        self.provider = None
        self.tracer = trace.NoOpTracer()


TRACING = _Tracing()


def configure(service_name: str) -> None:
    """Turn tracing on when OTEL_TRACES_EXPORTER names an exporter (see the module doc)."""
    exporter_name = os.environ.get("OTEL_TRACES_EXPORTER", "none").strip().lower()
    if exporter_name in ("", "none"):
        return
    if exporter_name not in _EXPORTERS:
        raise ConfigError(
            f"OTEL_TRACES_EXPORTER={exporter_name!r} is not supported here; use "
            f"{' or '.join(_EXPORTERS)} (or none, the default, for no tracing)"
        )
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import (
        BatchSpanProcessor,
        ConsoleSpanExporter,
        SpanExporter,
    )

    exporter: SpanExporter
    if exporter_name == "otlp":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter()  # OTEL_EXPORTER_OTLP_* from the environment
    else:
        exporter = ConsoleSpanExporter()
    name = os.environ.get("OTEL_SERVICE_NAME") or service_name
    # The sampler comes from OTEL_TRACES_SAMPLER; the provider flushes at exit.
    provider = TracerProvider(resource=Resource.create({"service.name": name}))
    provider.add_span_processor(BatchSpanProcessor(exporter))  # export off the event loop
    TRACING.use(provider)


def span(
    name: str, *, kind: SpanKind = SpanKind.INTERNAL, attributes: dict[str, Any] | None = None
) -> AbstractContextManager[Any]:
    """A span around a block, child of the current one, when tracing is on."""
    if not TRACING.on:
        return contextlib.nullcontext()
    return TRACING.tracer.start_as_current_span(name, kind=kind, attributes=attributes)


# -- trace context across processes -------------------------------------------------


def inject(metadata: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """`metadata` for an outgoing gRPC call, with the current trace context added when
    tracing is on."""
    if not TRACING.on:
        return metadata
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return metadata + tuple(carrier.items())


def traceparent(span: trace.Span) -> str:
    """`span`'s W3C traceparent header value (what an event carries to the manager)."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier, context=trace.set_span_in_context(span))
    return carrier.get("traceparent", "")


def context_from_traceparent(value: str) -> otel_context.Context:
    return propagate.extract({"traceparent": value})


def _context_from_metadata(
    metadata: Sequence[tuple[str, str | bytes]] | None,
) -> otel_context.Context:
    carrier = {key: value for key, value in metadata or () if isinstance(value, str)}
    return propagate.extract(carrier)


# -- spans for every RPC a server serves ----------------------------------------------


class TracingInterceptor(grpc.aio.ServerInterceptor):
    """A server span for each unary RPC, continuing the caller's trace (``traceparent``
    metadata). Streams are left out: a span as long as a node's event stream or a watch
    says nothing. Put it first, so calls the auth interceptor refuses are traced too."""

    async def intercept_service(
        self,
        continuation: Callable[
            [grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler[Any, Any] | None]
        ],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        handler = await continuation(handler_call_details)
        if (
            handler is None
            or not TRACING.on
            or handler.request_streaming
            or handler.response_streaming
            or handler.unary_unary is None
        ):
            return handler
        behaviour: Callable[..., Awaitable[Any]] = handler.unary_unary
        method = handler_call_details.method
        service, _, rpc = method.lstrip("/").partition("/")
        parent = _context_from_metadata(handler_call_details.invocation_metadata)
        attributes = {"rpc.system": "grpc", "rpc.service": service, "rpc.method": rpc}

        async def traced(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
            with TRACING.tracer.start_as_current_span(
                method.lstrip("/"),
                context=parent,
                kind=SpanKind.SERVER,
                attributes=attributes,
                record_exception=False,
                set_status_on_exception=False,
            ) as span:
                try:
                    response = await behaviour(request, context)
                except BaseException:
                    _rpc_status(span, context, grpc.StatusCode.UNKNOWN)
                    raise
                _rpc_status(span, context, grpc.StatusCode.OK)
                return response

        return handler_like(handler, traced)


def _rpc_status(
    span: trace.Span,
    context: grpc.aio.ServicerContext[Any, Any],
    default: grpc.StatusCode,
) -> None:
    code = status_code(context, default)
    span.set_attribute("rpc.grpc.status_code", code.value[0])
    if code is not grpc.StatusCode.OK:
        span.set_status(Status(StatusCode.ERROR, code.name))


# -- SQL -------------------------------------------------------------------------------


def instrument_engine(engine: AsyncEngine) -> None:
    """A client span for each SQL statement `engine` runs while tracing is on, child of
    the span that runs it (the manager's handler of a charger's call, an API call)."""
    from sqlalchemy import event

    sync_engine = engine.sync_engine
    system = sync_engine.dialect.name

    def before(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
    ) -> None:
        if not TRACING.on or context is None:
            return
        verb = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else "SQL"
        span = TRACING.tracer.start_span(
            f"{verb} {system}",
            kind=SpanKind.CLIENT,
            attributes={"db.system": system, "db.statement": statement[:500]},
        )
        context._csms_span = span

    def after(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
    ) -> None:
        span = getattr(context, "_csms_span", None)
        if span is not None:
            span.end()
            context._csms_span = None

    def failed(exception_context: Any) -> None:
        context = exception_context.execution_context
        span = getattr(context, "_csms_span", None)
        if span is not None:
            span.set_status(
                Status(StatusCode.ERROR, type(exception_context.original_exception).__name__)
            )
            span.end()
            context._csms_span = None

    event.listen(sync_engine, "before_cursor_execute", before)
    event.listen(sync_engine, "after_cursor_execute", after)
    event.listen(sync_engine, "handle_error", failed)
