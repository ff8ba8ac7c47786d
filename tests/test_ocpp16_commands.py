"""Every CSMS-initiated OCPP 1.6 command through the public API, end to end.

Real manager (PostgreSQL), real nodes, real Redis registry; the charger is the `ocpp`
library's ChargePoint scripted by `tests.harness.Station16`. Each test mirrors an OCPP 1.6
compliance test case where one exists (TC_xxx, Central System side): the charger receives
exactly the expected payload, the API returns its typed answer, and what matters is recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeAlias

import grpc
import pytest
from csms.v1 import chargers_pb2, chargers_pb2_grpc, smart_charging_pb2
from google.protobuf.timestamp_pb2 import Timestamp
from ocpp.exceptions import NotSupportedError, OCPPError
from ocpp.routing import on
from ocpp.v16 import call_result as result16
from websockets.asyncio.client import ClientConnection

from services.manager import Manager
from services.node import Node
from services.registry import RedisRegistry
from tests.harness import (
    DEFAULT_ANSWERS_16,
    UNIT,
    Station16,
    api_channel,
    charger_url,
    connected,
    running_manager,
    running_node,
)

Api: TypeAlias = "chargers_pb2_grpc.ChargerServiceAsyncStub"
PEM = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n"


class Station(Station16):
    """Station16 that also records TriggerMessage and the configuration calls, keeps a
    configuration, and can answer an action with a CallError or late."""

    def __init__(self, charger_id: str, connection: ClientConnection) -> None:
        super().__init__(charger_id, connection)
        self.answers["TriggerMessage"] = {"status": "Accepted"}
        self.answers["ChangeConfiguration"] = {"status": "Accepted"}
        self.configuration: dict[str, tuple[str, bool]] = {
            "HeartbeatInterval": ("300", False),
            "NumberOfConnectors": ("2", True),
        }
        self.call_errors: dict[str, OCPPError] = {}
        self.delays: dict[str, float] = {}

    def _get_configuration(self, key: list[str] | None = None) -> Any:
        asked = key or list(self.configuration)
        return result16.GetConfiguration(
            configuration_key=[
                {"key": k, "value": self.configuration[k][0], "readonly": self.configuration[k][1]}
                for k in asked
                if k in self.configuration
            ],
            unknown_key=[k for k in asked if k not in self.configuration] or None,
        )


def _handler(action: str) -> Callable[..., Any]:
    async def handler(self: Station, **kwargs: Any) -> Any:
        self.received.append((action, kwargs))
        if action in self.delays:
            await asyncio.sleep(self.delays[action])
        if action in self.call_errors:
            raise self.call_errors[action]
        if action == "GetConfiguration":
            return self._get_configuration(kwargs.get("key"))
        if action == "ChangeConfiguration" and self.answers[action]["status"] == "Accepted":
            self.configuration[kwargs["key"]] = (kwargs["value"], False)
        return getattr(result16, action)(**self.answers[action])

    return on(action)(handler)  # type: ignore[no-any-return]


# Same attribute names as the harness's handlers, so these replace them in the route map.
for _action in DEFAULT_ANSWERS_16:
    setattr(Station, f"on_{_action}", _handler(_action))
for _name, _action in (
    ("on_trigger", "TriggerMessage"),
    ("on_get_configuration", "GetConfiguration"),
    ("on_change_configuration", "ChangeConfiguration"),
):
    setattr(Station, _name, _handler(_action))


# --- the system under test ----------------------------------------------------------


@pytest.fixture
async def node_a(registry: RedisRegistry, manager: Manager) -> AsyncIterator[Node]:
    async with running_node(registry, manager.port, "node-a") as node:
        yield node


@pytest.fixture
async def node_b(registry: RedisRegistry, manager: Manager) -> AsyncIterator[Node]:
    async with running_node(registry, manager.port, "node-b") as node:
        yield node


@contextlib.asynccontextmanager
async def booted(node: Node, charger_id: str = "CP-1") -> AsyncIterator[Station]:
    """A scripted 1.6 station connected to `node` that has booted."""
    async with connected(
        Station, charger_url(node, charger_id), charger_id, subprotocol="ocpp1.6"
    ) as station:
        await station.boot()
        yield station


@pytest.fixture
async def station(node_a: Node) -> AsyncIterator[Station]:
    async with booted(node_a) as station:
        yield station


async def rejected(
    call: Awaitable[Any], code: grpc.StatusCode = grpc.StatusCode.INVALID_ARGUMENT
) -> str:
    """The details of the error `call` fails with, after checking its status code."""
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await call
    assert error.value.code() == code, error.value.details()
    return error.value.details() or ""


def ts(at: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(at)
    return stamp


def in_an_hour() -> datetime:
    return (datetime.now(UTC) + timedelta(hours=1)).replace(microsecond=0)


def ocpp_time(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.000Z")


START = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def tx_default_profile(
    profile_id: int = 7, stack_level: int = 0
) -> smart_charging_pb2.ChargingProfile:
    return smart_charging_pb2.ChargingProfile(
        charging_profile_id=profile_id,
        stack_level=stack_level,
        purpose=smart_charging_pb2.CHARGING_PROFILE_PURPOSE_TX_DEFAULT_PROFILE,
        kind=smart_charging_pb2.CHARGING_PROFILE_KIND_ABSOLUTE,
        valid_from=ts(START - timedelta(hours=10)),
        schedule=smart_charging_pb2.ChargingSchedule(
            duration=3600,
            start_schedule=ts(START),
            rate_unit=smart_charging_pb2.CHARGING_RATE_UNIT_W,
            periods=[
                smart_charging_pb2.ChargingSchedulePeriod(start_period=0, limit=11000.0),
                smart_charging_pb2.ChargingSchedulePeriod(
                    start_period=1800, limit=7400.0, number_phases=3
                ),
            ],
        ),
    )


def tx_default_profile_16(profile_id: int = 7, stack_level: int = 0) -> dict[str, Any]:
    """tx_default_profile() as the charger receives it (snake_case, as the ocpp library gives it)."""
    return {
        "charging_profile_id": profile_id,
        "stack_level": stack_level,
        "charging_profile_purpose": "TxDefaultProfile",
        "charging_profile_kind": "Absolute",
        "valid_from": "2026-11-24T00:00:00.000Z",
        "charging_schedule": {
            "charging_rate_unit": "W",
            "charging_schedule_period": [
                {"start_period": 0, "limit": 11000.0},
                {"start_period": 1800, "limit": 7400.0, "number_phases": 3},
            ],
            "duration": 3600,
            "start_schedule": "2026-11-24T10:00:00.000Z",
        },
    }


# --- Core: remote start/stop, unlock, availability, cache, data transfer -------------


async def test_tc_011_remote_start_transaction(station: Station, api: Api) -> None:
    """StartCharging sends RemoteStartTransaction with connector, tag and TxProfile; Accepted comes back."""
    profile = tx_default_profile()
    profile.purpose = smart_charging_pb2.CHARGING_PROFILE_PURPOSE_TX_PROFILE
    answer = await api.StartCharging(
        chargers_pb2.StartChargingRequest(
            charger_id="CP-1", connector_id=1, id_tag="TAG-1", charging_profile=profile
        )
    )
    assert answer.status == "Accepted"
    expected_profile = tx_default_profile_16() | {"charging_profile_purpose": "TxProfile"}
    assert station.requests("RemoteStartTransaction") == [
        {"connector_id": 1, "id_tag": "TAG-1", "charging_profile": expected_profile}
    ]


async def test_tc_026_remote_start_rejected(station: Station, api: Api) -> None:
    """A Rejected remote start is returned as such; a bad tag or a non-TxProfile is refused unsent."""
    station.answers["RemoteStartTransaction"] = {"status": "Rejected"}
    answer = await api.StartCharging(
        chargers_pb2.StartChargingRequest(charger_id="CP-1", id_tag="T")
    )
    assert answer.status == "Rejected"
    assert station.requests("RemoteStartTransaction") == [{"id_tag": "T"}]
    station.received.clear()
    details = await rejected(
        api.StartCharging(chargers_pb2.StartChargingRequest(charger_id="CP-1", id_tag="X" * 21))
    )
    assert details.startswith("id_tag:")
    assert "OCPP 1.6 allows at most 20" in details
    details = await rejected(
        api.StartCharging(
            chargers_pb2.StartChargingRequest(
                charger_id="CP-1", id_tag="T", charging_profile=tx_default_profile()
            )
        )
    )
    assert details.startswith("charging_profile.purpose:")
    details = await rejected(
        api.StartCharging(
            chargers_pb2.StartChargingRequest(charger_id="CP-1", id_tag="T", connector_id=0)
        )
    )
    assert details.startswith("connector_id:")
    assert station.received == []


async def test_tc_012_remote_stop_transaction(station: Station, api: Api, manager: Manager) -> None:
    """StopCharging sends RemoteStopTransaction with the CSMS's transaction id; Accepted comes back."""
    transaction, _ = await manager.stores.transactions.start(
        charger_id="CP-1",
        connector_id=1,
        id_tag="TAG-1",
        id_tag_status="Accepted",
        meter_start=0,
        started_at=datetime.now(UTC),
    )
    answer = await api.StopCharging(
        chargers_pb2.StopChargingRequest(
            charger_id="CP-1", transaction_id=transaction.transaction_id
        )
    )
    assert answer.status == "Accepted"
    assert station.requests("RemoteStopTransaction") == [
        {"transaction_id": transaction.transaction_id}
    ]


