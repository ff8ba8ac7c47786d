"""Local authorization list management."""

from __future__ import annotations

from csms.v1 import chargers_pb2

from services.manager import commands
from services.manager._errors import grpc_errors
from services.manager.chargers._base import ChargerCommands, Context, check_charger_id, status_of


class LocalListCommands(ChargerCommands):
    """SendLocalList (filled from the CSMS's id tags), GetLocalListVersion."""

    # --- Local Auth List Management -----------------------------------------------------

    @grpc_errors
    async def SendLocalList(
        self, request: chargers_pb2.SendLocalListRequest, context: Context
    ) -> chargers_pb2.SendLocalListResponse:
        """Send a list version (the request's, or the recorded one + 1); a full update fills
        entries without a status from the CSMS's id tags. On Accepted the version is recorded."""
        check_charger_id(request.charger_id)
        commands.check_send_local_list(request)
        location = await self._tasks.locate(request.charger_id)
        list_version = request.list_version
        if not list_version:
            record = await self._store.get(request.charger_id)
            recorded = record.local_list_version if record is not None else -1
            list_version = max(recorded, 0) + 1
        entries = list(request.entries)
        if request.update_type == chargers_pb2.LOCAL_LIST_UPDATE_FULL:
            entries = await self._with_id_tag_info(entries)
        action, payload = commands.send_local_list(
            request.charger_id, location.ocpp_version, request, list_version, entries
        )
        answer = await self._send(location, action, payload)
        return chargers_pb2.SendLocalListResponse(
            status=status_of(answer), list_version=list_version
        )

    async def _with_id_tag_info(
        self, entries: list[chargers_pb2.LocalAuthorization]
    ) -> list[chargers_pb2.LocalAuthorization]:
        """Entries without a status get the one Authorize answers (``tag_status``: the tag's
        own, Expired once past its expiry date, or its group's), with its expiry and parent;
        Invalid for a tag the CSMS does not know."""
        missing = [e.id_tag for e in entries if not e.HasField("status")]
        if not missing:
            return entries
        verdicts = await self._authorizer.verdicts(missing)
        filled: list[chargers_pb2.LocalAuthorization] = []
        for entry in entries:
            if entry.HasField("status"):
                filled.append(entry)
                continue
            verdict = verdicts.get(entry.id_tag)
            item = chargers_pb2.LocalAuthorization(id_tag=entry.id_tag, status="Invalid")
            if verdict is not None:
                tag = verdict.record
                item.status = verdict.status
                if tag.expiry_date is not None:
                    item.expiry_date.FromDatetime(tag.expiry_date)
                item.parent_id_tag = tag.parent_id_tag
            filled.append(item)
        return filled

    @grpc_errors
    async def GetLocalListVersion(
        self, request: chargers_pb2.GetLocalListVersionRequest, context: Context
    ) -> chargers_pb2.GetLocalListVersionResponse:
        """The charger's answer is recorded as its local list version."""
        answer = await self._run(request, commands.get_local_list_version)
        version = commands.local_list_version_result(answer.location.ocpp_version, answer.payload)
        return chargers_pb2.GetLocalListVersionResponse(list_version=version)
