"""The charger records: the lifecycle (create, update, retire, restore) and reads."""

from __future__ import annotations

from csms.v1 import chargers_pb2

from services.manager._errors import ChargerNotFound, InvalidArgument, grpc_errors
from services.manager._rows import shown, shown_one
from services.manager.chargers._base import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    ChargerCommands,
    Context,
    check_charger_id,
)
from services.manager.chargers._messages import charger_message, charger_named


class ChargerRecords(ChargerCommands):
    """CreateCharger, UpdateCharger, DeleteCharger, RestoreCharger, ListChargers, GetCharger."""

    # --- The charger lifecycle (role admin): services/manager/_lifecycle.py ---------------

    @grpc_errors
    async def CreateCharger(
        self, request: chargers_pb2.CreateChargerRequest, context: Context
    ) -> chargers_pb2.Charger:
        return await self._lifecycle.create(request)

    @grpc_errors
    async def UpdateCharger(
        self, request: chargers_pb2.UpdateChargerRequest, context: Context
    ) -> chargers_pb2.Charger:
        return await self._lifecycle.update(request)

    @grpc_errors
    async def DeleteCharger(
        self, request: chargers_pb2.DeleteChargerRequest, context: Context
    ) -> chargers_pb2.Charger:
        return await self._lifecycle.retire(request)

    @grpc_errors
    async def RestoreCharger(
        self, request: chargers_pb2.RestoreChargerRequest, context: Context
    ) -> chargers_pb2.Charger:
        return await self._lifecycle.restore(request)

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
        # A bad page_token raises the store's InvalidPageToken: @grpc_errors reports it
        # as INVALID_ARGUMENT naming page_token, like every list of the API.
        records, token = await self._store.list(
            page_size=request.page_size or DEFAULT_PAGE_SIZE,
            page_token=request.page_token,
            status=request.status or None,
            only_ids=only,
            exclude_ids=exclude,
            # Retired chargers are hidden unless asked for.
            retired=request.retired if request.HasField("retired") else False,
        )
        locations = await self._registry.lookup_many([r.charger_id for r in records])
        return chargers_pb2.ListChargersResponse(
            chargers=shown(
                records, lambda r: charger_message(r, locations.get(r.charger_id)), charger_named
            ),
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
        location = await self._registry.lookup(request.charger_id)
        charger = shown_one(record, lambda r: charger_message(r, location), charger_named(record))
        credentials = await self._stores.credentials.credentials(request.charger_id)
        if credentials is not None:
            charger.security_profile = credentials.security_profile
            charger.has_password = (
                credentials.password_hash is not None or credentials.new_password_hash is not None
            )
            charger.password_rotation_pending = credentials.new_password_hash is not None
        return charger
