"""Device model commands: GetVariables/SetVariables (1.6: GetConfiguration and
ChangeConfiguration), GetBaseReport, GetReport, SetVariableMonitoring,
ClearVariableMonitoring (2.0.1 only), and the readers of their answers."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from csms.v1 import device_model_pb2 as dm

from services.common import OcppVersion
from services.manager._errors import InvalidArgument, UnsupportedByProtocol
from services.manager.commands._common import Call
from services.manager.commands._schema_order import ordered_call
from services.manager.commands._security import CREDENTIAL_KEYS

__all__ = [
    "ATTRIBUTE_TYPES",
    "MAX_ITEMS",
    "REPORT_BASES",
    "attribute_type",
    "check_variable_key",
    "clear_variable_monitoring",
    "component_json",
    "get_base_report",
    "get_report",
    "get_variables",
    "match_results",
    "set_variable_monitoring",
    "set_variables",
    "status_info",
    "variable_json",
]

ATTRIBUTE_TYPES = ("Actual", "Target", "MinSet", "MaxSet")
REPORT_BASES = ("FullInventory", "ConfigurationInventory", "SummaryInventory")
COMPONENT_CRITERIA = ("Active", "Available", "Enabled", "Problem")
MONITOR_TYPES = ("UpperThreshold", "LowerThreshold", "Delta", "Periodic", "PeriodicClockAligned")
#: Items per request: 2.0.1 chargers announce their own limit (ItemsPerMessage...); this
#: is the CSMS's bound on one API call.
MAX_ITEMS = 100
MAX_NAME = 50
MAX_VALUE_201 = 1000  # SetVariableData.attributeValue
MAX_VALUE_16 = 500  # ChangeConfiguration.value


def check_variable_key(
    field: str, key: dm.VariableKey, version: OcppVersion, *, variable_required: bool = True
) -> None:
    """INVALID_ARGUMENT naming ``field.<part>`` unless ``key`` can be sent to the charger."""
    if version.is_16:
        if key.component or key.component_instance or key.evse_id or key.connector_id:
            raise InvalidArgument(
                f"{field}.component",
                "must be empty for an OCPP 1.6 charger: its configuration keys belong to "
                "no component (name the key in variable)",
            )
        if key.variable_instance:
            raise InvalidArgument(f"{field}.variable_instance", "must be empty for OCPP 1.6")
    elif not key.component:
        raise InvalidArgument(f"{field}.component", "is required (e.g. OCPPCommCtrlr)")
    if variable_required and not key.variable:
        raise InvalidArgument(f"{field}.variable", "is required (e.g. HeartbeatInterval)")
    for part in ("component", "component_instance", "variable", "variable_instance"):
        if len(getattr(key, part)) > MAX_NAME:
            raise InvalidArgument(f"{field}.{part}", f"must be at most {MAX_NAME} characters")
    if key.connector_id and not key.evse_id:
        raise InvalidArgument(f"{field}.connector_id", "needs evse_id (a connector is on an EVSE)")
    if key.evse_id > 1000 or key.connector_id > 1000:
        raise InvalidArgument(f"{field}.evse_id", "is not a plausible EVSE/connector id")


def attribute_type(field: str, value: str, version: OcppVersion) -> str:
    """The attribute type ("" = Actual); INVALID_ARGUMENT for others, and 1.6 knows only Actual."""
    chosen = value or "Actual"
    if chosen not in ATTRIBUTE_TYPES:
        raise InvalidArgument(field, f"must be one of {', '.join(ATTRIBUTE_TYPES)}")
    if version.is_16 and chosen != "Actual":
        raise InvalidArgument(field, "OCPP 1.6 configuration keys only have the Actual value")
    return chosen


def _check_count(field: str, items: Sequence[object]) -> None:
    if not items:
        raise InvalidArgument(field, "must name at least one item")
    if len(items) > MAX_ITEMS:
        raise InvalidArgument(field, f"at most {MAX_ITEMS} per request")


def component_json(key: dm.VariableKey) -> dict[str, Any]:
    component: dict[str, Any] = {"name": key.component}
    if key.component_instance:
        component["instance"] = key.component_instance
    if key.evse_id:
        component["evse"] = {"id": key.evse_id}
        if key.connector_id:
            component["evse"]["connectorId"] = key.connector_id
    return component


def variable_json(key: dm.VariableKey) -> dict[str, Any]:
    variable: dict[str, Any] = {"name": key.variable}
    if key.variable_instance:
        variable["instance"] = key.variable_instance
    return variable


def get_variables(charger_id: str, version: OcppVersion, req: dm.GetVariablesRequest) -> Call:
    _check_count("items", req.items)
    data = []
    for i, item in enumerate(req.items):
        check_variable_key(f"items[{i}].key", item.key, version)
        kind = attribute_type(f"items[{i}].attribute_type", item.attribute_type, version)
        data.append(
            {
                "component": component_json(item.key),
                "variable": variable_json(item.key),
                "attributeType": kind,
            }
        )
    if version.is_16:
        return "GetConfiguration", {"key": [item.key.variable for item in req.items]}
    return ordered_call(version, "GetVariables", {"getVariableData": data})


def set_variables(charger_id: str, version: OcppVersion, req: dm.SetVariablesRequest) -> list[Call]:
    """The message(s): one SetVariables, or one ChangeConfiguration per item on 1.6."""
    _check_count("items", req.items)
    limit = MAX_VALUE_16 if version.is_16 else MAX_VALUE_201
    data = []
    for i, item in enumerate(req.items):
        check_variable_key(f"items[{i}].key", item.key, version)
        name = (
            f"{item.key.component}/{item.key.variable}" if item.key.component else item.key.variable
        )
        rpc = CREDENTIAL_KEYS.get(name.lower())
        if rpc:
            raise InvalidArgument(
                f"items[{i}].key",
                f"{name} holds the charger's credentials; use ChargerService.{rpc}, which keeps "
                "the CSMS's record in step and never stores a password",
            )
        kind = attribute_type(f"items[{i}].attribute_type", item.attribute_type, version)
        if len(item.value) > limit:
            raise InvalidArgument(f"items[{i}].value", f"must be at most {limit} characters")
        data.append(
            {
                "component": component_json(item.key),
                "variable": variable_json(item.key),
                "attributeType": kind,
                "attributeValue": item.value,
            }
        )
    if version.is_16:
        return [
            ("ChangeConfiguration", {"key": item.key.variable, "value": item.value})
            for item in req.items
        ]
    return [ordered_call(version, "SetVariables", {"setVariableData": data})]


def _only_201(charger_id: str, version: OcppVersion, what: str) -> None:
    if version.is_16:
        raise UnsupportedByProtocol(
            charger_id,
            version,
            f"{what} is OCPP 2.0.1; read a 1.6 charger's keys with GetVariables",
        )


def get_base_report(
    charger_id: str, version: OcppVersion, req: dm.GetBaseReportRequest, request_id: int
) -> Call:
    report_base = req.report_base or "FullInventory"
    if report_base not in REPORT_BASES:
        raise InvalidArgument("report_base", f"must be one of {', '.join(REPORT_BASES)}")
    _only_201(charger_id, version, "GetBaseReport")
    return ordered_call(
        version, "GetBaseReport", {"requestId": request_id, "reportBase": report_base}
    )


def get_report(
    charger_id: str, version: OcppVersion, req: dm.GetReportRequest, request_id: int
) -> Call:
    if len(req.component_variables) > MAX_ITEMS:
        raise InvalidArgument("component_variables", f"at most {MAX_ITEMS} per request")
    payload: dict[str, Any] = {"requestId": request_id}
    targets = []
    for i, key in enumerate(req.component_variables):
        check_variable_key(
            f"component_variables[{i}]", key, OcppVersion.V201, variable_required=False
        )
        target: dict[str, Any] = {"component": component_json(key)}
        if key.variable:
            target["variable"] = variable_json(key)
        targets.append(target)
    for i, criterion in enumerate(req.component_criteria):
        if criterion not in COMPONENT_CRITERIA:
            raise InvalidArgument(
                f"component_criteria[{i}]", f"must be one of {', '.join(COMPONENT_CRITERIA)}"
            )
    if len(set(req.component_criteria)) != len(req.component_criteria):
        raise InvalidArgument("component_criteria", "must not repeat a criterion")
    _only_201(charger_id, version, "GetReport")
    if targets:
        payload["componentVariable"] = targets
    if req.component_criteria:
        payload["componentCriteria"] = list(req.component_criteria)
    return ordered_call(version, "GetReport", payload)


def set_variable_monitoring(
    charger_id: str, version: OcppVersion, req: dm.SetVariableMonitoringRequest
) -> Call:
    _check_count("items", req.items)
    data = []
    for i, item in enumerate(req.items):
        check_variable_key(f"items[{i}].key", item.key, OcppVersion.V201)
        if item.type not in MONITOR_TYPES:
            raise InvalidArgument(f"items[{i}].type", f"must be one of {', '.join(MONITOR_TYPES)}")
        if not 0 <= item.severity <= 9:
            raise InvalidArgument(f"items[{i}].severity", "must be 0 (Danger) to 9 (Debug)")
        if not math.isfinite(item.value):
            raise InvalidArgument(f"items[{i}].value", "must be a finite number")
        if item.type in ("Periodic", "PeriodicClockAligned") and item.value <= 0:
            raise InvalidArgument(f"items[{i}].value", "is the interval in seconds: must be > 0")
        entry: dict[str, Any] = {
            "value": item.value,
            "type": item.type,
            "severity": item.severity,
            "transaction": item.transaction,
            "component": component_json(item.key),
            "variable": variable_json(item.key),
        }
        if item.HasField("id"):
            if item.id < 0:
                raise InvalidArgument(f"items[{i}].id", "must not be negative")
            entry["id"] = item.id
        data.append(entry)
    _only_201(charger_id, version, "SetVariableMonitoring")
    return ordered_call(version, "SetVariableMonitoring", {"setMonitoringData": data})


def clear_variable_monitoring(
    charger_id: str, version: OcppVersion, req: dm.ClearVariableMonitoringRequest
) -> Call:
    _check_count("ids", req.ids)
    for i, monitor_id in enumerate(req.ids):
        if monitor_id < 0:
            raise InvalidArgument(f"ids[{i}]", "must not be negative")
    _only_201(charger_id, version, "ClearVariableMonitoring")
    return ordered_call(version, "ClearVariableMonitoring", {"id": list(req.ids)})


def status_info(result: dict[str, Any], field: str = "attributeStatusInfo") -> str:
    """The charger's reasonCode and additionalInfo, as one string ("" when none)."""
    info = result.get(field) or {}
    return " ".join(
        str(part) for part in (info.get("reasonCode"), info.get("additionalInfo")) if part
    )


