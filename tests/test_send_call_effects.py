"""SendCall (the raw passthrough) records what the typed command would, or says it does not.

Real manager (PostgreSQL), real node, real Redis registry; chargers are the `ocpp`
library's ChargePoint scripted by `tests.harness.Station16` / `Station201`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, TypeAlias

import orjson
from csms.v1 import chargers_pb2, chargers_pb2_grpc

from services.manager import Manager
from services.node import Node
from tests.harness import Station16, Station201, charger_url, connected

Api: TypeAlias = "chargers_pb2_grpc.ChargerServiceAsyncStub"

PROFILE_16 = {
    "chargingProfileId": 7,
    "stackLevel": 1,
    "chargingProfilePurpose": "TxDefaultProfile",
    "chargingProfileKind": "Absolute",
    "chargingSchedule": {
        "chargingRateUnit": "W",
        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 11000.0}],
    },
}
PROFILE_201 = {
    "id": 8,
    "stackLevel": 0,
    "chargingProfilePurpose": "ChargingStationMaxProfile",
    "chargingProfileKind": "Absolute",
    "chargingSchedule": [
        {
            "id": 1,
            "startSchedule": "2026-11-24T10:00:00Z",
            "chargingRateUnit": "A",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 32.0}],
        }
    ],
}


async def raw(
    api: Api, charger_id: str, action: str, payload: dict[str, Any]
) -> chargers_pb2.SendCallResponse:
    return await api.SendCall(
        chargers_pb2.SendCallRequest(
            charger_id=charger_id, action=action, payload_json=orjson.dumps(payload).decode()
        )
    )


async def test_raw_calls_record_what_typed_commands_record_16(node: Node, api: Api) -> None:
    """A raw 1.6 SetChargingProfile, ChangeConfiguration and SendLocalList record the profile, the key and the list version as the typed RPCs do; a raw ClearChargingProfile forgets the profile."""
    async with connected(Station16, charger_url(node, "CP-1"), "CP-1") as station:
        await station.boot()
        answer = await raw(
            api, "CP-1", "SetChargingProfile", {"connectorId": 1, "csChargingProfiles": PROFILE_16}
        )
        assert orjson.loads(answer.result_json) == {"status": "Accepted"}
        listed = await api.ListChargingProfiles(
            chargers_pb2.ListChargingProfilesRequest(charger_id="CP-1")
        )
        assert [(p.connector_id, p.profile.charging_profile_id) for p in listed.profiles] == [
            (1, 7)
        ]
        assert answer.recorded
        await raw(api, "CP-1", "ChangeConfiguration", {"key": "HeartbeatInterval", "value": "60"})
        keys = await api.ListConfigurationKeys(
            chargers_pb2.ListConfigurationKeysRequest(charger_id="CP-1")
        )
        assert {(e.key, e.value) for e in keys.entries} == {("HeartbeatInterval", "60")}
        await raw(api, "CP-1", "SendLocalList", {"listVersion": 5, "updateType": "Full"})
        charger = await api.GetCharger(chargers_pb2.GetChargerRequest(charger_id="CP-1"))
        assert charger.local_list_version == 5
        await raw(api, "CP-1", "ClearChargingProfile", {"id": 7})
        listed = await api.ListChargingProfiles(
            chargers_pb2.ListChargingProfilesRequest(charger_id="CP-1")
        )
        assert list(listed.profiles) == []


async def test_raw_calls_record_what_typed_commands_record_201(node: Node, api: Api) -> None:
    """A raw 2.0.1 SetChargingProfile records the profile and a raw GetLog the request the charger will report on, as the typed RPCs do."""
    async with connected(Station201, charger_url(node, "CS-1"), "CS-1") as station:
        await station.boot()
        await raw(api, "CS-1", "SetChargingProfile", {"evseId": 0, "chargingProfile": PROFILE_201})
        listed = await api.ListChargingProfiles(
            chargers_pb2.ListChargingProfilesRequest(charger_id="CS-1")
        )
        assert [(p.connector_id, p.profile.charging_profile_id) for p in listed.profiles] == [
            (0, 8)
        ]
        answer = await raw(
            api,
            "CS-1",
            "GetLog",
            {"logType": "DiagnosticsLog", "requestId": 31, "log": {"remoteLocation": "ftp://x/"}},
        )
        assert answer.recorded
        requests = await api.ListChargerRequests(
            chargers_pb2.ListChargerRequestsRequest(charger_id="CS-1")
        )
        assert [(r.request_id, r.status, r.data) for r in requests.requests] == [
            (31, "Accepted", "security.log")
        ]


async def test_raw_reserve_now_says_it_is_not_recorded(
    node: Node, api: Api, manager: Manager
) -> None:
    """A raw ReserveNow is sent but not recorded, and its answer says so and names the typed RPC."""
    async with connected(Station16, charger_url(node, "CP-1"), "CP-1") as station:
        await station.boot()
        expiry = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        answer = await raw(
            api,
            "CP-1",
            "ReserveNow",
            {"connectorId": 1, "expiryDate": expiry, "idTag": "T", "reservationId": 77},
        )
        assert orjson.loads(answer.result_json) == {"status": "Accepted"}
        assert not answer.recorded
        assert "ChargerService.ReserveNow" in answer.unrecorded_reason
        assert await manager.stores.reservations.get(77) is None
        answer = await raw(api, "CP-1", "DataTransfer", {"vendorId": "acme"})
        assert answer.recorded
        assert answer.unrecorded_reason == ""