async def test_tc_028_remote_stop_transaction_rejected(
    station: Station, api: Api, manager: Manager
) -> None:
    """The charger's Rejected for a transaction the CSMS knows is returned."""
    station.answers["RemoteStopTransaction"] = {"status": "Rejected"}
    transaction, _ = await manager.stores.transactions.start(
        charger_id="CP-1",
        connector_id=1,
        id_tag="TAG-1",
        id_tag_status="Accepted",
        meter_start=0,
        started_at=datetime.now(UTC),
    )
    answer = await api.StopCharging(
        chargers_pb2.StopChargingRequest(
            charger_id="CP-1", transaction_id=transaction.transaction_id
        )
    )
    assert answer.status == "Rejected"
    assert station.requests("RemoteStopTransaction") == [
        {"transaction_id": transaction.transaction_id}
    ]


async def test_remote_stop_refuses_another_chargers_transaction(
    node_a: Node, api: Api, manager: Manager
) -> None:
    """Stopping a transaction the CSMS knows on another charger is INVALID_ARGUMENT on transaction_id; nothing is sent."""
    async with booted(node_a, "CP-1") as owner, booted(node_a, "CP-2") as other:
        transaction, _ = await manager.stores.transactions.start(
            charger_id="CP-1",
            connector_id=1,
            id_tag="TAG-1",
            id_tag_status="Accepted",
            meter_start=0,
            started_at=datetime.now(UTC),
        )
        details = await rejected(
            api.StopCharging(
                chargers_pb2.StopChargingRequest(
                    charger_id="CP-2", transaction_id=transaction.transaction_id
                )
            )
        )
        assert details.startswith("transaction_id:")
        assert "CP-1" in details
        details = await rejected(
            api.StopCharging(chargers_pb2.StopChargingRequest(charger_id="CP-2", transaction_id=0))
        )
        assert details.startswith("transaction_id:")
        assert owner.received == other.received == []


async def test_tc_017_unlock_connector(station: Station, api: Api) -> None:
    """UnlockConnector sends the connector id and returns Unlocked."""
    answer = await api.UnlockConnector(
        chargers_pb2.UnlockConnectorRequest(charger_id="CP-1", connector_id=2)
    )
    assert answer.status == "Unlocked"
    assert station.requests("UnlockConnector") == [{"connector_id": 2}]


async def test_tc_030_unlock_connector_failure(station: Station, api: Api) -> None:
    """UnlockFailed is returned as such; connector 0 is refused unsent."""
    station.answers["UnlockConnector"] = {"status": "UnlockFailed"}
    answer = await api.UnlockConnector(
        chargers_pb2.UnlockConnectorRequest(charger_id="CP-1", connector_id=1)
    )
    assert answer.status == "UnlockFailed"
    station.received.clear()
    details = await rejected(
        api.UnlockConnector(chargers_pb2.UnlockConnectorRequest(charger_id="CP-1", connector_id=0))
    )
    assert details.startswith("connector_id:")
    assert station.received == []


async def test_change_availability(station: Station, api: Api) -> None:
    """ChangeAvailability sends connector and type; Accepted and Scheduled come back; no kind is refused unsent."""
    answer = await api.ChangeAvailability(
        chargers_pb2.ChangeAvailabilityRequest(
            charger_id="CP-1", connector_id=0, kind=chargers_pb2.AVAILABILITY_KIND_INOPERATIVE
        )
    )
    assert answer.status == "Accepted"
    station.answers["ChangeAvailability"] = {"status": "Scheduled"}
    answer = await api.ChangeAvailability(
        chargers_pb2.ChangeAvailabilityRequest(
            charger_id="CP-1", connector_id=1, kind=chargers_pb2.AVAILABILITY_KIND_OPERATIVE
        )
    )
    assert answer.status == "Scheduled"
    assert station.requests("ChangeAvailability") == [
        {"connector_id": 0, "type": "Inoperative"},
        {"connector_id": 1, "type": "Operative"},
    ]
    station.received.clear()
    details = await rejected(
        api.ChangeAvailability(chargers_pb2.ChangeAvailabilityRequest(charger_id="CP-1"))
    )
    assert details.startswith("kind:")
    assert station.received == []


