"""OCPP 2.0.1 station messages through the real mesh (node, manager, PostgreSQL, Redis):
security, firmware, logs, certificates, display messages, customer information, network
profile, data transfer, trigger and cache, both charger- and CSMS-initiated.

The charger is the `ocpp` library's v201 ChargePoint scripted by `tests.harness.Station201`
(1.6 chargers by `Station16`, for the commands 1.6 does not have). Tests are named after the
OCPP 2.0.1 use cases they exercise (A04 Security Event Notification, L01 Secure Firmware
Update, ...): the charger receives exactly the expected payload, the API returns its typed
answer, and what an operator reads back is recorded.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable
from datetime import UTC, datetime
from typing import Any, TypeAlias

import grpc
import orjson
import pytest
import websockets
from csms.v1 import chargers_pb2, chargers_pb2_grpc
from google.protobuf.timestamp_pb2 import Timestamp
from ocpp.v201 import call as call201
from websockets.typing import Subprotocol

from services.manager import Manager
from services.manager._data_transfer import VendorAnswer, VendorMessage
from services.node import Node
from services.registry import RedisRegistry
from tests.harness import (
    Station16,
    Station201,
    charger_url,
    connected,
    eventually,
    running_manager,
)

Api: TypeAlias = "chargers_pb2_grpc.ChargerServiceAsyncStub"
PEM = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n"
CSR = "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----"
T0 = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
HASH = {
    "hash_algorithm": "SHA256",
    "issuer_name_hash": "a1b2c3",
    "issuer_key_hash": "d4e5f6",
    "serial_number": "01ab",
}


async def echo_vendor(message: VendorMessage) -> VendorAnswer:
    if message.message_id == "ping":
        return VendorAnswer("Accepted", f"pong:{message.data}")
    return VendorAnswer("UnknownMessageId")


# --- the system under test ----------------------------------------------------------


@pytest.fixture
async def manager(registry: RedisRegistry, postgres_url: str) -> AsyncIterator[Manager]:
    async with running_manager(
        registry, postgres_url, vendor_handlers={"com.example.echo": echo_vendor}
    ) as manager:
        yield manager


@pytest.fixture
async def station(node: Node) -> AsyncIterator[Station201]:
    """A scripted 2.0.1 charging station CS-1 that has booted."""
    async with connected(Station201, charger_url(node, "CS-1"), "CS-1") as station:
        assert (await station.boot()).status == "Accepted"
        yield station


@contextlib.asynccontextmanager
async def station_16(node: Node) -> AsyncIterator[Station16]:
    """A scripted 1.6 charger CP-16 that has booted."""
    async with connected(Station16, charger_url(node, "CP-16"), "CP-16") as station:
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


async def unsupported_on_16(call: Awaitable[Any]) -> None:
    """`call` to the 1.6 charger fails FAILED_PRECONDITION naming its protocol."""
    details = await rejected(call, grpc.StatusCode.FAILED_PRECONDITION)
    assert "speaks OCPP 1.6" in details, details
    assert "2.0.1" in details, details


def ts(at: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(at)
    return stamp


async def requests_of(manager: Manager, charger_id: str, kind: str) -> list[Any]:
    return await manager.stores.station.list_requests(charger_id, kind=kind)


# --- A: security ----------------------------------------------------------------------


async def test_a04_security_event_notification_is_recorded(
    station: Station201, manager: Manager
) -> None:
    """SecurityEventNotification is answered and stored with its type, time and tech info."""
    answer = await station.call(
        call201.SecurityEventNotification(
            type="SettingSystemTime", timestamp="2026-11-24T10:00:00Z", tech_info="NTP"
        )
    )
    assert answer is not None
    events, _ = await manager.stores.security.list_events("CS-1", page_size=10)
    assert [(e.type, e.tech_info, e.timestamp) for e in events] == [
        ("SettingSystemTime", "NTP", T0)
    ]


async def test_a02_sign_certificate_records_the_csr_with_its_type(
    station: Station201, api: Api
) -> None:
    """SignCertificate is Accepted and its CSR kept with its certificateType (the charger's
    own when absent), for an operator to read back with ListCertificateRequests."""
    v2g = await station.call(call201.SignCertificate(csr=CSR, certificate_type="V2GCertificate"))
    own = await station.call(call201.SignCertificate(csr=CSR + "2"))
    assert (v2g.status, own.status) == ("Accepted", "Accepted")
    listed = await api.ListCertificateRequests(
        chargers_pb2.ListCertificateRequestsRequest(charger_id="CS-1")
    )
    assert [(r.certificate_type, r.csr) for r in listed.requests] == [
        ("V2GCertificate", CSR),
        ("ChargingStationCertificate", CSR + "2"),
    ]
    assert all(r.id > 0 and r.received_at.seconds > 0 for r in listed.requests)


async def test_a02_certificate_signed_sends_the_chain_and_its_type(
    station: Station201, api: Api
) -> None:
    """CertificateSigned carries the PEM chain and the 2.0.1 certificateType asked for;
    the charger's Rejected is returned as it is."""
    answer = await api.CertificateSigned(
        chargers_pb2.CertificateSignedRequest(
            charger_id="CS-1",
            certificate_chain=PEM,
            certificate_type=chargers_pb2.CERTIFICATE_SIGNING_USE_V2G,
        )
    )
    assert answer.status == "Accepted"
    assert station.requests("CertificateSigned") == [
        {"certificate_chain": PEM, "certificate_type": "V2GCertificate"}
    ]
    station.answers["CertificateSigned"] = {"status": "Rejected"}
    answer = await api.CertificateSigned(
        chargers_pb2.CertificateSignedRequest(charger_id="CS-1", certificate_chain=PEM)
    )
    assert answer.status == "Rejected"
    assert station.requests("CertificateSigned")[1] == {"certificate_chain": PEM}


