"""TransactionService: transactions and their meter values, read-only.

Every request is validated completely before a store is touched; a bad field is
``INVALID_ARGUMENT`` whose message starts with the field's path in the request."""

from __future__ import annotations

from csms.v1 import transactions_pb2, transactions_pb2_grpc

from services.common import to_proto_version
from services.manager._api_checks import (
    MAX_CHARGER_TRANSACTION_ID_LENGTH,
    MAX_MEASURAND_LENGTH,
    METER_VALUE_PAGE,
    TRANSACTION_PAGE,
    Context,
    charger_filter,
    checked_datetime,
    checked_page_size,
    id_token_filter,
    positive,
    timestamp,
)
from services.manager._errors import InvalidArgument, ResourceNotFound, grpc_errors
from services.manager._rows import shown, shown_one
from services.manager._stores import Stores
from services.manager.store import MeterValueRecord, TransactionRecord


def transaction_message(record: TransactionRecord) -> transactions_pb2.Transaction:
    message = transactions_pb2.Transaction(
        transaction_id=record.transaction_id,
        charger_id=record.charger_id,
        connector_id=record.connector_id,
        id_tag=record.id_tag,
        stop_id_tag=record.stop_id_tag,
        meter_start_wh=record.meter_start,
        started_at=timestamp(record.started_at),
        stop_reason=record.stop_reason,
        energy_wh=record.energy_wh,
        active=record.active,
        id_tag_status=record.id_tag_status,
    )
    if record.meter_stop is not None:
        message.meter_stop_wh = record.meter_stop
    if record.stopped_at is not None:
        message.stopped_at.CopyFrom(timestamp(record.stopped_at))
    if record.reservation_id is not None:
        message.reservation_id = record.reservation_id
    message.evse_id = record.connector_id
    message.ocpp_version = to_proto_version(record.ocpp_version)
    message.charger_transaction_id = record.charger_transaction_id
    if record.remote_start_id is not None:
        message.remote_start_id = record.remote_start_id
    message.offline = record.offline
    message.id_token_type = record.id_token_type
    message.charging_state = record.charging_state
    return message


def meter_value_message(record: MeterValueRecord) -> transactions_pb2.MeterValue:
    message = transactions_pb2.MeterValue(
        timestamp=timestamp(record.timestamp),
        value=record.value,
        measurand=record.measurand,
        phase=record.phase,
        unit=record.unit,
        context=record.context,
        location=record.location,
        format=record.format,
        connector_id=record.connector_id,
        signed_data=record.signed_data,
    )
    if record.transaction_id is not None:
        message.transaction_id = record.transaction_id
    return message


def _transaction_named(record: TransactionRecord) -> str:
    return f"transaction {record.transaction_id} of charger {record.charger_id!r}"


class TransactionServicer(transactions_pb2_grpc.TransactionServiceServicer):
    def __init__(self, stores: Stores) -> None:
        self._stores = stores

    @grpc_errors
    async def ListTransactions(
        self, request: transactions_pb2.ListTransactionsRequest, context: Context
    ) -> transactions_pb2.ListTransactionsResponse:
        page_size = checked_page_size(request.page_size, TRANSACTION_PAGE)
        charger_id = charger_filter(request.charger_id)
        id_tag = id_token_filter("id_tag", request.id_tag)
        charger_tx = request.charger_transaction_id or None
        if charger_tx is not None:
            if charger_id is None:
                raise InvalidArgument(
                    "charger_id", "is required with charger_transaction_id (ids are per charger)"
                )
            if len(charger_tx) > MAX_CHARGER_TRANSACTION_ID_LENGTH:
                raise InvalidArgument(
                    "charger_transaction_id",
                    f"is longer than {MAX_CHARGER_TRANSACTION_ID_LENGTH} characters",
                )
        after = (
            checked_datetime("started_after", request.started_after)
            if request.HasField("started_after")
            else None
        )
        before = (
            checked_datetime("started_before", request.started_before)
            if request.HasField("started_before")
            else None
        )
        if after is not None and before is not None and before <= after:
            raise InvalidArgument("started_before", "must be later than started_after")
        records, token = await self._stores.transactions.list(
            page_size=page_size,
            page_token=request.page_token,
            charger_id=charger_id,
            id_tag=id_tag,
            started_after=after,
            started_before=before,
            active=request.active if request.HasField("active") else None,
            charger_transaction_id=charger_tx,
            remote_start_id=(
                request.remote_start_id if request.HasField("remote_start_id") else None
            ),
        )
        return transactions_pb2.ListTransactionsResponse(
            transactions=shown(records, transaction_message, _transaction_named),
            next_page_token=token,
        )

    @grpc_errors
    async def GetTransaction(
        self, request: transactions_pb2.GetTransactionRequest, context: Context
    ) -> transactions_pb2.Transaction:
        transaction_id = positive("transaction_id", request.transaction_id)
        record = await self._stores.transactions.get(transaction_id)
        if record is None:
            raise ResourceNotFound(f"transaction {transaction_id} does not exist")
        return shown_one(record, transaction_message, _transaction_named(record))

    @grpc_errors
    async def ListMeterValues(
        self, request: transactions_pb2.ListMeterValuesRequest, context: Context
    ) -> transactions_pb2.ListMeterValuesResponse:
        transaction_id = positive("transaction_id", request.transaction_id)
        page_size = checked_page_size(request.page_size, METER_VALUE_PAGE)
        if len(request.measurand) > MAX_MEASURAND_LENGTH:
            raise InvalidArgument("measurand", f"is longer than {MAX_MEASURAND_LENGTH} characters")
        records, token = await self._stores.transactions.list_meter_values(
            transaction_id,
            page_size=page_size,
            page_token=request.page_token,
            measurand=request.measurand or None,
        )
        # Values exist only for an existing transaction: look it up only for an empty page.
        if not records and await self._stores.transactions.get(transaction_id) is None:
            raise ResourceNotFound(f"transaction {transaction_id} does not exist")
        return transactions_pb2.ListMeterValuesResponse(
            meter_values=shown(
                records,
                meter_value_message,
                lambda r: f"a meter value of transaction {transaction_id} at {r.timestamp}",
            ),
            next_page_token=token,
        )
