"""The OCPP 2.0.1 side of ``SqlTransactionStore``: TransactionEvents, each recorded once
(by seqNo and digest) and applied by the rules of ``_transaction_events``."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import Row, and_, func, select, update
from sqlalchemy.exc import IntegrityError

from ._common import utc
from ._reservations import LIVE_STATES
from ._schema import meter_values, reservations, transaction_events, transactions
from ._sqlbase import SqlStoreBase, charger_not_found, unavailable
from ._transaction_events import EnergyMarks, check_event, event_changes, new_transaction_row
from ._transactions import (
    TransactionEvent,
    TransactionEventOutcome,
    TransactionRecord,
    check_meter_value,
)

__all__ = ["SqlTransactionEvents", "transaction_record"]


class SqlTransactionEvents(SqlStoreBase):
    """``record_event`` and ``get_by_charger_transaction_id`` of ``TransactionStore``."""

    async def record_event(self, event: TransactionEvent) -> TransactionEventOutcome:
        check_event(event)
        t = transactions
        mine = and_(
            t.c.charger_id == event.charger_id,
            t.c.charger_transaction_id == event.charger_transaction_id,
        )
        async with unavailable("recording a transaction event"):
            try:
                async with self._engine.begin() as conn:
                    row = (await conn.execute(select(t).where(mine).with_for_update())).first()
                    created = False
                    if row is None:
                        new_id = await conn.scalar(
                            self._insert(t)
                            .values(**new_transaction_row(event, event.evse_id or 0))
                            .on_conflict_do_nothing(
                                index_elements=[t.c.charger_id, t.c.charger_transaction_id]
                            )
                            .returning(t.c.id)
                        )
                        created = new_id is not None
                        row = (await conn.execute(select(t).where(mine).with_for_update())).one()
                    outcome = await self._apply_event(conn, row, event, created)
            except IntegrityError as exc:
                raise charger_not_found(event.charger_id) from exc
        return outcome

    async def _apply_event(
        self, conn: Any, row: Row[Any], event: TransactionEvent, created: bool
    ) -> TransactionEventOutcome:
        """Record the event (a duplicate stops here), its meter values and changes."""
        tid = row.id
        e = transaction_events
        seen = await conn.scalar(
            self._insert(e)
            .values(
                transaction_id=tid,
                seq_no=event.seq_no,
                digest=event.digest,
                event_type=event.event_type,
                trigger_reason=event.trigger_reason,
                offline=event.offline,
                timestamp=utc(event.timestamp),
                id_token_status=event.id_token_status,
            )
            .on_conflict_do_nothing(index_elements=[e.c.transaction_id, e.c.seq_no, e.c.digest])
            .returning(e.c.seq_no)
        )
        current = transaction_record(row)
        if seen is None:
            answered = await conn.scalar(
                select(e.c.id_token_status).where(
                    e.c.transaction_id == tid,
                    e.c.seq_no == event.seq_no,
                    e.c.digest == event.digest,
                )
            )
            return TransactionEventOutcome(
                current, created=False, duplicate=True, ended=False, id_token_status=answered or ""
            )
        reused = False
        if current.last_seq_no is not None and event.seq_no <= current.last_seq_no:
            # Received before under this seqNo? Only then can it be a reuse (1 = the first).
            others = await conn.scalar(
                select(func.count()).where(
                    e.c.transaction_id == tid,
                    e.c.seq_no == event.seq_no,
                    e.c.digest != event.digest,
                )
            )
            reused = others == 1
        connector = event.evse_id or row.connector_id
        if event.meter_values:
            await conn.execute(
                self._insert(meter_values).on_conflict_do_nothing(),
                [
                    check_meter_value(replace(value, transaction_id=tid, connector_id=connector))
                    for value in event.meter_values
                ],
            )
        marks = EnergyMarks(row.meter_start_at, row.last_energy_at)
        changes = event_changes(current, marks, event)
        if changes:
            row = (
                await conn.execute(
                    update(transactions)
                    .where(transactions.c.id == tid)
                    .values(**changes)
                    .returning(*transactions.c)
                )
            ).one()
        if "reservation_id" in changes:
            await conn.execute(
                update(reservations)
                .where(
                    reservations.c.id == changes["reservation_id"],
                    reservations.c.charger_id == event.charger_id,
                    reservations.c.state.in_(LIVE_STATES),
                )
                .values(state="Used", transaction_id=tid, updated_at=utc(event.timestamp))
            )
        return TransactionEventOutcome(
            transaction_record(row),
            created=created,
            duplicate=False,
            ended="stopped_at" in changes,
            id_token_status=event.id_token_status,
            reused_seq_no=reused,
        )

    async def get_by_charger_transaction_id(
        self, charger_id: str, charger_transaction_id: str
    ) -> TransactionRecord | None:
        query = select(transactions).where(
            transactions.c.charger_id == charger_id,
            transactions.c.charger_transaction_id == charger_transaction_id,
        )
        async with unavailable("reading a transaction"), self._reader.connect() as conn:
            row = (await conn.execute(query)).first()
        return None if row is None else transaction_record(row)


def transaction_record(row: Row[Any]) -> TransactionRecord:
    return TransactionRecord(
        transaction_id=row.id,
        charger_id=row.charger_id,
        connector_id=row.connector_id,
        id_tag=row.id_tag,
        id_tag_status=row.id_tag_status,
        stop_id_tag=row.stop_id_tag or "",
        meter_start=row.meter_start,
        meter_stop=row.meter_stop,
        started_at=row.started_at,
        stopped_at=row.stopped_at,
        stop_reason=row.stop_reason,
        reservation_id=row.reservation_id,
        last_energy_wh=row.last_energy_wh,
        charger_transaction_id=row.charger_transaction_id or "",
        remote_start_id=row.remote_start_id,
        offline=bool(row.offline),
        id_token_type=row.id_token_type,
        charging_state=row.charging_state,
        last_seq_no=row.last_seq_no,
        ocpp_version=row.ocpp_version,
    )
