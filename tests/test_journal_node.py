"""Every exchange a node has with its chargers is in the frame journal (docs/adr/0014).

A real node and manager over loopback, the node journaling to a temporary SQLite file, to
a PostgreSQL database and to a MongoDB database (MONGO_URL's server, else the wire-level
stand-in: id "mongo-standin", tests/journal/mongo_standin.py); chargers played by the `ocpp` library's ChargePoint (1.6 and
2.0.1) and by raw websockets for what no well-behaved charger sends. The journal is read
back through a journal of its own on the same store, as the manager's timeline does.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import grpc
import orjson
import pytest
import websockets
from csms.v1 import chargers_pb2, chargers_pb2_grpc
from websockets.typing import Subprotocol

from services.journal import (
    Direction,
    Exchange,
    Journal,
    JournalSettings,
    JournalWriter,
    Outcome,
    Query,
    Stored,
    open_journal,
)
from services.manager import Manager
from services.manager._data_transfer import VendorAnswer, VendorMessage
from services.node import Node, NodeSettings
from services.node._journaling import NodeJournal
from services.registry import Registry
from tests.harness import (
    MESH_SECRET,
    UNIT,
    Charger16,
    Charger201,
    charger_url,
    connected,
    eventually,
    free_port,
    running_manager,
    running_node,
)
from tests.journal.mongo_fixtures import MONGO_KIND, MongoTarget

T = TypeVar("T")
OCPP16 = [Subprotocol("ocpp1.6")]
PASSWORD = "Journal-Secret-42"  # a charger's new Basic auth password
SECRET_KEY = PASSWORD.encode().hex().upper()  # as 1.6's AuthorizationKey carries it


@pytest.fixture(params=["sqlite", "postgres", MONGO_KIND])
def journal_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The journal's store: a temporary SQLite file, a new PostgreSQL database, or a new
    MongoDB database."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'journal.sqlite'}"
    if request.param == MONGO_KIND:
        target: MongoTarget = request.getfixturevalue("mongo_target")
        return target.url
    url: str = request.getfixturevalue("empty_postgres_url")
    return url


@pytest.fixture
async def node(
    registry: Registry, manager: Manager, node_id: str, journal_url: str
) -> AsyncIterator[Node]:
    """The harness's node, journaling to `journal_url` (flushed every 50 ms)."""
    settings = JournalSettings(url=journal_url, flush_interval=0.05)
    async with running_node(registry, manager.port, node_id, journal=settings) as node:
        yield node


@pytest.fixture
async def reader(node: Node, journal_url: str) -> AsyncIterator[Journal]:
    """A second journal on the node's store: what the manager reads the timeline with."""
    journal = open_journal(journal_url, retention_s=86_400)
    await journal.open()
    try:
        yield journal
    finally:
        await journal.aclose()


async def journaled(reader: Journal, charger_id: str, count: int, **filters: Any) -> list[Exchange]:
    """The charger's exchanges, oldest first, once at least `count` are in the journal."""

    async def enough() -> list[Exchange]:
        page = await reader.query(Query(charger_id, limit=100, **filters))
        return [stored.exchange for stored in reversed(page)] if len(page) >= count else []

    return await eventually(enough)


async def _resolved(call: Awaitable[T]) -> T:
    return await call


def frame(text: str | None) -> list[Any]:
    assert text is not None
    parsed = orjson.loads(text)
    assert isinstance(parsed, list)
    return parsed


def check_answered(exchange: Exchange, node: Node, outcome: Outcome = Outcome.RESULT) -> None:
    """An exchange answered in full: both frames, correlated by id, timed."""
    assert exchange.outcome is outcome
    assert exchange.node_id == node.settings.node_id
    assert exchange.epoch > 0
    call, answer = frame(exchange.call), frame(exchange.answer)
    assert call[:3] == [2, exchange.message_id, exchange.action]
    assert answer[:2] == [3 if outcome is Outcome.RESULT else 4, exchange.message_id]
    assert exchange.latency_ms is not None
    assert exchange.latency_ms > 0
    assert exchange.answered_at_ms is not None
    assert exchange.answered_at_ms >= exchange.at_ms


