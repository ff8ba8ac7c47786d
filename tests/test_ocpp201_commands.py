"""OCPP 2.0.1 core commands and smart charging through the version-neutral public API.

Real manager (PostgreSQL), real node, real Redis registry; the charger is the `ocpp`
library's v201 ChargePoint scripted by `tests.harness.Station201` (a 1.6 one by `Station16`
where a 2.0.1-only command must be refused). Tests are named after the OCPP 2.0.1 use cases
they exercise (B11 Reset, F05 Unlock, G01/G03/G04 availability, K01-K15 smart charging):
the charger receives exactly the expected payload, the API returns its typed answer, and
what an operator reads back is recorded.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeAlias

import grpc
import pytest
from csms.v1 import chargers_pb2, chargers_pb2_grpc, smart_charging_pb2
from google.protobuf.timestamp_pb2 import Timestamp
from ocpp.exceptions import OCPPError
from ocpp.v201 import call as call201

from services.manager import Manager
from services.manager.store import TransactionEvent
from services.node import Node
from tests.harness import (
    Station16,
    Station201,
    charger_url,
    connected,
    eventually,
)

Api: TypeAlias = "chargers_pb2_grpc.ChargerServiceAsyncStub"
SC = smart_charging_pb2
START = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
REFUSED = {"reason_code": "NotNow", "additional_info": "maintenance window"}


# --- the system under test ----------------------------------------------------------


@pytest.fixture
async def station(node: Node) -> AsyncIterator[Station201]:
    """A scripted 2.0.1 station, CS-1, connected and booted."""
    async with connected(Station201, charger_url(node, "CS-1"), "CS-1") as station:
        await station.boot()
        yield station


@contextlib.asynccontextmanager
async def booted_16(node: Node, charger_id: str = "CP-16") -> AsyncIterator[Station16]:
    async with connected(
        Station16, charger_url(node, charger_id), charger_id, subprotocol="ocpp1.6"
    ) as station:
        await station.boot()
        yield station


async def rejected(
    call: Awaitable[Any], code: grpc.StatusCode = grpc.StatusCode.INVALID_ARGUMENT
) -> str:
    """The details of the error `call` fails with, after checking its status code."""
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await call
    assert error.value.code() == code, error.value.details()
    return error.value.details() or ""


async def call_error(station: Station201, payload: Any) -> OCPPError:
    """The CallError the CSMS answers `payload` with, sent without the library's checks."""
    with pytest.raises(OCPPError) as error:
        await station.call(payload, suppress=False, skip_schema_validation=True)
    return error.value


