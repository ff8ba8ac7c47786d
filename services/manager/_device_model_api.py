"""The public API for chargers' settings (``csms.v1.DeviceModelService``).

2.0.1/2.1 chargers: the device model in ``DeviceModelStore``, read and changed with
GetVariables/SetVariables, rebuilt by GetBaseReport/GetReport (NotifyReport, handled in
``v201/reports.py``), monitors and events. 1.6 chargers: the configuration keys in
``ConfigurationStore`` shown as variables of the component "" (see the proto).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import grpc
from csms.v1 import device_model_pb2 as dm
from csms.v1 import device_model_pb2_grpc

from services.common import OcppVersion, to_proto_version
from services.manager import commands
from services.manager._api_checks import checked_page_size, stamp
from services.manager._context import Clock
from services.manager._device_model_messages import (
    event_message,
    monitor_message,
    store_key,
    variable_message,
)
from services.manager._errors import ChargerNotFound, grpc_errors
from services.manager._rows import shown
from services.manager._runner import TaskRunner, with_task_refs
from services.manager._stores import Stores
from services.manager.chargers import check_charger_id
from services.manager.store import (
    MonitorRecord,
    VariableKey,
    VariableRecord,
)
from services.manager.store._keyset import decode_keyset, encode_keyset
from services.registry import Registry

Context = grpc.aio.ServicerContext[Any, Any]
cmd = commands.device_model

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
PAGE_LIMITS = (DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
#: 1.6 ChangeConfiguration answers as SetVariables statuses.
_CHANGE_STATUS = {"NotSupported": "UnknownVariable"}


class DeviceModelServicer(device_model_pb2_grpc.DeviceModelServiceServicer):
    def __init__(self, stores: Stores, registry: Registry, tasks: TaskRunner, clock: Clock) -> None:
        self._stores = stores
        self._model = stores.device_model
        self._registry = registry
        self._tasks = tasks
        self._clock = clock

    async def _version(self, charger_id: str) -> OcppVersion:
        """The charger's OCPP version: where it is connected, else as last recorded."""
        check_charger_id(charger_id)
        location = await self._registry.lookup(charger_id)
        if location is not None:
            return location.ocpp_version
        record = await self._stores.chargers.get(charger_id)
        if record is None:
            raise ChargerNotFound(charger_id)
        return OcppVersion.parse(record.ocpp_version)

    # --- reads (no charger call) -------------------------------------------------------

    @grpc_errors
    async def ListVariables(
        self, request: dm.ListVariablesRequest, context: Context
    ) -> dm.ListVariablesResponse:
        """The stored model (1.6: configuration keys), filtered, one page."""
        version = await self._version(request.charger_id)
        page_size = checked_page_size(request.page_size, PAGE_LIMITS)
        evse_id = request.evse_id if request.HasField("evse_id") else None
        response = dm.ListVariablesResponse(ocpp_version=to_proto_version(version))
        if version.is_16:
            records, token, read_at = await self._configuration_page(request, page_size, evse_id)
            stamp(response, "reported_at", read_at)
        else:
            records, token = await self._model.list_variables(
                request.charger_id,
                page_size=page_size,
                page_token=request.page_token,
                component=request.component,
                component_instance=request.component_instance,
                evse_id=evse_id,
                variable=request.variable,
            )
            reports = await self._model.reports(request.charger_id)
            done = [r.completed_at for r in reports if r.completed_at is not None]
            stamp(response, "reported_at", max(done, default=None))
            asked = [r for r in reports if r.completed_at is None and r.kind != "Unrequested"]
            if asked:
                response.pending_report_id = max(asked, key=lambda r: r.requested_at).request_id
        response.variables.extend(
            shown(
                records, variable_message, lambda r: f"variable {r.key} of {request.charger_id!r}"
            )
        )
        response.next_page_token = token
        return response

    async def _configuration_page(
        self, request: dm.ListVariablesRequest, page_size: int, evse_id: int | None
    ) -> tuple[list[VariableRecord], str, datetime | None]:
        """A 1.6 charger's keys as variables of component "", paged by key."""
        keys, read_at = await self._stores.configuration.list(request.charger_id)
        filters = {
            "charger_id": request.charger_id,
            "component": request.component.lower(),
            "component_instance": request.component_instance.lower(),
            "evse_id": evse_id,
            "variable": request.variable.lower(),
        }
        after = ""
        if request.page_token:
            (after,) = decode_keyset(request.page_token, "configuration", filters, (str,))
        nothing = bool(request.component or request.component_instance or evse_id)
        matching = [
            VariableRecord(
                VariableKey("", variable=k.key),
                value=k.value,
                mutability="ReadOnly" if k.readonly else "ReadWrite",
                value_source="get",
                updated_at=k.read_at,
            )
            for k in keys
            if not nothing
            and k.key > after
            and (not request.variable or k.key.lower() == request.variable.lower())
        ]
        page = matching[:page_size]
        token = ""
        if len(matching) > page_size:
            token = encode_keyset("configuration", [page[-1].key.variable], filters)
        return page, token, read_at

    @grpc_errors
    async def ListMonitors(
        self, request: dm.ListMonitorsRequest, context: Context
    ) -> dm.ListMonitorsResponse:
        await self._version(request.charger_id)
        monitors = await self._model.list_monitors(request.charger_id)
        return dm.ListMonitorsResponse(
            monitors=shown(
                monitors, monitor_message, lambda m: f"monitor {m.key} of {request.charger_id!r}"
            )
        )

    @grpc_errors
    async def ListDeviceEvents(
        self, request: dm.ListDeviceEventsRequest, context: Context
    ) -> dm.ListDeviceEventsResponse:
        await self._version(request.charger_id)
        events, token = await self._model.list_events(
            request.charger_id,
            page_size=checked_page_size(request.page_size, PAGE_LIMITS),
            page_token=request.page_token,
        )
        return dm.ListDeviceEventsResponse(
            events=shown(
                events, event_message, lambda e: f"event {e.key} of {request.charger_id!r}"
            ),
            next_page_token=token,
        )

    # --- tasks ---------------------------------------------------------------------------

    @grpc_errors
    async def GetVariables(
        self, request: dm.GetVariablesRequest, context: Context
    ) -> dm.GetVariablesResponse:
        """Read values from the charger and record those it gave."""
        check_charger_id(request.charger_id)
        location = await self._tasks.locate(request.charger_id)
        version = location.ocpp_version
        action, payload = cmd.get_variables(request.charger_id, version, request)
        answer = (await self._tasks.send(location, action, payload)).payload
        response = dm.GetVariablesResponse()
        at = self._clock()
        if version.is_16:
            known = {str(e["key"]): e for e in answer.get("configurationKey", [])}
            for item in request.items:
                entry = known.get(item.key.variable)
                result = response.results.add(
                    key=item.key,
                    attribute_type="Actual",
                    status="Accepted" if entry is not None else "UnknownVariable",
                )
                if entry is not None and entry.get("value") is not None:
                    result.value = entry["value"]
            await self._stores.configuration.record_read(
                request.charger_id,
                [(k, e.get("value"), bool(e["readonly"])) for k, e in known.items()],
                at,
                complete=False,
            )
            return response
        items = [(i.key, i.attribute_type or "Actual") for i in request.items]
        read = []
        for (key, kind), found in zip(
            items, cmd.match_results(items, answer.get("getVariableResult", [])), strict=True
        ):
            if found is None:
                response.results.add(
                    key=key, attribute_type=kind, status="Rejected", status_info="no result"
                )
                continue
            result = response.results.add(
                key=key,
                attribute_type=kind,
                status=found["attributeStatus"],
                status_info=cmd.status_info(found),
            )
            if "attributeValue" in found:
                result.value = found["attributeValue"]
                if found["attributeStatus"] == "Accepted":
                    read.append((store_key(key), kind, found["attributeValue"]))
        if read:
            await self._model.record_values(request.charger_id, read, "get", at)
        return response

    @grpc_errors
    async def SetVariables(
        self, request: dm.SetVariablesRequest, context: Context
    ) -> dm.SetVariablesResponse:
        """Set values on the charger; record those it took (Accepted, RebootRequired)."""
        check_charger_id(request.charger_id)
        location = await self._tasks.locate(request.charger_id)
        version = location.ocpp_version
        calls = cmd.set_variables(request.charger_id, version, request)
        response = dm.SetVariablesResponse()
        taken = ("Accepted", "RebootRequired")
        if version.is_16:
            for item, (action, payload) in zip(request.items, calls, strict=True):
                answer = (await self._tasks.send(location, action, payload)).payload
                status = _CHANGE_STATUS.get(answer["status"], answer["status"])
                response.results.add(key=item.key, attribute_type="Actual", status=status)
                if status in taken:
                    await self._stores.configuration.record_change(
                        request.charger_id, item.key.variable, item.value, self._clock()
                    )
            return response
        ((action, payload),) = calls
        answer = (await self._tasks.send(location, action, payload)).payload
        items = [(i.key, i.attribute_type or "Actual") for i in request.items]
        written = []
        for item, (key, kind), found in zip(
            request.items,
            items,
            cmd.match_results(items, answer.get("setVariableResult", [])),
            strict=True,
        ):
            if found is None:
                response.results.add(
                    key=key, attribute_type=kind, status="Rejected", status_info="no result"
                )
                continue
            status = found["attributeStatus"]
            response.results.add(
                key=key, attribute_type=kind, status=status, status_info=cmd.status_info(found)
            )
            if status in taken:
                written.append((store_key(key), kind, item.value))
        if written:
            await self._model.record_values(request.charger_id, written, "set", self._clock())
        return response

    async def _report(
        self, charger_id: str, kind: str, build: Any, request: Any
    ) -> dm.GetReportResponse:
        check_charger_id(charger_id)
        location = await self._tasks.locate(charger_id)
        request_id = commands.remote_start_id()
        action, payload = build(charger_id, location.ocpp_version, request, request_id)
        # Before sending: the charger may send its first part before its answer arrives.
        await self._model.report_requested(charger_id, request_id, kind, self._clock())
        answer = (await self._tasks.send(location, action, payload)).payload
        return dm.GetReportResponse(
            status=answer["status"],
            request_id=request_id,
            status_info=cmd.status_info(answer, "statusInfo"),
        )

    @grpc_errors
    async def GetBaseReport(
        self, request: dm.GetBaseReportRequest, context: Context
    ) -> dm.GetReportResponse:
        kind = request.report_base or "FullInventory"
        return await self._report(request.charger_id, kind, cmd.get_base_report, request)

    @grpc_errors
    async def GetReport(
        self, request: dm.GetReportRequest, context: Context
    ) -> dm.GetReportResponse:
        return await self._report(request.charger_id, "Custom", cmd.get_report, request)

    @grpc_errors
    async def SetVariableMonitoring(
        self, request: dm.SetVariableMonitoringRequest, context: Context
    ) -> dm.SetVariableMonitoringResponse:
        """Set monitors; record the ones the charger accepted, under the id it gave."""
        check_charger_id(request.charger_id)
        location = await self._tasks.locate(request.charger_id)
        action, payload = cmd.set_variable_monitoring(
            request.charger_id, location.ocpp_version, request
        )
        answer = (await self._tasks.send(location, action, payload)).payload
        results = answer.get("setMonitoringResult", [])
        response = dm.SetVariableMonitoringResponse()
        accepted = []
        at = self._clock()
        for i, item in enumerate(request.items):
            found = results[i] if i < len(results) else None
            if found is None:
                response.results.add(
                    key=item.key,
                    type=item.type,
                    severity=item.severity,
                    status="Rejected",
                    status_info="no result",
                )
                continue
            result = response.results.add(
                key=item.key,
                type=found.get("type", item.type),
                severity=found.get("severity", item.severity),
                status=found["status"],
                status_info=cmd.status_info(found, "statusInfo"),
            )
            if "id" in found:
                result.id = found["id"]
                if found["status"] == "Accepted":
                    accepted.append(
                        MonitorRecord(
                            monitor_id=found["id"],
                            key=store_key(item.key),
                            type=item.type,
                            value=item.value,
                            severity=item.severity,
                            transaction=item.transaction,
                            updated_at=at,
                        )
                    )
        if accepted:
            await self._model.set_monitors(request.charger_id, accepted)
        return response

    @grpc_errors
    async def ClearVariableMonitoring(
        self, request: dm.ClearVariableMonitoringRequest, context: Context
    ) -> dm.ClearVariableMonitoringResponse:
        """Clear monitors; forget those cleared or unknown to the charger (NotFound)."""
        check_charger_id(request.charger_id)
        location = await self._tasks.locate(request.charger_id)
        action, payload = cmd.clear_variable_monitoring(
            request.charger_id, location.ocpp_version, request
        )
        answer = (await self._tasks.send(location, action, payload)).payload
        response = dm.ClearVariableMonitoringResponse()
        gone = []
        for found in answer.get("clearMonitoringResult", []):
            response.results.add(
                id=found["id"],
                status=found["status"],
                status_info=cmd.status_info(found, "statusInfo"),
            )
            if found["status"] in ("Accepted", "NotFound"):
                gone.append(found["id"])
        if gone:
            await self._model.remove_monitors(request.charger_id, gone)
        return response


# Every command RPC records its task and names it in its response (TaskService).
with_task_refs(DeviceModelServicer, dm.DESCRIPTOR.services_by_name["DeviceModelService"])