async def test_a_16_session(
    node: Node, reader: Journal, api: chargers_pb2_grpc.ChargerServiceAsyncStub
) -> None:
    """A 1.6 charger's boot and heartbeat and a Reset sent through the API are journaled,
    each CALL with its answer and latency; the ChangeConfiguration of AuthorizationKey
    that rotating its password sends is journaled with the key's value as ***, and the
    password is nowhere in the journal."""
    async with connected(Charger16, charger_url(node, "CP-16"), "CP-16") as cp:
        await cp.boot()
        await cp.heartbeat()
        reset = await api.Reset(
            chargers_pb2.ResetRequest(charger_id="CP-16", kind=chargers_pb2.RESET_KIND_HARD)
        )
        assert reset.status == "Accepted"
        with contextlib.suppress(grpc.aio.AioRpcError):  # the charger refuses the key
            await api.RotateChargerPassword(
                chargers_pb2.RotateChargerPasswordRequest(charger_id="CP-16", password=PASSWORD)
            )
        exchanges = await journaled(reader, "CP-16", 4)

    boot, heartbeat, reset_exchange, change = exchanges
    assert [e.action for e in exchanges] == [
        "BootNotification",
        "Heartbeat",
        "Reset",
        "ChangeConfiguration",
    ]
    for exchange in exchanges:
        check_answered(exchange, node)
    assert boot.direction is Direction.CHARGER
    assert frame(boot.call)[3] == {"chargePointModel": "Wallbox-1", "chargePointVendor": "Acme"}
    assert frame(boot.answer)[2]["status"] == "Accepted"
    assert heartbeat.direction is Direction.CHARGER
    assert "currentTime" in frame(heartbeat.answer)[2]
    assert reset_exchange.direction is Direction.CSMS
    assert frame(reset_exchange.call)[3] == {"type": "Hard"}
    assert frame(reset_exchange.answer)[2] == {"status": "Accepted"}
    assert change.direction is Direction.CSMS
    assert frame(change.call)[3] == {"key": "AuthorizationKey", "value": "***"}
    assert frame(change.answer)[2] == {"status": "NotSupported"}
    everything = await reader.query(Query("CP-16", limit=100))
    texts = [f"{s.exchange.call} {s.exchange.answer}" for s in everything]
    assert not [text for text in texts if SECRET_KEY in text or PASSWORD in text]


async def test_a_201_session(
    node: Node, reader: Journal, api: chargers_pb2_grpc.ChargerServiceAsyncStub
) -> None:
    """A 2.0.1 charger's boot and heartbeat and a Reset through the API are journaled
    with their answers."""
    async with connected(Charger201, charger_url(node, "CP-201"), "CP-201") as cp:
        await cp.boot()
        await cp.heartbeat()
        await api.Reset(
            chargers_pb2.ResetRequest(charger_id="CP-201", kind=chargers_pb2.RESET_KIND_HARD)
        )
        exchanges = await journaled(reader, "CP-201", 3)
    assert [(e.action, e.direction) for e in exchanges] == [
        ("BootNotification", Direction.CHARGER),
        ("Heartbeat", Direction.CHARGER),
        ("Reset", Direction.CSMS),
    ]
    for exchange in exchanges:
        check_answered(exchange, node)
    assert frame(exchanges[2].call)[3] == {"type": "Immediate"}


async def test_malformed_frames_with_their_call_errors(node: Node, reader: Journal) -> None:
    """A frame that is not JSON and a call that breaks its schema are journaled as
    MALFORMED with the CallError the node answered, its code, and what could be read of
    the frame (message id, action)."""
    async with websockets.connect(charger_url(node, "BAD"), subprotocols=OCPP16) as ws:
        await ws.send("this is not json")
        not_json = orjson.loads(await asyncio.wait_for(ws.recv(), 8 * UNIT))
        await ws.send('[2, "m7", "BootNotification", {"chargePointVendor": "Acme"}]')
        incomplete = orjson.loads(await asyncio.wait_for(ws.recv(), 8 * UNIT))
        first, second = await journaled(reader, "BAD", 2)

    assert not_json[:3] == [4, "-1", "FormationViolation"]
    assert first.outcome is Outcome.MALFORMED
    assert first.call == "this is not json"
    assert frame(first.answer) == not_json
    assert (first.message_id, first.action) == ("", "")
    assert first.error_code == "FormationViolation"
    assert first.latency_ms is not None

    assert incomplete[:3] == [4, "m7", "OccurenceConstraintViolation"]
    assert second.outcome is Outcome.MALFORMED
    assert (second.message_id, second.action) == ("m7", "BootNotification")
    assert second.direction is Direction.CHARGER
    assert frame(second.call) == [2, "m7", "BootNotification", {"chargePointVendor": "Acme"}]
    assert frame(second.answer) == incomplete
    assert second.error_code == "OccurenceConstraintViolation"