def _result_key(result: dict[str, Any]) -> tuple[Any, ...]:
    component, variable = result.get("component", {}), result.get("variable", {})
    evse = component.get("evse") or {}
    return (
        str(component.get("name", "")).lower(),
        str(component.get("instance", "")).lower(),
        evse.get("id", 0),
        evse.get("connectorId", 0),
        str(variable.get("name", "")).lower(),
        str(variable.get("instance", "")).lower(),
        result.get("attributeType", result.get("type", "Actual")),
    )


def _item_key(key: dm.VariableKey, kind: str) -> tuple[Any, ...]:
    return (
        key.component.lower(),
        key.component_instance.lower(),
        key.evse_id,
        key.connector_id,
        key.variable.lower(),
        key.variable_instance.lower(),
        kind,
    )


def match_results(
    items: Sequence[tuple[dm.VariableKey, str]], results: Sequence[dict[str, Any]]
) -> list[dict[str, Any] | None]:
    """The charger's result for each ``(key, attribute type)`` asked, by component and
    variable (case-insensitive, as OCPP names are), else by position; None if missing."""
    by_key = {_result_key(r): r for r in results}
    matched: list[dict[str, Any] | None] = []
    for i, (key, kind) in enumerate(items):
        found = by_key.get(_item_key(key, kind))
        if found is None and len(results) == len(items):
            found = results[i]
        matched.append(found)
    return matched
