"""OCPP 1.6 Core transactions: StartTransaction, StopTransaction, MeterValues."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

import orjson
from csms.v1 import watch_pb2

from services.manager._authorization import Authorizer
from services.manager._context import CallContext, parse_ocpp_time
from services.manager._superseding import supersede, superseded
from services.manager._watch import EventBus, charger_event
from services.manager.store import (
    ChargingProfileStore,
    MeterValueRecord,
    TransactionRecord,
    TransactionStore,
)
from services.manager.v16.messages import (
    MeterValue,
    MeterValuesRequest,
    MeterValuesResponse,
    StartTransactionRequest,
    StartTransactionResponse,
    StopTransactionRequest,
    StopTransactionResponse,
)

log = logging.getLogger(__name__)


def meter_rows(
    charger_id: str,
    connector_id: int,
    transaction_id: int | None,
    meter_values: Iterable[MeterValue],
) -> list[MeterValueRecord]:
    """Flatten 1.6 meterValue[].sampledValue[] into rows, applying the spec's defaults."""
    rows = []
    for meter_value in meter_values:
        at = parse_ocpp_time(meter_value["timestamp"])
        for sample in meter_value["sampledValue"]:
            rows.append(
                MeterValueRecord(
                    charger_id=charger_id,
                    connector_id=connector_id,
                    transaction_id=transaction_id,
                    timestamp=at,
                    value=sample["value"],
                    measurand=sample.get("measurand", "Energy.Active.Import.Register"),
                    phase=sample.get("phase", ""),
                    unit=sample.get("unit", "Wh"),
                    context=sample.get("context", "Sample.Periodic"),
                    location=sample.get("location", "Outlet"),
                    format=sample.get("format", "Raw"),
                )
            )
    return rows


def _is_retry(
    existing: TransactionRecord, id_tag: str, meter_start: int, started_at: datetime
) -> bool:
    return (
        existing.id_tag == id_tag
        and existing.meter_start == meter_start
        and existing.started_at == started_at
    )