async def test_a02_certificate_signed_bad_input(station: Station201, api: Api, node: Node) -> None:
    """A chain that is not PEM is INVALID_ARGUMENT naming certificate_chain and is not sent;
    a V2G certificate for a 1.6 charger is FAILED_PRECONDITION naming its protocol."""
    details = await rejected(
        api.CertificateSigned(
            chargers_pb2.CertificateSignedRequest(charger_id="CS-1", certificate_chain="nope")
        )
    )
    assert "certificate_chain" in details
    assert station.requests("CertificateSigned") == []
    async with station_16(node):
        await unsupported_on_16(
            api.CertificateSigned(
                chargers_pb2.CertificateSignedRequest(
                    charger_id="CP-16",
                    certificate_chain=PEM,
                    certificate_type=chargers_pb2.CERTIFICATE_SIGNING_USE_V2G,
                )
            )
        )


async def test_b09_set_network_profile(station: Station201, api: Api) -> None:
    """SetNetworkProfile sends the slot and the connection data (VPN and APN included) in
    2.0.1's shape; a Rejected answer comes back with the charger's reason."""
    profile = chargers_pb2.NetworkConnectionProfile(
        ocpp_version="OCPP20",
        csms_url="wss://csms.example.com/ocpp",
        message_timeout=30,
        security_profile=2,
        ocpp_interface="Wireless0",
        vpn=chargers_pb2.NetworkVpn(
            server="vpn.example.com", user="cs1", password="secret", key="k", type="IKEv2"
        ),
        apn=chargers_pb2.NetworkApn(apn="internet", authentication="AUTO", sim_pin=1234),
    )
    answer = await api.SetNetworkProfile(
        chargers_pb2.SetNetworkProfileRequest(
            charger_id="CS-1", configuration_slot=2, profile=profile
        )
    )
    assert (answer.status, answer.reason) == ("Accepted", "")
    assert station.requests("SetNetworkProfile") == [
        {
            "configuration_slot": 2,
            "connection_data": {
                "ocpp_version": "OCPP20",
                "ocpp_transport": "JSON",
                "ocpp_csms_url": "wss://csms.example.com/ocpp",
                "message_timeout": 30,
                "security_profile": 2,
                "ocpp_interface": "Wireless0",
                "vpn": {
                    "server": "vpn.example.com",
                    "user": "cs1",
                    "password": "secret",
                    "key": "k",
                    "type": "IKEv2",
                },
                "apn": {"apn": "internet", "apn_authentication": "AUTO", "sim_pin": 1234},
            },
        }
    ]
    station.answers["SetNetworkProfile"] = {
        "status": "Rejected",
        "status_info": {"reason_code": "InvalidURL", "additional_info": "no TLS"},
    }
    answer = await api.SetNetworkProfile(
        chargers_pb2.SetNetworkProfileRequest(
            charger_id="CS-1", configuration_slot=2, profile=profile
        )
    )
    assert (answer.status, answer.reason) == ("Rejected", "InvalidURL: no TLS")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"csms_url": "https://csms.example.com"}, "profile.csms_url"),
        ({"ocpp_interface": "Ethernet"}, "profile.ocpp_interface"),
        ({"security_profile": 4}, "profile.security_profile"),
        ({"ocpp_version": "OCPP21"}, "profile.ocpp_version"),
        ({"message_timeout": 0}, "profile.message_timeout"),
    ],
)
async def test_b09_set_network_profile_bad_input(
    station: Station201, api: Api, change: dict[str, Any], field: str
) -> None:
    """An invalid profile field is INVALID_ARGUMENT naming it; nothing is sent."""
    fields: dict[str, Any] = {
        "ocpp_version": "OCPP20",
        "csms_url": "wss://csms.example.com/ocpp",
        "message_timeout": 30,
        "security_profile": 2,
        "ocpp_interface": "Wired0",
        **change,
    }
    details = await rejected(
        api.SetNetworkProfile(
            chargers_pb2.SetNetworkProfileRequest(
                charger_id="CS-1",
                configuration_slot=1,
                profile=chargers_pb2.NetworkConnectionProfile(**fields),
            )
        )
    )
    assert details.startswith(field), details
    assert station.requests("SetNetworkProfile") == []


async def test_b09_set_network_profile_on_16_is_failed_precondition(node: Node, api: Api) -> None:
    """SetNetworkProfile does not exist in 1.6: FAILED_PRECONDITION naming the protocol."""
    async with station_16(node):
        await unsupported_on_16(
            api.SetNetworkProfile(
                chargers_pb2.SetNetworkProfileRequest(
                    charger_id="CP-16",
                    configuration_slot=1,
                    profile=chargers_pb2.NetworkConnectionProfile(
                        ocpp_version="OCPP20",
                        csms_url="wss://x/ocpp",
                        message_timeout=30,
                        security_profile=1,
                        ocpp_interface="Wired0",
                    ),
                )
            )
        )


# --- C, F, P: cache, trigger, data transfer ---------------------------------------------


async def test_c11_clear_cache(station: Station201, api: Api) -> None:
    """ClearCache is sent empty and its answer returned, Rejected included."""
    answer = await api.ClearCache(chargers_pb2.ClearCacheRequest(charger_id="CS-1"))
    assert answer.status == "Accepted"
    station.answers["ClearCache"] = {"status": "Rejected"}
    answer = await api.ClearCache(chargers_pb2.ClearCacheRequest(charger_id="CS-1"))
    assert answer.status == "Rejected"
    assert station.requests("ClearCache") == [{}, {}]


