"""The 2.0.1 device model end to end: reports, variables, monitoring, events, and a 1.6
charger's configuration keys through the same DeviceModelService.

Real manager (PostgreSQL), real node, real Redis registry; the 2.0.1 charger is the `ocpp`
library's v201 ChargePoint scripted by `tests.harness.Station201`, the 1.6 charger its
v16 ChargePoint (`tests.harness.Charger16`). Test names carry the OCPP 2.0.1 use case
they mirror (B05 Set Variables, B06 Get Variables, B07 Get Base Report, B08 Get Custom
Report, N02 Get Monitoring Report, N04 Set Variable Monitoring, N06 Clear Variable
Monitoring, N07 Alert Event).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from typing import Any, TypeAlias

import grpc
import pytest
from csms.v1 import device_model_pb2 as dm
from csms.v1 import device_model_pb2_grpc, watch_pb2, watch_pb2_grpc
from ocpp.exceptions import OCPPError
from ocpp.v201 import call as call201

from services.manager import Manager
from services.node import Node
from tests.harness import (
    UNIT,
    Charger16,
    Station201,
    api_channel,
    charger_url,
    connected,
    eventually,
)

NOW = "2026-11-24T10:00:00Z"


@pytest.fixture
async def channel(manager: Manager) -> AsyncIterator[grpc.aio.Channel]:
    async with api_channel(f"127.0.0.1:{manager.port}") as channel:
        yield channel


@pytest.fixture
def api(channel: grpc.aio.Channel) -> Api:
    return device_model_pb2_grpc.DeviceModelServiceStub(channel)


@pytest.fixture
async def station(node: Node) -> AsyncIterator[Station201]:
    async with connected(Station201, charger_url(node, "CS-1"), "CS-1") as station:
        await station.boot()
        yield station


@pytest.fixture
async def charger16(node: Node) -> AsyncIterator[Charger16]:
    async with connected(Charger16, charger_url(node, "CP-16"), "CP-16") as charger:
        await charger.boot()
        yield charger


Api: TypeAlias = "device_model_pb2_grpc.DeviceModelServiceAsyncStub"


async def rejected(
    call: Awaitable[Any], code: grpc.StatusCode = grpc.StatusCode.INVALID_ARGUMENT
) -> str:
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await call
    assert error.value.code() == code, error.value.details()
    return error.value.details() or ""


def item(component: str, variable: str, *, evse: int = 0, **attributes: Any) -> dict[str, Any]:
    """One reportData entry (snake_case, as the ocpp library sends it)."""
    comp: dict[str, Any] = {"name": component}
    if evse:
        comp["evse"] = {"id": evse}
    return {
        "component": comp,
        "variable": {"name": variable},
        "variable_attribute": [{"value": "1", "mutability": "ReadWrite", **attributes}],
        "variable_characteristics": {"data_type": "integer", "supports_monitoring": True},
    }


async def send_part(
    station: Station201, request_id: int, seq_no: int, tbc: bool, data: list[dict[str, Any]]
) -> Any:
    return await station.call(
        call201.NotifyReport(
            request_id=request_id, generated_at=NOW, seq_no=seq_no, tbc=tbc, report_data=data
        )
    )


def key(component: str, variable: str, **fields: Any) -> dm.VariableKey:
    return dm.VariableKey(component=component, variable=variable, **fields)


async def listed(api: Api, charger_id: str = "CS-1", **filters: Any) -> list[tuple[str, str, str]]:
    response = await api.ListVariables(dm.ListVariablesRequest(charger_id=charger_id, **filters))
    return [(v.key.component, v.key.variable, v.value) for v in response.variables]


async def test_set_variables_refuses_the_basic_auth_password(api: Api, station: Station201) -> None:
    """SecurityCtrlr.BasicAuthPassword is refused (INVALID_ARGUMENT naming the item and
    RotateChargerPassword) before anything is sent: set here, the charger would be locked
    out and the password stored in clear."""
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await api.SetVariables(
            dm.SetVariablesRequest(
                charger_id="CS-1",
                items=[
                    dm.SetVariableItem(
                        key=key("SecurityCtrlr", "BasicAuthPassword"), value="s3cret-s3cret-16"
                    )
                ],
            )
        )
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "items[0].key" in (caught.value.details() or "")
    assert "RotateChargerPassword" in (caught.value.details() or "")
    assert station.requests("SetVariables") == []


# --- B07 / B08 reports ------------------------------------------------------------------


async def test_b07_get_base_report_in_parts_rebuilds_the_model(
    api: Api, station: Station201
) -> None:
    """A FullInventory sent in parts becomes the model once its last part arrives."""
    answer = await api.GetBaseReport(dm.GetBaseReportRequest(charger_id="CS-1"))
    assert answer.status == "Accepted"
    (sent,) = station.requests("GetBaseReport")
    assert sent == {"request_id": answer.request_id, "report_base": "FullInventory"}
    rid = answer.request_id
    await send_part(station, rid, 0, True, [item("OCPPCommCtrlr", "HeartbeatInterval")])
    pending = await api.ListVariables(dm.ListVariablesRequest(charger_id="CS-1"))
    assert (list(pending.variables), pending.pending_report_id) == ([], rid)
    await send_part(station, rid, 1, False, [item("EVSE", "Power", evse=1, mutability="ReadOnly")])
    done = await api.ListVariables(dm.ListVariablesRequest(charger_id="CS-1"))
    assert [(v.key.component, v.key.evse_id, v.key.variable) for v in done.variables] == [
        ("EVSE", 1, "Power"),
        ("OCPPCommCtrlr", 0, "HeartbeatInterval"),
    ]
    power = done.variables[0]
    assert (power.mutability, power.value, power.value_source) == ("ReadOnly", "1", "report")
    assert power.characteristics.data_type == "integer"
    assert power.characteristics.supports_monitoring
    assert done.pending_report_id == 0
    assert done.HasField("reported_at")


async def test_b07_parts_out_of_order_and_a_new_report_replaces_the_model(
    api: Api, station: Station201
) -> None:
    """Parts may come in any order; a later FullInventory drops what it does not report."""
    first = (await api.GetBaseReport(dm.GetBaseReportRequest(charger_id="CS-1"))).request_id
    await send_part(station, first, 2, False, [item("C", "z")])
    await send_part(station, first, 0, True, [item("A", "x")])
    assert await listed(api) == []
    await send_part(station, first, 1, True, [item("B", "y")])
    assert [c for c, _, _ in await listed(api)] == ["A", "B", "C"]
    second = (await api.GetBaseReport(dm.GetBaseReportRequest(charger_id="CS-1"))).request_id
    await send_part(station, second, 0, False, [item("B", "y", value="7")])
    assert await listed(api) == [("B", "y", "7")]


async def test_b07_abandoned_report_leaves_the_model_alone(api: Api, station: Station201) -> None:
    """An incomplete report never changes the model; a new request abandons it."""
    first = (await api.GetBaseReport(dm.GetBaseReportRequest(charger_id="CS-1"))).request_id
    await send_part(station, first, 0, True, [item("A", "x")])
    base = (await api.GetBaseReport(dm.GetBaseReportRequest(charger_id="CS-1"))).request_id
    await send_part(station, base, 0, True, [item("B", "y")])
    await send_part(station, first, 1, False, [item("C", "z")])  # its part 0 was dropped
    assert await listed(api) == []
    response = await api.ListVariables(dm.ListVariablesRequest(charger_id="CS-1"))
    assert response.pending_report_id == base


async def test_b07_charger_refusing_the_report_and_bad_report_base(
    api: Api, station: Station201
) -> None:
    """The charger's NotSupported is returned as is; a bad report_base is refused unsent."""
    station.answers["GetBaseReport"] = {"status": "NotSupported"}
    answer = await api.GetBaseReport(
        dm.GetBaseReportRequest(charger_id="CS-1", report_base="SummaryInventory")
    )
    assert answer.status == "NotSupported"
    details = await rejected(
        api.GetBaseReport(dm.GetBaseReportRequest(charger_id="CS-1", report_base="Everything"))
    )
    assert details.startswith("report_base:")
    assert len(station.requests("GetBaseReport")) == 1
    await rejected(
        api.GetBaseReport(dm.GetBaseReportRequest(charger_id="nope")), grpc.StatusCode.NOT_FOUND
    )