async def test_tc_061_clear_authorization_cache(station: Station, api: Api) -> None:
    """ClearCache sends an empty ClearCache and returns Accepted, then Rejected when the charger rejects."""
    answer = await api.ClearCache(chargers_pb2.ClearCacheRequest(charger_id="CP-1"))
    assert answer.status == "Accepted"
    station.answers["ClearCache"] = {"status": "Rejected"}
    answer = await api.ClearCache(chargers_pb2.ClearCacheRequest(charger_id="CP-1"))
    assert answer.status == "Rejected"
    assert station.requests("ClearCache") == [{}, {}]


async def test_tc_062_data_transfer(station: Station, api: Api) -> None:
    """DataTransfer sends vendor, message id and data; the charger's status and data come back."""
    answer = await api.DataTransfer(
        chargers_pb2.DataTransferRequest(
            charger_id="CP-1", vendor_id="com.acme", message_id="ping", data="hello"
        )
    )
    assert (answer.status, answer.data) == ("Accepted", "pong")
    assert station.requests("DataTransfer") == [
        {"vendor_id": "com.acme", "message_id": "ping", "data": "hello"}
    ]


async def test_data_transfer_unknown_vendor_and_invalid(station: Station, api: Api) -> None:
    """UnknownVendorId is returned as such; an empty vendor_id is refused unsent."""
    station.answers["DataTransfer"] = {"status": "UnknownVendorId"}
    answer = await api.DataTransfer(
        chargers_pb2.DataTransferRequest(charger_id="CP-1", vendor_id="com.other")
    )
    assert (answer.status, answer.data) == ("UnknownVendorId", "")
    station.received.clear()
    details = await rejected(api.DataTransfer(chargers_pb2.DataTransferRequest(charger_id="CP-1")))
    assert details.startswith("vendor_id:")
    assert station.received == []


# --- Firmware Management and the security extension's log and signed firmware ---------


async def test_tc_044_firmware_update(station: Station, api: Api) -> None:
    """UpdateFirmware sends location, retrieve date and retries; a non-URI location is refused unsent."""
    await api.UpdateFirmware(
        chargers_pb2.UpdateFirmwareRequest(
            charger_id="CP-1",
            location="https://fw.example.com/v2.bin",
            retrieve_date=ts(START),
            retries=3,
            retry_interval=60,
        )
    )
    assert station.requests("UpdateFirmware") == [
        {
            "location": "https://fw.example.com/v2.bin",
            "retrieve_date": "2026-11-24T10:00:00.000Z",
            "retries": 3,
            "retry_interval": 60,
        }
    ]
    station.received.clear()
    details = await rejected(
        api.UpdateFirmware(chargers_pb2.UpdateFirmwareRequest(charger_id="CP-1", location="fw.bin"))
    )
    assert details.startswith("location:")
    assert station.received == []


async def test_tc_045_get_diagnostics(station: Station, api: Api) -> None:
    """GetDiagnostics sends the upload location and window and returns the file name."""
    answer = await api.GetDiagnostics(
        chargers_pb2.GetDiagnosticsRequest(
            charger_id="CP-1",
            location="ftp://logs.example.com/up/",
            start_time=ts(START - timedelta(days=1)),
            stop_time=ts(START),
        )
    )
    assert answer.file_name == "diagnostics-0001.zip"
    assert station.requests("GetDiagnostics") == [
        {
            "location": "ftp://logs.example.com/up/",
            "start_time": "2026-11-23T10:00:00.000Z",
            "stop_time": "2026-11-24T10:00:00.000Z",
        }
    ]


async def test_get_diagnostics_without_file_and_invalid(station: Station, api: Api) -> None:
    """A charger with no diagnostics gives an empty file name; negative retries are refused unsent."""
    station.answers["GetDiagnostics"] = {}
    answer = await api.GetDiagnostics(
        chargers_pb2.GetDiagnosticsRequest(charger_id="CP-1", location="ftp://logs.example.com/")
    )
    assert answer.file_name == ""
    station.received.clear()
    details = await rejected(
        api.GetDiagnostics(
            chargers_pb2.GetDiagnosticsRequest(
                charger_id="CP-1", location="ftp://logs.example.com/", retries=-1
            )
        )
    )
    assert details.startswith("retries:")
    assert station.received == []


async def test_get_log_picks_a_request_id(station: Station, api: Api) -> None:
    """GetLog (security extension) with request_id 0 gets one from the CSMS, sent and returned; a given one is kept."""
    answer = await api.GetLog(
        chargers_pb2.GetLogRequest(
            charger_id="CP-1",
            log_type=chargers_pb2.LOG_KIND_SECURITY,
            remote_location="https://logs.example.com/up",
            oldest_timestamp=ts(START),
        )
    )
    assert (answer.status, answer.filename) == ("Accepted", "security.log")
    assert answer.request_id > 0
    given = await api.GetLog(
        chargers_pb2.GetLogRequest(
            charger_id="CP-1",
            log_type=chargers_pb2.LOG_KIND_DIAGNOSTICS,
            remote_location="https://logs.example.com/up",
            request_id=77,
        )
    )
    assert given.request_id == 77
    assert station.requests("GetLog") == [
        {
            "log_type": "SecurityLog",
            "request_id": answer.request_id,
            "log": {
                "remote_location": "https://logs.example.com/up",
                "oldest_timestamp": "2026-11-24T10:00:00.000Z",
            },
        },
        {
            "log_type": "DiagnosticsLog",
            "request_id": 77,
            "log": {"remote_location": "https://logs.example.com/up"},
        },
    ]


async def test_get_log_rejected_and_invalid(station: Station, api: Api) -> None:
    """A Rejected GetLog is returned as such; no log type or a negative request id is refused unsent."""
    station.answers["GetLog"] = {"status": "Rejected"}
    answer = await api.GetLog(
        chargers_pb2.GetLogRequest(
            charger_id="CP-1",
            log_type=chargers_pb2.LOG_KIND_SECURITY,
            remote_location="https://logs.example.com/up",
        )
    )
    assert (answer.status, answer.filename) == ("Rejected", "")
    station.received.clear()
    no_type = chargers_pb2.GetLogRequest(charger_id="CP-1", remote_location="https://x.example/")
    assert (await rejected(api.GetLog(no_type))).startswith("log_type:")
    negative = chargers_pb2.GetLogRequest(
        charger_id="CP-1",
        log_type=chargers_pb2.LOG_KIND_SECURITY,
        remote_location="https://x.example/",
        request_id=-1,
    )
    assert (await rejected(api.GetLog(negative))).startswith("request_id:")
    assert station.received == []


