"""Smart charging: profiles set and cleared, composite schedules, and the 2.0.1 reports
(reported profiles, external limits, EV charging needs)."""

from __future__ import annotations

import orjson
from csms.v1 import chargers_pb2, smart_charging_pb2

from services.manager import commands
from services.manager._errors import InvalidArgument, ResourceNotFound, grpc_errors
from services.manager._rows import shown
from services.manager.chargers._base import ChargerCommands, Context, request_id_or_new, status_of
from services.manager.chargers._messages import (
    charging_limit_message,
    ev_charging_needs_message,
    installed_profile_message,
)


class SmartChargingCommands(ChargerCommands):
    """The smart charging commands and reads."""

    # --- Smart Charging -----------------------------------------------------------------

    @grpc_errors
    async def SetChargingProfile(
        self, request: chargers_pb2.SetChargingProfileRequest, context: Context
    ) -> chargers_pb2.SetChargingProfileResponse:
        """On Accepted the profile sent is recorded (replacing what the charger replaces).

        A 2.0.1 TX_PROFILE names the charger's transactionId: given the CSMS's transaction_id
        it is looked up (NOT_FOUND when the CSMS does not know the transaction); given
        charger_transaction_id it is sent as is, and recorded with the CSMS's id if known."""
        location, action, payload = await self._prepare(request, commands.set_charging_profile)
        version = location.ocpp_version
        profile = request.profile
        tx_profile = profile.purpose == smart_charging_pb2.CHARGING_PROFILE_PURPOSE_TX_PROFILE
        if tx_profile and not version.is_16 and profile.HasField("transaction_id"):
            transaction_id = profile.transaction_id
            charger_tx = await self._charger_transaction_id(request.charger_id, transaction_id)
            if profile.charger_transaction_id not in ("", charger_tx):
                raise InvalidArgument(
                    "profile.charger_transaction_id",
                    f"transaction {transaction_id} is the charger's {charger_tx!r}; "
                    "set one of transaction_id and charger_transaction_id",
                )
            resolved = chargers_pb2.SetChargingProfileRequest()
            resolved.CopyFrom(request)
            resolved.profile.charger_transaction_id = charger_tx
            action, payload = commands.set_charging_profile(request.charger_id, version, resolved)
        answer = await self._send(location, action, payload)
        status = status_of(answer)
        return chargers_pb2.SetChargingProfileResponse(
            status=status, reason=commands.status_reason(answer.payload)
        )

    @grpc_errors
    async def ClearChargingProfile(
        self, request: chargers_pb2.ClearChargingProfileRequest, context: Context
    ) -> chargers_pb2.ClearChargingProfileResponse:
        """On Accepted the profiles the charger cleared (same matching rule) are forgotten."""
        answer = await self._run(request, commands.clear_charging_profile)
        status = status_of(answer)
        return chargers_pb2.ClearChargingProfileResponse(
            status=status, reason=commands.status_reason(answer.payload)
        )

    @grpc_errors
    async def GetCompositeSchedule(
        self, request: chargers_pb2.GetCompositeScheduleRequest, context: Context
    ) -> chargers_pb2.GetCompositeScheduleResponse:
        answer = await self._run(request, commands.get_composite_schedule)
        return commands.composite_schedule_result(
            answer.location.ocpp_version, request, answer.payload
        )

    @grpc_errors
    async def ListChargingProfiles(
        self, request: chargers_pb2.ListChargingProfilesRequest, context: Context
    ) -> chargers_pb2.ListChargingProfilesResponse:
        """The profiles recorded as accepted; no charger call."""
        await self._known_charger(request.charger_id)
        connector = request.connector_id if request.HasField("connector_id") else None
        records = await self._stores.profiles.list(request.charger_id, connector)
        return chargers_pb2.ListChargingProfilesResponse(
            profiles=shown(
                records,
                installed_profile_message,
                lambda r: f"charging profile {r.charging_profile_id} of charger {r.charger_id!r}",
            )
        )

    # --- OCPP 2.0.1 smart charging reports: profiles, limits, EV charging needs ----------

    @grpc_errors
    async def GetChargingProfiles(
        self, request: smart_charging_pb2.GetChargingProfilesRequest, context: Context
    ) -> smart_charging_pb2.GetChargingProfilesResponse:
        """2.0.1 only. The answer's status is recorded under the request id, and the profiles
        the charger then reports (ReportChargingProfiles) with it: read them back with
        ListReportedChargingProfiles. A request id used before starts over."""
        request_id = request_id_or_new(request.request_id)
        location, action, payload = await self._prepare(
            request,
            lambda cid, version, req: commands.get_charging_profiles(cid, version, req, request_id),
        )
        # The request is recorded before sending (the charger may report before its answer
        # reaches us); parts reported before the answer arrived are kept.
        answer = await self._send(location, action, payload)
        status = status_of(answer)
        return smart_charging_pb2.GetChargingProfilesResponse(
            status=status, request_id=request_id, reason=commands.status_reason(answer.payload)
        )

    @grpc_errors
    async def ListReportedChargingProfiles(
        self, request: smart_charging_pb2.ListReportedChargingProfilesRequest, context: Context
    ) -> smart_charging_pb2.ListReportedChargingProfilesResponse:
        """A report as received so far (the latest without request_id); no charger call."""
        await self._known_charger(request.charger_id)
        request_id = request.request_id if request.HasField("request_id") else None
        found = await self._stores.smart_charging.profile_report(request.charger_id, request_id)
        if found is None:
            raise ResourceNotFound(
                f"charger {request.charger_id!r} has reported no charging profiles"
                + (f" for request {request_id}" if request_id is not None else "")
                + ": ask with GetChargingProfiles"
            )
        report, profiles = found
        response = smart_charging_pb2.ListReportedChargingProfilesResponse(
            request_id=report.request_id, status=report.status, complete=report.complete
        )
        response.updated_at.FromDatetime(report.updated_at)
        response.profiles.extend(
            shown(
                profiles,
                lambda p: smart_charging_pb2.ReportedChargingProfile(
                    evse_id=p.evse_id,
                    charging_limit_source=p.source,
                    profile=commands.profile_from_ocpp(orjson.loads(p.profile_json)),
                ),
                lambda p: (
                    f"a reported profile of charger {request.charger_id!r} (EVSE {p.evse_id})"
                ),
            )
        )
        return response

    @grpc_errors
    async def ListChargingLimits(
        self, request: smart_charging_pb2.ListChargingLimitsRequest, context: Context
    ) -> smart_charging_pb2.ListChargingLimitsResponse:
        """External limits reported and not cleared, by EVSE then source; no charger call."""
        await self._known_charger(request.charger_id)
        records = await self._stores.smart_charging.charging_limits(request.charger_id)
        return smart_charging_pb2.ListChargingLimitsResponse(
            limits=shown(
                records,
                charging_limit_message,
                lambda r: f"charging limit {r.source!r} of charger {request.charger_id!r}",
            )
        )

    @grpc_errors
    async def ListEVChargingNeeds(
        self, request: smart_charging_pb2.ListEVChargingNeedsRequest, context: Context
    ) -> smart_charging_pb2.ListEVChargingNeedsResponse:
        """The latest needs per EVSE (or of one EVSE); no charger call."""
        await self._known_charger(request.charger_id)
        evse_id = request.evse_id if request.HasField("evse_id") else None
        records = await self._stores.smart_charging.ev_charging_needs(request.charger_id, evse_id)
        return smart_charging_pb2.ListEVChargingNeedsResponse(
            needs=shown(
                records,
                ev_charging_needs_message,
                lambda r: f"EV charging needs of charger {request.charger_id!r} EVSE {r.evse_id}",
            )
        )