TRIGGERS_201 = [
    (chargers_pb2.TRIGGERABLE_MESSAGE_BOOT_NOTIFICATION, "BootNotification"),
    (chargers_pb2.TRIGGERABLE_MESSAGE_HEARTBEAT, "Heartbeat"),
    (chargers_pb2.TRIGGERABLE_MESSAGE_STATUS_NOTIFICATION, "StatusNotification"),
    (chargers_pb2.TRIGGERABLE_MESSAGE_METER_VALUES, "MeterValues"),
    (chargers_pb2.TRIGGERABLE_MESSAGE_FIRMWARE_STATUS_NOTIFICATION, "FirmwareStatusNotification"),
    (chargers_pb2.TRIGGERABLE_MESSAGE_DIAGNOSTICS_STATUS_NOTIFICATION, "LogStatusNotification"),
    (chargers_pb2.TRIGGERABLE_MESSAGE_LOG_STATUS_NOTIFICATION, "LogStatusNotification"),
    (
        chargers_pb2.TRIGGERABLE_MESSAGE_SIGN_CHARGER_CERTIFICATE,
        "SignChargingStationCertificate",
    ),
    (chargers_pb2.TRIGGERABLE_MESSAGE_TRANSACTION_EVENT, "TransactionEvent"),
    (chargers_pb2.TRIGGERABLE_MESSAGE_SIGN_V2G_CERTIFICATE, "SignV2GCertificate"),
    (chargers_pb2.TRIGGERABLE_MESSAGE_SIGN_COMBINED_CERTIFICATE, "SignCombinedCertificate"),
    (
        chargers_pb2.TRIGGERABLE_MESSAGE_PUBLISH_FIRMWARE_STATUS_NOTIFICATION,
        "PublishFirmwareStatusNotification",
    ),
]


async def test_f06_trigger_message_every_2_0_1_message(station: Station201, api: Api) -> None:
    """Every triggerable message maps to its 2.0.1 name (1.6's DiagnosticsStatusNotification
    to LogStatusNotification)."""
    for message, _ in TRIGGERS_201:
        answer = await api.TriggerMessage(
            chargers_pb2.TriggerMessageRequest(charger_id="CS-1", requested_message=message)
        )
        assert answer.status == "Accepted"
    assert station.requests("TriggerMessage") == [
        {"requested_message": name} for _, name in TRIGGERS_201
    ]


async def test_f06_trigger_message_for_a_connector_of_an_evse(
    station: Station201, api: Api
) -> None:
    """connector_id is the EVSE id on 2.0.1 and evse_connector_id its connector; a Rejected
    answer is returned as it is."""
    station.answers["TriggerMessage"] = {"status": "Rejected"}
    answer = await api.TriggerMessage(
        chargers_pb2.TriggerMessageRequest(
            charger_id="CS-1",
            requested_message=chargers_pb2.TRIGGERABLE_MESSAGE_STATUS_NOTIFICATION,
            connector_id=2,
            evse_connector_id=1,
        )
    )
    assert answer.status == "Rejected"
    assert station.requests("TriggerMessage") == [
        {"requested_message": "StatusNotification", "evse": {"id": 2, "connector_id": 1}}
    ]


async def test_f06_trigger_message_bad_input(station: Station201, api: Api, node: Node) -> None:
    """An unspecified message or a connector without its EVSE is INVALID_ARGUMENT naming the
    field; a 2.0.1-only message or evse_connector_id for a 1.6 charger is FAILED_PRECONDITION."""
    details = await rejected(
        api.TriggerMessage(chargers_pb2.TriggerMessageRequest(charger_id="CS-1"))
    )
    assert details.startswith("requested_message")
    details = await rejected(
        api.TriggerMessage(
            chargers_pb2.TriggerMessageRequest(
                charger_id="CS-1",
                requested_message=chargers_pb2.TRIGGERABLE_MESSAGE_STATUS_NOTIFICATION,
                evse_connector_id=1,
            )
        )
    )
    assert details.startswith("evse_connector_id")
    assert station.requests("TriggerMessage") == []
    async with station_16(node):
        for request in (
            chargers_pb2.TriggerMessageRequest(
                charger_id="CP-16",
                requested_message=chargers_pb2.TRIGGERABLE_MESSAGE_TRANSACTION_EVENT,
            ),
            chargers_pb2.TriggerMessageRequest(
                charger_id="CP-16",
                requested_message=chargers_pb2.TRIGGERABLE_MESSAGE_STATUS_NOTIFICATION,
                connector_id=1,
                evse_connector_id=1,
            ),
        ):
            await unsupported_on_16(api.TriggerMessage(request))


async def test_p01_data_transfer_to_the_charger(station: Station201, api: Api) -> None:
    """DataTransfer reaches the charger with vendor, message id and data; its answer and
    data come back, UnknownVendorId included."""
    answer = await api.DataTransfer(
        chargers_pb2.DataTransferRequest(
            charger_id="CS-1", vendor_id="com.example", message_id="ping", data="hi"
        )
    )
    assert (answer.status, answer.data) == ("Accepted", "pong")
    assert station.requests("DataTransfer") == [
        {"vendor_id": "com.example", "message_id": "ping", "data": "hi"}
    ]
    station.answers["DataTransfer"] = {"status": "UnknownVendorId"}
    answer = await api.DataTransfer(
        chargers_pb2.DataTransferRequest(charger_id="CS-1", vendor_id="org.nobody")
    )
    assert (answer.status, answer.data) == ("UnknownVendorId", "")
    details = await rejected(api.DataTransfer(chargers_pb2.DataTransferRequest(charger_id="CS-1")))
    assert details.startswith("vendor_id")
    assert len(station.requests("DataTransfer")) == 2


async def test_p02_data_transfer_from_the_charger_goes_to_the_vendor_hook(
    station: Station201,
) -> None:
    """DataTransfer reaches the hook registered for its vendorId, with 2.0.1's non-string
    data as JSON text; other vendors get UnknownVendorId."""
    answer = await station.call(
        call201.DataTransfer(vendor_id="com.example.echo", message_id="ping", data="hi")
    )
    assert (answer.status, answer.data) == ("Accepted", "pong:hi")
    answer = await station.call(
        call201.DataTransfer(vendor_id="com.example.echo", message_id="ping", data={"n": 1})
    )
    assert (answer.status, answer.data) == ("Accepted", 'pong:{"n":1}')
    answer = await station.call(call201.DataTransfer(vendor_id="com.example.echo"))
    assert answer.status == "UnknownMessageId"
    answer = await station.call(call201.DataTransfer(vendor_id="org.nobody"))
    assert answer.status == "UnknownVendorId"