async def test_b08_get_custom_report_merges_into_the_model(api: Api, station: Station201) -> None:
    """GetReport asks for the named components; its report updates them and keeps the rest."""
    base = (await api.GetBaseReport(dm.GetBaseReportRequest(charger_id="CS-1"))).request_id
    await send_part(station, base, 0, False, [item("A", "x"), item("B", "y")])
    answer = await api.GetReport(
        dm.GetReportRequest(
            charger_id="CS-1",
            component_variables=[dm.VariableKey(component="B", evse_id=2)],
            component_criteria=["Problem"],
        )
    )
    (sent,) = station.requests("GetReport")
    assert sent["component_variable"] == [{"component": {"name": "B", "evse": {"id": 2}}}]
    assert sent["component_criteria"] == ["Problem"]
    await send_part(station, answer.request_id, 0, False, [item("B", "y", value="5")])
    assert await listed(api) == [("A", "x", "1"), ("B", "y", "5")]
    details = await rejected(
        api.GetReport(dm.GetReportRequest(charger_id="CS-1", component_criteria=["Broken"]))
    )
    assert details.startswith("component_criteria[0]:")


async def test_b07_bad_notify_report_gets_a_call_error(station: Station201) -> None:
    """A part the store cannot take (negative seqNo) is refused with a CallError naming it
    (by the node's edge since ADR 0010)."""
    part = call201.NotifyReport(
        request_id=1, generated_at=NOW, seq_no=-1, tbc=False, report_data=[item("A", "x")]
    )
    with pytest.raises(OCPPError) as error:
        await station.call(part, suppress=False)
    assert error.value.code == "PropertyConstraintViolation"
    assert "seqNo" in str(error.value)


