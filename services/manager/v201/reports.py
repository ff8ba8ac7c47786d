"""OCPP 2.0.1 device model reports: NotifyReport, NotifyMonitoringReport, NotifyEvent.

NotifyReport parts are staged by the store until the report is complete (any order);
see ``services.manager.store._device_model`` for how a complete report changes the model.
NotifyMonitoringReport parts are applied as they come (monitors upserted by id).
NotifyEvent events are stored (the latest ones per charger) and published to watchers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from csms.v1 import watch_pb2

from services.manager._context import CallContext, Payload, parse_ocpp_time
from services.manager._errors import OcppGenericError, OcppPropertyConstraintViolation
from services.manager._watch import EventBus, charger_event
from services.manager.store import (
    DeviceEventRecord,
    DeviceModelStore,
    MonitorRecord,
    NotFound,
    VariableKey,
    VariableRecord,
)

T = TypeVar("T")


def variable_key(component: dict[str, Any], variable: dict[str, Any]) -> VariableKey:
    """The key of an OCPP ComponentType + VariableType (camelCase JSON)."""
    evse = component.get("evse") or {}
    return VariableKey(
        component=component["name"],
        component_instance=component.get("instance", ""),
        evse_id=evse.get("id", 0),
        connector_id=evse.get("connectorId", 0),
        variable=variable["name"],
        variable_instance=variable.get("instance", ""),
    )


def report_variables(report_data: list[dict[str, Any]]) -> list[VariableRecord]:
    """One record per variable attribute of NotifyReport's reportData."""
    records = []
    for item in report_data:
        key = variable_key(item["component"], item["variable"])
        chars = item.get("variableCharacteristics") or {}
        for attribute in item["variableAttribute"]:
            records.append(
                VariableRecord(
                    key=key,
                    attribute_type=attribute.get("type", "Actual"),
                    value=attribute.get("value"),
                    mutability=attribute.get("mutability", "ReadWrite"),
                    persistent=attribute.get("persistent", False),
                    constant=attribute.get("constant", False),
                    data_type=chars.get("dataType", ""),
                    unit=chars.get("unit", ""),
                    min_limit=chars.get("minLimit"),
                    max_limit=chars.get("maxLimit"),
                    values_list=chars.get("valuesList", ""),
                    supports_monitoring=chars.get("supportsMonitoring", False),
                )
            )
    return records


async def _stored(charger_id: str, write: Callable[[], Awaitable[T]]) -> T:
    """Run a store write; what the store refuses becomes the CallError the charger gets."""
    try:
        return await write()
    except NotFound:
        raise OcppGenericError(
            f"charging station {charger_id!r} is not registered with this CSMS"
        ) from None
    except ValueError as exc:
        raise OcppPropertyConstraintViolation(str(exc)) from None


class DeviceModelReports:
    def __init__(self, store: DeviceModelStore, bus: EventBus) -> None:
        self._store = store
        self._bus = bus

    async def notify_report(self, ctx: CallContext, req: Payload) -> Payload:
        """Stage one part of a report; the model changes when its last missing part arrives."""
        variables = report_variables(req.get("reportData", []))
        await _stored(
            ctx.charger_id,
            lambda: self._store.add_report_part(
                ctx.charger_id,
                req["requestId"],
                req["seqNo"],
                not req.get("tbc", False),
                variables,
                ctx.received_at,
            ),
        )
        return {}

    async def notify_monitoring_report(self, ctx: CallContext, req: Payload) -> Payload:
        """Record the monitors the charger reports (upserted by monitor id)."""
        monitors = [
            MonitorRecord(
                monitor_id=m["id"],
                key=variable_key(item["component"], item["variable"]),
                type=m["type"],
                value=float(m["value"]),
                severity=m["severity"],
                transaction=m["transaction"],
                updated_at=ctx.received_at,
            )
            for item in req.get("monitor", [])
            for m in item["variableMonitoring"]
        ]
        await _stored(ctx.charger_id, lambda: self._store.set_monitors(ctx.charger_id, monitors))
        return {}

    async def notify_event(self, ctx: CallContext, req: Payload) -> Payload:
        """Keep the events (the latest per charger) and tell watchers about each."""
        events = [
            DeviceEventRecord(
                event_id=e["eventId"],
                timestamp=parse_ocpp_time(e["timestamp"]),
                trigger=e["trigger"],
                actual_value=e["actualValue"],
                key=variable_key(e["component"], e["variable"]),
                notification_type=e["eventNotificationType"],
                received_at=ctx.received_at,
                cause=e.get("cause"),
                tech_code=e.get("techCode", ""),
                tech_info=e.get("techInfo", ""),
                cleared=e.get("cleared", False),
                transaction_id=e.get("transactionId", ""),
                variable_monitoring_id=e.get("variableMonitoringId"),
            )
            for e in req["eventData"]
        ]
        await _stored(ctx.charger_id, lambda: self._store.add_events(ctx.charger_id, events))
        if self._bus.has_watchers:
            for event in events:
                self._bus.publish(
                    charger_event(
                        watch_pb2.EVENT_KIND_DEVICE_EVENT,
                        ctx.charger_id,
                        ctx.ocpp_version,
                        event.timestamp,
                        evse_id=event.key.evse_id,
                        connector_id=event.key.connector_id,
                        message=event_summary(event),
                    )
                )
        return {}


def key_text(key: VariableKey) -> str:
    """``Component[instance]@evse.connector/Variable[instance]`` for people to read."""
    text = key.component
    if key.component_instance:
        text += f"[{key.component_instance}]"
    if key.evse_id:
        text += f"@{key.evse_id}" + (f".{key.connector_id}" if key.connector_id else "")
    text += f"/{key.variable}"
    if key.variable_instance:
        text += f"[{key.variable_instance}]"
    return text


def event_summary(event: DeviceEventRecord) -> str:
    """One line: what changed, to what, why (the ChargerEvent message)."""
    text = (
        f"{key_text(event.key)} = {event.actual_value!r} ({event.trigger}, event {event.event_id}"
    )
    if event.cleared:
        text += ", cleared"
    if event.tech_code:
        text += f", {event.tech_code}"
    return text + ")"