# --- L: firmware ----------------------------------------------------------------------


async def test_l01_secure_firmware_update_is_tracked_by_request_id(
    station: Station201, api: Api, manager: Manager
) -> None:
    """UpdateFirmware sends firmware{location, retrieveDateTime, signingCertificate,
    signature} and a requestId; FirmwareStatusNotifications with that id update the
    request (complete at Installed) and the charger's firmware status."""
    answer = await api.UpdateFirmware(
        chargers_pb2.UpdateFirmwareRequest(
            charger_id="CS-1",
            location="https://fw.example.com/v2.bin",
            retrieve_date=ts(T0),
            signing_certificate=PEM,
            signature="c2lnbmF0dXJl",
            request_id=41,
            retries=3,
        )
    )
    assert (answer.status, answer.request_id) == ("Accepted", 41)
    assert station.requests("UpdateFirmware") == [
        {
            "request_id": 41,
            "retries": 3,
            "firmware": {
                "location": "https://fw.example.com/v2.bin",
                "retrieve_date_time": "2026-11-24T10:00:00.000Z",
                "signing_certificate": PEM,
                "signature": "c2lnbmF0dXJl",
            },
        }
    ]
    [request] = await requests_of(manager, "CS-1", "Firmware")
    assert (request.request_id, request.status, request.complete) == (41, "Accepted", False)
    for status in ("Downloading", "Downloaded", "SignatureVerified", "Installing", "Installed"):
        await station.call(call201.FirmwareStatusNotification(status=status, request_id=41))
    listed = await api.ListChargerRequests(
        chargers_pb2.ListChargerRequestsRequest(
            charger_id="CS-1", kind=chargers_pb2.CHARGER_REQUEST_KIND_FIRMWARE
        )
    )
    assert [(r.request_id, r.status, r.complete) for r in listed.requests] == [
        (41, "Installed", True)
    ]
    charger = await api.GetCharger(chargers_pb2.GetChargerRequest(charger_id="CS-1"))
    assert charger.firmware_status == "Installed"


async def test_l02_firmware_update_rejected_and_signed_update_translated(
    station: Station201, api: Api, manager: Manager
) -> None:
    """A Rejected UpdateFirmware is recorded complete; SignedUpdateFirmware (the 1.6
    security extension's name) becomes 2.0.1 UpdateFirmware; an idle FirmwareStatusNotification
    without requestId only updates the charger's firmware status."""
    station.answers["UpdateFirmware"] = {"status": "InvalidCertificate"}
    answer = await api.SignedUpdateFirmware(
        chargers_pb2.SignedUpdateFirmwareRequest(
            charger_id="CS-1",
            request_id=7,
            location="ftp://fw.example.com/v3.bin",
            retrieve_date=ts(T0),
            signing_certificate=PEM,
            signature="c2ln",
        )
    )
    assert (answer.status, answer.request_id) == ("InvalidCertificate", 7)
    assert station.requests("UpdateFirmware")[0]["request_id"] == 7
    [request] = await requests_of(manager, "CS-1", "Firmware")
    assert (request.status, request.complete) == ("InvalidCertificate", True)
    await station.call(call201.FirmwareStatusNotification(status="Idle"))
    charger = await api.GetCharger(chargers_pb2.GetChargerRequest(charger_id="CS-1"))
    assert charger.firmware_status == "Idle"
    assert len(await requests_of(manager, "CS-1", "Firmware")) == 1


