"""OCPP 2.0.1 / 2.1 transactions: TransactionEvent and MeterValues.

A 2.0.1 transaction is recorded in the same store as a 1.6 one: the CSMS issues its id
(the API's ``transaction_id``) and keeps the charger's transactionId beside it. The
events of one transaction may come late, twice or out of order (an offline queue
replayed); the store's rules (``store/_transaction_events.py``) make the result depend on
the events, not on their arrival:

- the first event received creates the transaction, whatever its type;
- an event received again (the same seqNo and payload) is a duplicate: answered as the
  first time, nothing stored again; a seqNo repeated with another payload (some stations
  number every event 0) is another event, applied, the first reuse of each seqNo in a
  transaction recorded as a ``repeated-seq-no`` anomaly. So an Ended is never taken for
  a duplicate of an Updated;
- a Started of a new transaction on an EVSE whose older transaction is still active ends
  that one as superseded (``_superseding``); its own Ended, arriving late, replaces that;
- Ended stops it once; a late Started only corrects its start;
- energy = the latest Energy.Active.Import.Register reading minus the earliest (values
  scaled by unitOfMeasure.multiplier; Wh or kWh).

Meter values are flattened as for 1.6 (``connector_id`` = the EVSE id), with 2.0.1's
defaults: unit Wh for energy measurands (none for others), context Sample.Periodic,
location Outlet; a signedMeterValue is kept beside its value (format SignedData).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

import orjson
from csms.v1 import watch_pb2

from services.manager._authorization import Authorizer
from services.manager._context import CallContext, parse_ocpp_time
from services.manager._superseding import supersede, superseded
from services.manager._watch import EventBus, charger_event
from services.manager.store import (
    ChargingProfileStore,
    MeterValueRecord,
    TransactionEvent,
    TransactionRecord,
    TransactionStore,
    event_digest,
)
from services.manager.v201.authorization import id_token_info
from services.manager.v201.messages import (
    Evse,
    IdTokenInfo,
    MeterValue,
    MeterValuesRequest,
    MeterValuesResponse,
    TransactionEventRequest,
    TransactionEventResponse,
)

log = logging.getLogger(__name__)

ENERGY_REGISTER = "Energy.Active.Import.Register"


def _value_text(value: float | int, multiplier: int) -> str:
    """A sampled value as stored: scaled by 10**multiplier, exact in decimal."""
    if not multiplier:
        return str(value)
    scaled = Decimal(repr(value)).scaleb(multiplier).normalize()
    return format(scaled, "f")


def meter_rows(
    charger_id: str, evse_id: int, transaction_id: int | None, meter_values: Iterable[MeterValue]
) -> list[MeterValueRecord]:
    """Flatten 2.0.1 meterValue[].sampledValue[] into rows, applying the spec's defaults."""
    rows = []
    for meter_value in meter_values:
        at = parse_ocpp_time(meter_value["timestamp"])
        for sample in meter_value["sampledValue"]:
            measurand = sample.get("measurand", ENERGY_REGISTER)
            unit_of_measure = sample.get("unitOfMeasure", {})
            unit = unit_of_measure.get("unit", "Wh" if measurand.startswith("Energy") else "")
            signed = sample.get("signedMeterValue")
            rows.append(
                MeterValueRecord(
                    charger_id=charger_id,
                    connector_id=evse_id,
                    transaction_id=transaction_id,
                    timestamp=at,
                    value=_value_text(sample["value"], unit_of_measure.get("multiplier", 0)),
                    measurand=measurand,
                    phase=sample.get("phase", ""),
                    unit=unit,
                    context=sample.get("context", "Sample.Periodic"),
                    location=sample.get("location", "Outlet"),
                    format="SignedData" if signed else "Raw",
                    signed_data=orjson.dumps(signed).decode() if signed else "",
                )
            )
    return rows


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
        connector_id: int,
        at: datetime,
        **fields: str | int | float,
    ) -> None:
        self._bus.publish(
            charger_event(
                kind,
                ctx.charger_id,
                ctx.ocpp_version,
                at,
                evse_id=record.connector_id,
                connector_id=connector_id,
                transaction_id=record.transaction_id,
                **fields,
            )
        )

    async def transaction_event(
        self, ctx: CallContext, req: TransactionEventRequest
    ) -> TransactionEventResponse:
        """Apply the event to the charger's transaction; answer idTokenInfo for an idToken."""
        info = req["transactionInfo"]
        charger_tx = info["transactionId"]
        event_type = req["eventType"]
        token = req.get("idToken")
        evse: Evse | None = req.get("evse")
        at = parse_ocpp_time(req["timestamp"])
        evse_id = evse["id"] if evse is not None else None
        connector_id = evse.get("connectorId", 0) if evse is not None else 0
        older = None  # the EVSE's active transaction a new one supersedes
        if event_type == "Started" and evse_id:
            active = await self._transactions.active_on(ctx.charger_id, evse_id)
            if active is not None and active.charger_transaction_id != charger_tx:
                older = superseded(active, at)
        token_info: IdTokenInfo | None = None
        if token is not None:
            existing = await self._transactions.get_by_charger_transaction_id(
                ctx.charger_id, charger_tx
            )
            # A token already recorded as this transaction's is not starting another, nor
            # is one replacing its own stale transaction on the EVSE.
            starting = (
                event_type != "Ended"
                and (existing is None or existing.id_tag != token["idToken"])
                and (older is None or older.id_tag != token["idToken"])
            )
            token_info = await id_token_info(self._authorizer, token, starting=starting)
        outcome = await self._transactions.record_event(
            TransactionEvent(
                charger_id=ctx.charger_id,
                charger_transaction_id=charger_tx,
                event_type=event_type,
                seq_no=req["seqNo"],
                timestamp=at,
                trigger_reason=req["triggerReason"],
                offline=req.get("offline", False),
                evse_id=evse_id,
                id_token=token["idToken"] if token else "",
                id_token_type=token["type"] if token else "",
                id_token_status=token_info["status"] if token_info else "",
                remote_start_id=info.get("remoteStartId"),
                reservation_id=req.get("reservationId"),
                stopped_reason=info.get("stoppedReason", ""),
                charging_state=info.get("chargingState", ""),
                meter_values=tuple(
                    meter_rows(ctx.charger_id, evse_id or 0, None, req.get("meterValue", ()))
                ),
                ocpp_version=ctx.ocpp_version,
                digest=event_digest(req),
            )
        )
        record = outcome.transaction
        if outcome.duplicate:
            log.info(
                "charger %s repeated seqNo %s of transaction %s",
                ctx.charger_id,
                req["seqNo"],
                charger_tx,
            )
            if token_info is not None and outcome.id_token_status:
                token_info["status"] = outcome.id_token_status
        else:
            if outcome.reused_seq_no:
                log.warning(
                    "charger %s reused seqNo %s in transaction %s for another event",
                    ctx.charger_id,
                    req["seqNo"],
                    charger_tx,
                )
                await self._transactions.record_anomaly(
                    charger_id=ctx.charger_id,
                    kind="repeated-seq-no",
                    transaction_id=record.transaction_id,
                    payload=orjson.dumps(req).decode(),
                    at=ctx.received_at,
                )
            if outcome.created and older is not None:
                ended = await supersede(self._transactions, self._profiles, ctx, older, record, req)
                if ended is not None and self._bus.has_watchers:
                    self._publish(
                        watch_pb2.EVENT_KIND_TRANSACTION_ENDED,
                        ctx,
                        ended,
                        connector_id,
                        record.started_at,
                        energy_wh=ended.energy_wh,
                        message=f"ended: transaction {record.transaction_id} started on its EVSE",
                    )
            if outcome.ended:
                await self._profiles.transaction_ended(ctx.charger_id, record.transaction_id)
            if self._bus.has_watchers:
                self._tell_watchers(ctx, outcome.created, outcome.ended, record, connector_id, at)
        return {} if token_info is None else {"idTokenInfo": token_info}

    def _tell_watchers(
        self,
        ctx: CallContext,
        created: bool,
        ended: bool,
        record: TransactionRecord,
        connector: int,
        at: datetime,
    ) -> None:
        if created:
            who = (
                f"id token {record.id_tag} ({record.id_tag_status})"
                if record.id_tag
                else "not authorized yet"
            )
            self._publish(
                watch_pb2.EVENT_KIND_TRANSACTION_STARTED,
                ctx,
                record,
                connector,
                record.started_at,
                status=record.id_tag_status,
                message=f"transaction {record.charger_transaction_id}: {who}",
            )
        if ended:
            self._publish(
                watch_pb2.EVENT_KIND_TRANSACTION_ENDED,
                ctx,
                record,
                connector,
                at,
                energy_wh=record.energy_wh,
                message=f"stopped ({record.stop_reason})",
            )
        elif not created and record.active:
            self._publish(
                watch_pb2.EVENT_KIND_TRANSACTION_UPDATED,
                ctx,
                record,
                connector,
                at,
                energy_wh=record.energy_wh,
            )

    async def meter_values(self, ctx: CallContext, req: MeterValuesRequest) -> MeterValuesResponse:
        """Store every sampled value, linked to no transaction: 2.0.1 sends a transaction's
        values in TransactionEvent, and MeterValues names none (evseId 0 = the main meter)."""
        await self._transactions.add_meter_values(
            meter_rows(ctx.charger_id, req["evseId"], None, req["meterValue"])
        )
        return {}