async def test_a_task_the_charger_never_answers(
    node: Node, reader: Journal, api: chargers_pb2_grpc.ChargerServiceAsyncStub
) -> None:
    """A task the charger does not answer in time is journaled as NO_ANSWER (Timeout)
    with its CALL; the answer coming after that is journaled as UNSOLICITED."""
    async with websockets.connect(charger_url(node, "MUTE"), subprotocols=OCPP16) as ws:

        async def held() -> bool:
            return "MUTE" in node.connections

        await eventually(held)
        request = chargers_pb2.ResetRequest(charger_id="MUTE", kind=chargers_pb2.RESET_KIND_SOFT)
        reset = asyncio.create_task(_resolved(api.Reset(request)))
        call = orjson.loads(await asyncio.wait_for(ws.recv(), 8 * UNIT))
        with pytest.raises(grpc.aio.AioRpcError) as timed_out:
            await reset
        assert timed_out.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        (unanswered,) = await journaled(reader, "MUTE", 1)
        await ws.send(orjson.dumps([3, call[1], {"status": "Accepted"}]).decode())
        _, late = await journaled(reader, "MUTE", 2)

    assert unanswered.outcome is Outcome.NO_ANSWER
    assert unanswered.error_code in ("Timeout", "Cancelled")  # the node's or the manager's
    assert (unanswered.action, unanswered.message_id) == ("Reset", call[1])
    assert unanswered.direction is Direction.CSMS
    assert frame(unanswered.call) == call
    assert unanswered.answer is None
    assert unanswered.latency_ms is None

    assert late.outcome is Outcome.UNSOLICITED
    assert late.message_id == call[1]
    assert frame(late.answer) == [3, call[1], {"status": "Accepted"}]
    assert late.call is None


async def test_a_task_answered_with_a_call_error(
    node: Node, reader: Journal, api: chargers_pb2_grpc.ChargerServiceAsyncStub
) -> None:
    """A charger's CallError to a task is journaled as ERROR with its code."""
    async with websockets.connect(charger_url(node, "NOPE"), subprotocols=OCPP16) as ws:

        async def held() -> bool:
            return "NOPE" in node.connections

        await eventually(held)
        request = chargers_pb2.ResetRequest(charger_id="NOPE", kind=chargers_pb2.RESET_KIND_SOFT)
        reset = asyncio.create_task(_resolved(api.Reset(request)))
        call = orjson.loads(await asyncio.wait_for(ws.recv(), 8 * UNIT))
        await ws.send(orjson.dumps([4, call[1], "NotSupported", "no resets here", {}]).decode())
        with pytest.raises(grpc.aio.AioRpcError):
            await reset
        (refused,) = await journaled(reader, "NOPE", 1)
    check_answered(refused, node, Outcome.ERROR)
    assert refused.error_code == "NotSupported"
    assert frame(refused.answer) == [4, call[1], "NotSupported", "no resets here", {}]