async def test_l01_firmware_bad_input_and_1_6_only_commands(
    station: Station201, api: Api, node: Node, manager: Manager
) -> None:
    """A location that is not a URI is INVALID_ARGUMENT naming it; 2.0.1 fields of
    UpdateFirmware for a 1.6 charger and GetDiagnostics for a 2.0.1 charger are
    FAILED_PRECONDITION naming the protocol; nothing is sent or recorded."""
    details = await rejected(
        api.UpdateFirmware(chargers_pb2.UpdateFirmwareRequest(charger_id="CS-1", location="fw.bin"))
    )
    assert details.startswith("location")
    details = await rejected(
        api.GetDiagnostics(
            chargers_pb2.GetDiagnosticsRequest(charger_id="CS-1", location="ftp://x/y")
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
    )
    assert "speaks OCPP 2.0.1" in details
    assert "GetLog" in details
    assert station.requests("UpdateFirmware") == []
    assert await requests_of(manager, "CS-1", "Firmware") == []
    async with station_16(node):
        await unsupported_on_16(
            api.UpdateFirmware(
                chargers_pb2.UpdateFirmwareRequest(
                    charger_id="CP-16", location="ftp://x/fw.bin", signature="c2ln"
                )
            )
        )


# --- M: certificates ------------------------------------------------------------------


async def test_m05_install_ca_certificate(station: Station201, api: Api, node: Node) -> None:
    """InstallCertificate sends the 2.0.1 certificate use (V2G root included) and the PEM;
    a non-PEM certificate is INVALID_ARGUMENT, a V2G root for a 1.6 charger FAILED_PRECONDITION."""
    for use, name in (
        (chargers_pb2.CERTIFICATE_USE_CENTRAL_SYSTEM_ROOT, "CSMSRootCertificate"),
        (chargers_pb2.CERTIFICATE_USE_V2G_ROOT, "V2GRootCertificate"),
        (chargers_pb2.CERTIFICATE_USE_MO_ROOT, "MORootCertificate"),
    ):
        answer = await api.InstallCertificate(
            chargers_pb2.InstallCertificateRequest(
                charger_id="CS-1", certificate_type=use, certificate=PEM
            )
        )
        assert answer.status == "Accepted"
        assert station.requests("InstallCertificate")[-1] == {
            "certificate_type": name,
            "certificate": PEM,
        }
    station.answers["InstallCertificate"] = {"status": "Rejected"}
    answer = await api.InstallCertificate(
        chargers_pb2.InstallCertificateRequest(
            charger_id="CS-1",
            certificate_type=chargers_pb2.CERTIFICATE_USE_MANUFACTURER_ROOT,
            certificate=PEM,
        )
    )
    assert answer.status == "Rejected"
    details = await rejected(
        api.InstallCertificate(
            chargers_pb2.InstallCertificateRequest(
                charger_id="CS-1",
                certificate_type=chargers_pb2.CERTIFICATE_USE_V2G_CERTIFICATE_CHAIN,
                certificate=PEM,
            )
        )
    )
    assert details.startswith("certificate_type")
    details = await rejected(
        api.InstallCertificate(
            chargers_pb2.InstallCertificateRequest(
                charger_id="CS-1",
                certificate_type=chargers_pb2.CERTIFICATE_USE_V2G_ROOT,
                certificate="not pem",
            )
        )
    )
    assert details.startswith("certificate")
    assert len(station.requests("InstallCertificate")) == 4
    async with station_16(node):
        await unsupported_on_16(
            api.InstallCertificate(
                chargers_pb2.InstallCertificateRequest(
                    charger_id="CP-16",
                    certificate_type=chargers_pb2.CERTIFICATE_USE_V2G_ROOT,
                    certificate=PEM,
                )
            )
        )


async def test_m03_get_installed_certificate_ids(station: Station201, api: Api) -> None:
    """An unspecified type asks for every type; the chain comes back with each
    certificate's type and children; NotFound is returned as it is."""
    station.answers["GetInstalledCertificateIds"] = {
        "status": "Accepted",
        "certificate_hash_data_chain": [
            {"certificate_type": "V2GCertificateChain", "certificate_hash_data": HASH,
             "child_certificate_hash_data": [{**HASH, "serial_number": "02"}]},
            {"certificate_type": "CSMSRootCertificate", "certificate_hash_data": HASH},
        ],
    }  # fmt: skip
    answer = await api.GetInstalledCertificateIds(
        chargers_pb2.GetInstalledCertificateIdsRequest(charger_id="CS-1")
    )
    assert answer.status == "Accepted"
    assert [c.serial_number for c in answer.certificates] == ["01ab", "01ab"]
    assert [(i.certificate_type, [c.serial_number for c in i.children]) for i in answer.installed] == [
        (chargers_pb2.CERTIFICATE_USE_V2G_CERTIFICATE_CHAIN, ["02"]),
        (chargers_pb2.CERTIFICATE_USE_CENTRAL_SYSTEM_ROOT, []),
    ]  # fmt: skip
    station.answers["GetInstalledCertificateIds"] = {"status": "NotFound"}
    answer = await api.GetInstalledCertificateIds(
        chargers_pb2.GetInstalledCertificateIdsRequest(
            charger_id="CS-1", certificate_type=chargers_pb2.CERTIFICATE_USE_V2G_ROOT
        )
    )
    assert (answer.status, list(answer.installed)) == ("NotFound", [])
    assert station.requests("GetInstalledCertificateIds") == [
        {},
        {"certificate_type": ["V2GRootCertificate"]},
    ]


async def test_m04_delete_certificate(station: Station201, api: Api) -> None:
    """DeleteCertificate sends the hash data; NotFound is returned; a bad hash algorithm is
    INVALID_ARGUMENT naming certificate.hash_algorithm and nothing is sent."""
    hash_data = chargers_pb2.CertificateHashData(**HASH)
    answer = await api.DeleteCertificate(
        chargers_pb2.DeleteCertificateRequest(charger_id="CS-1", certificate=hash_data)
    )
    assert answer.status == "Accepted"
    assert station.requests("DeleteCertificate") == [{"certificate_hash_data": HASH}]
    station.answers["DeleteCertificate"] = {"status": "NotFound"}
    answer = await api.DeleteCertificate(
        chargers_pb2.DeleteCertificateRequest(charger_id="CS-1", certificate=hash_data)
    )
    assert answer.status == "NotFound"
    details = await rejected(
        api.DeleteCertificate(
            chargers_pb2.DeleteCertificateRequest(
                charger_id="CS-1",
                certificate=chargers_pb2.CertificateHashData(**{**HASH, "hash_algorithm": "MD5"}),
            )
        )
    )
    assert details.startswith("certificate.hash_algorithm")
    assert len(station.requests("DeleteCertificate")) == 2


async def test_m01_get_15118_ev_certificate_fails_without_a_pki(station: Station201) -> None:
    """Get15118EVCertificate is answered Failed with a reason and an (empty) exiResponse
    while no contract certificate service is configured."""
    answer = await station.call(
        call201.Get15118EVCertificate(
            iso15118_schema_version="urn:iso:15118:2:2013:MsgDef",
            action="Install",
            exi_request="AA",
        )
    )
    assert (answer.status, answer.exi_response) == ("Failed", "")
    assert answer.status_info["reason_code"] == "UnsupportedRequest"
    assert "PKI" in answer.status_info["additional_info"]


async def test_m06_get_certificate_status_fails_without_an_ocsp_responder(
    station: Station201,
) -> None:
    """GetCertificateStatus is answered Failed with a reason while no OCSP responder exists."""
    answer = await station.call(
        call201.GetCertificateStatus(
            ocsp_request_data={**HASH, "responder_url": "http://ocsp.example.com"}
        )
    )
    assert answer.status == "Failed"
    assert answer.status_info["reason_code"] == "UnsupportedRequest"


# --- N: logs and customer information ---------------------------------------------------


async def test_n01_get_log_is_tracked_by_request_id(
    station: Station201, api: Api, manager: Manager
) -> None:
    """GetLog sends logType, requestId and the upload location; the file name and the
    LogStatusNotifications are recorded on the request (complete at Uploaded)."""
    answer = await api.GetLog(
        chargers_pb2.GetLogRequest(
            charger_id="CS-1",
            log_type=chargers_pb2.LOG_KIND_DIAGNOSTICS,
            request_id=5,
            remote_location="https://logs.example.com/upload",
            oldest_timestamp=ts(T0),
        )
    )
    assert (answer.status, answer.filename, answer.request_id) == ("Accepted", "security.log", 5)
    assert station.requests("GetLog") == [
        {
            "log_type": "DiagnosticsLog",
            "request_id": 5,
            "log": {
                "remote_location": "https://logs.example.com/upload",
                "oldest_timestamp": "2026-11-24T10:00:00.000Z",
            },
        }
    ]
    await station.call(call201.LogStatusNotification(status="Uploading", request_id=5))
    [request] = await requests_of(manager, "CS-1", "Log")
    assert (request.status, request.data, request.complete) == ("Uploading", "security.log", False)
    await station.call(call201.LogStatusNotification(status="Uploaded", request_id=5))
    listed = await api.ListChargerRequests(
        chargers_pb2.ListChargerRequestsRequest(charger_id="CS-1", request_id=5)
    )
    assert [(r.kind, r.status, r.complete) for r in listed.requests] == [
        (chargers_pb2.CHARGER_REQUEST_KIND_LOG, "Uploaded", True)
    ]
    charger = await api.GetCharger(chargers_pb2.GetChargerRequest(charger_id="CS-1"))
    assert charger.log_status == "Uploaded"


async def test_n01_get_log_rejected_and_bad_input(
    station: Station201, api: Api, manager: Manager
) -> None:
    """A Rejected GetLog is recorded complete; an unspecified log type is INVALID_ARGUMENT
    naming log_type and is not sent."""
    station.answers["GetLog"] = {"status": "Rejected"}
    answer = await api.GetLog(
        chargers_pb2.GetLogRequest(
            charger_id="CS-1",
            log_type=chargers_pb2.LOG_KIND_SECURITY,
            remote_location="ftp://logs.example.com/",
        )
    )
    assert answer.status == "Rejected"
    assert answer.request_id > 0
    [request] = await requests_of(manager, "CS-1", "Log")
    assert (request.request_id, request.status, request.complete) == (
        answer.request_id,
        "Rejected",
        True,
    )
    details = await rejected(
        api.GetLog(chargers_pb2.GetLogRequest(charger_id="CS-1", remote_location="ftp://logs/"))
    )
    assert details.startswith("log_type")
    assert len(station.requests("GetLog")) == 1


async def test_n09_customer_information_report_is_concatenated_per_request(
    station: Station201, api: Api
) -> None:
    """CustomerInformation names the customer one way; the NotifyCustomerInformation parts
    under its request id are stored concatenated in seqNo order (a repeated part once),
    complete with the last (tbc false)."""
    answer = await api.CustomerInformation(
        chargers_pb2.CustomerInformationRequest(
            charger_id="CS-1",
            request_id=9,
            report=True,
            id_token="04A2B3C4",
            id_token_type="ISO14443",
        )
    )
    assert (answer.status, answer.request_id) == ("Accepted", 9)
    assert station.requests("CustomerInformation") == [
        {
            "request_id": 9,
            "report": True,
            "clear": False,
            "id_token": {"id_token": "04A2B3C4", "type": "ISO14443"},
        }
    ]
    parts = [(0, "name=Ada;", True), (1, "tag=04A2B3C4;", True), (1, "tag=04A2B3C4;", True)]
    for seq_no, data, tbc in [*parts, (2, "sessions=3", False)]:
        await station.call(
            call201.NotifyCustomerInformation(
                data=data, seq_no=seq_no, generated_at="2026-11-24T10:00:00Z", request_id=9, tbc=tbc
            )
        )
    listed = await api.ListChargerRequests(
        chargers_pb2.ListChargerRequestsRequest(
            charger_id="CS-1", kind=chargers_pb2.CHARGER_REQUEST_KIND_CUSTOMER_INFORMATION
        )
    )
    assert [(r.request_id, r.status, r.data, r.complete) for r in listed.requests] == [
        (9, "Reported", "name=Ada;tag=04A2B3C4;sessions=3", True)
    ]


async def test_n10_clear_customer_information_rejected_and_bad_input(
    station: Station201, api: Api, node: Node, manager: Manager
) -> None:
    """A Rejected clear is recorded complete; no identifier, two identifiers, or neither
    report nor clear are INVALID_ARGUMENT naming the field; on 1.6 FAILED_PRECONDITION."""
    station.answers["CustomerInformation"] = {"status": "Rejected"}
    answer = await api.CustomerInformation(
        chargers_pb2.CustomerInformationRequest(
            charger_id="CS-1",
            clear=True,
            customer_certificate=chargers_pb2.CertificateHashData(**HASH),
        )
    )
    assert answer.status == "Rejected"
    assert station.requests("CustomerInformation")[0]["customer_certificate"] == HASH
    [request] = await requests_of(manager, "CS-1", "CustomerInformation")
    assert (request.status, request.complete) == ("Rejected", True)
    for fields, field in (
        ({"report": True}, "customer_identifier"),
        ({"report": True, "customer_identifier": "c-1", "id_token": "T"}, "customer_identifier"),
        ({"customer_identifier": "c-1"}, "report"),
        ({"report": True, "id_token": "T", "id_token_type": "Passport"}, "id_token_type"),
    ):
        details = await rejected(
            api.CustomerInformation(
                chargers_pb2.CustomerInformationRequest(charger_id="CS-1", **fields)
            )
        )
        assert details.startswith(field), details
    assert len(station.requests("CustomerInformation")) == 1
    async with station_16(node):
        await unsupported_on_16(
            api.CustomerInformation(
                chargers_pb2.CustomerInformationRequest(
                    charger_id="CP-16", report=True, customer_identifier="c-1"
                )
            )
        )


# --- O: display messages ----------------------------------------------------------------


def display_message(message_id: int = 1, **fields: Any) -> chargers_pb2.DisplayMessage:
    defaults: dict[str, Any] = {
        "priority": "InFront",
        "format": "UTF8",
        "content": "Welkom!",
        "language": "nl",
    }
    return chargers_pb2.DisplayMessage(message_id=message_id, **{**defaults, **fields})


async def test_o01_set_display_message_is_recorded_when_accepted(
    station: Station201, api: Api
) -> None:
    """SetDisplayMessage sends the MessageInfo; an accepted one is listed by
    ListDisplayMessages as set by the CSMS, a NotSupportedPriority one is not."""
    answer = await api.SetDisplayMessage(
        chargers_pb2.SetDisplayMessageRequest(
            charger_id="CS-1",
            message=display_message(1, state="Idle", start_at=ts(T0), display="Display", evse_id=1),
        )
    )
    assert answer.status == "Accepted"
    assert station.requests("SetDisplayMessage") == [
        {
            "message": {
                "id": 1,
                "priority": "InFront",
                "state": "Idle",
                "start_date_time": "2026-11-24T10:00:00.000Z",
                "display": {"name": "Display", "evse": {"id": 1}},
                "message": {"format": "UTF8", "content": "Welkom!", "language": "nl"},
            }
        }
    ]
    station.answers["SetDisplayMessage"] = {"status": "NotSupportedPriority"}
    answer = await api.SetDisplayMessage(
        chargers_pb2.SetDisplayMessageRequest(
            charger_id="CS-1", message=display_message(2, priority="AlwaysFront")
        )
    )
    assert answer.status == "NotSupportedPriority"
    listed = await api.ListDisplayMessages(
        chargers_pb2.ListDisplayMessagesRequest(charger_id="CS-1")
    )
    assert [
        (m.message_id, m.priority, m.state, m.content, m.display, m.evse_id, m.source)
        for m in listed.messages
    ] == [(1, "InFront", "Idle", "Welkom!", "Display", 1, "csms")]
    assert listed.messages[0].start_at == ts(T0)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"priority": "Urgent"}, "message.priority"),
        ({"format": "Markdown"}, "message.format"),
        ({"content": ""}, "message.content"),
        ({"content": "x" * 513}, "message.content"),
        ({"state": "Sleeping"}, "message.state"),
        ({"evse_id": 1}, "message.evse_id"),
        ({"transaction_id": "t" * 37}, "message.transaction_id"),
    ],
)
async def test_o01_set_display_message_bad_input(
    station: Station201, api: Api, fields: dict[str, Any], field: str
) -> None:
    """An invalid message field is INVALID_ARGUMENT naming it; nothing is sent or recorded."""
    details = await rejected(
        api.SetDisplayMessage(
            chargers_pb2.SetDisplayMessageRequest(
                charger_id="CS-1", message=display_message(1, **fields)
            )
        )
    )
    assert details.startswith(field), details
    assert station.requests("SetDisplayMessage") == []
    listed = await api.ListDisplayMessages(
        chargers_pb2.ListDisplayMessagesRequest(charger_id="CS-1")
    )
    assert list(listed.messages) == []


