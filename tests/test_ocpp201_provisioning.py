"""OCPP 2.0.1 provisioning (use cases B01 and G02) through the real mesh: node, manager on
PostgreSQL, Redis registry; the station is the `ocpp` library's v201 ChargePoint, or raw
OCPP-J frames for bad input. Tests are named after the use cases they mirror."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import orjson
import pytest
import websockets
from csms.v1 import chargers_pb2, chargers_pb2_grpc, common_pb2
from ocpp.v201 import call as call201
from websockets.typing import Subprotocol

from services.node import Node
from services.registry import RedisRegistry
from tests.harness import (
    UNIT,
    Station201,
    charger_url,
    connected,
    running_manager,
    running_node,
)


async def raw_call(url: str, frame: list[object]) -> list[object]:
    """Send one OCPP-J frame as a 2.0.1 station and return the CSMS's answer frame."""
    async with websockets.connect(
        url, subprotocols=[Subprotocol("ocpp2.0.1")], open_timeout=4 * UNIT
    ) as ws:
        await ws.send(orjson.dumps(frame).decode())
        answer: list[object] = orjson.loads(await asyncio.wait_for(ws.recv(), 8 * UNIT))
        return answer


async def test_b01_cold_boot_registers_the_station(
    node: Node, api: chargers_pb2_grpc.ChargerServiceAsyncStub
) -> None:
    """An accepted BootNotification answers the heartbeat interval and records the station's
    identity and protocol, readable through the same API as a 1.6 charger."""
    async with connected(Station201, charger_url(node, "CS-B01"), "CS-B01") as cs:
        answer = await cs.call(
            call201.BootNotification(
                charging_station={
                    "model": "Station-2",
                    "vendor_name": "Volt",
                    "serial_number": "SN-0042",
                    "firmware_version": "2.4.1",
                },
                reason="PowerUp",
            )
        )
        assert answer.status == "Accepted"
        assert answer.interval > 0
        sent_at = datetime.fromisoformat(answer.current_time)
        assert abs((sent_at - datetime.now(UTC)).total_seconds()) < 60
        charger = await api.GetCharger(chargers_pb2.GetChargerRequest(charger_id="CS-B01"))
    assert (charger.vendor, charger.model) == ("Volt", "Station-2")
    assert (charger.serial_number, charger.firmware_version) == ("SN-0042", "2.4.1")
    assert charger.ocpp_version == common_pb2.OCPP_VERSION_201
    assert charger.boot_status == "Accepted"


async def test_b01_invalid_boot_notification_is_refused_and_changes_nothing(
    node: Node, api: chargers_pb2_grpc.ChargerServiceAsyncStub
) -> None:
    """A BootNotification without chargingStation gets OccurrenceConstraintViolation from the
    node and the recorded identity stays as the last valid boot left it."""
    url = charger_url(node, "CS-B01-BAD")
    async with connected(Station201, url, "CS-B01-BAD") as cs:
        assert (await cs.boot()).status == "Accepted"
    answer = await raw_call(url, [2, "b1", "BootNotification", {"reason": "PowerUp"}])
    assert answer[:3] == [4, "b1", "OccurrenceConstraintViolation"]
    answer = await raw_call(
        url,
        [
            2,
            "b2",
            "BootNotification",
            {"reason": "Sideways", "chargingStation": {"model": "X", "vendorName": "Y"}},
        ],
    )
    assert answer[:3] == [4, "b2", "PropertyConstraintViolation"]
    charger = await api.GetCharger(chargers_pb2.GetChargerRequest(charger_id="CS-B01-BAD"))
    assert (charger.vendor, charger.model) == ("Volt", "Station-2")


async def test_b01_unknown_station_is_refused_without_auto_registration(
    registry: RedisRegistry, postgres_url: str
) -> None:
    """With auto-registration off, an unknown 2.0.1 station is refused at the handshake
    (HTTP 403 naming the reason) and is not registered."""
    async with (
        running_manager(registry, postgres_url, auto_register=False) as manager,
        running_node(registry, manager.port, "node-closed") as node,
    ):
        with pytest.raises(websockets.InvalidStatus) as refused:
            async with connected(Station201, charger_url(node, "CS-STRANGER"), "CS-STRANGER"):
                pass
        assert refused.value.response.status_code == 403
        assert b"unknown charger CS-STRANGER" in refused.value.response.body
        assert not await manager.stores.chargers.is_known("CS-STRANGER")


async def test_g02_heartbeat_answers_the_time_and_marks_the_station_seen(
    node: Node, api: chargers_pb2_grpc.ChargerServiceAsyncStub
) -> None:
    """Heartbeat answers the CSMS's current time and moves the station's last-seen time on."""
    async with connected(Station201, charger_url(node, "CS-G02"), "CS-G02") as cs:
        assert (await cs.boot()).status == "Accepted"
        before = await api.GetCharger(chargers_pb2.GetChargerRequest(charger_id="CS-G02"))
        await asyncio.sleep(1.1)  # last-seen has one-second resolution on the wire
        answer = await cs.call(call201.Heartbeat())
        answered_at = datetime.fromisoformat(answer.current_time)
        assert abs((answered_at - datetime.now(UTC)).total_seconds()) < 60

        async def seen_later() -> bool:
            after = await api.GetCharger(chargers_pb2.GetChargerRequest(charger_id="CS-G02"))
            return after.last_seen_at.ToDatetime() > before.last_seen_at.ToDatetime()

        deadline = asyncio.get_running_loop().time() + 8 * UNIT
        while not await seen_later():
            assert asyncio.get_running_loop().time() < deadline, "last_seen_at did not move"
            await asyncio.sleep(0.05)


async def test_g02_heartbeat_with_a_payload_gets_a_call_error(node: Node) -> None:
    """A Heartbeat carrying a property the schema does not allow is refused at the edge
    with 2.0.1's FormatViolation (1.6 calls it FormationViolation)."""
    answer = await raw_call(
        charger_url(node, "CS-G02-BAD"), [2, "h1", "Heartbeat", {"battery": "low"}]
    )
    assert answer[:3] == [4, "h1", "FormatViolation"]