# --- B05 / B06 variables ----------------------------------------------------------------


async def test_b06_get_variables_round_trip_records_accepted_values(
    api: Api, station: Station201
) -> None:
    """Each item gets the charger's status; accepted values are recorded as read."""
    station.answers["GetVariables"] = {
        "get_variable_result": [
            {
                "attribute_status": "Accepted",
                "attribute_value": "300",
                "component": {"name": "OCPPCommCtrlr"},
                "variable": {"name": "HeartbeatInterval"},
            },
            {
                "attribute_status": "UnknownVariable",
                "component": {"name": "OCPPCommCtrlr"},
                "variable": {"name": "Nope"},
            },
            {
                "attribute_status": "Rejected",
                "attribute_status_info": {"reason_code": "ReadOnly", "additional_info": "x"},
                "component": {"name": "EVSE", "evse": {"id": 1}},
                "variable": {"name": "Power"},
                "attribute_type": "Target",
            },
        ]
    }
    response = await api.GetVariables(
        dm.GetVariablesRequest(
            charger_id="CS-1",
            items=[
                dm.GetVariableItem(key=key("OCPPCommCtrlr", "HeartbeatInterval")),
                dm.GetVariableItem(key=key("OCPPCommCtrlr", "Nope")),
                dm.GetVariableItem(key=key("EVSE", "Power", evse_id=1), attribute_type="Target"),
            ],
        )
    )
    assert [(r.status, r.value) for r in response.results] == [
        ("Accepted", "300"),
        ("UnknownVariable", ""),
        ("Rejected", ""),
    ]
    assert response.results[2].status_info == "ReadOnly x"
    (sent,) = station.requests("GetVariables")
    assert sent["get_variable_data"][2] == {
        "component": {"name": "EVSE", "evse": {"id": 1}},
        "variable": {"name": "Power"},
        "attribute_type": "Target",
    }
    listed_now = await api.ListVariables(dm.ListVariablesRequest(charger_id="CS-1"))
    (heartbeat,) = listed_now.variables
    assert (heartbeat.key.variable, heartbeat.value, heartbeat.value_source) == (
        "HeartbeatInterval",
        "300",
        "get",
    )


