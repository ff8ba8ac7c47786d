"""``TransactionStore`` on PostgreSQL or SQLite.

Transaction ids come from the ``transactions.id`` sequence (AUTOINCREMENT on SQLite, so
never reused). ``start`` is idempotent through the UNIQUE ``start_key``
(``domain.start_key``): ``INSERT .. ON CONFLICT (start_key) DO NOTHING RETURNING *``, and
only when nothing was inserted a read by key, so concurrent retries of one
StartTransaction make one row and all get its id. Meter values go in one executemany per
call. See docs/adr/0006-transactions-and-volume.md.
"""

from __future__ import annotations

import builtins
from datetime import datetime

from sqlalchemy import and_, func, or_, select, tuple_, update
from sqlalchemy.exc import IntegrityError

from services.manager.domain import start_key

from ._common import check_charger_id, check_page_size, utc
from ._keyset import check_id_tag, check_length, decode_keyset, encode_keyset, from_iso, to_iso
from ._meter_values_sql import SqlMeterValues
from ._reservations import LIVE_STATES
from ._schema import reservations, transaction_anomalies, transactions
from ._sqlbase import charger_not_found, unavailable
from ._transaction_events_sql import SqlTransactionEvents, transaction_record
from ._transactions import ANOMALY_KINDS, SUPERSEDED_PREFIX, StopOutcome, TransactionRecord

__all__ = ["SqlTransactionStore", "list_filters"]