async def test_signed_update_firmware(station: Station, api: Api) -> None:
    """SignedUpdateFirmware sends the signed firmware with a CSMS-picked request id, returned with the status."""
    answer = await api.SignedUpdateFirmware(
        chargers_pb2.SignedUpdateFirmwareRequest(
            charger_id="CP-1",
            location="https://fw.example.com/v3.bin",
            retrieve_date=ts(START),
            signing_certificate=PEM,
            signature="c2lnbmF0dXJl",
        )
    )
    assert answer.status == "Accepted"
    assert answer.request_id > 0
    assert station.requests("SignedUpdateFirmware") == [
        {
            "request_id": answer.request_id,
            "firmware": {
                "location": "https://fw.example.com/v3.bin",
                "retrieve_date_time": "2026-11-24T10:00:00.000Z",
                "signing_certificate": PEM,
                "signature": "c2lnbmF0dXJl",
            },
        }
    ]


async def test_signed_update_firmware_invalid_certificate(station: Station, api: Api) -> None:
    """InvalidCertificate is returned with the request id; a missing signing certificate is refused unsent."""
    station.answers["SignedUpdateFirmware"] = {"status": "InvalidCertificate"}
    answer = await api.SignedUpdateFirmware(
        chargers_pb2.SignedUpdateFirmwareRequest(
            charger_id="CP-1",
            request_id=5,
            location="https://fw.example.com/v3.bin",
            signing_certificate=PEM,
            signature="c2ln",
        )
    )
    assert (answer.status, answer.request_id) == ("InvalidCertificate", 5)
    station.received.clear()
    details = await rejected(
        api.SignedUpdateFirmware(
            chargers_pb2.SignedUpdateFirmwareRequest(
                charger_id="CP-1", location="https://fw.example.com/v3.bin", signature="c2ln"
            )
        )
    )
    assert details.startswith("signing_certificate:")
    assert station.received == []


# --- Reservation ----------------------------------------------------------------------


async def test_tc_046_reserve_now(station: Station, api: Api, manager: Manager) -> None:
    """ReserveNow sends a reservation id issued by the CSMS; the reservation is recorded Accepted."""
    expiry = in_an_hour()
    answer = await api.ReserveNow(
        chargers_pb2.ReserveNowRequest(
            charger_id="CP-1",
            connector_id=1,
            expiry_date=ts(expiry),
            id_tag="TAG-1",
            parent_id_tag="GROUP",
        )
    )
    assert answer.status == "Accepted"
    assert answer.reservation_id > 0
    assert station.requests("ReserveNow") == [
        {
            "connector_id": 1,
            "expiry_date": ocpp_time(expiry),
            "id_tag": "TAG-1",
            "reservation_id": answer.reservation_id,
            "parent_id_tag": "GROUP",
        }
    ]
    record = await manager.stores.reservations.get(answer.reservation_id)
    assert record is not None
    assert (record.charger_id, record.connector_id, record.id_tag, record.parent_id_tag) == (
        "CP-1",
        1,
        "TAG-1",
        "GROUP",
    )
    assert (record.state, record.charger_status, record.expiry_date) == (
        "Accepted",
        "Accepted",
        expiry,
    )


async def test_tc_048_2_reserve_now_occupied(station: Station, api: Api, manager: Manager) -> None:
    """An Occupied answer is returned and the reservation recorded Rejected with the charger's status."""
    station.answers["ReserveNow"] = {"status": "Occupied"}
    answer = await api.ReserveNow(
        chargers_pb2.ReserveNowRequest(
            charger_id="CP-1", connector_id=1, expiry_date=ts(in_an_hour()), id_tag="TAG-1"
        )
    )
    assert answer.status == "Occupied"
    record = await manager.stores.reservations.get(answer.reservation_id)
    assert record is not None
    assert (record.state, record.charger_status) == ("Rejected", "Occupied")


async def test_reserve_now_invalid_records_nothing(
    station: Station, api: Api, manager: Manager
) -> None:
    """A past expiry, a missing tag or an unknown charger is refused before a reservation is issued or sent."""
    past = chargers_pb2.ReserveNowRequest(
        charger_id="CP-1",
        connector_id=1,
        expiry_date=ts(datetime.now(UTC) - timedelta(minutes=1)),
        id_tag="TAG-1",
    )
    assert (await rejected(api.ReserveNow(past))).startswith("expiry_date:")
    no_tag = chargers_pb2.ReserveNowRequest(
        charger_id="CP-1", connector_id=1, expiry_date=ts(in_an_hour())
    )
    assert (await rejected(api.ReserveNow(no_tag))).startswith("id_tag:")
    unknown = chargers_pb2.ReserveNowRequest(
        charger_id="NOPE", connector_id=1, expiry_date=ts(in_an_hour()), id_tag="TAG-1"
    )
    assert "NOPE" in await rejected(api.ReserveNow(unknown), grpc.StatusCode.NOT_FOUND)
    assert station.received == []
    reservations, _ = await manager.stores.reservations.list(page_size=10)
    assert reservations == []


