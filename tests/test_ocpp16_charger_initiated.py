"""OCPP 1.6 charger-initiated messages through the real mesh (node, manager, PostgreSQL,
Redis), the charger played by the `ocpp` library's ChargePoint. Test names follow the
OCPP 1.6 compliance test cases they mirror where there is one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import orjson
import pytest
import websockets
from ocpp.v16 import call
from websockets.typing import Subprotocol

from services.manager import Manager
from services.manager._data_transfer import VendorAnswer, VendorMessage
from services.node import Node
from services.registry import RedisRegistry
from tests.harness import (
    Charger16,
    charger_url,
    connected,
    eventually,
    running_manager,
)

T0 = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


async def echo_vendor(message: VendorMessage) -> VendorAnswer:
    if message.message_id == "ping":
        return VendorAnswer("Accepted", f"pong:{message.data}")
    return VendorAnswer("UnknownMessageId")


@pytest.fixture
async def manager(registry: RedisRegistry, postgres_url: str) -> AsyncIterator[Manager]:
    async with running_manager(
        registry, postgres_url, vendor_handlers={"com.example.echo": echo_vendor}
    ) as manager:
        yield manager


@pytest.fixture
async def cp(node: Node) -> AsyncIterator[Charger16]:
    async with connected(Charger16, charger_url(node, "CP-1"), "CP-1") as charger:
        assert (await charger.boot()).status == "Accepted"
        yield charger


async def add_tag(manager: Manager, id_tag: str, **fields: object) -> None:
    await manager.stores.id_tags.create(id_tag, at=T0, **fields)  # type: ignore[arg-type]


def energy_sample(at: datetime, wh: float, context: str = "Sample.Periodic") -> dict[str, object]:
    return {
        "timestamp": iso(at),
        "sampled_value": [
            {
                "value": str(wh),
                "context": context,
                "measurand": "Energy.Active.Import.Register",
                "unit": "Wh",
            },
            {
                "value": "16.0",
                "measurand": "Current.Import",
                "phase": "L1",
                "unit": "A",
                "location": "Outlet",
            },
        ],
    }


async def test_tc_003_regular_charging_session_plugin_first(
    cp: Charger16, manager: Manager
) -> None:
    """Plug in, authorize, start, meter values, stop: one transaction with its energy and samples."""
    await add_tag(manager, "TAG-OK")
    await cp.status(1, "Preparing")
    auth = await cp.call(call.Authorize(id_tag="TAG-OK"))
    assert auth.id_tag_info["status"] == "Accepted"
    start = await cp.call(
        call.StartTransaction(connector_id=1, id_tag="TAG-OK", meter_start=1000, timestamp=iso(T0))
    )
    assert start.id_tag_info["status"] == "Accepted"
    tx_id = start.transaction_id
    await cp.status(1, "Charging")
    for minute, wh in ((1, 1500), (2, 2100), (3, 2750)):
        await cp.call(
            call.MeterValues(
                connector_id=1,
                transaction_id=tx_id,
                meter_value=[energy_sample(T0 + timedelta(minutes=minute), wh)],
            )
        )
    active = await manager.stores.transactions.get(tx_id)
    assert active is not None
    assert active.active
    assert active.energy_wh == 1750
    stop = await cp.call(
        call.StopTransaction(
            meter_stop=3000,
            timestamp=iso(T0 + timedelta(minutes=4)),
            transaction_id=tx_id,
            reason="EVDisconnected",
            id_tag="TAG-OK",
        )
    )
    assert stop.id_tag_info["status"] == "Accepted"
    await cp.status(1, "Available")
    done = await manager.stores.transactions.get(tx_id)
    assert done is not None
    assert not done.active
    assert (done.meter_start, done.meter_stop, done.energy_wh) == (1000, 3000, 2000)
    assert done.stop_reason == "EVDisconnected"
    values, token = await manager.stores.transactions.list_meter_values(tx_id, page_size=100)
    assert token == ""
    assert len(values) == 6
    assert {v.measurand for v in values} == {"Energy.Active.Import.Register", "Current.Import"}
    assert [v.phase for v in values if v.measurand == "Current.Import"] == ["L1"] * 3


async def test_tc_004_1_regular_charging_session_identification_first(
    cp: Charger16, manager: Manager
) -> None:
    """Authorize before plugging in; the stop reason defaults to Local when the charger omits it."""
    await add_tag(manager, "TAG-ID")
    assert (await cp.call(call.Authorize(id_tag="TAG-ID"))).id_tag_info["status"] == "Accepted"
    await cp.status(2, "Preparing")
    start = await cp.call(
        call.StartTransaction(connector_id=2, id_tag="TAG-ID", meter_start=0, timestamp=iso(T0))
    )
    await cp.call(
        call.StopTransaction(
            meter_stop=500,
            timestamp=iso(T0 + timedelta(minutes=1)),
            transaction_id=start.transaction_id,
        )
    )
    record = await manager.stores.transactions.get(start.transaction_id)
    assert record is not None
    assert (record.connector_id, record.stop_reason, record.energy_wh) == (2, "Local", 500)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"status": "Blocked"}, "Blocked"),
        ({"expiry_date": T0 - timedelta(days=1)}, "Expired"),
        ({"status": "Invalid"}, "Invalid"),
    ],
)
async def test_tc_023_start_charging_session_authorize_not_accepted(
    cp: Charger16, manager: Manager, fields: dict[str, object], expected: str
) -> None:
    """A blocked, expired or invalid tag is refused at Authorize and at Start (the start is still recorded)."""
    await add_tag(manager, "TAG-BAD", **fields)
    assert (await cp.call(call.Authorize(id_tag="TAG-BAD"))).id_tag_info["status"] == expected
    start = await cp.call(
        call.StartTransaction(connector_id=1, id_tag="TAG-BAD", meter_start=0, timestamp=iso(T0))
    )
    assert start.id_tag_info["status"] == expected
    record = await manager.stores.transactions.get(start.transaction_id)
    assert record is not None
    assert record.id_tag_status == expected


async def test_unknown_tag_is_invalid(cp: Charger16) -> None:
    """A tag the CSMS does not know is Invalid (the configurable default)."""
    assert (await cp.call(call.Authorize(id_tag="NOBODY"))).id_tag_info["status"] == "Invalid"


async def test_parent_tag_status_and_expiry_travel_with_the_child(
    cp: Charger16, manager: Manager
) -> None:
    """A child of a blocked group is Blocked; idTagInfo carries the parent and expiry date."""
    await add_tag(manager, "GROUP", status="Blocked")
    await add_tag(manager, "CHILD", parent_id_tag="GROUP", expiry_date=T0 + timedelta(days=3650))
    info = (await cp.call(call.Authorize(id_tag="CHILD"))).id_tag_info
    assert info["status"] == "Blocked"
    assert info["parent_id_tag"] == "GROUP"
    assert info["expiry_date"].startswith("2036-11-")


async def test_concurrent_transaction_limit_answers_concurrent_tx(
    cp: Charger16, manager: Manager
) -> None:
    """A tag limited to one concurrent transaction gets ConcurrentTx for a second start."""
    await add_tag(manager, "ONCE", max_active_transactions=1)
    first = await cp.call(
        call.StartTransaction(connector_id=1, id_tag="ONCE", meter_start=0, timestamp=iso(T0))
    )
    assert first.id_tag_info["status"] == "Accepted"
    second = await cp.call(
        call.StartTransaction(
            connector_id=2, id_tag="ONCE", meter_start=0, timestamp=iso(T0 + timedelta(seconds=5))
        )
    )
    assert second.id_tag_info["status"] == "ConcurrentTx"
    assert (await cp.call(call.Authorize(id_tag="ONCE"))).id_tag_info["status"] == "ConcurrentTx"


async def test_tc_037_retried_start_transaction_gets_the_same_transaction_id(
    cp: Charger16, manager: Manager
) -> None:
    """A StartTransaction retried after a lost reply gets the same id and creates no second transaction."""
    await add_tag(manager, "RETRY")
    request = call.StartTransaction(
        connector_id=1, id_tag="RETRY", meter_start=42, timestamp=iso(T0)
    )
    first = await cp.call(request)
    again = await cp.call(
        call.StartTransaction(connector_id=1, id_tag="RETRY", meter_start=42, timestamp=iso(T0))
    )
    assert again.transaction_id == first.transaction_id
    assert again.id_tag_info["status"] == "Accepted"
    page, _ = await manager.stores.transactions.list(page_size=10, charger_id="CP-1")
    assert [t.transaction_id for t in page] == [first.transaction_id]


async def test_stop_of_unknown_transaction_is_answered_and_recorded(
    cp: Charger16, manager: Manager
) -> None:
    """A StopTransaction for an id the CSMS never issued is answered, recorded as an anomaly, and changes no transaction."""
    answer = await cp.call(
        call.StopTransaction(meter_stop=10, timestamp=iso(T0), transaction_id=987654, id_tag="WHO")
    )
    assert answer.id_tag_info["status"] == "Invalid"
    anomalies = await manager.stores.transactions.anomalies("CP-1")
    assert [(kind, tx) for kind, tx, _, _ in anomalies] == [("unknown-transaction-stop", 987654)]
    page, _ = await manager.stores.transactions.list(page_size=10)
    assert page == []


async def test_stop_transaction_with_transaction_data_stores_the_samples(
    cp: Charger16, manager: Manager
) -> None:
    """transactionData in StopTransaction is stored as meter values of the transaction."""
    start = await cp.call(
        call.StartTransaction(connector_id=1, id_tag="ANY", meter_start=0, timestamp=iso(T0))
    )
    await cp.call(
        call.StopTransaction(
            meter_stop=900,
            timestamp=iso(T0 + timedelta(minutes=10)),
            transaction_id=start.transaction_id,
            reason="Local",
            transaction_data=[
                energy_sample(T0, 0, "Transaction.Begin"),
                energy_sample(T0 + timedelta(minutes=10), 900, "Transaction.End"),
            ],
        )
    )
    values, _ = await manager.stores.transactions.list_meter_values(
        start.transaction_id, page_size=100, measurand="Energy.Active.Import.Register"
    )
    assert [(v.value, v.context) for v in values] == [
        ("0", "Transaction.Begin"),
        ("900", "Transaction.End"),
    ]


async def test_meter_values_outside_a_transaction_are_kept(cp: Charger16, manager: Manager) -> None:
    """Clock-aligned meter values without a transaction are stored unlinked."""
    await cp.call(
        call.MeterValues(connector_id=0, meter_value=[energy_sample(T0, 123456, "Sample.Clock")])
    )
    anomalies = await manager.stores.transactions.anomalies("CP-1")
    assert anomalies == []


async def test_meter_values_for_an_unknown_transaction_are_unlinked_and_recorded(
    cp: Charger16, manager: Manager
) -> None:
    """Meter values naming a transaction the CSMS does not know are kept unlinked and noted as an anomaly."""
    await cp.call(
        call.MeterValues(connector_id=1, transaction_id=424242, meter_value=[energy_sample(T0, 5)])
    )
    anomalies = await manager.stores.transactions.anomalies("CP-1")
    assert [(kind, tx) for kind, tx, _, _ in anomalies] == [
        ("meter-values-unknown-transaction", 424242)
    ]


async def test_tc_048_start_transaction_with_reservation_ends_the_reservation(
    cp: Charger16, manager: Manager
) -> None:
    """A StartTransaction carrying a reservationId turns that reservation into Used with the transaction."""
    reservation = await manager.stores.reservations.create(
        charger_id="CP-1",
        connector_id=1,
        id_tag="RES",
        parent_id_tag="",
        expiry_date=datetime.now(UTC) + timedelta(hours=1),
        at=datetime.now(UTC),
    )
    await manager.stores.reservations.set_outcome(
        reservation.reservation_id, "Accepted", datetime.now(UTC)
    )
    start = await cp.call(
        call.StartTransaction(
            connector_id=1,
            id_tag="RES",
            meter_start=0,
            timestamp=iso(T0),
            reservation_id=reservation.reservation_id,
        )
    )
    used = await manager.stores.reservations.get(reservation.reservation_id)
    assert used is not None
    assert (used.state, used.transaction_id) == ("Used", start.transaction_id)


async def test_data_transfer_goes_to_the_vendor_handler(cp: Charger16) -> None:
    """DataTransfer reaches the handler registered for its vendorId; others get UnknownVendorId."""
    answer = await cp.call(
        call.DataTransfer(vendor_id="com.example.echo", message_id="ping", data="hi")
    )
    assert (answer.status, answer.data) == ("Accepted", "pong:hi")
    unknown_message = await cp.call(
        call.DataTransfer(vendor_id="com.example.echo", message_id="other")
    )
    assert unknown_message.status == "UnknownMessageId"
    unknown_vendor = await cp.call(call.DataTransfer(vendor_id="org.nobody", data="x"))
    assert unknown_vendor.status == "UnknownVendorId"


async def test_diagnostics_and_firmware_status_notifications_are_recorded(
    cp: Charger16, manager: Manager
) -> None:
    """DiagnosticsStatusNotification, FirmwareStatusNotification and their security-extension
    twins update the charger's recorded upload/firmware/log state."""
    await cp.call(call.DiagnosticsStatusNotification(status="Uploading"))
    await cp.call(call.FirmwareStatusNotification(status="Downloading"))
    await cp.call(call.LogStatusNotification(status="Uploaded", request_id=7))
    record = await manager.stores.chargers.get("CP-1")
    assert record is not None
    assert (record.diagnostics_status, record.firmware_status, record.log_status) == (
        "Uploading",
        "Downloading",
        "Uploaded",
    )
    await cp.call(call.SignedFirmwareStatusNotification(status="SignatureVerified", request_id=3))
    record = await manager.stores.chargers.get("CP-1")
    assert record is not None
    assert record.firmware_status == "SignatureVerified"