async def test_exchanges_in_flight_at_shutdown_are_written(
    registry: Registry, manager: Manager, tmp_path: Path
) -> None:
    """What the node journaled is in the store once the node has closed: closing flushes
    the writer (no wait for its next flush)."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'journal.sqlite'}"
    settings = JournalSettings(url=url, flush_interval=3600.0)  # only close writes
    async with (
        running_node(registry, manager.port, "node-j", journal=settings) as node,
        connected(Charger16, charger_url(node, "CP-S"), "CP-S") as cp,
    ):
        await cp.boot()
        await cp.heartbeat()
    reader = open_journal(url, retention_s=86_400)
    await reader.open()
    try:
        page = await reader.query(Query("CP-S"))
    finally:
        await reader.aclose()
    assert [s.exchange.action for s in page] == ["Heartbeat", "BootNotification"]


async def test_without_a_journal_url_the_node_warns_once(
    registry: Registry, manager: Manager, caplog: pytest.LogCaptureFixture
) -> None:
    """JOURNAL_URL unset: the node runs without a journal and says so once at start;
    JOURNAL_URL=off: no journal, no warning."""
    with caplog.at_level(logging.WARNING, "services.node"):
        async with running_node(
            registry, manager.port, "node-u", journal=JournalSettings(url="")
        ) as node:
            assert node.journal is None
            assert node.journal_writer is None
    warnings = [r.getMessage() for r in caplog.records if "JOURNAL_URL" in r.getMessage()]
    assert warnings == ["JOURNAL_URL is not set: frames are not journaled"]
    caplog.clear()
    with caplog.at_level(logging.WARNING, "services.node"):
        async with running_node(registry, manager.port, "node-o") as node:
            assert node.journal is None
    assert not [r for r in caplog.records if "JOURNAL_URL" in r.getMessage()]


async def test_an_unreachable_journal_stops_the_start(registry: Registry, manager: Manager) -> None:
    """A node whose journal cannot be reached does not start: a clear error names the
    journal (without its password) and JOURNAL_URL."""
    url = f"postgresql+asyncpg://csms:s3cret@127.0.0.1:{free_port()}/journal"
    settings = NodeSettings(
        node_id="node-x",
        host="127.0.0.1",
        port=0,
        grpc_port=0,
        manager_address=f"127.0.0.1:{manager.port}",
        mesh_secret=MESH_SECRET,
        startup_timeout=4 * UNIT,
        journal=JournalSettings(url=url),
    )
    with pytest.raises(OSError, match="cannot open the frame journal") as failed:
        async with Node(settings, registry):
            pass
    assert "JOURNAL_URL" in str(failed.value)
    assert "csms:***@127.0.0.1" in str(failed.value)
    assert "s3cret" not in str(failed.value)


async def test_a_task_cut_off_by_a_disconnect(
    node: Node, reader: Journal, api: chargers_pb2_grpc.ChargerServiceAsyncStub
) -> None:
    """A task whose charger closes its socket before answering is NO_ANSWER
    (ConnectionClosed), with the CALL it received."""
    async with websockets.connect(charger_url(node, "GONE"), subprotocols=OCPP16) as ws:

        async def held() -> bool:
            return "GONE" in node.connections

        await eventually(held)
        request = chargers_pb2.ResetRequest(charger_id="GONE", kind=chargers_pb2.RESET_KIND_HARD)
        reset = asyncio.create_task(_resolved(api.Reset(request)))
        call = orjson.loads(await asyncio.wait_for(ws.recv(), 8 * UNIT))
    with pytest.raises(grpc.aio.AioRpcError):
        await reset
    (cut_off,) = await journaled(reader, "GONE", 1)
    assert (cut_off.outcome, cut_off.error_code) == (Outcome.NO_ANSWER, "ConnectionClosed")
    assert frame(cut_off.call) == call
    assert cut_off.answer is None


async def test_a_call_the_manager_does_not_answer_in_time(
    registry: Registry, postgres_url: str, journal_url: str
) -> None:
    """A charger's call the manager does not answer within the node's deadline is
    journaled with the InternalError the node answered it with."""
    never = asyncio.Event()

    async def stuck(message: VendorMessage) -> VendorAnswer:
        await never.wait()  # the manager never answers this vendor's messages
        raise AssertionError("unreachable")

    settings = JournalSettings(url=journal_url, flush_interval=0.05)
    async with (
        running_manager(registry, postgres_url, vendor_handlers={"stuck": stuck}) as manager,
        running_node(registry, manager.port, "slow", call_timeout=UNIT, journal=settings) as node,
        websockets.connect(charger_url(node, "STUCK"), subprotocols=OCPP16) as ws,
    ):
        await ws.send(orjson.dumps([2, "dt", "DataTransfer", {"vendorId": "stuck"}]).decode())
        answer = orjson.loads(await asyncio.wait_for(ws.recv(), 8 * UNIT))
        reader = open_journal(journal_url, retention_s=86_400)
        await reader.open()
        try:
            (late,) = await journaled(reader, "STUCK", 1)
        finally:
            await reader.aclose()
    assert answer[:3] == [4, "dt", "InternalError"]
    check_answered(late, node, Outcome.ERROR)
    assert late.error_code == "InternalError"
    assert frame(late.answer) == answer


class HangingJournal:
    """A journal whose store never answers a write (a dead database)."""

    def __init__(self) -> None:
        self.never = asyncio.Event()

    async def open(self) -> None: ...

    async def write(self, exchanges: Sequence[Exchange]) -> None:
        await self.never.wait()

    async def query(self, query: Query) -> list[Stored]:
        return []

    async def expire(self, older_than_ms: int) -> int:
        return 0

    async def aclose(self) -> None: ...


async def test_a_journal_that_hangs_never_holds_up_a_charger(
    registry: Registry, manager: Manager
) -> None:
    """With the journal's store stuck, chargers are answered as before; the exchanges
    beyond the writer's queue are dropped and counted, and shutdown is not held up past
    the writer's close timeout."""
    hanging = HangingJournal()
    writer = JournalWriter(hanging, queue_size=3, batch=1, flush_interval=0.01, close_timeout=UNIT)
    async with running_node(registry, manager.port, "node-h") as node:
        node.journal = NodeJournal(hanging, writer, node_id="node-h", max_frame_bytes=65_536)
        await writer.start()
        async with connected(Charger16, charger_url(node, "CP-H"), "CP-H") as cp:
            await cp.boot()
            for _ in range(10):
                await cp.heartbeat()
        assert writer.written == 0
        assert writer.dropped >= 11 - 3 - 1  # all but the queue and the write in flight
    assert writer.dropped == 11  # the rest when the node closed


