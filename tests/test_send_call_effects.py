"""SendCall (the raw passthrough) records what the typed command would, or says it does not.

Real manager (PostgreSQL), real node, real Redis registry; chargers are the `ocpp`
library's ChargePoint scripted by `tests.harness.Station16` / `Station201`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, TypeAlias

import orjson
import pytest
from csms.v1 import chargers_pb2, chargers_pb2_grpc, smart_charging_pb2
from google.protobuf.timestamp_pb2 import Timestamp
from ocpp.charge_point import snake_to_camel_case

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
            charger_id=charger_id,
            action=action,
            payload_json=orjson.dumps(payload, default=float).decode(),
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


def _profile(
    purpose: smart_charging_pb2.ChargingProfilePurpose,
) -> smart_charging_pb2.ChargingProfile:
    start = Timestamp()
    start.FromDatetime(datetime(2026, 11, 24, 10, tzinfo=UTC))
    return smart_charging_pb2.ChargingProfile(
        charging_profile_id=9,
        stack_level=2,
        purpose=purpose,
        kind=smart_charging_pb2.CHARGING_PROFILE_KIND_ABSOLUTE,
        schedule=smart_charging_pb2.ChargingSchedule(
            start_schedule=start,
            rate_unit=smart_charging_pb2.CHARGING_RATE_UNIT_A,
            periods=[smart_charging_pb2.ChargingSchedulePeriod(start_period=0, limit=16.0)],
        ),
    )


async def _recorded(api: Api, charger_id: str) -> tuple[Any, ...]:
    """What the CSMS recorded for the charger that the three commands change, with the
    charger's id and the recording times left out."""
    listed = await api.ListChargingProfiles(
        chargers_pb2.ListChargingProfilesRequest(charger_id=charger_id)
    )
    profiles = []
    for installed in listed.profiles:
        installed.ClearField("charger_id")
        installed.ClearField("installed_at")
        profiles.append(installed.SerializeToString(deterministic=True))
    keys = await api.ListConfigurationKeys(
        chargers_pb2.ListConfigurationKeysRequest(charger_id=charger_id)
    )
    charger = await api.GetCharger(chargers_pb2.GetChargerRequest(charger_id=charger_id))
    return (
        profiles,
        sorted((e.key, e.value, e.readonly) for e in keys.entries),
        charger.local_list_version,
    )


@pytest.mark.parametrize(
    ("station_class", "purpose"),
    [
        (Station16, smart_charging_pb2.CHARGING_PROFILE_PURPOSE_TX_DEFAULT_PROFILE),
        (Station201, smart_charging_pb2.CHARGING_PROFILE_PURPOSE_TX_DEFAULT_PROFILE),
    ],
    ids=["1.6", "2.0.1"],
)
async def test_raw_call_records_exactly_what_the_typed_rpc_records(
    node: Node, api: Api, station_class: Any, purpose: Any
) -> None:
    """SetChargingProfile, ChangeConfiguration (1.6) and SendLocalList sent typed to one charger,
    then the very payloads it received sent raw (SendCall) to another: the CSMS records the
    same for both (installed profiles, configuration keys, local list version)."""
    typed_id, raw_id = "TYPED-1", "RAW-1"
    async with (
        connected(station_class, charger_url(node, typed_id), typed_id) as typed,
        connected(station_class, charger_url(node, raw_id), raw_id) as raw_station,
    ):
        await typed.boot()
        await raw_station.boot()
        profile = await api.SetChargingProfile(
            chargers_pb2.SetChargingProfileRequest(
                charger_id=typed_id, connector_id=1, profile=_profile(purpose)
            )
        )
        assert profile.status == "Accepted"
        if station_class is Station16:  # on 2.0.1 it is SetVariables: DeviceModelService's
            changed = await api.ChangeConfiguration(
                chargers_pb2.ChangeConfigurationRequest(
                    charger_id=typed_id, key="HeartbeatInterval", value="120"
                )
            )
            assert changed.status == "Accepted"
        listed = await api.SendLocalList(
            chargers_pb2.SendLocalListRequest(
                charger_id=typed_id,
                update_type=chargers_pb2.LOCAL_LIST_UPDATE_DIFFERENTIAL,
                list_version=4,
                entries=[chargers_pb2.LocalAuthorization(id_tag="TAG-1", status="Accepted")],
            )
        )
        assert listed.status == "Accepted"
        # The station answers ChangeConfiguration/SetVariables itself, unlisted in received.
        replay = [(action, snake_to_camel_case(kwargs)) for action, kwargs in typed.received]
        assert [action for action, _ in replay] == ["SetChargingProfile", "SendLocalList"]
        if station_class is Station16:
            replay.append(("ChangeConfiguration", {"key": "HeartbeatInterval", "value": "120"}))
        for action, payload in replay:
            answer = await raw(api, raw_id, action, payload)
            assert answer.recorded, (action, answer.unrecorded_reason)
        recorded = await _recorded(api, typed_id)
        assert recorded[0], "the typed SetChargingProfile recorded no profile"
        assert recorded[2] == 4
        if station_class is Station16:
            assert recorded[1] == [("HeartbeatInterval", "120", False)]
        assert await _recorded(api, raw_id) == recorded