class Transactions:
    def __init__(
        self,
        transactions: TransactionStore,
        profiles: ChargingProfileStore,
        authorizer: Authorizer,
        bus: EventBus,
    ) -> None:
        self._transactions = transactions
        self._profiles = profiles
        self._authorizer = authorizer
        self._bus = bus

    def _publish(
        self,
        kind: watch_pb2.EventKind,
        ctx: CallContext,
        record: TransactionRecord,
        at: datetime,
        **fields: str | int | float,
    ) -> None:
        """Tell watchers about `record` (1.6 connectorId N is EVSE N, connector 1)."""
        self._bus.publish(
            charger_event(
                kind,
                ctx.charger_id,
                ctx.ocpp_version,
                at,
                evse_id=record.connector_id,
                connector_id=1 if record.connector_id > 0 else 0,
                transaction_id=record.transaction_id,
                **fields,
            )
        )

    async def start_transaction(
        self, ctx: CallContext, req: StartTransactionRequest
    ) -> StartTransactionResponse:
        """Issue a transaction id; a retried Start (same connector, tag, time, meter) gets the same one.

        The transaction is recorded whatever the tag's status: the charger has started it
        and will stop it if the answer is not Accepted.
        """
        connector = req["connectorId"]
        id_tag = req["idTag"]
        meter_start = req["meterStart"]
        started_at = parse_ocpp_time(req["timestamp"])
        existing = await self._transactions.active_on(ctx.charger_id, connector)
        if existing is not None and _is_retry(existing, id_tag, meter_start, started_at):
            return {  # members in schema order, as every reply
                "idTagInfo": {"status": existing.id_tag_status},
                "transactionId": existing.transaction_id,
            }
        # A newer start supersedes the connector's active transaction (`_supersede`); when
        # that one is the tag's own, the tag is not starting a concurrent transaction.
        older = superseded(existing, started_at)
        concurrent = older is None or older.id_tag != id_tag
        info = await self._authorizer.id_tag_info(id_tag, starting=concurrent)
        record, created = await self._transactions.start(
            charger_id=ctx.charger_id,
            connector_id=connector,
            id_tag=id_tag,
            id_tag_status=info["status"],
            meter_start=meter_start,
            started_at=started_at,
            reservation_id=req.get("reservationId"),
        )
        if not created:  # a concurrent retry won the race
            return {
                "transactionId": record.transaction_id,
                "idTagInfo": {"status": record.id_tag_status},
            }
        if older is not None:
            await self._supersede(ctx, older, record, req)
        if self._bus.has_watchers:
            self._publish(
                watch_pb2.EVENT_KIND_TRANSACTION_STARTED,
                ctx,
                record,
                started_at,
                status=info["status"],
                message=f"id tag {id_tag} ({info['status']}), meter start {meter_start} Wh",
            )
        return {"idTagInfo": info, "transactionId": record.transaction_id}

    async def _supersede(
        self,
        ctx: CallContext,
        older: TransactionRecord,
        newer: TransactionRecord,
        req: StartTransactionRequest,
    ) -> None:
        """End `older`, still active on the connector `newer` started on (``_superseding``)."""
        ended = await supersede(self._transactions, self._profiles, ctx, older, newer, req)
        if ended is not None and self._bus.has_watchers:
            self._publish(
                watch_pb2.EVENT_KIND_TRANSACTION_ENDED,
                ctx,
                ended,
                newer.started_at,
                energy_wh=ended.energy_wh,
                message=f"ended: transaction {newer.transaction_id} started on its connector",
            )

    async def stop_transaction(
        self, ctx: CallContext, req: StopTransactionRequest
    ) -> StopTransactionResponse:
        """Close the transaction; an unknown id is answered and recorded as an anomaly."""
        transaction_id = req["transactionId"]
        stopped_at = parse_ocpp_time(req["timestamp"])
        outcome = await self._transactions.stop_outcome(
            charger_id=ctx.charger_id,
            transaction_id=transaction_id,
            meter_stop=req["meterStop"],
            stopped_at=stopped_at,
            reason=req.get("reason", "Local"),
            stop_id_tag=req.get("idTag", ""),
        )
        record = outcome.transaction
        if record is None:
            log.warning("charger %s stopped unknown transaction %s", ctx.charger_id, transaction_id)
            await self._transactions.record_anomaly(
                charger_id=ctx.charger_id,
                kind="unknown-transaction-stop",
                transaction_id=transaction_id,
                payload=orjson.dumps(req).decode(),
                at=ctx.received_at,
            )
        elif outcome.stopped:  # not a retry: once per stop
            await self._profiles.transaction_ended(ctx.charger_id, transaction_id)
            if self._bus.has_watchers:
                self._publish(
                    watch_pb2.EVENT_KIND_TRANSACTION_ENDED,
                    ctx,
                    record,
                    stopped_at,
                    energy_wh=record.energy_wh,
                    message=f"stopped ({record.stop_reason})",
                )
        if req.get("transactionData"):
            connector = record.connector_id if record is not None else 0
            await self._transactions.add_meter_values(
                meter_rows(
                    ctx.charger_id,
                    connector,
                    transaction_id if record is not None else None,
                    req["transactionData"],
                )
            )
        answer: StopTransactionResponse = {}
        if "idTag" in req:
            answer["idTagInfo"] = await self._authorizer.id_tag_info(req["idTag"])
        return answer

    async def meter_values(self, ctx: CallContext, req: MeterValuesRequest) -> MeterValuesResponse:
        """Store every sampled value once (a retried call stores and publishes nothing
        again); values naming an unknown transaction are kept unlinked and the anomaly
        recorded. One database transaction is shared with concurrent calls."""
        transaction_id = req.get("transactionId")
        outcome = await self._transactions.add_meter_values_outcome(
            meter_rows(ctx.charger_id, req["connectorId"], transaction_id, req["meterValue"])
        )
        if transaction_id is None:
            return {}
        if transaction_id in outcome.unknown:
            await self._transactions.record_anomaly(
                charger_id=ctx.charger_id,
                kind="meter-values-unknown-transaction",
                transaction_id=transaction_id,
                payload=orjson.dumps(req).decode(),
                at=ctx.received_at,
            )
        elif transaction_id in outcome.updated and self._bus.has_watchers:
            # Read back for the energy: the store decides which reading is the latest.
            updated = await self._transactions.get(transaction_id)
            if updated is not None and updated.active:
                self._publish(
                    watch_pb2.EVENT_KIND_TRANSACTION_UPDATED,
                    ctx,
                    updated,
                    ctx.received_at,
                    energy_wh=updated.energy_wh,
                )
        return {}