async def test_o03_get_display_messages_reported_in_parts(
    station: Station201, api: Api, manager: Manager
) -> None:
    """GetDisplayMessages sends its filters and a requestId; the NotifyDisplayMessages parts
    under that id are recorded as the charger's messages, the request complete with the last."""
    answer = await api.GetDisplayMessages(
        chargers_pb2.GetDisplayMessagesRequest(
            charger_id="CS-1", request_id=3, priority="NormalCycle"
        )
    )
    assert (answer.status, answer.request_id) == ("Accepted", 3)
    assert station.requests("GetDisplayMessages") == [{"request_id": 3, "priority": "NormalCycle"}]

    def info(message_id: int) -> dict[str, Any]:
        return {
            "id": message_id,
            "priority": "NormalCycle",
            "message": {"format": "ASCII", "content": f"message {message_id}"},
        }

    await station.call(
        call201.NotifyDisplayMessages(request_id=3, message_info=[info(10), info(11)], tbc=True)
    )
    [request] = await requests_of(manager, "CS-1", "DisplayMessages")
    assert (request.status, request.complete) == ("Reported", False)
    await station.call(call201.NotifyDisplayMessages(request_id=3, message_info=[info(12)]))
    [request] = await requests_of(manager, "CS-1", "DisplayMessages")
    assert request.complete
    listed = await api.ListDisplayMessages(
        chargers_pb2.ListDisplayMessagesRequest(charger_id="CS-1")
    )
    assert [(m.message_id, m.content, m.source) for m in listed.messages] == [
        (10, "message 10", "charger"),
        (11, "message 11", "charger"),
        (12, "message 12", "charger"),
    ]


