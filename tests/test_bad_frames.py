"""Bad input from chargers: each malformed frame gets its CallError from the node itself."""

from __future__ import annotations

from collections.abc import AsyncIterator

import orjson
import pytest
import websockets
from websockets.asyncio.client import ClientConnection
from websockets.typing import Subprotocol

from services.manager import Manager
from services.node import Node
from services.registry import MemoryRegistry
from tests.harness import UNIT, charger_url, running_manager, running_node

MAX_FRAME = 2048

BOOT16 = {"chargePointVendor": "Acme", "chargePointModel": "M1"}
STATUS16 = {"connectorId": 1, "errorCode": "NoError", "status": "Available"}
STATUS201 = {
    "timestamp": "2026-11-24T10:00:00Z",
    "connectorStatus": "Available",
    "evseId": 1,
    "connectorId": 1,
}

# (frame, expected message id in the CallError, expected code) for OCPP 1.6
BAD_FRAMES_16: list[tuple[str | bytes, str, str]] = [
    ("this is not json", "-1", "FormationViolation"),
    ('{"a": 1}', "-1", "FormationViolation"),
    ("[]", "-1", "FormationViolation"),
    ('[2, 123, "Heartbeat", {}]', "-1", "FormationViolation"),
    ('[2, "", "Heartbeat", {}]', "-1", "FormationViolation"),
    (orjson.dumps([2, "x" * 37, "Heartbeat", {}]).decode(), "-1", "FormationViolation"),
    ('[2, "m1", "Heartbeat"]', "m1", "FormationViolation"),
    ('[9, "m2", "Heartbeat", {}]', "m2", "FormationViolation"),
    ('[2, "m3", 7, {}]', "m3", "FormationViolation"),
    ('[2, "m4", "Heartbeat", []]', "m4", "FormationViolation"),
    ('[2, "m5", "NoSuchAction", {}]', "m5", "NotImplemented"),
    ('[2, "m6", "Reset", {"type": "Hard"}]', "m6", "NotSupported"),
    (
        '[2, "m7", "BootNotification", {"chargePointVendor": "Acme"}]',
        "m7",
        "OccurenceConstraintViolation",
    ),
    (
        orjson.dumps([2, "m8", "StatusNotification", {**STATUS16, "connectorId": "one"}]).decode(),
        "m8",
        "TypeConstraintViolation",
    ),
    (
        orjson.dumps([2, "m9", "StatusNotification", {**STATUS16, "status": "Dancing"}]).decode(),
        "m9",
        "PropertyConstraintViolation",
    ),
    (
        orjson.dumps(
            [2, "m10", "BootNotification", {**BOOT16, "chargePointModel": "M" * 21}]
        ).decode(),
        "m10",
        "TypeConstraintViolation",
    ),
    (
        orjson.dumps([2, "m11", "BootNotification", {**BOOT16, "colour": "red"}]).decode(),
        "m11",
        "FormationViolation",
    ),
    (
        orjson.dumps(
            [2, "m12", "DataTransfer", {"vendorId": "v", "data": "x" * MAX_FRAME}]
        ).decode(),
        "m12",
        "FormationViolation",
    ),
    (b"\x00\x01binary", "-1", "FormationViolation"),
]

BAD_FRAMES_201: list[tuple[str | bytes, str, str]] = [
    ("this is not json", "-1", "RpcFrameworkError"),
    ('[2, 123, "Heartbeat", {}]', "-1", "RpcFrameworkError"),
    ('[7, "n1", "Heartbeat", {}]', "n1", "MessageTypeNotSupported"),
    ('[2, "n2", "NoSuchAction", {}]', "n2", "NotImplemented"),
    (
        '[2, "n3", "RequestStartTransaction", {"idToken": {"idToken": "a", "type": "Central"}, "remoteStartId": 1}]',
        "n3",
        "NotSupported",
    ),
    (
        orjson.dumps(
            [2, "n4", "StatusNotification", {k: v for k, v in STATUS201.items() if k != "evseId"}]
        ).decode(),
        "n4",
        "OccurrenceConstraintViolation",
    ),
    (
        orjson.dumps([2, "n5", "StatusNotification", {**STATUS201, "evseId": "1"}]).decode(),
        "n5",
        "TypeConstraintViolation",
    ),
    (
        orjson.dumps(
            [2, "n6", "StatusNotification", {**STATUS201, "connectorStatus": "Dancing"}]
        ).decode(),
        "n6",
        "PropertyConstraintViolation",
    ),
    (orjson.dumps([2, "n7", "Heartbeat", {"extra": True}]).decode(), "n7", "FormatViolation"),
    (
        orjson.dumps(
            [2, "n8", "DataTransfer", {"vendorId": "v", "data": "x" * MAX_FRAME}]
        ).decode(),
        "n8",
        "FormatViolation",
    ),
    (b"\x00\x01binary", "-1", "RpcFrameworkError"),
]


