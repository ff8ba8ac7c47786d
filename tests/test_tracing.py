"""Tracing: a command and a charger's call each make one trace across the mesh.

Real manager (PostgreSQL), node, Redis registry, gRPC over loopback, the `ocpp` library's
ChargePoint as the charger. Spans go to the OpenTelemetry SDK's in-memory exporter instead
of an OTLP collector; everything up to the exporter is what production runs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import grpc
import pytest
from csms.v1 import chargers_pb2, chargers_pb2_grpc
from ocpp.v16 import call as call16
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from services.common._env import ConfigError
from services.common._tracing import TRACING, configure
from services.manager import Manager
from services.node import Node
from services.registry import RedisRegistry
from tests.harness import (
    Charger16,
    api_channel,
    charger_url,
    connected,
    eventually,
    running_manager,
)


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    """Tracing on for this test, its spans kept in memory."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    TRACING.use(provider)
    try:
        yield exporter
    finally:
        TRACING.off()
        provider.shutdown()


@pytest.fixture
async def manager(
    spans: InMemorySpanExporter, registry: RedisRegistry, postgres_url: str
) -> AsyncIterator[Manager]:
    """The manager, started with tracing on (its database engine reports its SQL)."""
    async with running_manager(registry, postgres_url) as manager:
        yield manager


def _one(spans: list[ReadableSpan], name: str) -> ReadableSpan:
    named = [span for span in spans if span.name == name]
    assert len(named) == 1, f"{name}: {[span.name for span in spans]}"
    return named[0]


def _ancestors(span: ReadableSpan, spans: list[ReadableSpan]) -> list[str]:
    """Names of `span`'s ancestors among `spans`, nearest first."""
    by_id = {s.context.span_id: s for s in spans if s.context is not None}
    names = []
    parent = span.parent
    while parent is not None and parent.span_id in by_id:
        ancestor = by_id[parent.span_id]
        names.append(ancestor.name)
        parent = ancestor.parent
    return names


async def test_a_command_is_one_trace_from_the_api_to_the_chargers_answer(
    spans: InMemorySpanExporter, node: Node, api: chargers_pb2_grpc.ChargerServiceAsyncStub
) -> None:
    async with connected(Charger16, charger_url(node, "CP-TR1"), "CP-TR1", node=node) as cp:
        await cp.boot()
        spans.clear()
        answer = await api.Reset(
            chargers_pb2.ResetRequest(charger_id="CP-TR1", kind=chargers_pb2.RESET_KIND_SOFT)
        )
    assert answer.status == "Accepted"
    assert cp.resets == ["Soft"]
    finished = list(spans.get_finished_spans())
    api_span = _one(finished, "csms.v1.ChargerService/Reset")
    trace = [s for s in finished if s.context.trace_id == api_span.context.trace_id]
    node_span = _one(trace, "csms.v1.Node/Send")
    assert node_span.kind == SpanKind.SERVER
    # node's span <- the manager's Node.Send <- ... <- the API call
    chain = _ancestors(node_span, trace)
    assert chain[0] == "Node.Send Reset", chain
    assert chain[-1] == "csms.v1.ChargerService/Reset", chain
    lookup = _one(trace, "registry lookup")
    assert _ancestors(lookup, trace)[-1] == "csms.v1.ChargerService/Reset"
    # the task is recorded in PostgreSQL within the same trace
    sql = [s for s in trace if s.name.endswith(" postgresql")]
    assert any(s.name.startswith("INSERT") for s in sql), [s.name for s in trace]
    assert api_span.attributes is not None
    assert api_span.attributes["rpc.grpc.status_code"] == 0


async def test_a_chargers_call_is_one_trace_from_the_node_to_the_managers_sql(
    spans: InMemorySpanExporter, node: Node
) -> None:
    async with connected(Charger16, charger_url(node, "CP-TR2"), "CP-TR2", node=node) as cp:
        await cp.boot()
        spans.clear()
        await cp.call(call16.Authorize(id_tag="TAG-TR2"))

    async def ended() -> bool:  # the node ends its span once the answer is written
        return any(s.name == "ocpp Authorize" for s in spans.get_finished_spans())

    await eventually(ended)
    finished = list(spans.get_finished_spans())
    at_node = _one(finished, "ocpp Authorize")
    assert at_node.kind == SpanKind.SERVER
    assert at_node.attributes is not None
    assert at_node.attributes["ocpp.charger_id"] == "CP-TR2"
    assert at_node.attributes["ocpp.outcome"] == "answered"
    handled = _one(finished, "handle Authorize")
    assert handled.context.trace_id == at_node.context.trace_id
    assert handled.parent is not None
    assert handled.parent.span_id == at_node.context.span_id
    sql = [
        s for s in finished if s.parent is not None and s.parent.span_id == handled.context.span_id
    ]
    assert sql, "the handler's SQL is not in the trace"
    assert all(s.name.endswith(" postgresql") for s in sql)


async def test_a_refused_api_call_is_traced_with_its_status(
    spans: InMemorySpanExporter, manager: Manager
) -> None:
    async with api_channel(f"127.0.0.1:{manager.port}", token="not-a-token") as channel:
        stub = chargers_pb2_grpc.ChargerServiceStub(channel)
        with pytest.raises(grpc.aio.AioRpcError) as refused_call:
            await stub.GetCharger(chargers_pb2.GetChargerRequest(charger_id="CP-X"))
    assert refused_call.value.code() == grpc.StatusCode.UNAUTHENTICATED
    refused = _one(list(spans.get_finished_spans()), "csms.v1.ChargerService/GetCharger")
    assert refused.attributes is not None
    assert refused.attributes["rpc.grpc.status_code"] == 16  # UNAUTHENTICATED


def test_tracing_is_off_unless_an_exporter_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OTEL_TRACES_EXPORTER", raising=False)
    configure("csms-test")
    assert not TRACING.on
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "zipkin")
    with pytest.raises(ConfigError, match="OTEL_TRACES_EXPORTER"):
        configure("csms-test")
    assert not TRACING.on