async def test_calls_while_the_manager_is_away(
    registry: Registry, postgres_url: str, journal_url: str
) -> None:
    """With the manager gone, a charger's call times out in the node's outbox, and the
    next one, finding the outbox full, waits for room until its deadline: both are
    journaled with the InternalError the node answered them with."""
    manager_context = running_manager(registry, postgres_url)
    manager = await manager_context.__aenter__()
    settings = NodeSettings(
        node_id="node-away",
        host="127.0.0.1",
        port=0,
        grpc_port=0,
        manager_address=f"127.0.0.1:{manager.port}",
        call_timeout=UNIT,
        outbox_size=1,  # one event waiting for the stream fills it
        drain_timeout=UNIT,
        close_timeout=UNIT,
        lease_seconds=2 * UNIT,
        mesh_secret=MESH_SECRET,
        journal=JournalSettings(url=journal_url, flush_interval=0.05),
    )
    try:
        async with (
            Node(settings, registry) as node,
            websockets.connect(charger_url(node, "AWAY"), subprotocols=OCPP16) as ws,
        ):

            async def held() -> bool:
                return "AWAY" in node.connections

            await eventually(held)
            await manager_context.__aexit__(None, None, None)

            async def stream_down() -> bool:
                return not node.link.connected

            await eventually(stream_down)
            await ws.send('[2, "a1", "Heartbeat", {}]')
            await ws.send('[2, "a2", "Heartbeat", {}]')  # sent before a1 is answered
            answers = [orjson.loads(await asyncio.wait_for(ws.recv(), 8 * UNIT)) for _ in "ab"]
            reader = open_journal(journal_url, retention_s=86_400)
            await reader.open()
            try:
                exchanges = await journaled(reader, "AWAY", 2)
            finally:
                await reader.aclose()
    finally:
        await manager_context.__aexit__(None, None, None)  # a no-op when already stopped
    assert [answer[:3] for answer in answers] == [
        [4, "a1", "InternalError"],
        [4, "a2", "InternalError"],
    ]
    assert [e.message_id for e in exchanges] == ["a1", "a2"]
    for exchange, answer in zip(exchanges, answers, strict=True):
        check_answered(exchange, node, Outcome.ERROR)
        assert exchange.error_code == "InternalError"
        assert frame(exchange.answer) == answer