async def test_b05_set_variables_round_trip_records_what_the_charger_took(
    api: Api, station: Station201
) -> None:
    """Accepted and RebootRequired values are recorded as set; rejected ones are not."""
    station.answers["SetVariables"] = {
        "set_variable_result": [
            {
                "attribute_status": "Accepted",
                "component": {"name": "OCPPCommCtrlr"},
                "variable": {"name": "HeartbeatInterval"},
            },
            {
                "attribute_status": "RebootRequired",
                "component": {"name": "TxCtrlr"},
                "variable": {"name": "EVConnectionTimeOut"},
            },
            {
                "attribute_status": "Rejected",
                "component": {"name": "ChargingStation"},
                "variable": {"name": "Model"},
            },
            {
                "attribute_status": "UnknownComponent",
                "component": {"name": "Nope"},
                "variable": {"name": "x"},
            },
        ]
    }
    response = await api.SetVariables(
        dm.SetVariablesRequest(
            charger_id="CS-1",
            items=[
                dm.SetVariableItem(key=key("OCPPCommCtrlr", "HeartbeatInterval"), value="60"),
                dm.SetVariableItem(key=key("TxCtrlr", "EVConnectionTimeOut"), value="30"),
                dm.SetVariableItem(key=key("ChargingStation", "Model"), value="X"),
                dm.SetVariableItem(key=key("Nope", "x"), value="1"),
            ],
        )
    )
    assert [r.status for r in response.results] == [
        "Accepted",
        "RebootRequired",
        "Rejected",
        "UnknownComponent",
    ]
    (sent,) = station.requests("SetVariables")
    assert sent["set_variable_data"][0] == {
        "component": {"name": "OCPPCommCtrlr"},
        "variable": {"name": "HeartbeatInterval"},
        "attribute_type": "Actual",
        "attribute_value": "60",
    }
    recorded = await api.ListVariables(dm.ListVariablesRequest(charger_id="CS-1"))
    assert [(v.key.variable, v.value, v.value_source) for v in recorded.variables] == [
        ("HeartbeatInterval", "60", "set"),
        ("EVConnectionTimeOut", "30", "set"),
    ]
    filtered = await listed(api, component="ocppcommctrlr")
    assert filtered == [("OCPPCommCtrlr", "HeartbeatInterval", "60")]


@pytest.mark.parametrize(
    ("items", "field"),
    [
        ([], "items"),
        (
            [dm.SetVariableItem(key=key("", "HeartbeatInterval"), value="1")],
            "items[0].key.component",
        ),
        ([dm.SetVariableItem(key=key("OCPPCommCtrlr", ""), value="1")], "items[0].key.variable"),
        (
            [dm.SetVariableItem(key=key("OCPPCommCtrlr", "H"), value="1", attribute_type="Now")],
            "items[0].attribute_type",
        ),
        ([dm.SetVariableItem(key=key("C", "v"), value="x" * 1001)], "items[0].value"),
        ([dm.SetVariableItem(key=key("C" * 51, "v"), value="1")], "items[0].key.component"),
        (
            [dm.SetVariableItem(key=key("C", "v", connector_id=1), value="1")],
            "items[0].key.connector_id",
        ),
    ],
)
async def test_b05_invalid_set_variables_are_refused_unsent(
    api: Api, station: Station201, items: list[dm.SetVariableItem], field: str
) -> None:
    """A bad item is INVALID_ARGUMENT naming its field, and nothing reaches the charger."""
    details = await rejected(
        api.SetVariables(dm.SetVariablesRequest(charger_id="CS-1", items=items))
    )
    assert details.startswith(f"{field}:"), details
    assert station.requests("SetVariables") == []