class SqlTransactionStore(SqlMeterValues, SqlTransactionEvents):
    """Transactions, meter values and anomalies in their tables; the meter values
    (``_meter_values_sql``) and the 2.0.1 events (``_transaction_events_sql``) in modules
    of their own."""

    async def start(
        self,
        *,
        charger_id: str,
        connector_id: int,
        id_tag: str,
        id_tag_status: str,
        meter_start: int,
        started_at: datetime,
        reservation_id: int | None = None,
    ) -> tuple[TransactionRecord, bool]:
        check_charger_id(charger_id)
        check_id_tag(id_tag)
        check_length("id_tag_status", id_tag_status, 16, empty=False)
        started_at = utc(started_at)
        key = start_key(charger_id, connector_id, id_tag, started_at, meter_start)
        insert = (
            self._insert(transactions)
            .values(
                charger_id=charger_id,
                connector_id=connector_id,
                id_tag=id_tag,
                id_tag_status=id_tag_status,
                meter_start=meter_start,
                started_at=started_at,
                reservation_id=reservation_id,
                start_key=key,
            )
            .on_conflict_do_nothing(index_elements=[transactions.c.start_key])
            .returning(*transactions.c)
        )
        async with unavailable("starting a transaction"):
            try:
                async with self._engine.begin() as conn:
                    row = (await conn.execute(insert)).first()
                    created = row is not None
                    if row is not None and reservation_id is not None:
                        await conn.execute(
                            update(reservations)
                            .where(
                                reservations.c.id == reservation_id,
                                reservations.c.charger_id == charger_id,
                                reservations.c.state.in_(LIVE_STATES),
                            )
                            .values(state="Used", transaction_id=row.id, updated_at=started_at)
                        )
                    if row is None:
                        # A retry (or a concurrent twin that committed first) finds the row here.
                        row = (
                            await conn.execute(
                                select(transactions).where(transactions.c.start_key == key)
                            )
                        ).one()
            except IntegrityError as exc:
                raise charger_not_found(charger_id) from exc
        return transaction_record(row), created

    async def stop(
        self,
        *,
        charger_id: str,
        transaction_id: int,
        meter_stop: int,
        stopped_at: datetime,
        reason: str,
        stop_id_tag: str = "",
    ) -> TransactionRecord | None:
        outcome = await self.stop_outcome(
            charger_id=charger_id,
            transaction_id=transaction_id,
            meter_stop=meter_stop,
            stopped_at=stopped_at,
            reason=reason,
            stop_id_tag=stop_id_tag,
        )
        return outcome.transaction

    async def stop_outcome(
        self,
        *,
        charger_id: str,
        transaction_id: int,
        meter_stop: int,
        stopped_at: datetime,
        reason: str,
        stop_id_tag: str = "",
    ) -> StopOutcome:
        stopped_at = utc(stopped_at)
        check_length("stop reason", reason, 32)
        if stop_id_tag:
            check_id_tag(stop_id_tag, "stop id tag")
        mine = and_(transactions.c.id == transaction_id, transactions.c.charger_id == charger_id)
        open_or_provisional = or_(
            transactions.c.stopped_at.is_(None),
            and_(
                transactions.c.stop_reason.startswith(SUPERSEDED_PREFIX, autoescape=True),
                transactions.c.stop_reason != reason,
            ),
        )
        statement = (
            update(transactions)
            .where(mine, open_or_provisional)
            .values(
                meter_stop=meter_stop,
                stopped_at=stopped_at,
                stop_reason=reason,
                stop_id_tag=stop_id_tag or None,
            )
            .returning(*transactions.c)
        )
        async with unavailable("stopping a transaction"), self._engine.begin() as conn:
            row = (await conn.execute(statement)).first()
            stopped = row is not None
            if row is None:  # unknown, another charger's, or stopped already
                row = (await conn.execute(select(transactions).where(mine))).first()
        return StopOutcome(None if row is None else transaction_record(row), stopped)

    async def record_anomaly(
        self, *, charger_id: str, kind: str, transaction_id: int | None, payload: str, at: datetime
    ) -> None:
        if kind not in ANOMALY_KINDS:
            raise ValueError(f"anomaly kind must be one of {sorted(ANOMALY_KINDS)}, got {kind!r}")
        statement = transaction_anomalies.insert().values(
            charger_id=check_charger_id(charger_id),
            kind=kind,
            transaction_id=transaction_id,
            payload=payload,
            received_at=utc(at),
        )
        async with unavailable("recording an anomaly"), self._engine.begin() as conn:
            await conn.execute(statement)

    async def anomalies(
        self, charger_id: str
    ) -> builtins.list[tuple[str, int | None, str, datetime]]:
        t = transaction_anomalies
        query = (
            select(t.c.kind, t.c.transaction_id, t.c.payload, t.c.received_at)
            .where(t.c.charger_id == charger_id)
            .order_by(t.c.id)
        )
        async with unavailable("reading anomalies"), self._reader.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [(row[0], row[1], row[2], row[3]) for row in rows]

    async def get(self, transaction_id: int) -> TransactionRecord | None:
        query = select(transactions).where(transactions.c.id == transaction_id)
        async with unavailable("reading a transaction"), self._reader.connect() as conn:
            row = (await conn.execute(query)).first()
        return None if row is None else transaction_record(row)

    async def active_on(self, charger_id: str, connector_id: int) -> TransactionRecord | None:
        query = (
            select(transactions)
            .where(
                transactions.c.charger_id == charger_id,
                transactions.c.connector_id == connector_id,
                transactions.c.stopped_at.is_(None),
            )
            .order_by(transactions.c.started_at.desc(), transactions.c.id.desc())
            .limit(1)
        )
        async with unavailable("reading a transaction"), self._reader.connect() as conn:
            row = (await conn.execute(query)).first()
        return None if row is None else transaction_record(row)

    async def active_count(self, id_tag: str) -> int:
        query = select(func.count()).where(
            transactions.c.id_tag == id_tag, transactions.c.stopped_at.is_(None)
        )
        async with unavailable("counting transactions"), self._reader.connect() as conn:
            return int(await conn.scalar(query) or 0)

    async def list(
        self,
        *,
        page_size: int,
        page_token: str = "",
        charger_id: str | None = None,
        id_tag: str | None = None,
        started_after: datetime | None = None,
        started_before: datetime | None = None,
        active: bool | None = None,
        charger_transaction_id: str | None = None,
        remote_start_id: int | None = None,
    ) -> tuple[builtins.list[TransactionRecord], str]:
        check_page_size(page_size)
        filters = list_filters(
            charger_id=charger_id,
            id_tag=id_tag,
            started_after=started_after,
            started_before=started_before,
            active=active,
            charger_transaction_id=charger_transaction_id,
            remote_start_id=remote_start_id,
        )
        t = transactions
        query = select(t).order_by(t.c.started_at.desc(), t.c.id.desc()).limit(page_size + 1)
        if page_token:
            after_at, after_id = decode_keyset(page_token, "transactions", filters, (str, int))
            query = query.where(tuple_(t.c.started_at, t.c.id) < (from_iso(after_at), after_id))
        if charger_id is not None:
            query = query.where(t.c.charger_id == charger_id)
        if id_tag is not None:
            query = query.where(t.c.id_tag == id_tag)
        if started_after is not None:
            query = query.where(t.c.started_at >= utc(started_after))
        if started_before is not None:
            query = query.where(t.c.started_at < utc(started_before))
        if charger_transaction_id is not None:
            query = query.where(t.c.charger_transaction_id == charger_transaction_id)
        if remote_start_id is not None:
            query = query.where(t.c.remote_start_id == remote_start_id)
        if active is True:
            query = query.where(t.c.stopped_at.is_(None))
        elif active is False:
            query = query.where(t.c.stopped_at.is_not(None))
        async with unavailable("listing transactions"), self._reader.connect() as conn:
            rows = (await conn.execute(query)).all()
        page = [transaction_record(row) for row in rows[:page_size]]
        token = ""
        if len(rows) > page_size:
            last = page[-1]
            token = encode_keyset(
                "transactions", [to_iso(last.started_at), last.transaction_id], filters
            )
        return page, token


def list_filters(
    *,
    charger_id: str | None,
    id_tag: str | None,
    started_after: datetime | None,
    started_before: datetime | None,
    active: bool | None,
    charger_transaction_id: str | None,
    remote_start_id: int | None,
) -> dict[str, str | int | bool | None]:
    """The filters a transactions page token carries (the 2.0.1 ones only when set, so
    tokens issued before they existed stay valid)."""
    filters: dict[str, str | int | bool | None] = {
        "charger_id": charger_id,
        "id_tag": id_tag,
        "started_after": None if started_after is None else to_iso(started_after),
        "started_before": None if started_before is None else to_iso(started_before),
        "active": active,
    }
    if charger_transaction_id is not None:
        filters["charger_transaction_id"] = charger_transaction_id
    if remote_start_id is not None:
        filters["remote_start_id"] = remote_start_id
    return filters