async def test_security_event_notification_is_recorded(cp: Charger16, manager: Manager) -> None:
    """SecurityEventNotification is stored with its type, time and technical info."""
    await cp.call(
        call.SecurityEventNotification(type="FirmwareUpdated", timestamp=iso(T0), tech_info="v2.0")
    )
    events, _ = await manager.stores.security.list_events("CP-1", page_size=10)
    assert [(e.type, e.tech_info) for e in events] == [("FirmwareUpdated", "v2.0")]


async def test_sign_certificate_records_the_csr(cp: Charger16, manager: Manager) -> None:
    """SignCertificate is Accepted and its CSR kept for signing."""
    csr = "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----"
    answer = await cp.call(call.SignCertificate(csr=csr))
    assert answer.status == "Accepted"
    requests = await manager.stores.security.certificate_requests("CP-1")
    assert [r.csr for r in requests] == [csr]


BAD_CALLS = [
    ("Authorize", {"idTag": "X" * 21}, "TypeConstraintViolation"),
    (
        "StartTransaction",
        {"connectorId": 1, "idTag": "A", "timestamp": "2026-11-24T10:00:00Z"},
        "OccurenceConstraintViolation",
    ),
    (
        "StopTransaction",
        {"transactionId": "one", "meterStop": 1, "timestamp": "2026-11-24T10:00:00Z"},
        "TypeConstraintViolation",
    ),
    (
        "MeterValues",
        {
            "connectorId": 1,
            "meterValue": [
                {
                    "timestamp": "2026-11-24T10:00:00Z",
                    "sampledValue": [{"value": "1", "unit": "parsecs"}],
                }
            ],
        },
        "PropertyConstraintViolation",
    ),
    ("DataTransfer", {"data": "no vendor"}, "OccurenceConstraintViolation"),
    ("DiagnosticsStatusNotification", {"status": "Exploded"}, "PropertyConstraintViolation"),
    ("FirmwareStatusNotification", {"status": "Melting"}, "PropertyConstraintViolation"),
    (
        "SecurityEventNotification",
        {"timestamp": "2026-11-24T10:00:00Z"},
        "OccurenceConstraintViolation",
    ),
    ("SignCertificate", {"csr": "x" * 5501}, "TypeConstraintViolation"),
    ("LogStatusNotification", {"status": "Lost", "requestId": 1}, "PropertyConstraintViolation"),
    (
        "SignedFirmwareStatusNotification",
        {"status": "Burnt", "requestId": 1},
        "PropertyConstraintViolation",
    ),
]


async def test_invalid_charger_messages_never_reach_the_business_tables(
    node: Node, manager: Manager
) -> None:
    """Each 1.6 message with an invalid payload gets its CallError and writes nothing."""
    url = charger_url(node, "RAW-16")
    async with websockets.connect(url, subprotocols=[Subprotocol("ocpp1.6")]) as ws:
        for index, (action, payload, code) in enumerate(BAD_CALLS):
            await ws.send(orjson.dumps([2, f"bad-{index}", action, payload]).decode())
            answer = orjson.loads(await ws.recv())
            assert answer[:3] == [4, f"bad-{index}", code], (action, answer)
    page, _ = await manager.stores.transactions.list(page_size=10)
    assert page == []
    assert await manager.stores.transactions.anomalies("RAW-16") == []
    events, _ = await manager.stores.security.list_events("RAW-16", page_size=10)
    assert events == []
    assert await manager.stores.security.certificate_requests("RAW-16") == []
    record = await eventually(lambda: manager.stores.chargers.get("RAW-16"))
    assert record is not None
    assert (record.diagnostics_status, record.firmware_status, record.log_status) == ("", "", "")