# --- 1.6 through the same API -----------------------------------------------------------


async def test_16_configuration_keys_through_the_variables_api(
    api: Api, charger16: Charger16
) -> None:
    """A 1.6 charger's keys are read and changed as variables of the component ""."""
    response = await api.GetVariables(
        dm.GetVariablesRequest(
            charger_id="CP-16",
            items=[
                dm.GetVariableItem(key=key("", "HeartbeatInterval")),
                dm.GetVariableItem(key=key("", "NoSuchKey")),
            ],
        )
    )
    assert [(r.status, r.value) for r in response.results] == [
        ("Accepted", "300"),
        ("UnknownVariable", ""),
    ]
    listing = await api.ListVariables(dm.ListVariablesRequest(charger_id="CP-16"))
    (heartbeat,) = listing.variables
    assert (heartbeat.key.component, heartbeat.key.variable, heartbeat.value) == (
        "",
        "HeartbeatInterval",
        "300",
    )
    assert heartbeat.mutability == "ReadWrite"
    set_response = await api.SetVariables(
        dm.SetVariablesRequest(
            charger_id="CP-16",
            items=[
                dm.SetVariableItem(key=key("", "HeartbeatInterval"), value="60"),
                dm.SetVariableItem(key=key("", "Unsupported"), value="1"),
            ],
        )
    )
    assert [r.status for r in set_response.results] == ["Accepted", "UnknownVariable"]
    assert await listed(api, "CP-16") == [("", "HeartbeatInterval", "60")]
    assert await listed(api, "CP-16", component="OCPPCommCtrlr") == []
    details = await rejected(
        api.GetVariables(
            dm.GetVariablesRequest(
                charger_id="CP-16", items=[dm.GetVariableItem(key=key("OCPPCommCtrlr", "H"))]
            )
        )
    )
    assert details.startswith("items[0].key.component:")


async def test_16_reports_and_monitoring_are_failed_precondition(
    api: Api, charger16: Charger16
) -> None:
    """GetBaseReport, GetReport and monitoring do not exist in 1.6: FAILED_PRECONDITION."""
    for call in (
        api.GetBaseReport(dm.GetBaseReportRequest(charger_id="CP-16")),
        api.GetReport(dm.GetReportRequest(charger_id="CP-16")),
        api.ClearVariableMonitoring(dm.ClearVariableMonitoringRequest(charger_id="CP-16", ids=[1])),
    ):
        details = await rejected(call, grpc.StatusCode.FAILED_PRECONDITION)
        assert "OCPP 1.6" in details


# --- N02 / N04 / N06 monitoring, N07 events ---------------------------------------------


def monitor_item(severity: int = 4, type: str = "UpperThreshold") -> dm.SetMonitorItem:
    return dm.SetMonitorItem(
        key=key("EVSE", "Power", evse_id=1), type=type, value=11000.0, severity=severity
    )