def ts(at: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(at)
    return stamp


def tx_default_profile(profile_id: int = 7, stack_level: int = 0) -> SC.ChargingProfile:
    return SC.ChargingProfile(
        charging_profile_id=profile_id,
        stack_level=stack_level,
        purpose=SC.CHARGING_PROFILE_PURPOSE_TX_DEFAULT_PROFILE,
        kind=SC.CHARGING_PROFILE_KIND_ABSOLUTE,
        valid_from=ts(START - timedelta(hours=10)),
        schedule=SC.ChargingSchedule(
            duration=3600,
            start_schedule=ts(START),
            rate_unit=SC.CHARGING_RATE_UNIT_W,
            periods=[
                SC.ChargingSchedulePeriod(start_period=0, limit=11000.0),
                SC.ChargingSchedulePeriod(
                    start_period=1800, limit=7400.0, number_phases=1, phase_to_use=2
                ),
            ],
        ),
    )


def tx_default_profile_201(profile_id: int = 7, stack_level: int = 0) -> dict[str, Any]:
    """tx_default_profile() as the 2.0.1 charger receives it (snake_case, from the library)."""
    return {
        "id": profile_id,
        "stack_level": stack_level,
        "charging_profile_purpose": "TxDefaultProfile",
        "charging_profile_kind": "Absolute",
        "valid_from": "2026-11-24T00:00:00.000Z",
        "charging_schedule": [
            {
                "id": profile_id,
                "charging_rate_unit": "W",
                "charging_schedule_period": [
                    {"start_period": 0, "limit": 11000.0},
                    {"start_period": 1800, "limit": 7400.0, "number_phases": 1, "phase_to_use": 2},
                ],
                "duration": 3600,
                "start_schedule": "2026-11-24T10:00:00.000Z",
            }
        ],
    }


async def charger_transaction(manager: Manager, charger_tx: str = "tx-abc") -> int:
    """A 2.0.1 transaction of CS-1 on EVSE 1 as the transaction store records it; its CSMS id."""
    outcome = await manager.stores.transactions.record_event(
        TransactionEvent(
            charger_id="CS-1",
            charger_transaction_id=charger_tx,
            event_type="Started",
            seq_no=0,
            timestamp=START,
            trigger_reason="CablePluggedIn",
            evse_id=1,
        )
    )
    return outcome.transaction.transaction_id


# --- B11 Reset --------------------------------------------------------------------------


async def test_b11_reset_on_idle_immediate_and_one_evse(station: Station201, api: Api) -> None:
    """ON_IDLE/SOFT send OnIdle, IMMEDIATE/HARD send Immediate, evse_id resets one EVSE; the status comes back."""
    for kind in (chargers_pb2.RESET_KIND_ON_IDLE, chargers_pb2.RESET_KIND_SOFT):
        answer = await api.Reset(chargers_pb2.ResetRequest(charger_id="CS-1", kind=kind))
        assert (answer.status, answer.reason) == ("Accepted", "")
    station.answers["Reset"] = {"status": "Scheduled"}
    answer = await api.Reset(
        chargers_pb2.ResetRequest(
            charger_id="CS-1", kind=chargers_pb2.RESET_KIND_IMMEDIATE, evse_id=2
        )
    )
    assert answer.status == "Scheduled"
    await api.Reset(chargers_pb2.ResetRequest(charger_id="CS-1", kind=chargers_pb2.RESET_KIND_HARD))
    assert station.requests("Reset") == [
        {"type": "OnIdle"},
        {"type": "OnIdle"},
        {"type": "Immediate", "evse_id": 2},
        {"type": "Immediate"},
    ]


async def test_b11_reset_rejected_and_invalid(station: Station201, api: Api) -> None:
    """A Rejected reset returns the charger's reason; no kind or EVSE 0 is INVALID_ARGUMENT, unsent."""
    station.answers["Reset"] = {"status": "Rejected", "status_info": REFUSED}
    answer = await api.Reset(
        chargers_pb2.ResetRequest(charger_id="CS-1", kind=chargers_pb2.RESET_KIND_ON_IDLE)
    )
    assert (answer.status, answer.reason) == ("Rejected", "NotNow: maintenance window")
    station.received.clear()
    details = await rejected(api.Reset(chargers_pb2.ResetRequest(charger_id="CS-1")))
    assert details.startswith("kind:")
    details = await rejected(
        api.Reset(
            chargers_pb2.ResetRequest(
                charger_id="CS-1", kind=chargers_pb2.RESET_KIND_IMMEDIATE, evse_id=0
            )
        )
    )
    assert details.startswith("evse_id:")
    assert station.received == []


async def test_reset_kinds_on_a_16_charger(node: Node, api: Api) -> None:
    """On 1.6 IMMEDIATE is Hard; ON_IDLE and resetting one EVSE are FAILED_PRECONDITION naming 1.6, unsent."""
    async with booted_16(node) as station:
        answer = await api.Reset(
            chargers_pb2.ResetRequest(charger_id="CP-16", kind=chargers_pb2.RESET_KIND_IMMEDIATE)
        )
        assert answer.status == "Accepted"
        assert station.resets == ["Hard"]
        for request in (
            chargers_pb2.ResetRequest(charger_id="CP-16", kind=chargers_pb2.RESET_KIND_ON_IDLE),
            chargers_pb2.ResetRequest(
                charger_id="CP-16", kind=chargers_pb2.RESET_KIND_HARD, evse_id=1
            ),
        ):
            details = await rejected(api.Reset(request), grpc.StatusCode.FAILED_PRECONDITION)
            assert "OCPP 1.6" in details
        assert station.resets == ["Hard"]


# --- F05 Unlock connector -----------------------------------------------------------------


async def test_f05_unlock_connector(station: Station201, api: Api) -> None:
    """evse_id + connector_id are sent as 2.0.1's pair; connector_id alone is that EVSE's connector 1."""
    answer = await api.UnlockConnector(
        chargers_pb2.UnlockConnectorRequest(charger_id="CS-1", evse_id=2, connector_id=2)
    )
    assert answer.status == "Unlocked"
    await api.UnlockConnector(
        chargers_pb2.UnlockConnectorRequest(charger_id="CS-1", connector_id=3)
    )
    assert station.requests("UnlockConnector") == [
        {"evse_id": 2, "connector_id": 2},
        {"evse_id": 3, "connector_id": 1},
    ]


async def test_f05_unlock_unknown_connector_and_invalid(station: Station201, api: Api) -> None:
    """UnknownConnector comes back as answered; connector 0 or EVSE 0 is INVALID_ARGUMENT, unsent."""
    station.answers["UnlockConnector"] = {"status": "UnknownConnector"}
    answer = await api.UnlockConnector(
        chargers_pb2.UnlockConnectorRequest(charger_id="CS-1", evse_id=9, connector_id=1)
    )
    assert answer.status == "UnknownConnector"
    station.received.clear()
    for request, field in (
        (chargers_pb2.UnlockConnectorRequest(charger_id="CS-1", evse_id=1), "connector_id"),
        (
            chargers_pb2.UnlockConnectorRequest(charger_id="CS-1", evse_id=0, connector_id=1),
            "evse_id",
        ),
    ):
        details = await rejected(api.UnlockConnector(request))
        assert details.startswith(f"{field}:")
    assert station.received == []


async def test_unlock_evse_connector_on_a_16_charger(node: Node, api: Api) -> None:
    """On 1.6 EVSE N connector 1 is connectorId N; a second connector of an EVSE is FAILED_PRECONDITION."""
    async with booted_16(node) as station:
        await api.UnlockConnector(
            chargers_pb2.UnlockConnectorRequest(charger_id="CP-16", evse_id=2, connector_id=1)
        )
        details = await rejected(
            api.UnlockConnector(
                chargers_pb2.UnlockConnectorRequest(charger_id="CP-16", evse_id=2, connector_id=2)
            ),
            grpc.StatusCode.FAILED_PRECONDITION,
        )
        assert "OCPP 1.6" in details
        assert station.requests("UnlockConnector") == [{"connector_id": 2}]


# --- G01 Status notification, G03/G04 Change availability --------------------------------


async def test_g01_status_notification(station: Station201, api: Api) -> None:
    """A 2.0.1 StatusNotification is recorded under its EVSE and connector, like 1.6's."""
    await station.status(2, 1, "Occupied")
    await station.status(1, 1, "Available")

    async def connectors() -> list[tuple[int, int, str, str]]:
        charger = await api.GetCharger(chargers_pb2.GetChargerRequest(charger_id="CS-1"))
        return sorted(
            (c.evse_id, c.connector_id, c.status, c.error_code) for c in charger.connectors
        )

    assert await eventually(connectors) == [(1, 1, "Available", ""), (2, 1, "Occupied", "")]


async def test_g01_status_notification_with_a_16_status(station: Station201, api: Api) -> None:
    """A 1.6 status (Charging) in a 2.0.1 StatusNotification is a CallError; nothing is recorded."""
    error = await call_error(
        station,
        call201.StatusNotification(
            timestamp="2026-11-24T10:00:00Z",
            connector_status="Charging",
            evse_id=1,
            connector_id=1,
        ),
    )
    assert error.code == "PropertyConstraintViolation"
    await station.status(1, 1, "Faulted")  # a later valid one is recorded

    async def statuses() -> list[str]:
        charger = await api.GetCharger(chargers_pb2.GetChargerRequest(charger_id="CS-1"))
        return [c.status for c in charger.connectors]

    assert await eventually(statuses) == ["Faulted"]


async def test_g04_g03_change_availability(station: Station201, api: Api) -> None:
    """The whole charger, an EVSE (by evse_id or the 1.6-style connector_id) and one connector of an EVSE."""
    inoperative = chargers_pb2.AVAILABILITY_KIND_INOPERATIVE
    operative = chargers_pb2.AVAILABILITY_KIND_OPERATIVE
    for request in (
        chargers_pb2.ChangeAvailabilityRequest(charger_id="CS-1", kind=inoperative),
        chargers_pb2.ChangeAvailabilityRequest(charger_id="CS-1", kind=operative, evse_id=2),
        chargers_pb2.ChangeAvailabilityRequest(charger_id="CS-1", kind=operative, connector_id=3),
        chargers_pb2.ChangeAvailabilityRequest(
            charger_id="CS-1", kind=inoperative, evse_id=1, connector_id=2
        ),
    ):
        answer = await api.ChangeAvailability(request)
        assert answer.status == "Accepted"
    assert station.requests("ChangeAvailability") == [
        {"operational_status": "Inoperative"},
        {"operational_status": "Operative", "evse": {"id": 2}},
        {"operational_status": "Operative", "evse": {"id": 3}},
        {"operational_status": "Inoperative", "evse": {"id": 1, "connector_id": 2}},
    ]


async def test_g03_change_availability_rejected_and_invalid(station: Station201, api: Api) -> None:
    """Rejected and Scheduled come back with the reason; no kind or EVSE 0 is INVALID_ARGUMENT, unsent."""
    station.answers["ChangeAvailability"] = {"status": "Rejected", "status_info": REFUSED}
    answer = await api.ChangeAvailability(
        chargers_pb2.ChangeAvailabilityRequest(
            charger_id="CS-1", kind=chargers_pb2.AVAILABILITY_KIND_INOPERATIVE, evse_id=1
        )
    )
    assert (answer.status, answer.reason) == ("Rejected", "NotNow: maintenance window")
    station.received.clear()
    details = await rejected(
        api.ChangeAvailability(chargers_pb2.ChangeAvailabilityRequest(charger_id="CS-1", evse_id=1))
    )
    assert details.startswith("kind:")
    details = await rejected(
        api.ChangeAvailability(
            chargers_pb2.ChangeAvailabilityRequest(
                charger_id="CS-1", kind=chargers_pb2.AVAILABILITY_KIND_OPERATIVE, evse_id=0
            )
        )
    )
    assert details.startswith("evse_id:")
    assert station.received == []


async def test_change_availability_of_an_evse_on_a_16_charger(node: Node, api: Api) -> None:
    """On 1.6 an EVSE is connectorId N; a second connector of an EVSE is FAILED_PRECONDITION naming 1.6."""
    operative = chargers_pb2.AVAILABILITY_KIND_OPERATIVE
    async with booted_16(node) as station:
        await api.ChangeAvailability(
            chargers_pb2.ChangeAvailabilityRequest(charger_id="CP-16", kind=operative, evse_id=2)
        )
        details = await rejected(
            api.ChangeAvailability(
                chargers_pb2.ChangeAvailabilityRequest(
                    charger_id="CP-16", kind=operative, evse_id=2, connector_id=2
                )
            ),
            grpc.StatusCode.FAILED_PRECONDITION,
        )
        assert "OCPP 1.6" in details
        assert station.requests("ChangeAvailability") == [{"connector_id": 2, "type": "Operative"}]


# --- K01 SetChargingProfile, K10 ClearChargingProfile ------------------------------------


async def test_k01_set_charging_profile(station: Station201, api: Api) -> None:
    """The profile goes out in 2.0.1's shape (id, schedule list); on Accepted it is listed as set."""
    answer = await api.SetChargingProfile(
        chargers_pb2.SetChargingProfileRequest(
            charger_id="CS-1", connector_id=1, profile=tx_default_profile()
        )
    )
    assert answer.status == "Accepted"
    assert station.requests("SetChargingProfile") == [
        {"evse_id": 1, "charging_profile": tx_default_profile_201()}
    ]
    listed = await api.ListChargingProfiles(
        chargers_pb2.ListChargingProfilesRequest(charger_id="CS-1")
    )
    [installed] = listed.profiles
    assert (installed.charger_id, installed.connector_id) == ("CS-1", 1)
    assert installed.profile == tx_default_profile()


async def test_k01_set_tx_profile_names_the_chargers_transaction(
    station: Station201, api: Api, manager: Manager
) -> None:
    """A TX_PROFILE by the CSMS's transaction id is sent with the charger's transactionId; both are recorded."""
    transaction_id = await charger_transaction(manager)
    profile = tx_default_profile()
    profile.purpose = SC.CHARGING_PROFILE_PURPOSE_TX_PROFILE
    profile.transaction_id = transaction_id
    answer = await api.SetChargingProfile(
        chargers_pb2.SetChargingProfileRequest(charger_id="CS-1", connector_id=1, profile=profile)
    )
    assert answer.status == "Accepted"
    by_charger_id = tx_default_profile(8, 1)
    by_charger_id.purpose = SC.CHARGING_PROFILE_PURPOSE_TX_PROFILE
    by_charger_id.charger_transaction_id = "tx-abc"
    await api.SetChargingProfile(
        chargers_pb2.SetChargingProfileRequest(
            charger_id="CS-1", connector_id=1, profile=by_charger_id
        )
    )
    sent = [r["charging_profile"] for r in station.requests("SetChargingProfile")]
    assert [(p["charging_profile_purpose"], p["transaction_id"]) for p in sent] == [
        ("TxProfile", "tx-abc"),
        ("TxProfile", "tx-abc"),
    ]
    listed = await api.ListChargingProfiles(
        chargers_pb2.ListChargingProfilesRequest(charger_id="CS-1")
    )
    assert [
        (p.profile.charging_profile_id, p.profile.transaction_id, p.profile.charger_transaction_id)
        for p in listed.profiles
    ] == [(7, transaction_id, "tx-abc"), (8, transaction_id, "tx-abc")]


async def test_k01_set_charging_profile_rejected_and_invalid(station: Station201, api: Api) -> None:
    """Rejected is not recorded; a TX_PROFILE without transaction, an unknown transaction, EXTERNAL_CONSTRAINTS or a bad phase are refused unsent."""
    station.answers["SetChargingProfile"] = {"status": "Rejected", "status_info": REFUSED}
    answer = await api.SetChargingProfile(
        chargers_pb2.SetChargingProfileRequest(
            charger_id="CS-1", connector_id=1, profile=tx_default_profile()
        )
    )
    assert (answer.status, answer.reason) == ("Rejected", "NotNow: maintenance window")
    listed = await api.ListChargingProfiles(
        chargers_pb2.ListChargingProfilesRequest(charger_id="CS-1")
    )
    assert list(listed.profiles) == []
    station.received.clear()

    tx = tx_default_profile()
    tx.purpose = SC.CHARGING_PROFILE_PURPOSE_TX_PROFILE
    details = await rejected(
        api.SetChargingProfile(
            chargers_pb2.SetChargingProfileRequest(charger_id="CS-1", connector_id=1, profile=tx)
        )
    )
    assert details.startswith("profile.transaction_id:")
    tx.transaction_id = 424242
    await rejected(
        api.SetChargingProfile(
            chargers_pb2.SetChargingProfileRequest(charger_id="CS-1", connector_id=1, profile=tx)
        ),
        grpc.StatusCode.NOT_FOUND,
    )
    external = tx_default_profile()
    external.purpose = SC.CHARGING_PROFILE_PURPOSE_EXTERNAL_CONSTRAINTS
    details = await rejected(
        api.SetChargingProfile(
            chargers_pb2.SetChargingProfileRequest(
                charger_id="CS-1", connector_id=0, profile=external
            )
        )
    )
    assert details.startswith("profile.purpose:")
    three_phases = tx_default_profile()
    three_phases.schedule.periods[1].number_phases = 3
    details = await rejected(
        api.SetChargingProfile(
            chargers_pb2.SetChargingProfileRequest(
                charger_id="CS-1", connector_id=1, profile=three_phases
            )
        )
    )
    assert details.startswith("profile.schedule.periods[1].phase_to_use:")
    assert station.received == []


async def test_k10_clear_charging_profile(station: Station201, api: Api) -> None:
    """By id or by EVSE/purpose/stack level criteria; Accepted forgets the profiles, Unknown none."""
    for profile_id, stack_level in ((7, 0), (8, 1)):
        await api.SetChargingProfile(
            chargers_pb2.SetChargingProfileRequest(
                charger_id="CS-1",
                connector_id=1,
                profile=tx_default_profile(profile_id, stack_level),
            )
        )
    answer = await api.ClearChargingProfile(
        chargers_pb2.ClearChargingProfileRequest(charger_id="CS-1", charging_profile_id=7)
    )
    assert answer.status == "Accepted"
    criteria = chargers_pb2.ClearChargingProfileRequest(
        charger_id="CS-1",
        connector_id=1,
        purpose=SC.CHARGING_PROFILE_PURPOSE_TX_DEFAULT_PROFILE,
        stack_level=1,
    )
    station.answers["ClearChargingProfile"] = {"status": "Unknown"}
    answer = await api.ClearChargingProfile(criteria)
    assert answer.status == "Unknown"
    listed = await api.ListChargingProfiles(
        chargers_pb2.ListChargingProfilesRequest(charger_id="CS-1")
    )
    assert [p.profile.charging_profile_id for p in listed.profiles] == [8]
    station.answers["ClearChargingProfile"] = {"status": "Accepted"}
    await api.ClearChargingProfile(criteria)
    listed = await api.ListChargingProfiles(
        chargers_pb2.ListChargingProfilesRequest(charger_id="CS-1")
    )
    assert list(listed.profiles) == []
    criteria_201 = {
        "charging_profile_criteria": {
            "evse_id": 1,
            "charging_profile_purpose": "TxDefaultProfile",
            "stack_level": 1,
        }
    }
    assert station.requests("ClearChargingProfile") == [
        {"charging_profile_id": 7},
        criteria_201,
        criteria_201,
    ]


async def test_k10_clear_external_constraints_is_refused(station: Station201, api: Api) -> None:
    """Clearing EXTERNAL_CONSTRAINTS profiles (the charger's own) is INVALID_ARGUMENT on purpose, unsent."""
    details = await rejected(
        api.ClearChargingProfile(
            chargers_pb2.ClearChargingProfileRequest(
                charger_id="CS-1", purpose=SC.CHARGING_PROFILE_PURPOSE_EXTERNAL_CONSTRAINTS
            )
        )
    )
    assert details.startswith("purpose:")
    assert station.received == []


# --- K08 GetCompositeSchedule ---------------------------------------------------------------


async def test_k08_get_composite_schedule(station: Station201, api: Api) -> None:
    """evseId, duration and unit are sent; 2.0.1's schedule (evseId, scheduleStart, periods) comes back typed."""
    station.answers["GetCompositeSchedule"] = {
        "status": "Accepted",
        "schedule": {
            "evse_id": 1,
            "duration": 3600,
            "schedule_start": "2026-11-24T10:00:00Z",
            "charging_rate_unit": "W",
            "charging_schedule_period": [
                {"start_period": 0, "limit": 11000.0},
                {"start_period": 1800, "limit": 7400.0, "number_phases": 1, "phase_to_use": 3},
            ],
        },
    }
    answer = await api.GetCompositeSchedule(
        chargers_pb2.GetCompositeScheduleRequest(
            charger_id="CS-1", connector_id=1, duration=3600, rate_unit=SC.CHARGING_RATE_UNIT_W
        )
    )
    assert station.requests("GetCompositeSchedule") == [
        {"evse_id": 1, "duration": 3600, "charging_rate_unit": "W"}
    ]
    assert (answer.status, answer.connector_id) == ("Accepted", 1)
    assert answer.schedule_start.ToDatetime(tzinfo=UTC) == START
    assert answer.schedule.duration == 3600
    assert answer.schedule.rate_unit == SC.CHARGING_RATE_UNIT_W
    assert [
        (p.start_period, p.limit, p.number_phases, p.phase_to_use) for p in answer.schedule.periods
    ] == [(0, 11000.0, 0, 0), (1800, 7400.0, 1, 3)]


async def test_k08_get_composite_schedule_rejected_and_invalid(
    station: Station201, api: Api
) -> None:
    """Rejected comes back with the reason and no schedule; a zero duration is refused unsent."""
    station.answers["GetCompositeSchedule"] = {"status": "Rejected", "status_info": REFUSED}
    answer = await api.GetCompositeSchedule(
        chargers_pb2.GetCompositeScheduleRequest(charger_id="CS-1", connector_id=9, duration=60)
    )
    assert (answer.status, answer.reason) == ("Rejected", "NotNow: maintenance window")
    assert not answer.HasField("schedule")
    station.received.clear()
    details = await rejected(
        api.GetCompositeSchedule(
            chargers_pb2.GetCompositeScheduleRequest(charger_id="CS-1", connector_id=1)
        )
    )
    assert details.startswith("duration:")
    assert station.received == []


# --- K09 GetChargingProfiles / ReportChargingProfiles ---------------------------------------


def reported_profile(profile_id: int, purpose: str, **extra: Any) -> dict[str, Any]:
    """A 2.0.1 ChargingProfileType as a charger reports it (snake_case for the library)."""
    return {
        "id": profile_id,
        "stack_level": 0,
        "charging_profile_purpose": purpose,
        "charging_profile_kind": "Absolute",
        "charging_schedule": [
            {
                "id": 1,
                "charging_rate_unit": "A",
                "charging_schedule_period": [{"start_period": 0, "limit": 16.0}],
            }
        ],
        **extra,
    }


async def test_k09_get_charging_profiles_reported_in_parts(station: Station201, api: Api) -> None:
    """GetChargingProfiles sends the criteria under a fresh request id; the parts reported under it are listed until tbc ends."""
    answer = await api.GetChargingProfiles(
        SC.GetChargingProfilesRequest(
            charger_id="CS-1",
            evse_id=1,
            purpose=SC.CHARGING_PROFILE_PURPOSE_TX_PROFILE,
            charging_limit_sources=["CSO", "EMS"],
        )
    )
    assert answer.status == "Accepted"
    request_id = answer.request_id
    assert request_id > 0
    assert station.requests("GetChargingProfiles") == [
        {
            "request_id": request_id,
            "evse_id": 1,
            "charging_profile": {
                "charging_profile_purpose": "TxProfile",
                "charging_limit_source": ["CSO", "EMS"],
            },
        }
    ]
    listed = await api.ListReportedChargingProfiles(
        SC.ListReportedChargingProfilesRequest(charger_id="CS-1")
    )
    assert (listed.request_id, listed.status, listed.complete) == (request_id, "Accepted", False)
    assert list(listed.profiles) == []

    await station.call(
        call201.ReportChargingProfiles(
            request_id=request_id,
            charging_limit_source="CSO",
            evse_id=1,
            charging_profile=[reported_profile(7, "TxProfile", transaction_id="tx-abc")],
            tbc=True,
        )
    )
    listed = await api.ListReportedChargingProfiles(
        SC.ListReportedChargingProfilesRequest(charger_id="CS-1", request_id=request_id)
    )
    assert not listed.complete
    assert [p.profile.charging_profile_id for p in listed.profiles] == [7]
    await station.call(
        call201.ReportChargingProfiles(
            request_id=request_id,
            charging_limit_source="EMS",
            evse_id=1,
            charging_profile=[reported_profile(100, "TxProfile")],
        )
    )
    listed = await api.ListReportedChargingProfiles(
        SC.ListReportedChargingProfilesRequest(charger_id="CS-1")
    )
    assert listed.complete
    assert [(p.evse_id, p.charging_limit_source) for p in listed.profiles] == [
        (1, "CSO"),
        (1, "EMS"),
    ]
    first = listed.profiles[0].profile
    assert (first.charging_profile_id, first.purpose, first.charger_transaction_id) == (
        7,
        SC.CHARGING_PROFILE_PURPOSE_TX_PROFILE,
        "tx-abc",
    )
    assert first.schedule.rate_unit == SC.CHARGING_RATE_UNIT_A
    assert [(p.start_period, p.limit) for p in first.schedule.periods] == [(0, 16.0)]


async def test_k09_get_charging_profiles_no_profiles_and_invalid(
    station: Station201, api: Api
) -> None:
    """NoProfiles is a complete, empty report; a bad source, request id or stack level is INVALID_ARGUMENT, unsent."""
    details = await rejected(
        api.ListReportedChargingProfiles(SC.ListReportedChargingProfilesRequest(charger_id="CS-1")),
        grpc.StatusCode.NOT_FOUND,
    )
    assert "GetChargingProfiles" in details
    station.answers["GetChargingProfiles"] = {"status": "NoProfiles"}
    answer = await api.GetChargingProfiles(
        SC.GetChargingProfilesRequest(charger_id="CS-1", request_id=12)
    )
    assert (answer.status, answer.request_id) == ("NoProfiles", 12)
    assert station.requests("GetChargingProfiles") == [{"request_id": 12, "charging_profile": {}}]
    listed = await api.ListReportedChargingProfiles(
        SC.ListReportedChargingProfilesRequest(charger_id="CS-1", request_id=12)
    )
    assert (listed.status, listed.complete, list(listed.profiles)) == ("NoProfiles", True, [])
    station.received.clear()
    for request, field in (
        (
            SC.GetChargingProfilesRequest(charger_id="CS-1", charging_limit_sources=["DSO"]),
            "charging_limit_sources[0]",
        ),
        (SC.GetChargingProfilesRequest(charger_id="CS-1", request_id=-1), "request_id"),
        (SC.GetChargingProfilesRequest(charger_id="CS-1", stack_level=-1), "stack_level"),
    ):
        details = await rejected(api.GetChargingProfiles(request))
        assert details.startswith(f"{field}:")
    assert station.received == []


async def test_k09_get_charging_profiles_on_a_16_charger(node: Node, api: Api) -> None:
    """GetChargingProfiles to a 1.6 charger is FAILED_PRECONDITION naming its protocol; nothing is sent."""
    async with booted_16(node) as station:
        details = await rejected(
            api.GetChargingProfiles(SC.GetChargingProfilesRequest(charger_id="CP-16")),
            grpc.StatusCode.FAILED_PRECONDITION,
        )
        assert "OCPP 1.6" in details
        assert station.received == []


async def test_k09_report_charging_profiles_unasked_and_invalid(
    station: Station201, api: Api
) -> None:
    """A report for a request the CSMS did not send is kept (status ""); one without profiles is a CallError."""
    error = await call_error(
        station,
        call201.ReportChargingProfiles(
            request_id=77, charging_limit_source="CSO", evse_id=0, charging_profile=[]
        ),
    )
    assert error.code == "OccurrenceConstraintViolation"
    await rejected(
        api.ListReportedChargingProfiles(
            SC.ListReportedChargingProfilesRequest(charger_id="CS-1", request_id=77)
        ),
        grpc.StatusCode.NOT_FOUND,
    )
    await station.call(
        call201.ReportChargingProfiles(
            request_id=77,
            charging_limit_source="SO",
            evse_id=0,
            charging_profile=[reported_profile(5, "ChargingStationExternalConstraints")],
        )
    )
    listed = await api.ListReportedChargingProfiles(
        SC.ListReportedChargingProfilesRequest(charger_id="CS-1", request_id=77)
    )
    assert (listed.status, listed.complete) == ("", True)
    [reported] = listed.profiles
    assert (reported.evse_id, reported.charging_limit_source) == (0, "SO")
    assert reported.profile.purpose == SC.CHARGING_PROFILE_PURPOSE_EXTERNAL_CONSTRAINTS


# --- K12/K13 external charging limits --------------------------------------------------------


async def test_k12_k13_external_charging_limits(station: Station201, api: Api) -> None:
    """NotifyChargingLimit records the limit per EVSE and source; ClearedChargingLimit removes just that one."""
    await station.call(
        call201.NotifyChargingLimit(
            charging_limit={"charging_limit_source": "EMS", "is_grid_critical": True},
            evse_id=1,
            charging_schedule=[
                {
                    "id": 1,
                    "start_schedule": "2026-11-24T10:00:00Z",
                    "charging_rate_unit": "A",
                    "charging_schedule_period": [{"start_period": 0, "limit": 10.0}],
                }
            ],
        )
    )
    await station.call(call201.NotifyChargingLimit(charging_limit={"charging_limit_source": "SO"}))
    listed = await api.ListChargingLimits(SC.ListChargingLimitsRequest(charger_id="CS-1"))
    assert [(lim.evse_id, lim.source) for lim in listed.limits] == [(0, "SO"), (1, "EMS")]
    station_wide, ems = listed.limits
    assert not station_wide.HasField("is_grid_critical")
    assert list(station_wide.schedules) == []
    assert ems.is_grid_critical
    [schedule] = ems.schedules
    assert schedule.start_schedule.ToDatetime(tzinfo=UTC) == START
    assert [(p.start_period, p.limit) for p in schedule.periods] == [(0, 10.0)]

    await station.call(call201.ClearedChargingLimit(charging_limit_source="EMS", evse_id=1))
    await station.call(call201.ClearedChargingLimit(charging_limit_source="EMS", evse_id=2))
    listed = await api.ListChargingLimits(SC.ListChargingLimitsRequest(charger_id="CS-1"))
    assert [(lim.evse_id, lim.source) for lim in listed.limits] == [(0, "SO")]


async def test_k12_charging_limit_invalid(station: Station201, api: Api) -> None:
    """An unknown limit source is a CallError and records nothing; limits of an unknown charger are NOT_FOUND."""
    error = await call_error(
        station, call201.NotifyChargingLimit(charging_limit={"charging_limit_source": "DSO"})
    )
    assert error.code == "PropertyConstraintViolation"
    listed = await api.ListChargingLimits(SC.ListChargingLimitsRequest(charger_id="CS-1"))
    assert list(listed.limits) == []
    await rejected(
        api.ListChargingLimits(SC.ListChargingLimitsRequest(charger_id="NOPE")),
        grpc.StatusCode.NOT_FOUND,
    )


# --- K15 EV charging needs -------------------------------------------------------------------


AC_NEEDS = {
    "requested_energy_transfer": "AC_three_phase",
    "departure_time": "2026-11-24T18:00:00Z",
    "ac_charging_parameters": {
        "energy_amount": 30000,
        "ev_min_current": 6,
        "ev_max_current": 32,
        "ev_max_voltage": 400,
    },
}


async def test_k15_notify_ev_charging_needs(station: Station201, api: Api) -> None:
    """The needs are recorded per EVSE and answered Processing; newer needs replace them."""
    result = await station.call(
        call201.NotifyEVChargingNeeds(charging_needs=AC_NEEDS, evse_id=1, max_schedule_tuples=16)
    )
    assert result.status == "Processing"
    listed = await api.ListEVChargingNeeds(SC.ListEVChargingNeedsRequest(charger_id="CS-1"))
    [needs] = listed.needs
    assert (needs.evse_id, needs.requested_energy_transfer, needs.status) == (
        1,
        "AC_three_phase",
        "Processing",
    )
    assert needs.departure_time.ToDatetime(tzinfo=UTC) == START + timedelta(hours=8)
    assert needs.max_schedule_tuples == 16
    assert needs.ac == SC.ACChargingParameters(
        energy_amount=30000, ev_min_current=6, ev_max_current=32, ev_max_voltage=400
    )
    await station.call(
        call201.NotifyEVChargingNeeds(
            charging_needs={
                "requested_energy_transfer": "DC",
                "dc_charging_parameters": {
                    "ev_max_current": 200,
                    "ev_max_voltage": 800,
                    "state_of_charge": 40,
                    "full_soc": 90,
                },
            },
            evse_id=1,
        )
    )
    listed = await api.ListEVChargingNeeds(
        SC.ListEVChargingNeedsRequest(charger_id="CS-1", evse_id=1)
    )
    [needs] = listed.needs
    assert needs.requested_energy_transfer == "DC"
    assert not needs.HasField("ac")
    assert not needs.HasField("departure_time")
    assert needs.dc == SC.DCChargingParameters(
        ev_max_current=200, ev_max_voltage=800, state_of_charge=40, full_soc=90
    )


async def test_k15_ev_charging_needs_rejected_and_invalid(station: Station201, api: Api) -> None:
    """Needs for EVSE 0 are answered Rejected; a state of charge above 100 is a CallError; neither is recorded."""
    result = await station.call(call201.NotifyEVChargingNeeds(charging_needs=AC_NEEDS, evse_id=0))
    assert result.status == "Rejected"
    assert result.status_info["reason_code"] == "UnknownEVSE"
    error = await call_error(
        station,
        call201.NotifyEVChargingNeeds(
            charging_needs={
                "requested_energy_transfer": "DC",
                "dc_charging_parameters": {
                    "ev_max_current": 200,
                    "ev_max_voltage": 800,
                    "state_of_charge": 150,
                },
            },
            evse_id=1,
        ),
    )
    assert error.code == "PropertyConstraintViolation"
    listed = await api.ListEVChargingNeeds(SC.ListEVChargingNeedsRequest(charger_id="CS-1"))
    assert list(listed.needs) == []
