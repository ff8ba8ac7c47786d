"""The public API for chargers (``csms.v1.ChargerService``): reads, and every command
(task) sent to a charger, with the effects the CSMS records (reservations, local list
versions, charging profiles, configuration keys) written through the stores."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

import grpc
import orjson
from csms.v1 import chargers_pb2, chargers_pb2_grpc, smart_charging_pb2
from google.protobuf.timestamp_pb2 import Timestamp

from services.common import to_proto_version
from services.manager import commands
from services.manager._authorization import Authorizer
from services.manager._context import Clock, parse_ocpp_time
from services.manager._errors import (
    ChargerCallError,
    ChargerNotConnected,
    ChargerNotFound,
    ChargerTimeout,
    ConflictError,
    InvalidArgument,
    NodeUnavailable,
    ResourceNotFound,
    grpc_errors,
)
from services.manager._lifecycle import ChargerLifecycle
from services.manager._policy import ChargerPolicy
from services.manager._rows import shown, shown_one
from services.manager._stores import Stores
from services.manager._task_results import SentTask, TaskResults
from services.manager._tasks import TaskResult, TaskSender
from services.manager.store import (
    CertificateRequestRecord,
    ChargerRecord,
    ChargerRequestRecord,
    ChargingLimitRecord,
    ChargingProfileRecord,
    ConnectorRecord,
    EVChargingNeedsRecord,
)
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


_REGISTRATION_STATUSES = {
    "Accepted": chargers_pb2.REGISTRATION_STATUS_ACCEPTED,
    "Pending": chargers_pb2.REGISTRATION_STATUS_PENDING,
    "Rejected": chargers_pb2.REGISTRATION_STATUS_REJECTED,
}


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
        firmware_status=record.firmware_status,
        diagnostics_status=record.diagnostics_status,
        log_status=record.log_status,
        local_list_version=record.local_list_version,
        location_id=record.location_id,
        security_profile=record.security_profile,
        registration_status=_REGISTRATION_STATUSES.get(
            record.registration_status, chargers_pb2.REGISTRATION_STATUS_UNSPECIFIED
        ),
        description=record.description,
        has_password=record.has_password,
        password_rotation_pending=record.password_rotation_pending,
    )
    version = location.ocpp_version if location else record.ocpp_version
    # A charger added by an operator that never connected has spoken no version yet.
    never_connected = record.last_seen_at is None and record.last_boot_at is None
    if version and (location is not None or not never_connected):
        charger.ocpp_version = to_proto_version(version)
    for field, value in (
        ("registered_at", record.registered_at),
        ("last_boot_at", record.last_boot_at),
        ("last_seen_at", record.last_seen_at),
        ("retired_at", record.retired_at),
    ):
        ts = _timestamp(value)
        if ts is not None:
            getattr(charger, field).CopyFrom(ts)
    charger.connectors.extend(
        shown(
            record.connectors,
            _connector_message,
            lambda c: f"connector ({c.evse_id}, {c.connector_id}) of charger {record.charger_id!r}",
        )
    )
    return charger


def _connector_message(record: ConnectorRecord) -> chargers_pb2.Connector:
    connector = chargers_pb2.Connector(
        evse_id=record.evse_id,
        connector_id=record.connector_id,
        status=record.status,
        error_code=record.error_code,
        info=record.info,
        vendor_error_code=record.vendor_error_code,
    )
    connector.updated_at.FromDatetime(record.updated_at)
    return connector


def _charger_named(record: ChargerRecord) -> str:
    return f"charger {record.charger_id!r}"


def check_charger_id(charger_id: str) -> None:
    if not charger_id:
        raise InvalidArgument("charger_id", "is required")
    if len(charger_id) > MAX_CHARGER_ID_LENGTH:
        raise InvalidArgument("charger_id", f"is longer than {MAX_CHARGER_ID_LENGTH} characters")


class ChargerServicer(chargers_pb2_grpc.ChargerServiceServicer):
    def __init__(
        self,
        stores: Stores,
        registry: Registry,
        tasks: TaskSender,
        clock: Clock,
        *,
        policy: ChargerPolicy | None = None,
    ) -> None:
        self._stores = stores
        self._store = stores.chargers
        self._registry = registry
        self._tasks = tasks
        self._clock = clock
        # Decides a tag's status for local lists and remote starts, as Authorize does.
        self._authorizer = Authorizer(stores.id_tags, stores.transactions, clock)
        # What each answer changes in the CSMS, for typed commands and SendCall alike.
        self._results = TaskResults(stores, clock)
        # Create, update, retire, restore (issue 11).
        self._lifecycle = ChargerLifecycle(
            stores, registry, tasks, clock, charger_message, policy=policy
        )

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
                records, lambda r: charger_message(r, locations.get(r.charger_id)), _charger_named
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
        return shown_one(record, lambda r: charger_message(r, location), _charger_named(record))

    async def _prepare(
        self, request: _R, build: Callable[[str, str, _R], commands.Call]
    ) -> tuple[ChargerLocation, str, dict[str, Any]]:
        """Locate the charger and build the message for its OCPP version (validating it)."""
        check_charger_id(request.charger_id)
        location = await self._tasks.locate(request.charger_id)
        action, payload = build(request.charger_id, location.ocpp_version, request)
        return location, action, payload

    async def _run(self, request: _R, build: Callable[[str, str, _R], commands.Call]) -> TaskResult:
        """Locate the charger, build the message for its OCPP version, send it, return the answer."""
        location, action, payload = await self._prepare(request, build)
        return await self._send(location, action, payload)

    async def _send(
        self, location: ChargerLocation, action: str, payload: dict[str, Any]
    ) -> TaskResult:
        """Send one task to the charger at `location`, its members in schema order, record
        what its answer changes (the action's result handler, ``TaskResults``) and return
        the answer."""
        payload = commands.in_schema_order(location.ocpp_version, action, payload)
        task = SentTask(location.charger_id, location.ocpp_version, action, payload, self._clock())
        await self._results.before(task)
        answer = await self._tasks.send(location, action, payload)
        await self._results.after(task, answer.payload)
        return answer

    async def _status(self, request: _R, build: Callable[[str, str, _R], commands.Call]) -> str:
        """Run a command whose answer is just a status."""
        return _status_of(await self._run(request, build))

    async def _known_charger(self, charger_id: str) -> None:
        check_charger_id(charger_id)
        if not await self._store.is_known(charger_id):
            raise ChargerNotFound(charger_id)

    # --- Core -------------------------------------------------------------------------

    @grpc_errors
    async def Reset(
        self, request: chargers_pb2.ResetRequest, context: Context
    ) -> chargers_pb2.ResetResponse:
        """SOFT/HARD keep their 1.6 meaning (2.0.1 OnIdle/Immediate); IMMEDIATE/ON_IDLE are
        2.0.1's kinds by name (ON_IDLE: FAILED_PRECONDITION on 1.6); evse_id needs 2.0.1."""
        answer = await self._run(request, commands.reset)
        return chargers_pb2.ResetResponse(
            status=_status_of(answer), reason=commands.status_reason(answer.payload)
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
        unrecorded = self._results.unrecorded(request.action)
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
        response = chargers_pb2.StartChargingResponse(status=_status_of(answer))
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
        if not commands.is_16(version):
            charger_tx = await self._charger_transaction_id(
                request.charger_id, request.transaction_id
            )
        action, payload = commands.stop_charging(request.charger_id, version, request, charger_tx)
        answer = await self._send(location, action, payload)
        return chargers_pb2.StopChargingResponse(status=_status_of(answer))

    async def _refuse_refused_tag(self, charger_id: str, id_tag: str) -> None:
        """FAILED_PRECONDITION for a tag the CSMS refuses (it knows it and Authorize would
        not answer Accepted), naming the tag or its group; a tag it does not know passes."""
        refusal = await self._authorizer.refusal(id_tag)
        if refusal is not None:
            raise ConflictError(
                f"{refusal}: not sent to charger {charger_id!r}; change the tag's status "
                "(IdTagService) or use another tag"
            )

    async def _charger_transaction_id(self, charger_id: str, transaction_id: int) -> str:
        """The 2.0.1 transactionId of the charger's transaction ``transaction_id``."""
        if transaction_id <= 0:
            raise InvalidArgument("transaction_id", "must be a transaction id issued by this CSMS")
        transaction = await self._stores.transactions.get(transaction_id)
        if transaction is None:
            raise ResourceNotFound(
                f"transaction {transaction_id} does not exist: pass the transaction_id the "
                "CSMS issued (TransactionService.ListTransactions)"
            )
        if transaction.charger_id != charger_id:
            raise InvalidArgument(
                "transaction_id",
                f"transaction {transaction_id} is on charger {transaction.charger_id!r}, "
                f"not {charger_id!r}",
            )
        if not transaction.charger_transaction_id:
            raise InvalidArgument(
                "transaction_id",
                f"transaction {transaction_id} was recorded over OCPP 1.6 and has no 2.0.1 "
                "transactionId the charger would know",
            )
        return transaction.charger_transaction_id

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
        if not commands.is_16(version) and request.HasField("transaction_id"):
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
            status=_status_of(answer), reason=commands.status_reason(answer.payload)
        )

    @grpc_errors
    async def ChangeAvailability(
        self, request: chargers_pb2.ChangeAvailabilityRequest, context: Context
    ) -> chargers_pb2.ChangeAvailabilityResponse:
        """The connector's new status is recorded when the charger reports it (StatusNotification).
        Whole charger, one EVSE (connector_id or evse_id) or one connector of an EVSE (2.0.1)."""
        answer = await self._run(request, commands.change_availability)
        return chargers_pb2.ChangeAvailabilityResponse(
            status=_status_of(answer), reason=commands.status_reason(answer.payload)
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
            status=_status_of(answer),
            data=data if isinstance(data, str) else orjson.dumps(data).decode(),
        )

    # --- Firmware Management and the security extension's log/firmware -----------------

    @grpc_errors
    async def GetDiagnostics(
        self, request: chargers_pb2.GetDiagnosticsRequest, context: Context
    ) -> chargers_pb2.GetDiagnosticsResponse:
        """Progress arrives later as DiagnosticsStatusNotification."""
        answer = await self._run(request, commands.get_diagnostics)
        return chargers_pb2.GetDiagnosticsResponse(file_name=answer.payload.get("fileName", ""))

    @grpc_errors
    async def GetLog(
        self, request: chargers_pb2.GetLogRequest, context: Context
    ) -> chargers_pb2.GetLogResponse:
        """Progress arrives later as LogStatusNotification carrying the returned request id."""
        request_id = _request_id(request.request_id)
        answer = await self._run(
            request, lambda cid, version, req: commands.get_log(cid, version, req, request_id)
        )
        status = _status_of(answer)
        filename = answer.payload.get("filename", "")
        return chargers_pb2.GetLogResponse(status=status, filename=filename, request_id=request_id)

    @grpc_errors
    async def UpdateFirmware(
        self, request: chargers_pb2.UpdateFirmwareRequest, context: Context
    ) -> chargers_pb2.UpdateFirmwareResponse:
        """1.6's answer is empty; progress arrives as FirmwareStatusNotification (2.0.1: with
        the returned request id, recorded under it)."""
        request_id = _request_id(request.request_id)
        answer = await self._run(
            request,
            lambda cid, version, req: commands.update_firmware(cid, version, req, request_id),
        )
        if commands.is_16(answer.location.ocpp_version):
            return chargers_pb2.UpdateFirmwareResponse()
        status = _status_of(answer)
        return chargers_pb2.UpdateFirmwareResponse(status=status, request_id=request_id)

    @grpc_errors
    async def SignedUpdateFirmware(
        self, request: chargers_pb2.SignedUpdateFirmwareRequest, context: Context
    ) -> chargers_pb2.SignedUpdateFirmwareResponse:
        """Progress arrives later as SignedFirmwareStatusNotification with the request id."""
        request_id = _request_id(request.request_id)
        answer = await self._run(
            request,
            lambda cid, version, req: commands.signed_update_firmware(
                cid, version, req, request_id
            ),
        )
        status = _status_of(answer)
        return chargers_pb2.SignedUpdateFirmwareResponse(status=status, request_id=request_id)

    # --- Reservation --------------------------------------------------------------------

    @grpc_errors
    async def ReserveNow(
        self, request: chargers_pb2.ReserveNowRequest, context: Context
    ) -> chargers_pb2.ReserveNowResponse:
        """Issue a reservation id (recorded Pending), send it, record the charger's answer.

        A tag the CSMS refuses (as for StartCharging) is FAILED_PRECONDITION, nothing sent or
        recorded. When the charger certainly did not take the reservation (CallError, not connected,
        message refused) it is recorded Rejected. When the answer is lost (timeout, node
        gone) the charger may hold it: it stays Pending, so a StartTransaction naming it
        still uses it, CancelReservation can withdraw it, and it expires at expiry_date.
        """
        check_charger_id(request.charger_id)
        commands.check_reserve_now(request)
        now = self._clock()
        expiry = request.expiry_date.ToDatetime(tzinfo=UTC)
        if expiry <= now:
            raise InvalidArgument("expiry_date", "must be in the future")
        location = await self._tasks.locate(request.charger_id)
        commands.check_reserve_now(request, location.ocpp_version)  # before anything is recorded
        await self._refuse_refused_tag(request.charger_id, request.id_tag)
        reservations = self._stores.reservations
        reservation = await reservations.create(
            charger_id=request.charger_id,
            connector_id=request.connector_id,
            id_tag=request.id_tag,
            parent_id_tag=request.parent_id_tag,
            expiry_date=expiry,
            at=now,
        )
        reservation_id = reservation.reservation_id
        action, payload = commands.reserve_now(
            request.charger_id, location.ocpp_version, request, reservation_id
        )
        try:
            answer = await self._send(location, action, payload)
        except (ChargerCallError, ChargerNotConnected, InvalidArgument):
            await reservations.set_outcome(reservation_id, "Rejected", self._clock())
            raise
        except ChargerTimeout as exc:
            raise ChargerTimeout(f"{exc}; {_still_pending(reservation_id)}") from exc
        except NodeUnavailable as exc:
            raise NodeUnavailable(f"{exc}; {_still_pending(reservation_id)}") from exc
        status = _status_of(answer)
        await reservations.set_outcome(reservation_id, status, self._clock())
        return chargers_pb2.ReserveNowResponse(status=status, reservation_id=reservation_id)

    @grpc_errors
    async def CancelReservation(
        self, request: chargers_pb2.CancelReservationRequest, context: Context
    ) -> chargers_pb2.CancelReservationResponse:
        """A reservation the CSMS knows as another charger's is refused; on Accepted it is
        recorded Cancelled."""
        location, action, payload = await self._prepare(request, commands.cancel_reservation)
        reservations = self._stores.reservations
        reservation = await reservations.get(request.reservation_id)
        if reservation is not None and reservation.charger_id != request.charger_id:
            raise InvalidArgument(
                "reservation_id",
                f"reservation {request.reservation_id} is on charger "
                f"{reservation.charger_id!r}, not {request.charger_id!r}",
            )
        answer = await self._send(location, action, payload)
        return chargers_pb2.CancelReservationResponse(status=_status_of(answer))

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
            status=_status_of(answer), list_version=list_version
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
        if tx_profile and not commands.is_16(version) and profile.HasField("transaction_id"):
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
        status = _status_of(answer)
        return chargers_pb2.SetChargingProfileResponse(
            status=status, reason=commands.status_reason(answer.payload)
        )

    @grpc_errors
    async def ClearChargingProfile(
        self, request: chargers_pb2.ClearChargingProfileRequest, context: Context
    ) -> chargers_pb2.ClearChargingProfileResponse:
        """On Accepted the profiles the charger cleared (same matching rule) are forgotten."""
        answer = await self._run(request, commands.clear_charging_profile)
        status = _status_of(answer)
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
        request_id = _request_id(request.request_id)
        location, action, payload = await self._prepare(
            request,
            lambda cid, version, req: commands.get_charging_profiles(cid, version, req, request_id),
        )
        # The request is recorded before sending (the charger may report before its answer
        # reaches us); parts reported before the answer arrived are kept.
        answer = await self._send(location, action, payload)
        status = _status_of(answer)
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
                _charging_limit_message,
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

    # --- Security extension -------------------------------------------------------------

    @grpc_errors
    async def InstallCertificate(
        self, request: chargers_pb2.InstallCertificateRequest, context: Context
    ) -> chargers_pb2.InstallCertificateResponse:
        status = await self._status(request, commands.install_certificate)
        return chargers_pb2.InstallCertificateResponse(status=status)

    @grpc_errors
    async def DeleteCertificate(
        self, request: chargers_pb2.DeleteCertificateRequest, context: Context
    ) -> chargers_pb2.DeleteCertificateResponse:
        status = await self._status(request, commands.delete_certificate)
        return chargers_pb2.DeleteCertificateResponse(status=status)

    @grpc_errors
    async def GetInstalledCertificateIds(
        self, request: chargers_pb2.GetInstalledCertificateIdsRequest, context: Context
    ) -> chargers_pb2.GetInstalledCertificateIdsResponse:
        answer = await self._run(request, commands.get_installed_certificate_ids)
        return commands.installed_certificate_ids_result(
            answer.location.ocpp_version, request, answer.payload
        )

    @grpc_errors
    async def CertificateSigned(
        self, request: chargers_pb2.CertificateSignedRequest, context: Context
    ) -> chargers_pb2.CertificateSignedResponse:
        status = await self._status(request, commands.certificate_signed)
        return chargers_pb2.CertificateSignedResponse(status=status)

    @grpc_errors
    async def ListCertificateRequests(
        self, request: chargers_pb2.ListCertificateRequestsRequest, context: Context
    ) -> chargers_pb2.ListCertificateRequestsResponse:
        """The CSRs the charger sent (SignCertificate), oldest first; no charger call."""
        await self._known_charger(request.charger_id)
        records = await self._stores.security.certificate_requests(request.charger_id)
        return chargers_pb2.ListCertificateRequestsResponse(
            requests=shown(
                records,
                _certificate_request_message,
                lambda r: f"certificate request {r.request_id} of charger {request.charger_id!r}",
            )
        )

    # --- OCPP 2.0.1 station messages: network profile, display, customer information ----

    @grpc_errors
    async def SetNetworkProfile(
        self, request: chargers_pb2.SetNetworkProfileRequest, context: Context
    ) -> chargers_pb2.SetNetworkProfileResponse:
        """Not recorded: the profile holds VPN/APN secrets, and the charger's
        NetworkConfigurationPriority (device model) says which slots it uses."""
        answer = await self._run(request, commands.set_network_profile)
        return chargers_pb2.SetNetworkProfileResponse(
            status=_status_of(answer), reason=_reason_of(answer)
        )

    @grpc_errors
    async def SetDisplayMessage(
        self, request: chargers_pb2.SetDisplayMessageRequest, context: Context
    ) -> chargers_pb2.SetDisplayMessageResponse:
        """On Accepted the message is recorded (replacing one with the same id)."""
        location, action, payload = await self._prepare(request, commands.set_display_message)
        answer = await self._send(location, action, payload)
        return chargers_pb2.SetDisplayMessageResponse(
            status=_status_of(answer), reason=_reason_of(answer)
        )

    @grpc_errors
    async def GetDisplayMessages(
        self, request: chargers_pb2.GetDisplayMessagesRequest, context: Context
    ) -> chargers_pb2.GetDisplayMessagesResponse:
        """The messages arrive later (NotifyDisplayMessages) under the returned request id."""
        request_id = _request_id(request.request_id)
        answer = await self._run(
            request,
            lambda cid, version, req: commands.get_display_messages(cid, version, req, request_id),
        )
        status = _status_of(answer)
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
        request_id = _request_id(request.request_id)
        answer = await self._run(
            request,
            lambda cid, version, req: commands.customer_information(cid, version, req, request_id),
        )
        status = _status_of(answer)
        return chargers_pb2.CustomerInformationResponse(status=status, request_id=request_id)

    @grpc_errors
    async def ListChargerRequests(
        self, request: chargers_pb2.ListChargerRequestsRequest, context: Context
    ) -> chargers_pb2.ListChargerRequestsResponse:
        """Requests reported on by id, newest first; no charger call."""
        await self._known_charger(request.charger_id)
        if request.page_size < 0 or request.page_size > MAX_PAGE_SIZE:
            raise InvalidArgument("page_size", f"must be between 0 and {MAX_PAGE_SIZE}")
        if request.kind not in _REQUEST_KINDS and request.kind:
            raise InvalidArgument("kind", f"unknown request kind {request.kind}")
        records = await self._stores.station.list_requests(
            request.charger_id,
            kind=_REQUEST_KINDS.get(request.kind),
            request_id=request.request_id if request.HasField("request_id") else None,
            limit=request.page_size or DEFAULT_PAGE_SIZE,
        )
        return chargers_pb2.ListChargerRequestsResponse(
            requests=shown(
                records,
                _charger_request_message,
                lambda r: f"{r.kind} request {r.request_id} of charger {request.charger_id!r}",
            )
        )


def _status_of(answer: TaskResult) -> str:
    return str(answer.payload["status"])


def _reason_of(answer: TaskResult) -> str:
    """A 2.0.1 answer's statusInfo as "reasonCode: additionalInfo" ("" when absent)."""
    info = answer.payload.get("statusInfo") or {}
    reason = str(info.get("reasonCode", ""))
    if info.get("additionalInfo"):
        reason = f"{reason}: {info['additionalInfo']}"
    return reason


_REQUEST_KINDS = {
    chargers_pb2.CHARGER_REQUEST_KIND_FIRMWARE: "Firmware",
    chargers_pb2.CHARGER_REQUEST_KIND_LOG: "Log",
    chargers_pb2.CHARGER_REQUEST_KIND_CUSTOMER_INFORMATION: "CustomerInformation",
    chargers_pb2.CHARGER_REQUEST_KIND_DISPLAY_MESSAGES: "DisplayMessages",
}
_REQUEST_KINDS_FROM = {name: kind for kind, name in _REQUEST_KINDS.items()}


def _request_id(requested: int) -> int:
    """The request's id, or a fresh positive 31-bit one for 0."""
    if requested < 0:
        raise InvalidArgument("request_id", "must not be negative (0 = the CSMS picks one)")
    return requested or commands.remote_start_id()


def _still_pending(reservation_id: int) -> str:
    return (
        f"reservation {reservation_id} stays Pending: the charger may hold it; "
        "cancel it or let it expire"
    )


def _charging_limit_message(record: ChargingLimitRecord) -> smart_charging_pb2.ChargingLimit:
    limit = smart_charging_pb2.ChargingLimit(evse_id=record.evse_id, source=record.source)
    if record.is_grid_critical is not None:
        limit.is_grid_critical = record.is_grid_critical
    for schedule in orjson.loads(record.schedules_json):
        limit.schedules.append(commands.schedule_from_ocpp(schedule))
    limit.updated_at.FromDatetime(record.updated_at)
    return limit


def _certificate_request_message(
    record: CertificateRequestRecord,
) -> chargers_pb2.CertificateRequest:
    item = chargers_pb2.CertificateRequest(
        id=record.request_id, certificate_type=record.certificate_type, csr=record.csr
    )
    item.received_at.FromDatetime(record.received_at)
    return item


def _charger_request_message(record: ChargerRequestRecord) -> chargers_pb2.ChargerRequest:
    item = chargers_pb2.ChargerRequest(
        kind=_REQUEST_KINDS_FROM[record.kind],
        request_id=record.request_id,
        status=record.status,
        data=record.data,
        complete=record.complete,
    )
    item.created_at.FromDatetime(record.created_at)
    item.updated_at.FromDatetime(record.updated_at)
    return item


def _enum(enum: Any, prefix: str, name: object) -> Any:
    """The proto enum value PREFIX_NAME for an OCPP name ("Absolute", "W"); 0 if none."""
    try:
        return enum.Value(f"{prefix}_{str(name).upper()}")
    except ValueError:
        return 0


def installed_profile_message(
    record: ChargingProfileRecord,
) -> smart_charging_pb2.InstalledChargingProfile:
    """A recorded profile back as the API's message (from the 1.6 or 2.0.1 JSON sent)."""
    data = orjson.loads(record.profile_json)
    schedule = data["chargingSchedule"]
    profile = smart_charging_pb2.ChargingProfile(
        charging_profile_id=record.charging_profile_id,
        stack_level=record.stack_level,
        purpose=commands.PURPOSE_FROM_16[record.purpose],
        kind=_enum(
            smart_charging_pb2.ChargingProfileKind,
            "CHARGING_PROFILE_KIND",
            data["chargingProfileKind"],
        ),
        schedule=commands.schedule_from_ocpp(
            schedule[0] if isinstance(schedule, list) else schedule
        ),
    )
    if record.transaction_id is not None:
        profile.transaction_id = record.transaction_id
    if isinstance(data.get("transactionId"), str):  # 2.0.1: the charger's transactionId
        profile.charger_transaction_id = data["transactionId"]
    if "recurrencyKind" in data:
        profile.recurrency_kind = _enum(
            smart_charging_pb2.RecurrencyKind, "RECURRENCY_KIND", data["recurrencyKind"]
        )
    if "validFrom" in data:
        profile.valid_from.FromDatetime(parse_ocpp_time(data["validFrom"]))
    if "validTo" in data:
        profile.valid_to.FromDatetime(parse_ocpp_time(data["validTo"]))
    installed = smart_charging_pb2.InstalledChargingProfile(
        charger_id=record.charger_id, connector_id=record.connector_id, profile=profile
    )
    installed.installed_at.FromDatetime(record.installed_at)
    return installed


def ev_charging_needs_message(record: EVChargingNeedsRecord) -> smart_charging_pb2.EVChargingNeeds:
    """Recorded EV charging needs as the API's message (from the 2.0.1 chargingNeeds JSON)."""
    data = orjson.loads(record.needs_json)
    needs = smart_charging_pb2.EVChargingNeeds(
        evse_id=record.evse_id,
        requested_energy_transfer=record.requested_energy_transfer,
        status=record.status,
    )
    if record.departure_time is not None:
        needs.departure_time.FromDatetime(record.departure_time)
    if record.max_schedule_tuples is not None:
        needs.max_schedule_tuples = record.max_schedule_tuples
    ac = data.get("acChargingParameters")
    if ac:
        needs.ac.CopyFrom(
            smart_charging_pb2.ACChargingParameters(
                energy_amount=ac["energyAmount"],
                ev_min_current=ac["evMinCurrent"],
                ev_max_current=ac["evMaxCurrent"],
                ev_max_voltage=ac["evMaxVoltage"],
            )
        )
    dc = data.get("dcChargingParameters")
    if dc:
        needs.dc.CopyFrom(
            smart_charging_pb2.DCChargingParameters(
                ev_max_current=dc["evMaxCurrent"], ev_max_voltage=dc["evMaxVoltage"]
            )
        )
        for field, key in (
            ("energy_amount", "energyAmount"),
            ("ev_max_power", "evMaxPower"),
            ("state_of_charge", "stateOfCharge"),
            ("ev_energy_capacity", "evEnergyCapacity"),
            ("full_soc", "fullSoC"),
            ("bulk_soc", "bulkSoC"),
        ):
            if key in dc:
                setattr(needs.dc, field, dc[key])
    needs.received_at.FromDatetime(record.received_at)
    return needs