async def test_n04_set_variable_monitoring_records_accepted_monitors(
    api: Api, station: Station201
) -> None:
    """Accepted monitors are recorded under the charger's id; the others are reported only."""
    station.answers["SetVariableMonitoring"] = {
        "set_monitoring_result": [
            {
                "id": 5,
                "status": "Accepted",
                "type": "UpperThreshold",
                "severity": 4,
                "component": {"name": "EVSE", "evse": {"id": 1}},
                "variable": {"name": "Power"},
            },
            {
                "status": "UnsupportedMonitorType",
                "type": "Delta",
                "severity": 4,
                "component": {"name": "EVSE", "evse": {"id": 1}},
                "variable": {"name": "Power"},
            },
        ]
    }
    response = await api.SetVariableMonitoring(
        dm.SetVariableMonitoringRequest(
            charger_id="CS-1", items=[monitor_item(), monitor_item(type="Delta")]
        )
    )
    assert [(r.status, r.id) for r in response.results] == [
        ("Accepted", 5),
        ("UnsupportedMonitorType", 0),
    ]
    (sent,) = station.requests("SetVariableMonitoring")
    assert sent["set_monitoring_data"][0]["severity"] == 4
    monitors = await api.ListMonitors(dm.ListMonitorsRequest(charger_id="CS-1"))
    assert [(m.id, m.type, m.value, m.key.evse_id) for m in monitors.monitors] == [
        (5, "UpperThreshold", 11000.0, 1)
    ]
    details = await rejected(
        api.SetVariableMonitoring(
            dm.SetVariableMonitoringRequest(charger_id="CS-1", items=[monitor_item(severity=12)])
        )
    )
    assert details.startswith("items[0].severity:")


async def test_n02_monitoring_report_and_n06_clear_variable_monitoring(
    api: Api, station: Station201
) -> None:
    """Reported monitors are stored; cleared (or unknown) ones are forgotten, rejected kept."""
    await station.call(
        call201.NotifyMonitoringReport(
            request_id=3,
            seq_no=0,
            generated_at=NOW,
            monitor=[
                {
                    "component": {"name": "EVSE", "evse": {"id": 1}},
                    "variable": {"name": "Power"},
                    "variable_monitoring": [
                        {
                            "id": 1,
                            "transaction": False,
                            "value": 5.0,
                            "type": "Delta",
                            "severity": 7,
                        },
                        {
                            "id": 2,
                            "transaction": True,
                            "value": 9.0,
                            "type": "UpperThreshold",
                            "severity": 2,
                        },
                        {
                            "id": 3,
                            "transaction": False,
                            "value": 60,
                            "type": "Periodic",
                            "severity": 8,
                        },
                    ],
                }
            ],
        )
    )
    stored = await api.ListMonitors(dm.ListMonitorsRequest(charger_id="CS-1"))
    assert [(m.id, m.transaction) for m in stored.monitors] == [(1, False), (2, True), (3, False)]
    station.answers["ClearVariableMonitoring"] = {
        "clear_monitoring_result": [
            {"id": 1, "status": "Accepted"},
            {"id": 2, "status": "Rejected", "status_info": {"reason_code": "HardWired"}},
            {"id": 3, "status": "NotFound"},
        ]
    }
    response = await api.ClearVariableMonitoring(
        dm.ClearVariableMonitoringRequest(charger_id="CS-1", ids=[1, 2, 3])
    )
    assert [(r.id, r.status, r.status_info) for r in response.results] == [
        (1, "Accepted", ""),
        (2, "Rejected", "HardWired"),
        (3, "NotFound", ""),
    ]
    assert station.requests("ClearVariableMonitoring") == [{"id": [1, 2, 3]}]
    left = await api.ListMonitors(dm.ListMonitorsRequest(charger_id="CS-1"))
    assert [m.id for m in left.monitors] == [2]
    details = await rejected(
        api.ClearVariableMonitoring(dm.ClearVariableMonitoringRequest(charger_id="CS-1"))
    )
    assert details.startswith("ids:")


