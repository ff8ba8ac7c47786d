"""Core profile commands: reset, trigger, configuration, the raw call, remote start/stop,
transaction status, unlock, availability, cache, data transfer."""

from __future__ import annotations

import orjson
from csms.v1 import chargers_pb2

from services.common import to_proto_version
from services.manager import commands
from services.manager._errors import ConflictError, InvalidArgument, grpc_errors
from services.manager._rows import shown
from services.manager.chargers._base import ChargerCommands, Context, check_charger_id, status_of


class CoreCommands(ChargerCommands):
    """The Core profile's commands and SendCall."""

    # --- Core -------------------------------------------------------------------------

    @grpc_errors
    async def Reset(
        self, request: chargers_pb2.ResetRequest, context: Context
    ) -> chargers_pb2.ResetResponse:
        """SOFT/HARD keep their 1.6 meaning (2.0.1 OnIdle/Immediate); IMMEDIATE/ON_IDLE are
        2.0.1's kinds by name (ON_IDLE: FAILED_PRECONDITION on 1.6); evse_id needs 2.0.1."""
        answer = await self._run(request, commands.reset)
        return chargers_pb2.ResetResponse(
            status=status_of(answer), reason=commands.status_reason(answer.payload)
        )

    @grpc_errors
    async def TriggerMessage(
        self, request: chargers_pb2.TriggerMessageRequest, context: Context
    ) -> chargers_pb2.TriggerMessageResponse:
        """TriggerMessage, or (1.6) ExtendedTriggerMessage when asked or needed."""
        status = await self._status(request, commands.trigger_message)
        return chargers_pb2.TriggerMessageResponse(status=status)

    @grpc_errors
    async def GetConfiguration(
        self, request: chargers_pb2.GetConfigurationRequest, context: Context
    ) -> chargers_pb2.GetConfigurationResponse:
        """Read keys from the charger; on 1.6 what was read is recorded (all keys: replaced)."""
        answer = await self._run(request, commands.get_configuration)
        version = answer.location.ocpp_version
        return commands.get_configuration_result(version, request, answer.payload)

    @grpc_errors
    async def ChangeConfiguration(
        self, request: chargers_pb2.ChangeConfigurationRequest, context: Context
    ) -> chargers_pb2.ChangeConfigurationResponse:
        """Change one key; on 1.6 a value the charger took (Accepted/RebootRequired) is recorded."""
        answer = await self._run(request, commands.change_configuration)
        version = answer.location.ocpp_version
        status = commands.change_configuration_status(version, answer.payload)
        return chargers_pb2.ChangeConfigurationResponse(status=status)

    @grpc_errors
    async def ListConfigurationKeys(
        self, request: chargers_pb2.ListConfigurationKeysRequest, context: Context
    ) -> chargers_pb2.ListConfigurationKeysResponse:
        """The keys as last read or changed by the CSMS; no charger call."""
        await self._known_charger(request.charger_id)
        keys, read_at = await self._stores.configuration.list(request.charger_id)
        response = chargers_pb2.ListConfigurationKeysResponse(
            entries=shown(
                keys,
                lambda k: chargers_pb2.ConfigurationEntry(
                    key=k.key, value=k.value or "", readonly=k.readonly
                ),
                lambda k: f"configuration key {k.key!r} of charger {request.charger_id!r}",
            )
        )
        if read_at is not None:
            response.read_at.FromDatetime(read_at)
        return response

    @grpc_errors
    async def SendCall(
        self, request: chargers_pb2.SendCallRequest, context: Context
    ) -> chargers_pb2.SendCallResponse:
        """Any call, validated by the node against the charger's schema. Its answer goes
        through the same result handling as the typed command's (``TaskResults``), so what
        that records is recorded; ``unrecorded_reason`` names the actions where it is not."""
        answer = await self._run(request, commands.send_call)
        unrecorded = self._results.unrecorded(request.action, answer.location.ocpp_version)
        return chargers_pb2.SendCallResponse(
            result_json=answer.raw.decode(),
            ocpp_version=to_proto_version(answer.location.ocpp_version),
            recorded=not unrecorded,
            unrecorded_reason=unrecorded,
        )

    @grpc_errors
    async def StartCharging(
        self, request: chargers_pb2.StartChargingRequest, context: Context
    ) -> chargers_pb2.StartChargingResponse:
        """1.6 RemoteStartTransaction, 2.0.1 RequestStartTransaction; the transaction itself is
        recorded when the charger reports it (StartTransaction / TransactionEvent, which on
        2.0.1 carries the remoteStartId answered here).

        A tag the CSMS refuses (it knows it and would not answer Accepted: Blocked, Expired,
        Invalid, itself or through its group) is FAILED_PRECONDITION, before anything is
        sent; a tag it does not know is sent (the charger may authorize it otherwise)."""
        location, action, payload = await self._prepare(request, commands.start_charging)
        await self._refuse_refused_tag(request.charger_id, request.id_tag)
        answer = await self._send(location, action, payload)
        response = chargers_pb2.StartChargingResponse(status=status_of(answer))
        if "remoteStartId" in payload:
            response.remote_start_id = payload["remoteStartId"]
        response.charger_transaction_id = str(answer.payload.get("transactionId", ""))
        return response

    @grpc_errors
    async def StopCharging(
        self, request: chargers_pb2.StopChargingRequest, context: Context
    ) -> chargers_pb2.StopChargingResponse:
        """1.6 RemoteStopTransaction with the CSMS's id; 2.0.1 RequestStopTransaction with the
        charger's transactionId of that transaction.

        Refused before anything is sent: a transaction the CSMS does not know, or that has
        ended, is FAILED_PRECONDITION (no charger holds a transaction the CSMS did not hear
        of under that id: 1.6 ids are issued by the CSMS, and a 2.0.1 id is looked up from
        its record); another charger's, or (2.0.1) one recorded over 1.6, INVALID_ARGUMENT."""
        check_charger_id(request.charger_id)
        location = await self._tasks.locate(request.charger_id)
        version = location.ocpp_version
        if request.transaction_id <= 0:
            raise InvalidArgument("transaction_id", "must be a transaction id issued by this CSMS")
        transaction = await self._stores.transactions.get(request.transaction_id)
        not_sent = f"not sent to charger {request.charger_id!r}"
        if transaction is None:
            raise ConflictError(
                f"transaction {request.transaction_id} is not known to this CSMS: {not_sent}; "
                "pass a transaction_id the CSMS issued (TransactionService.ListTransactions)"
            )
        if transaction.charger_id != request.charger_id:
            raise InvalidArgument(
                "transaction_id",
                f"transaction {request.transaction_id} is on charger "
                f"{transaction.charger_id!r}, not {request.charger_id!r}",
            )
        if transaction.stopped_at is not None:
            raise ConflictError(
                f"transaction {request.transaction_id} already ended at "
                f"{transaction.stopped_at.isoformat()}"
                + (f" ({transaction.stop_reason})" if transaction.stop_reason else "")
                + f": {not_sent}"
            )
        charger_tx = ""
        if not version.is_16:
            charger_tx = await self._charger_transaction_id(
                request.charger_id, request.transaction_id
            )
        action, payload = commands.stop_charging(request.charger_id, version, request, charger_tx)
        answer = await self._send(location, action, payload)
        return chargers_pb2.StopChargingResponse(status=status_of(answer))

    @grpc_errors
    async def GetTransactionStatus(
        self, request: chargers_pb2.GetTransactionStatusRequest, context: Context
    ) -> chargers_pb2.GetTransactionStatusResponse:
        """2.0.1 GetTransactionStatus for one of the charger's transactions (by the CSMS's
        id) or, without transaction_id, for its message queue."""
        check_charger_id(request.charger_id)
        location = await self._tasks.locate(request.charger_id)
        version = location.ocpp_version
        charger_tx = ""
        if not version.is_16 and request.HasField("transaction_id"):
            charger_tx = await self._charger_transaction_id(
                request.charger_id, request.transaction_id
            )
        action, payload = commands.get_transaction_status(
            request.charger_id, version, request, charger_tx
        )
        answer = await self._send(location, action, payload)
        return commands.transaction_status_result(answer.payload)

    @grpc_errors
    async def UnlockConnector(
        self, request: chargers_pb2.UnlockConnectorRequest, context: Context
    ) -> chargers_pb2.UnlockConnectorResponse:
        """connector_id alone is the 1.6 connectorId (2.0.1: EVSE connector_id, connector 1);
        with evse_id the pair is 2.0.1's evseId/connectorId."""
        answer = await self._run(request, commands.unlock_connector)
        return chargers_pb2.UnlockConnectorResponse(
            status=status_of(answer), reason=commands.status_reason(answer.payload)
        )

    @grpc_errors
    async def ChangeAvailability(
        self, request: chargers_pb2.ChangeAvailabilityRequest, context: Context
    ) -> chargers_pb2.ChangeAvailabilityResponse:
        """The connector's new status is recorded when the charger reports it (StatusNotification).
        Whole charger, one EVSE (connector_id or evse_id) or one connector of an EVSE (2.0.1)."""
        answer = await self._run(request, commands.change_availability)
        return chargers_pb2.ChangeAvailabilityResponse(
            status=status_of(answer), reason=commands.status_reason(answer.payload)
        )

    @grpc_errors
    async def ClearCache(
        self, request: chargers_pb2.ClearCacheRequest, context: Context
    ) -> chargers_pb2.ClearCacheResponse:
        return chargers_pb2.ClearCacheResponse(
            status=await self._status(request, commands.clear_cache)
        )

    @grpc_errors
    async def DataTransfer(
        self, request: chargers_pb2.DataTransferRequest, context: Context
    ) -> chargers_pb2.DataTransferResponse:
        answer = await self._run(request, commands.data_transfer)
        data = answer.payload.get("data", "")
        return chargers_pb2.DataTransferResponse(
            status=status_of(answer),
            data=data if isinstance(data, str) else orjson.dumps(data).decode(),
        )