async def test_o04_get_specific_display_messages_unknown_and_bad_input(
    station: Station201, api: Api, manager: Manager, node: Node
) -> None:
    """An Unknown answer (no such message) is recorded complete; an invalid state filter is
    INVALID_ARGUMENT naming state; on 1.6 FAILED_PRECONDITION."""
    station.answers["GetDisplayMessages"] = {"status": "Unknown"}
    answer = await api.GetDisplayMessages(
        chargers_pb2.GetDisplayMessagesRequest(charger_id="CS-1", message_ids=[4, 5])
    )
    assert answer.status == "Unknown"
    assert station.requests("GetDisplayMessages")[0]["id"] == [4, 5]
    [request] = await requests_of(manager, "CS-1", "DisplayMessages")
    assert (request.request_id, request.complete) == (answer.request_id, True)
    details = await rejected(
        api.GetDisplayMessages(
            chargers_pb2.GetDisplayMessagesRequest(charger_id="CS-1", state="Asleep")
        )
    )
    assert details.startswith("state")
    assert len(station.requests("GetDisplayMessages")) == 1
    async with station_16(node):
        await unsupported_on_16(
            api.GetDisplayMessages(chargers_pb2.GetDisplayMessagesRequest(charger_id="CP-16"))
        )


async def test_o05_clear_display_message(station: Station201, api: Api, node: Node) -> None:
    """ClearDisplayMessage sends the id; Accepted or Unknown (the charger has no such
    message) forget the recorded message; a negative id is INVALID_ARGUMENT naming
    message_id; on 1.6 FAILED_PRECONDITION."""
    for message_id in (1, 2):
        await api.SetDisplayMessage(
            chargers_pb2.SetDisplayMessageRequest(
                charger_id="CS-1", message=display_message(message_id)
            )
        )
    answer = await api.ClearDisplayMessage(
        chargers_pb2.ClearDisplayMessageRequest(charger_id="CS-1", message_id=1)
    )
    assert answer.status == "Accepted"
    listed = await api.ListDisplayMessages(
        chargers_pb2.ListDisplayMessagesRequest(charger_id="CS-1")
    )
    assert [m.message_id for m in listed.messages] == [2]
    station.answers["ClearDisplayMessage"] = {"status": "Unknown"}
    answer = await api.ClearDisplayMessage(
        chargers_pb2.ClearDisplayMessageRequest(charger_id="CS-1", message_id=2)
    )
    assert answer.status == "Unknown"
    details = await rejected(
        api.ClearDisplayMessage(
            chargers_pb2.ClearDisplayMessageRequest(charger_id="CS-1", message_id=-1)
        )
    )
    assert details.startswith("message_id")
    assert station.requests("ClearDisplayMessage") == [{"id": 1}, {"id": 2}]
    listed = await api.ListDisplayMessages(
        chargers_pb2.ListDisplayMessagesRequest(charger_id="CS-1")
    )
    assert list(listed.messages) == []
    async with station_16(node):
        await unsupported_on_16(
            api.ClearDisplayMessage(
                chargers_pb2.ClearDisplayMessageRequest(charger_id="CP-16", message_id=1)
            )
        )
        await unsupported_on_16(
            api.SetDisplayMessage(
                chargers_pb2.SetDisplayMessageRequest(
                    charger_id="CP-16", message=display_message(1)
                )
            )
        )