async def test_n07_notify_event_is_kept_and_watched(
    api: Api, station: Station201, channel: grpc.aio.Channel, manager: Manager
) -> None:
    """Each event is stored (newest first) and published to watchers as DEVICE_EVENT."""
    watch = watch_pb2_grpc.WatchServiceStub(channel)
    stream = watch.WatchEvents(
        watch_pb2.WatchEventsRequest(kinds=[watch_pb2.EVENT_KIND_DEVICE_EVENT])
    )
    await stream.initial_metadata()

    async def watching() -> bool:
        return manager.bus.watcher_count == 1

    await eventually(watching)
    await station.call(
        call201.NotifyEvent(
            generated_at=NOW,
            seq_no=0,
            event_data=[
                {
                    "event_id": 41,
                    "timestamp": NOW,
                    "trigger": "Alerting",
                    "actual_value": "Faulted",
                    "tech_code": "E42",
                    "component": {"name": "Connector", "evse": {"id": 1, "connector_id": 1}},
                    "variable": {"name": "AvailabilityState"},
                    "event_notification_type": "HardWiredNotification",
                },
                {
                    "event_id": 42,
                    "timestamp": NOW,
                    "trigger": "Delta",
                    "cause": 41,
                    "actual_value": "Available",
                    "cleared": True,
                    "component": {"name": "Connector", "evse": {"id": 1, "connector_id": 1}},
                    "variable": {"name": "AvailabilityState"},
                    "event_notification_type": "HardWiredNotification",
                },
            ],
        )
    )
    first = await asyncio.wait_for(stream.read(), 8 * UNIT)
    assert isinstance(first, watch_pb2.ChargerEvent)
    assert first.kind == watch_pb2.EVENT_KIND_DEVICE_EVENT
    assert (first.charger_id, first.evse_id, first.connector_id) == ("CS-1", 1, 1)
    assert "Connector@1.1/AvailabilityState = 'Faulted'" in first.message
    stream.cancel()
    events = await api.ListDeviceEvents(dm.ListDeviceEventsRequest(charger_id="CS-1"))
    assert [(e.event_id, e.trigger, e.cleared, e.cause) for e in events.events] == [
        (42, "Delta", True, 41),
        (41, "Alerting", False, 0),
    ]
    assert events.events[1].tech_code == "E42"
    assert not events.events[1].HasField("cause")
    await rejected(
        api.ListDeviceEvents(dm.ListDeviceEventsRequest(charger_id="CS-1", page_size=5000))
    )


async def test_list_variables_of_unknown_charger_and_bad_page_token(
    api: Api, station: Station201
) -> None:
    """Unknown chargers are NOT_FOUND; a page token that is not ours is INVALID_ARGUMENT."""
    await rejected(
        api.ListVariables(dm.ListVariablesRequest(charger_id="nope")), grpc.StatusCode.NOT_FOUND
    )
    details = await rejected(
        api.ListVariables(dm.ListVariablesRequest(charger_id="CS-1", page_token="xyz"))
    )
    assert details.startswith("page_token:")


async def test_device_model_through_envoy_json(sqlite_url: str) -> None:
    """The service is reachable as JSON through the gateway: set a variable, list it back."""
    from tests.test_gateway import gateway_stack, http

    async with (
        gateway_stack(sqlite_url) as stack,
        connected(Station201, charger_url(stack.node, "CS-J"), "CS-J") as station,
    ):
        await station.boot()
        station.answers["SetVariables"] = {
            "set_variable_result": [
                {
                    "attribute_status": "Accepted",
                    "component": {"name": "OCPPCommCtrlr"},
                    "variable": {"name": "HeartbeatInterval"},
                }
            ]
        }
        body = {
            "items": [
                {
                    "key": {"component": "OCPPCommCtrlr", "variable": "HeartbeatInterval"},
                    "value": "90",
                }
            ]
        }
        set_answer = await http("POST", f"{stack.base}/v1/chargers/CS-J/variables:set", body)
        assert set_answer.status == 200, set_answer.body
        assert set_answer.json()["results"][0]["status"] == "Accepted"
        listing = await http(
            "GET", f"{stack.base}/v1/chargers/CS-J/variables?variable=heartbeatinterval"
        )
        (variable,) = listing.json()["variables"]
        assert (variable["value"], variable["valueSource"]) == ("90", "set")
        bad = await http("POST", f"{stack.base}/v1/chargers/CS-J/variables:set", {"items": []})
        assert bad.status == 400
        assert "items" in bad.body.decode()
