"""OCPP 2.1 smart-charging reports whose values are wider than 2.0.1's, stored and read back.

Real manager (PostgreSQL), real node, real Redis registry; the station sends raw OCPP-J
frames over the ``ocpp2.1`` subprotocol (the ``ocpp`` library's v201 ChargePoint would
check them against the 2.0.1 schemas).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import orjson
import websockets
from csms.v1 import chargers_pb2_grpc, smart_charging_pb2
from websockets.asyncio.client import ClientConnection
from websockets.typing import Subprotocol

from services.node import Node
from tests.harness import UNIT, charger_url

SC = smart_charging_pb2
BOOT = {"chargingStation": {"model": "M21", "vendorName": "Volt"}, "reason": "PowerUp"}
#: 2.1's chargingLimitSource is a string of up to 20 characters (2.0.1: an enum of <= 5).
WIDE_SOURCE = "LocalEnergyMgmt-2026"


class Raw:
    """A 2.1 station that sends raw OCPP-J calls and reads their answers."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.count = 0

    async def call(self, action: str, payload: dict[str, Any]) -> list[Any]:
        self.count += 1
        message_id = f"m{self.count}"
        await self.ws.send(orjson.dumps([2, message_id, action, payload]).decode())
        answer = orjson.loads(await self.ws.recv())
        assert isinstance(answer, list)
        assert answer[1] == message_id
        return answer


@contextlib.asynccontextmanager
async def station21(node: Node, charger_id: str) -> AsyncIterator[Raw]:
    async with websockets.connect(
        charger_url(node, charger_id),
        subprotocols=[Subprotocol("ocpp2.1")],
        open_timeout=4 * UNIT,
    ) as ws:
        station = Raw(ws)
        assert (await station.call("BootNotification", BOOT))[0] == 3
        yield station


async def test_a_20_character_charging_limit_source_is_stored_and_listed(
    node: Node, api: chargers_pb2_grpc.ChargerServiceAsyncStub
) -> None:
    """A 2.1 NotifyChargingLimit with a 20-character chargingLimitSource is accepted, listed
    with that source, and ClearedChargingLimit with it removes it."""
    async with station21(node, "CS-21") as station:
        limit = {"chargingLimit": {"chargingLimitSource": WIDE_SOURCE}, "evseId": 1}
        answer = await station.call("NotifyChargingLimit", limit)
        assert answer[0] == 3, answer
        listed = await api.ListChargingLimits(SC.ListChargingLimitsRequest(charger_id="CS-21"))
        assert [(lim.evse_id, lim.source) for lim in listed.limits] == [(1, WIDE_SOURCE)]
        cleared = {"chargingLimitSource": WIDE_SOURCE, "evseId": 1}
        assert (await station.call("ClearedChargingLimit", cleared))[0] == 3
        listed = await api.ListChargingLimits(SC.ListChargingLimitsRequest(charger_id="CS-21"))
        assert list(listed.limits) == []


async def test_a_20_character_reported_profile_source_is_stored_and_listed(
    node: Node, api: chargers_pb2_grpc.ChargerServiceAsyncStub
) -> None:
    """A 2.1 ReportChargingProfiles part with a 20-character chargingLimitSource is accepted
    and its profile is listed under that source."""
    profile = {
        "id": 5,
        "stackLevel": 0,
        "chargingProfilePurpose": "ChargingStationExternalConstraints",
        "chargingProfileKind": "Absolute",
        "chargingSchedule": [
            {
                "id": 1,
                "chargingRateUnit": "A",
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.0}],
            }
        ],
    }
    async with station21(node, "CS-21") as station:
        report = {
            "requestId": 77,
            "chargingLimitSource": WIDE_SOURCE,
            "evseId": 0,
            "chargingProfile": [profile],
        }
        answer = await station.call("ReportChargingProfiles", report)
        assert answer[0] == 3, answer
    listed = await api.ListReportedChargingProfiles(
        SC.ListReportedChargingProfilesRequest(charger_id="CS-21", request_id=77)
    )
    assert [(p.evse_id, p.charging_limit_source) for p in listed.profiles] == [(0, WIDE_SOURCE)]
    assert listed.profiles[0].profile.charging_profile_id == 5