async def test_read_back_rpcs_check_the_charger_and_their_input(
    api: Api, station: Station201
) -> None:
    """The read-back RPCs are NOT_FOUND for an unknown charger and INVALID_ARGUMENT for a
    bad page size or charger id."""
    for call in (
        api.ListDisplayMessages(chargers_pb2.ListDisplayMessagesRequest(charger_id="nobody")),
        api.ListChargerRequests(chargers_pb2.ListChargerRequestsRequest(charger_id="nobody")),
        api.ListCertificateRequests(
            chargers_pb2.ListCertificateRequestsRequest(charger_id="nobody")
        ),
    ):
        await rejected(call, grpc.StatusCode.NOT_FOUND)
    details = await rejected(
        api.ListChargerRequests(
            chargers_pb2.ListChargerRequestsRequest(charger_id="CS-1", page_size=5000)
        )
    )
    assert details.startswith("page_size")
    details = await rejected(
        api.ListDisplayMessages(chargers_pb2.ListDisplayMessagesRequest(charger_id=""))
    )
    assert details.startswith("charger_id")


# --- schema-invalid messages from the charger -----------------------------------------

OCCURRENCE = "OccurrenceConstraintViolation"
PROPERTY = "PropertyConstraintViolation"
BAD_CALLS = [
    ("SecurityEventNotification", {"timestamp": "2026-11-24T10:00:00Z"}, OCCURRENCE),
    ("FirmwareStatusNotification", {"status": "Melting", "requestId": 1}, PROPERTY),
    ("LogStatusNotification", {"status": "Lost", "requestId": 1}, PROPERTY),
    ("SignCertificate", {"csr": CSR, "certificateType": "EVCertificate"}, PROPERTY),
    ("Get15118EVCertificate", {"iso15118SchemaVersion": "x", "action": "Install"}, OCCURRENCE),
    ("GetCertificateStatus", {}, OCCURRENCE),
    ("DataTransfer", {"data": "no vendor"}, OCCURRENCE),
    ("NotifyDisplayMessages", {"messageInfo": []}, OCCURRENCE),
    (
        "NotifyCustomerInformation",
        {"data": "x" * 513, "seqNo": 0, "generatedAt": "2026-11-24T10:00:00Z", "requestId": 1},
        "TypeConstraintViolation",
    ),
]


async def test_invalid_station_messages_get_a_call_error_and_change_nothing(
    node: Node, manager: Manager
) -> None:
    """Each 2.0.1 station message breaking its schema gets its CallError and writes nothing."""
    url = charger_url(node, "RAW-201")
    async with websockets.connect(url, subprotocols=[Subprotocol("ocpp2.0.1")]) as ws:
        for index, (action, payload, code) in enumerate(BAD_CALLS):
            await ws.send(orjson.dumps([2, f"bad-{index}", action, payload]).decode())
            answer = orjson.loads(await ws.recv())
            assert answer[:3] == [4, f"bad-{index}", code], (action, answer)
    record = await eventually(lambda: manager.stores.chargers.get("RAW-201"))
    assert record is not None
    assert (record.firmware_status, record.log_status) == ("", "")
    events, _ = await manager.stores.security.list_events("RAW-201", page_size=10)
    assert events == []
    assert await manager.stores.security.certificate_requests("RAW-201") == []
    assert await manager.stores.station.list_requests("RAW-201") == []
    assert await manager.stores.station.display_messages("RAW-201") == []
