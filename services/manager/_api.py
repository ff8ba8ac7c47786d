"""The public API for chargers (``csms.v1.ChargerService``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol, TypeVar

import grpc
from csms.v1 import chargers_pb2, chargers_pb2_grpc
from google.protobuf.timestamp_pb2 import Timestamp

from services.common import to_proto_version
from services.manager import commands
from services.manager._errors import ChargerNotFound, InvalidArgument, grpc_errors
from services.manager._tasks import TaskResult, TaskSender
from services.manager.store import ChargerRecord, ChargerStore, InvalidPageToken
from services.registry import ChargerLocation, Registry

Context = grpc.aio.ServicerContext[Any, Any]


class _ForCharger(Protocol):
    @property
    def charger_id(self) -> str: ...


_R = TypeVar("_R", bound=_ForCharger)

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
MAX_CHARGER_ID_LENGTH = 48


def _timestamp(at: datetime | None) -> Timestamp | None:
    if at is None:
        return None
    ts = Timestamp()
    ts.FromDatetime(at)
    return ts


def charger_message(
    record: ChargerRecord, location: ChargerLocation | None
) -> chargers_pb2.Charger:
    """The API view of a charger: the stored record plus where it is connected now."""
    charger = chargers_pb2.Charger(
        charger_id=record.charger_id,
        vendor=record.vendor,
        model=record.model,
        serial_number=record.serial_number,
        firmware_version=record.firmware_version,
        boot_status=record.boot_status,
        connected=location is not None,
        node_id=location.node_id if location else "",
    )
    version = location.ocpp_version if location else record.ocpp_version
    if version:
        charger.ocpp_version = to_proto_version(version)
    for field, value in (
        ("registered_at", record.registered_at),
        ("last_boot_at", record.last_boot_at),
        ("last_seen_at", record.last_seen_at),
    ):
        ts = _timestamp(value)
        if ts is not None:
            getattr(charger, field).CopyFrom(ts)
    for c in record.connectors:
        connector = charger.connectors.add(
            evse_id=c.evse_id,
            connector_id=c.connector_id,
            status=c.status,
            error_code=c.error_code,
            info=c.info,
            vendor_error_code=c.vendor_error_code,
        )
        connector.updated_at.FromDatetime(c.updated_at)
    return charger


def check_charger_id(charger_id: str) -> None:
    if not charger_id:
        raise InvalidArgument("charger_id", "is required")
    if len(charger_id) > MAX_CHARGER_ID_LENGTH:
        raise InvalidArgument("charger_id", f"is longer than {MAX_CHARGER_ID_LENGTH} characters")


class ChargerServicer(chargers_pb2_grpc.ChargerServiceServicer):
    def __init__(self, store: ChargerStore, registry: Registry, tasks: TaskSender) -> None:
        self._store = store
        self._registry = registry
        self._tasks = tasks

    @grpc_errors
    async def ListChargers(
        self, request: chargers_pb2.ListChargersRequest, context: Context
    ) -> chargers_pb2.ListChargersResponse:
        if request.page_size < 0 or request.page_size > MAX_PAGE_SIZE:
            raise InvalidArgument("page_size", f"must be between 0 and {MAX_PAGE_SIZE}")
        only: set[str] | None = None
        exclude: set[str] | None = None
        if request.HasField("connected"):
            connected = await self._registry.connected_ids()
            if request.connected:
                only = connected
            else:
                exclude = connected
        try:
            records, token = await self._store.list(
                page_size=request.page_size or DEFAULT_PAGE_SIZE,
                page_token=request.page_token,
                status=request.status or None,
                only_ids=only,
                exclude_ids=exclude,
            )
        except InvalidPageToken as exc:
            raise InvalidArgument("page_token", str(exc)) from exc
        locations = await self._registry.lookup_many([r.charger_id for r in records])
        return chargers_pb2.ListChargersResponse(
            chargers=[charger_message(r, locations.get(r.charger_id)) for r in records],
            next_page_token=token,
        )

    @grpc_errors
    async def GetCharger(
        self, request: chargers_pb2.GetChargerRequest, context: Context
    ) -> chargers_pb2.Charger:
        check_charger_id(request.charger_id)
        record = await self._store.get(request.charger_id)
        if record is None:
            raise ChargerNotFound(request.charger_id)
        return charger_message(record, await self._registry.lookup(request.charger_id))

    async def _run(self, request: _R, build: Callable[[str, str, _R], commands.Call]) -> TaskResult:
        """Locate the charger, build the message for its OCPP version, send it, return the answer."""
        check_charger_id(request.charger_id)
        location = await self._tasks.locate(request.charger_id)
        action, payload = build(request.charger_id, location.ocpp_version, request)
        return await self._tasks.send(location, action, payload)

    @grpc_errors
    async def Reset(
        self, request: chargers_pb2.ResetRequest, context: Context
    ) -> chargers_pb2.ResetResponse:
        answer = await self._run(request, commands.reset)
        return chargers_pb2.ResetResponse(status=answer.payload["status"])

    @grpc_errors
    async def TriggerMessage(
        self, request: chargers_pb2.TriggerMessageRequest, context: Context
    ) -> chargers_pb2.TriggerMessageResponse:
        answer = await self._run(request, commands.trigger_message)
        return chargers_pb2.TriggerMessageResponse(status=answer.payload["status"])

    @grpc_errors
    async def GetConfiguration(
        self, request: chargers_pb2.GetConfigurationRequest, context: Context
    ) -> chargers_pb2.GetConfigurationResponse:
        answer = await self._run(request, commands.get_configuration)
        return commands.get_configuration_result(
            answer.location.ocpp_version, request, answer.payload
        )

    @grpc_errors
    async def ChangeConfiguration(
        self, request: chargers_pb2.ChangeConfigurationRequest, context: Context
    ) -> chargers_pb2.ChangeConfigurationResponse:
        answer = await self._run(request, commands.change_configuration)
        return chargers_pb2.ChangeConfigurationResponse(
            status=commands.change_configuration_status(
                answer.location.ocpp_version, answer.payload
            )
        )

    @grpc_errors
    async def SendCall(
        self, request: chargers_pb2.SendCallRequest, context: Context
    ) -> chargers_pb2.SendCallResponse:
        answer = await self._run(request, commands.send_call)
        return chargers_pb2.SendCallResponse(
            result_json=answer.raw.decode(),
            ocpp_version=to_proto_version(answer.location.ocpp_version),
        )
