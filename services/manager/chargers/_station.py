"""OCPP 2.0.1 station messages: network profile, display messages, customer information,
and the requests chargers report on later."""

from __future__ import annotations

from csms.v1 import chargers_pb2

from services.manager import commands
from services.manager._errors import InvalidArgument, grpc_errors
from services.manager._rows import shown
from services.manager.chargers._base import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    ChargerCommands,
    Context,
    reason_of,
    request_id_or_new,
    status_of,
)
from services.manager.chargers._messages import REQUEST_KINDS, charger_request_message


class StationCommands(ChargerCommands):
    """SetNetworkProfile, display messages, CustomerInformation, ListChargerRequests."""

    # --- OCPP 2.0.1 station messages: network profile, display, customer information ----

    @grpc_errors
    async def SetNetworkProfile(
        self, request: chargers_pb2.SetNetworkProfileRequest, context: Context
    ) -> chargers_pb2.SetNetworkProfileResponse:
        """Not recorded: the profile holds VPN/APN secrets, and the charger's
        NetworkConfigurationPriority (device model) says which slots it uses."""
        answer = await self._run(request, commands.set_network_profile)
        return chargers_pb2.SetNetworkProfileResponse(
            status=status_of(answer), reason=reason_of(answer)
        )

    @grpc_errors
    async def SetDisplayMessage(
        self, request: chargers_pb2.SetDisplayMessageRequest, context: Context
    ) -> chargers_pb2.SetDisplayMessageResponse:
        """On Accepted the message is recorded (replacing one with the same id)."""
        location, action, payload = await self._prepare(request, commands.set_display_message)
        answer = await self._send(location, action, payload)
        return chargers_pb2.SetDisplayMessageResponse(
            status=status_of(answer), reason=reason_of(answer)
        )

    @grpc_errors
    async def GetDisplayMessages(
        self, request: chargers_pb2.GetDisplayMessagesRequest, context: Context
    ) -> chargers_pb2.GetDisplayMessagesResponse:
        """The messages arrive later (NotifyDisplayMessages) under the returned request id."""
        request_id = request_id_or_new(request.request_id)
        answer = await self._run(
            request,
            lambda cid, version, req: commands.get_display_messages(cid, version, req, request_id),
        )
        status = status_of(answer)
        return chargers_pb2.GetDisplayMessagesResponse(status=status, request_id=request_id)

    @grpc_errors
    async def ClearDisplayMessage(
        self, request: chargers_pb2.ClearDisplayMessageRequest, context: Context
    ) -> chargers_pb2.ClearDisplayMessageResponse:
        """Accepted (cleared) or Unknown (the charger has no such message): either way the
        recorded message is forgotten."""
        status = await self._status(request, commands.clear_display_message)
        return chargers_pb2.ClearDisplayMessageResponse(status=status)

    @grpc_errors
    async def ListDisplayMessages(
        self, request: chargers_pb2.ListDisplayMessagesRequest, context: Context
    ) -> chargers_pb2.ListDisplayMessagesResponse:
        """The messages as set (accepted) or reported; no charger call."""
        await self._known_charger(request.charger_id)
        records = await self._stores.station.display_messages(request.charger_id)
        return chargers_pb2.ListDisplayMessagesResponse(
            messages=shown(
                records,
                commands.display_message,
                lambda r: f"a display message of charger {request.charger_id!r}",
            )
        )

    @grpc_errors
    async def CustomerInformation(
        self, request: chargers_pb2.CustomerInformationRequest, context: Context
    ) -> chargers_pb2.CustomerInformationResponse:
        """The report arrives later (NotifyCustomerInformation) under the returned request
        id and is recorded there, concatenated (ListChargerRequests)."""
        request_id = request_id_or_new(request.request_id)
        answer = await self._run(
            request,
            lambda cid, version, req: commands.customer_information(cid, version, req, request_id),
        )
        status = status_of(answer)
        return chargers_pb2.CustomerInformationResponse(status=status, request_id=request_id)

    @grpc_errors
    async def ListChargerRequests(
        self, request: chargers_pb2.ListChargerRequestsRequest, context: Context
    ) -> chargers_pb2.ListChargerRequestsResponse:
        """Requests reported on by id, newest first; no charger call."""
        await self._known_charger(request.charger_id)
        if request.page_size < 0 or request.page_size > MAX_PAGE_SIZE:
            raise InvalidArgument("page_size", f"must be between 0 and {MAX_PAGE_SIZE}")
        if request.kind not in REQUEST_KINDS and request.kind:
            raise InvalidArgument("kind", f"unknown request kind {request.kind}")
        records = await self._stores.station.list_requests(
            request.charger_id,
            kind=REQUEST_KINDS.get(request.kind),
            request_id=request.request_id if request.HasField("request_id") else None,
            limit=request.page_size or DEFAULT_PAGE_SIZE,
        )
        return chargers_pb2.ListChargerRequestsResponse(
            requests=shown(
                records,
                charger_request_message,
                lambda r: f"{r.kind} request {r.request_id} of charger {request.charger_id!r}",
            )
        )