@pytest.fixture
async def system(sqlite_url: str) -> AsyncIterator[tuple[Manager, Node]]:
    registry = MemoryRegistry(lease_seconds=10)
    async with (
        running_manager(registry, sqlite_url) as manager,
        running_node(registry, manager.port, "edge", max_frame_bytes=MAX_FRAME) as node,
    ):
        yield manager, node
    await registry.aclose()


async def _exchange(ws: ClientConnection, frame: str | bytes) -> list[object]:
    await ws.send(frame)
    answer = orjson.loads(await ws.recv())
    assert isinstance(answer, list)
    return answer


async def _assert_still_usable(ws: ClientConnection, message_id: str) -> None:
    answer = await _exchange(ws, orjson.dumps([2, message_id, "Heartbeat", {}]).decode())
    assert answer[:2] == [3, message_id]


@pytest.mark.parametrize(
    ("subprotocol", "cases"), [("ocpp1.6", BAD_FRAMES_16), ("ocpp2.0.1", BAD_FRAMES_201)]
)
async def test_each_malformed_frame_gets_its_call_error(
    system: tuple[Manager, Node], subprotocol: str, cases: list[tuple[str | bytes, str, str]]
) -> None:
    """Every malformed frame is answered with the specified CallError, the socket stays usable,
    and none of them reaches the manager."""
    manager, node = system
    async with websockets.connect(
        charger_url(node, f"RAW-{subprotocol}"),
        subprotocols=[Subprotocol(subprotocol)],
        open_timeout=4 * UNIT,
    ) as ws:
        handled_before = manager.events.dispatcher.calls_handled
        seen = []
        for index, (frame, message_id, code) in enumerate(cases):
            answer = await _exchange(ws, frame)
            seen.append((answer[0], answer[1], answer[2]))
            assert (answer[0], answer[1], answer[2]) == (4, message_id, code), (
                f"case {index}: {frame!r}"
            )
            assert isinstance(answer[3], str)
            assert answer[3]
        assert manager.events.dispatcher.calls_handled == handled_before
        await _assert_still_usable(ws, "alive")
        assert manager.events.dispatcher.calls_handled == handled_before + 1
    assert len(seen) == len(cases)


async def test_at_least_fifteen_distinct_bad_frames_are_covered() -> None:
    """The bad-frame catalogue is broad: at least 15 distinct malformed frames per version family."""
    assert len({f for f, _, _ in BAD_FRAMES_16}) >= 15
    assert len({code for _, _, code in BAD_FRAMES_16 + BAD_FRAMES_201}) >= 8


async def test_a_valid_call_after_an_oversized_one_is_served(system: tuple[Manager, Node]) -> None:
    """An oversized frame is refused with its own id and the following Boot is accepted."""
    _, node = system
    async with websockets.connect(
        charger_url(node, "BIG"), subprotocols=[Subprotocol("ocpp1.6")]
    ) as ws:
        big = orjson.dumps(
            [2, "big", "DataTransfer", {"vendorId": "v", "data": "y" * 10_000}]
        ).decode()
        answer = await _exchange(ws, big)
        assert answer[:3] == [4, "big", "FormationViolation"]
        assert "2048" in str(answer[3])
        boot = await _exchange(ws, orjson.dumps([2, "boot", "BootNotification", BOOT16]).decode())
        assert boot[:2] == [3, "boot"]
        assert isinstance(boot[2], dict)
        assert boot[2]["status"] == "Accepted"