async def test_reserve_now_call_error_records_rejected(
    station: Station, api: Api, manager: Manager
) -> None:
    """A CallError answer fails the call with its OCPP code and records the issued reservation Rejected."""
    station.call_errors["ReserveNow"] = NotSupportedError("no reservations here")
    details = await rejected(
        api.ReserveNow(
            chargers_pb2.ReserveNowRequest(
                charger_id="CP-1", connector_id=1, expiry_date=ts(in_an_hour()), id_tag="TAG-1"
            )
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
    )
    assert "NotSupported" in details
    [sent] = station.requests("ReserveNow")
    record = await manager.stores.reservations.get(sent["reservation_id"])
    assert record is not None
    assert record.state == "Rejected"


async def test_reserve_now_unanswered_stays_pending(
    registry: RedisRegistry, postgres_url: str
) -> None:
    """When the charger does not answer in time the reservation stays Pending (it may hold it) and the error says so."""
    async with (
        running_manager(registry, postgres_url, task_timeout=UNIT / 2) as manager,
        running_node(registry, manager.port, "node-slow") as node,
        api_channel(f"127.0.0.1:{manager.port}") as channel,
        booted(node, "SLOW") as station,
    ):
        api: Api = chargers_pb2_grpc.ChargerServiceStub(channel)
        station.delays["ReserveNow"] = 2 * UNIT
        details = await rejected(
            api.ReserveNow(
                chargers_pb2.ReserveNowRequest(
                    charger_id="SLOW", connector_id=1, expiry_date=ts(in_an_hour()), id_tag="T"
                )
            ),
            grpc.StatusCode.DEADLINE_EXCEEDED,
        )
        [sent] = station.requests("ReserveNow")
        assert f"reservation {sent['reservation_id']} stays Pending" in details
        record = await manager.stores.reservations.get(sent["reservation_id"])
        assert record is not None
        assert record.state == "Pending"


async def test_tc_051_cancel_reservation(station: Station, api: Api, manager: Manager) -> None:
    """CancelReservation sends the reservation id; on Accepted the reservation is recorded Cancelled."""
    reserved = await api.ReserveNow(
        chargers_pb2.ReserveNowRequest(
            charger_id="CP-1", connector_id=1, expiry_date=ts(in_an_hour()), id_tag="TAG-1"
        )
    )
    answer = await api.CancelReservation(
        chargers_pb2.CancelReservationRequest(
            charger_id="CP-1", reservation_id=reserved.reservation_id
        )
    )
    assert answer.status == "Accepted"
    assert station.requests("CancelReservation") == [{"reservation_id": reserved.reservation_id}]
    record = await manager.stores.reservations.get(reserved.reservation_id)
    assert record is not None
    assert record.state == "Cancelled"


async def test_tc_052_cancel_reservation_rejected(node_a: Node, api: Api, manager: Manager) -> None:
    """A Rejected cancel leaves the reservation as it was; another charger's reservation is refused unsent."""
    async with booted(node_a, "CP-1") as station, booted(node_a, "CP-2") as other:
        reserved = await api.ReserveNow(
            chargers_pb2.ReserveNowRequest(
                charger_id="CP-1", connector_id=1, expiry_date=ts(in_an_hour()), id_tag="TAG-1"
            )
        )
        station.answers["CancelReservation"] = {"status": "Rejected"}
        answer = await api.CancelReservation(
            chargers_pb2.CancelReservationRequest(
                charger_id="CP-1", reservation_id=reserved.reservation_id
            )
        )
        assert answer.status == "Rejected"
        record = await manager.stores.reservations.get(reserved.reservation_id)
        assert record is not None
        assert record.state == "Accepted"
        details = await rejected(
            api.CancelReservation(
                chargers_pb2.CancelReservationRequest(
                    charger_id="CP-2", reservation_id=reserved.reservation_id
                )
            )
        )
        assert details.startswith("reservation_id:")
        details = await rejected(
            api.CancelReservation(chargers_pb2.CancelReservationRequest(charger_id="CP-2"))
        )
        assert details.startswith("reservation_id:")
        assert other.received == []


# --- Local Auth List Management -------------------------------------------------------


async def test_tc_042_get_local_list_version(station: Station, api: Api) -> None:
    """GetLocalListVersion returns the charger's version and records it, -1 (not supported) included."""
    station.answers["GetLocalListVersion"] = {"list_version": 5}
    answer = await api.GetLocalListVersion(
        chargers_pb2.GetLocalListVersionRequest(charger_id="CP-1")
    )
    assert answer.list_version == 5
    assert station.requests("GetLocalListVersion") == [{}]
    charger = await api.GetCharger(chargers_pb2.GetChargerRequest(charger_id="CP-1"))
    assert charger.local_list_version == 5
    station.answers["GetLocalListVersion"] = {"list_version": -1}
    answer = await api.GetLocalListVersion(
        chargers_pb2.GetLocalListVersionRequest(charger_id="CP-1")
    )
    assert answer.list_version == -1
    charger = await api.GetCharger(chargers_pb2.GetChargerRequest(charger_id="CP-1"))
    assert charger.local_list_version == -1


async def test_tc_043_send_local_list(station: Station, api: Api, manager: Manager) -> None:
    """A full list fills missing statuses from the CSMS's tags (unknown: Invalid) at version recorded+1; a differential follows."""
    now = datetime.now(UTC)
    expiry = (now + timedelta(days=30)).replace(microsecond=0)
    yesterday = (now - timedelta(days=1)).replace(microsecond=0)
    tags = manager.stores.id_tags
    await tags.create("GROUP", at=now)
    await tags.create("TAG-OK", expiry_date=expiry, parent_id_tag="GROUP", at=now)
    await tags.create("TAG-BLOCKED", status="Blocked", at=now)
    await tags.create("TAG-OLD", expiry_date=yesterday, at=now)
    full = await api.SendLocalList(
        chargers_pb2.SendLocalListRequest(
            charger_id="CP-1",
            update_type=chargers_pb2.LOCAL_LIST_UPDATE_FULL,
            entries=[
                chargers_pb2.LocalAuthorization(id_tag="TAG-OK"),
                chargers_pb2.LocalAuthorization(id_tag="TAG-BLOCKED"),
                chargers_pb2.LocalAuthorization(id_tag="TAG-OLD"),
                chargers_pb2.LocalAuthorization(id_tag="STRANGER"),
                chargers_pb2.LocalAuthorization(id_tag="GUEST", status="Accepted"),
            ],
        )
    )
    assert (full.status, full.list_version) == ("Accepted", 1)
    differential = await api.SendLocalList(
        chargers_pb2.SendLocalListRequest(
            charger_id="CP-1",
            update_type=chargers_pb2.LOCAL_LIST_UPDATE_DIFFERENTIAL,
            entries=[
                chargers_pb2.LocalAuthorization(id_tag="GUEST"),
                chargers_pb2.LocalAuthorization(id_tag="NEW", status="Accepted"),
            ],
        )
    )
    assert (differential.status, differential.list_version) == ("Accepted", 2)
    assert station.requests("SendLocalList") == [
        {
            "list_version": 1,
            "update_type": "Full",
            "local_authorization_list": [
                {
                    "id_tag": "TAG-OK",
                    "id_tag_info": {
                        "status": "Accepted",
                        "expiry_date": ocpp_time(expiry),
                        "parent_id_tag": "GROUP",
                    },
                },
                {"id_tag": "TAG-BLOCKED", "id_tag_info": {"status": "Blocked"}},
                {
                    "id_tag": "TAG-OLD",
                    "id_tag_info": {"status": "Expired", "expiry_date": ocpp_time(yesterday)},
                },
                {"id_tag": "STRANGER", "id_tag_info": {"status": "Invalid"}},
                {"id_tag": "GUEST", "id_tag_info": {"status": "Accepted"}},
            ],
        },
        {
            "list_version": 2,
            "update_type": "Differential",
            "local_authorization_list": [
                {"id_tag": "GUEST"},
                {"id_tag": "NEW", "id_tag_info": {"status": "Accepted"}},
            ],
        },
    ]
    charger = await api.GetCharger(chargers_pb2.GetChargerRequest(charger_id="CP-1"))
    assert charger.local_list_version == 2


async def test_send_local_list_not_accepted_and_invalid(station: Station, api: Api) -> None:
    """VersionMismatch/Failed are returned and the version not recorded; bad update types and duplicates are refused unsent."""
    station.answers["SendLocalList"] = {"status": "VersionMismatch"}
    answer = await api.SendLocalList(
        chargers_pb2.SendLocalListRequest(
            charger_id="CP-1", update_type=chargers_pb2.LOCAL_LIST_UPDATE_FULL, list_version=9
        )
    )
    assert (answer.status, answer.list_version) == ("VersionMismatch", 9)
    assert station.requests("SendLocalList") == [{"list_version": 9, "update_type": "Full"}]
    charger = await api.GetCharger(chargers_pb2.GetChargerRequest(charger_id="CP-1"))
    assert charger.local_list_version == -1
    station.received.clear()
    no_type = chargers_pb2.SendLocalListRequest(charger_id="CP-1")
    assert (await rejected(api.SendLocalList(no_type))).startswith("update_type:")
    twice = chargers_pb2.SendLocalListRequest(
        charger_id="CP-1",
        update_type=chargers_pb2.LOCAL_LIST_UPDATE_DIFFERENTIAL,
        entries=[
            chargers_pb2.LocalAuthorization(id_tag="A"),
            chargers_pb2.LocalAuthorization(id_tag="A"),
        ],
    )
    assert (await rejected(api.SendLocalList(twice))).startswith("entries[1].id_tag:")
    bad_status = chargers_pb2.SendLocalListRequest(
        charger_id="CP-1",
        update_type=chargers_pb2.LOCAL_LIST_UPDATE_FULL,
        entries=[chargers_pb2.LocalAuthorization(id_tag="A", status="Maybe")],
    )
    assert (await rejected(api.SendLocalList(bad_status))).startswith("entries[0].status:")
    assert station.received == []


# --- Smart Charging -------------------------------------------------------------------


async def test_tc_056_set_charging_profile(station: Station, api: Api) -> None:
    """SetChargingProfile sends csChargingProfiles; on Accepted ListChargingProfiles returns the same profile."""
    answer = await api.SetChargingProfile(
        chargers_pb2.SetChargingProfileRequest(
            charger_id="CP-1", connector_id=1, profile=tx_default_profile()
        )
    )
    assert answer.status == "Accepted"
    assert station.requests("SetChargingProfile") == [
        {"connector_id": 1, "cs_charging_profiles": tx_default_profile_16()}
    ]
    listed = await api.ListChargingProfiles(
        chargers_pb2.ListChargingProfilesRequest(charger_id="CP-1")
    )
    [installed] = listed.profiles
    assert (installed.charger_id, installed.connector_id) == ("CP-1", 1)
    assert installed.profile == tx_default_profile()
    assert installed.HasField("installed_at")
    assert station.requests("ListChargingProfiles") == []
    other_connector = await api.ListChargingProfiles(
        chargers_pb2.ListChargingProfilesRequest(charger_id="CP-1", connector_id=2)
    )
    assert list(other_connector.profiles) == []


async def test_set_charging_profile_rejected_and_invalid(station: Station, api: Api) -> None:
    """A Rejected profile is not recorded; a schedule not starting at 0 or a TxProfile on connector 0 is refused unsent."""
    station.answers["SetChargingProfile"] = {"status": "Rejected"}
    answer = await api.SetChargingProfile(
        chargers_pb2.SetChargingProfileRequest(
            charger_id="CP-1", connector_id=1, profile=tx_default_profile()
        )
    )
    assert answer.status == "Rejected"
    listed = await api.ListChargingProfiles(
        chargers_pb2.ListChargingProfilesRequest(charger_id="CP-1")
    )
    assert list(listed.profiles) == []
    station.received.clear()
    late = tx_default_profile()
    late.schedule.periods[0].start_period = 10
    details = await rejected(
        api.SetChargingProfile(
            chargers_pb2.SetChargingProfileRequest(charger_id="CP-1", connector_id=1, profile=late)
        )
    )
    assert details.startswith("profile.schedule.periods[0].start_period:")
    tx = tx_default_profile()
    tx.purpose = smart_charging_pb2.CHARGING_PROFILE_PURPOSE_TX_PROFILE
    details = await rejected(
        api.SetChargingProfile(
            chargers_pb2.SetChargingProfileRequest(charger_id="CP-1", connector_id=0, profile=tx)
        )
    )
    assert details.startswith("connector_id:")
    assert station.received == []
    unknown = chargers_pb2.ListChargingProfilesRequest(charger_id="NOPE")
    await rejected(api.ListChargingProfiles(unknown), grpc.StatusCode.NOT_FOUND)


async def test_tc_067_clear_charging_profile(station: Station, api: Api) -> None:
    """ClearChargingProfile by id sends the id and forgets that profile on Accepted; Unknown forgets nothing."""
    for profile_id, stack_level in ((7, 0), (8, 1)):
        await api.SetChargingProfile(
            chargers_pb2.SetChargingProfileRequest(
                charger_id="CP-1",
                connector_id=1,
                profile=tx_default_profile(profile_id, stack_level),
            )
        )
    answer = await api.ClearChargingProfile(
        chargers_pb2.ClearChargingProfileRequest(charger_id="CP-1", charging_profile_id=7)
    )
    assert answer.status == "Accepted"
    station.answers["ClearChargingProfile"] = {"status": "Unknown"}
    answer = await api.ClearChargingProfile(
        chargers_pb2.ClearChargingProfileRequest(
            charger_id="CP-1",
            connector_id=1,
            purpose=smart_charging_pb2.CHARGING_PROFILE_PURPOSE_TX_DEFAULT_PROFILE,
            stack_level=1,
        )
    )
    assert answer.status == "Unknown"
    assert station.requests("ClearChargingProfile") == [
        {"id": 7},
        {"connector_id": 1, "charging_profile_purpose": "TxDefaultProfile", "stack_level": 1},
    ]
    listed = await api.ListChargingProfiles(
        chargers_pb2.ListChargingProfilesRequest(charger_id="CP-1")
    )
    assert [p.profile.charging_profile_id for p in listed.profiles] == [8]
    station.received.clear()
    details = await rejected(
        api.ClearChargingProfile(
            chargers_pb2.ClearChargingProfileRequest(charger_id="CP-1", connector_id=1001)
        )
    )
    assert details.startswith("connector_id:")
    assert station.received == []


async def test_tc_066_get_composite_schedule(station: Station, api: Api) -> None:
    """GetCompositeSchedule sends connector, duration and unit and returns the charger's schedule typed."""
    answer = await api.GetCompositeSchedule(
        chargers_pb2.GetCompositeScheduleRequest(
            charger_id="CP-1",
            connector_id=1,
            duration=3600,
            rate_unit=smart_charging_pb2.CHARGING_RATE_UNIT_W,
        )
    )
    assert station.requests("GetCompositeSchedule") == [
        {"connector_id": 1, "duration": 3600, "charging_rate_unit": "W"}
    ]
    assert (answer.status, answer.connector_id) == ("Accepted", 1)
    assert answer.schedule_start.ToDatetime(tzinfo=UTC) == START
    assert answer.schedule.duration == 3600
    assert answer.schedule.rate_unit == smart_charging_pb2.CHARGING_RATE_UNIT_W
    assert [(p.start_period, p.limit) for p in answer.schedule.periods] == [
        (0, 11000.0),
        (1800, 7400.0),
    ]


async def test_get_composite_schedule_rejected_and_invalid(station: Station, api: Api) -> None:
    """A Rejected answer comes back without a schedule; a zero duration is refused unsent."""
    station.answers["GetCompositeSchedule"] = {"status": "Rejected"}
    answer = await api.GetCompositeSchedule(
        chargers_pb2.GetCompositeScheduleRequest(charger_id="CP-1", connector_id=1, duration=60)
    )
    assert answer.status == "Rejected"
    assert not answer.HasField("schedule")
    station.received.clear()
    details = await rejected(
        api.GetCompositeSchedule(
            chargers_pb2.GetCompositeScheduleRequest(charger_id="CP-1", connector_id=1)
        )
    )
    assert details.startswith("duration:")
    assert station.received == []


# --- Remote Trigger and configuration -------------------------------------------------


async def test_tc_054_trigger_message(station: Station, api: Api) -> None:
    """TriggerMessage sends the requested message and connector; `extended` sends ExtendedTriggerMessage."""
    answer = await api.TriggerMessage(
        chargers_pb2.TriggerMessageRequest(
            charger_id="CP-1",
            requested_message=chargers_pb2.TRIGGERABLE_MESSAGE_STATUS_NOTIFICATION,
            connector_id=1,
        )
    )
    assert answer.status == "Accepted"
    answer = await api.TriggerMessage(
        chargers_pb2.TriggerMessageRequest(
            charger_id="CP-1",
            requested_message=chargers_pb2.TRIGGERABLE_MESSAGE_SIGN_CHARGER_CERTIFICATE,
        )
    )
    assert answer.status == "Accepted"
    assert station.requests("TriggerMessage") == [
        {"requested_message": "StatusNotification", "connector_id": 1}
    ]
    assert station.requests("ExtendedTriggerMessage") == [
        {"requested_message": "SignChargePointCertificate"}
    ]


async def test_tc_055_trigger_message_rejected(station: Station, api: Api) -> None:
    """A Rejected trigger is returned as such; no requested message is refused unsent."""
    station.answers["TriggerMessage"] = {"status": "Rejected"}
    answer = await api.TriggerMessage(
        chargers_pb2.TriggerMessageRequest(
            charger_id="CP-1", requested_message=chargers_pb2.TRIGGERABLE_MESSAGE_HEARTBEAT
        )
    )
    assert answer.status == "Rejected"
    station.received.clear()
    details = await rejected(
        api.TriggerMessage(chargers_pb2.TriggerMessageRequest(charger_id="CP-1"))
    )
    assert details.startswith("requested_message:")
    assert station.received == []


async def test_tc_019_1_retrieve_all_configuration_keys(station: Station, api: Api) -> None:
    """GetConfiguration without keys reads all; ListConfigurationKeys then shows them without a charger call."""
    answer = await api.GetConfiguration(chargers_pb2.GetConfigurationRequest(charger_id="CP-1"))
    assert [(e.key, e.value, e.readonly) for e in answer.entries] == [
        ("HeartbeatInterval", "300", False),
        ("NumberOfConnectors", "2", True),
    ]
    assert station.requests("GetConfiguration") == [{}]
    listed = await api.ListConfigurationKeys(
        chargers_pb2.ListConfigurationKeysRequest(charger_id="CP-1")
    )
    assert [(e.key, e.value, e.readonly) for e in listed.entries] == [
        ("HeartbeatInterval", "300", False),
        ("NumberOfConnectors", "2", True),
    ]
    assert listed.HasField("read_at")
    assert len(station.requests("GetConfiguration")) == 1
    # A later complete read replaces the recorded keys: a key the charger dropped is forgotten.
    del station.configuration["NumberOfConnectors"]
    await api.GetConfiguration(chargers_pb2.GetConfigurationRequest(charger_id="CP-1"))
    listed = await api.ListConfigurationKeys(
        chargers_pb2.ListConfigurationKeysRequest(charger_id="CP-1")
    )
    assert [e.key for e in listed.entries] == ["HeartbeatInterval"]


async def test_tc_019_2_retrieve_specific_configuration_key(station: Station, api: Api) -> None:
    """Reading named keys reports unknown ones, records only what was read and keeps other keys; a bad key is refused unsent."""
    await api.GetConfiguration(chargers_pb2.GetConfigurationRequest(charger_id="CP-1"))
    station.configuration["HeartbeatInterval"] = ("120", False)
    answer = await api.GetConfiguration(
        chargers_pb2.GetConfigurationRequest(charger_id="CP-1", keys=["HeartbeatInterval", "Nope"])
    )
    assert [(e.key, e.value) for e in answer.entries] == [("HeartbeatInterval", "120")]
    assert list(answer.unknown_keys) == ["Nope"]
    assert station.requests("GetConfiguration")[-1] == {"key": ["HeartbeatInterval", "Nope"]}
    listed = await api.ListConfigurationKeys(
        chargers_pb2.ListConfigurationKeysRequest(charger_id="CP-1")
    )
    assert [(e.key, e.value) for e in listed.entries] == [
        ("HeartbeatInterval", "120"),
        ("NumberOfConnectors", "2"),
    ]
    station.received.clear()
    details = await rejected(
        api.GetConfiguration(
            chargers_pb2.GetConfigurationRequest(charger_id="CP-1", keys=["K" * 51])
        )
    )
    assert details.startswith("keys:")
    assert station.received == []
    unknown = chargers_pb2.ListConfigurationKeysRequest(charger_id="NOPE")
    await rejected(api.ListConfigurationKeys(unknown), grpc.StatusCode.NOT_FOUND)


async def test_tc_021_change_configuration(station: Station, api: Api) -> None:
    """ChangeConfiguration sends key and value; Accepted and RebootRequired values are recorded, Rejected ones not."""
    answer = await api.ChangeConfiguration(
        chargers_pb2.ChangeConfigurationRequest(
            charger_id="CP-1", key="HeartbeatInterval", value="60"
        )
    )
    assert answer.status == "Accepted"
    station.answers["ChangeConfiguration"] = {"status": "RebootRequired"}
    await api.ChangeConfiguration(
        chargers_pb2.ChangeConfigurationRequest(
            charger_id="CP-1", key="MeterValueSampleInterval", value="30"
        )
    )
    station.answers["ChangeConfiguration"] = {"status": "Rejected"}
    answer = await api.ChangeConfiguration(
        chargers_pb2.ChangeConfigurationRequest(
            charger_id="CP-1", key="HeartbeatInterval", value="-5"
        )
    )
    assert answer.status == "Rejected"
    assert station.requests("ChangeConfiguration") == [
        {"key": "HeartbeatInterval", "value": "60"},
        {"key": "MeterValueSampleInterval", "value": "30"},
        {"key": "HeartbeatInterval", "value": "-5"},
    ]
    listed = await api.ListConfigurationKeys(
        chargers_pb2.ListConfigurationKeysRequest(charger_id="CP-1")
    )
    assert [(e.key, e.value) for e in listed.entries] == [
        ("HeartbeatInterval", "60"),
        ("MeterValueSampleInterval", "30"),
    ]
    station.received.clear()
    details = await rejected(
        api.ChangeConfiguration(
            chargers_pb2.ChangeConfigurationRequest(charger_id="CP-1", value="1")
        )
    )
    assert details.startswith("key:")
    assert station.received == []


# --- Security extension: certificates -------------------------------------------------


async def test_install_certificate(station: Station, api: Api) -> None:
    """InstallCertificate sends type and PEM; Accepted and Rejected come back; a non-PEM is refused unsent."""
    request = chargers_pb2.InstallCertificateRequest(
        charger_id="CP-1",
        certificate_type=chargers_pb2.CERTIFICATE_USE_CENTRAL_SYSTEM_ROOT,
        certificate=PEM,
    )
    assert (await api.InstallCertificate(request)).status == "Accepted"
    station.answers["InstallCertificate"] = {"status": "Rejected"}
    assert (await api.InstallCertificate(request)).status == "Rejected"
    assert station.requests("InstallCertificate") == 2 * [
        {"certificate_type": "CentralSystemRootCertificate", "certificate": PEM}
    ]
    station.received.clear()
    request.certificate = "not a certificate"
    assert (await rejected(api.InstallCertificate(request))).startswith("certificate:")
    assert station.received == []


async def test_delete_certificate(station: Station, api: Api) -> None:
    """DeleteCertificate sends the hash data; NotFound comes back; a bad hash algorithm is refused unsent."""
    hash_data = chargers_pb2.CertificateHashData(
        hash_algorithm="SHA256", issuer_name_hash="a1", issuer_key_hash="b2", serial_number="03"
    )
    request = chargers_pb2.DeleteCertificateRequest(charger_id="CP-1", certificate=hash_data)
    assert (await api.DeleteCertificate(request)).status == "Accepted"
    station.answers["DeleteCertificate"] = {"status": "NotFound"}
    assert (await api.DeleteCertificate(request)).status == "NotFound"
    assert station.requests("DeleteCertificate") == 2 * [
        {
            "certificate_hash_data": {
                "hash_algorithm": "SHA256",
                "issuer_name_hash": "a1",
                "issuer_key_hash": "b2",
                "serial_number": "03",
            }
        }
    ]
    station.received.clear()
    request.certificate.hash_algorithm = "MD5"
    details = await rejected(api.DeleteCertificate(request))
    assert details.startswith("certificate.hash_algorithm:")
    assert station.received == []


async def test_get_installed_certificate_ids(station: Station, api: Api) -> None:
    """GetInstalledCertificateIds sends the type and returns the hash data typed; NotFound comes back empty."""
    request = chargers_pb2.GetInstalledCertificateIdsRequest(
        charger_id="CP-1", certificate_type=chargers_pb2.CERTIFICATE_USE_MANUFACTURER_ROOT
    )
    answer = await api.GetInstalledCertificateIds(request)
    assert answer.status == "Accepted"
    assert [
        (c.hash_algorithm, c.issuer_name_hash, c.issuer_key_hash, c.serial_number)
        for c in answer.certificates
    ] == [("SHA256", "a1b2c3", "d4e5f6", "01ab")]
    station.answers["GetInstalledCertificateIds"] = {"status": "NotFound"}
    answer = await api.GetInstalledCertificateIds(request)
    assert (answer.status, list(answer.certificates)) == ("NotFound", [])
    assert station.requests("GetInstalledCertificateIds") == 2 * [
        {"certificate_type": "ManufacturerRootCertificate"}
    ]
    station.received.clear()
    no_type = chargers_pb2.GetInstalledCertificateIdsRequest(charger_id="CP-1")
    assert (await rejected(api.GetInstalledCertificateIds(no_type))).startswith("certificate_type:")
    assert station.received == []


async def test_certificate_signed(station: Station, api: Api) -> None:
    """CertificateSigned sends the chain; Rejected comes back; an empty chain is refused unsent."""
    request = chargers_pb2.CertificateSignedRequest(charger_id="CP-1", certificate_chain=PEM)
    assert (await api.CertificateSigned(request)).status == "Accepted"
    station.answers["CertificateSigned"] = {"status": "Rejected"}
    assert (await api.CertificateSigned(request)).status == "Rejected"
    assert station.requests("CertificateSigned") == 2 * [{"certificate_chain": PEM}]
    station.received.clear()
    empty = chargers_pb2.CertificateSignedRequest(charger_id="CP-1")
    assert (await rejected(api.CertificateSigned(empty))).startswith("certificate_chain:")
    assert station.received == []


# --- the mesh -------------------------------------------------------------------------


async def test_command_reaches_only_the_owning_node(node_a: Node, node_b: Node, api: Api) -> None:
    """An UnlockConnector for a charger on node B goes to B's Node.Send only."""
    async with booted(node_a, "CP-A") as on_a, booted(node_b, "CP-B") as on_b:
        answer = await api.UnlockConnector(
            chargers_pb2.UnlockConnectorRequest(charger_id="CP-B", connector_id=1)
        )
        assert answer.status == "Unlocked"
        assert on_b.requests("UnlockConnector") == [{"connector_id": 1}]
        assert on_a.received == []
        assert (node_a.tasks_received, node_b.tasks_received) == (0, 1)


async def test_reservation_for_a_charger_on_another_node(
    node_a: Node, node_b: Node, api: Api, manager: Manager
) -> None:
    """ReserveNow and CancelReservation for a charger on node B reach B only and are recorded."""
    async with booted(node_a, "CP-A") as on_a, booted(node_b, "CP-B") as on_b:
        reserved = await api.ReserveNow(
            chargers_pb2.ReserveNowRequest(
                charger_id="CP-B", connector_id=0, expiry_date=ts(in_an_hour()), id_tag="TAG-1"
            )
        )
        assert reserved.status == "Accepted"
        cancelled = await api.CancelReservation(
            chargers_pb2.CancelReservationRequest(
                charger_id="CP-B", reservation_id=reserved.reservation_id
            )
        )
        assert cancelled.status == "Accepted"
        assert [r["reservation_id"] for r in on_b.requests("ReserveNow")] == [
            reserved.reservation_id
        ]
        assert on_b.requests("CancelReservation") == [{"reservation_id": reserved.reservation_id}]
        assert on_a.received == []
        assert (node_a.tasks_received, node_b.tasks_received) == (0, 2)
        record = await manager.stores.reservations.get(reserved.reservation_id)
        assert record is not None
        assert (record.charger_id, record.connector_id, record.state) == ("CP-B", 0, "Cancelled")
