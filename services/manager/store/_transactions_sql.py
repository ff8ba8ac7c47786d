"""``TransactionStore`` on PostgreSQL or SQLite.

Transaction ids come from the ``transactions.id`` sequence (AUTOINCREMENT on SQLite, so
never reused). ``start`` is idempotent through the UNIQUE ``start_key``
(``domain.start_key``): ``INSERT .. ON CONFLICT (start_key) DO NOTHING RETURNING *``, and
only when nothing was inserted a read by key, so concurrent retries of one
StartTransaction make one row and all get its id; concurrent starts share that statement
(one row each, through ``GroupCommit``). Meter values go in one executemany per batch. See
docs/adr/0006-transactions-and-volume.md and docs/benchmarks.md (session mix).
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, bindparam, func, or_, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from services.manager.domain import start_key

from ._common import check_charger_id, check_page_size, utc
from ._group import GroupCommit
from ._keyset import check_id_tag, check_length, decode_keyset, encode_keyset, from_iso, to_iso
from ._meter_values_sql import SqlMeterValues
from ._reservations import LIVE_STATES
from ._schema import reservations, transaction_anomalies, transactions
from ._sqlbase import charger_not_found, unavailable
from ._transaction_events_sql import SqlTransactionEvents, transaction_record
from ._transactions import ANOMALY_KINDS, SUPERSEDED_PREFIX, StopOutcome, TransactionRecord

__all__ = ["SqlTransactionStore", "list_filters"]


@dataclass(slots=True)
class _StartCall:
    """One ``start`` (without a reservation) in a group commit; the writer fills in
    ``row`` and ``created``."""

    values: dict[str, Any]
    row: Row[Any] | None = None
    created: bool = False


_NOT_STOPPED = StopOutcome(None, False)


@dataclass(slots=True)
class _StopCall:
    """One ``stop_outcome`` in a group commit; the writer fills in ``outcome``."""

    params: dict[str, Any]
    outcome: StopOutcome = field(default=_NOT_STOPPED)


_MINE = and_(
    transactions.c.id == bindparam("tid"), transactions.c.charger_id == bindparam("charger")
)
#: Stop the transaction if open, or if provisionally stopped (superseded) for another reason.
_STOP = (
    update(transactions)
    .where(
        _MINE,
        or_(
            transactions.c.stopped_at.is_(None),
            and_(
                transactions.c.stop_reason.startswith(SUPERSEDED_PREFIX, autoescape=True),
                transactions.c.stop_reason != bindparam("reason"),
            ),
        ),
    )
    .values(
        meter_stop=bindparam("meter_stop"),
        stopped_at=bindparam("stopped_at"),
        stop_reason=bindparam("reason"),
        stop_id_tag=bindparam("stop_id_tag"),
    )
    .returning(*transactions.c)
)
_READ_MINE = select(transactions).where(_MINE)


class SqlTransactionStore(SqlMeterValues, SqlTransactionEvents):
    """Transactions, meter values and anomalies in their tables; the meter values
    (``_meter_values_sql``) and the 2.0.1 events (``_transaction_events_sql``) in modules
    of their own.

    Under load the per-message statements of a charging session are shared: concurrent
    ``start`` calls (without a reservation) go in one ``INSERT .. RETURNING``,
    concurrent ``active_on`` reads are one ``SELECT`` and concurrent ``stop_outcome``
    calls share one database transaction (``GroupCommit``: a lone call goes at once, and
    each returns only after its batch has committed).
    """

    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__(engine)
        self._starts: GroupCommit[_StartCall, None] = GroupCommit(self._write_starts)
        self._active_reads: GroupCommit[str, dict[tuple[str, int], Row[Any]]] = GroupCommit(
            self._read_active
        )
        self._stops: GroupCommit[_StopCall, None] = GroupCommit(self._write_stops)

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
        if reservation_id is None:
            call = _StartCall(
                {
                    "charger_id": charger_id,
                    "connector_id": connector_id,
                    "id_tag": id_tag,
                    "id_tag_status": id_tag_status,
                    "meter_start": meter_start,
                    "started_at": started_at,
                    "reservation_id": None,
                    "start_key": key,
                }
            )
            await self._starts.submit(call)
            assert call.row is not None  # set by _write_starts before the submit returns
            return transaction_record(call.row), call.created
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

    async def _write_starts(self, calls: builtins.list[_StartCall]) -> None:
        """One ``INSERT .. ON CONFLICT (start_key) DO NOTHING RETURNING *`` for every
        waiting start (of copies in one batch the first one creates), then one read by key
        of those that existed already. An unknown charger fails the batch: alone, its call
        gets ``NotFound`` (``GroupCommit`` writes each call alone when a batch fails)."""
        first: dict[str, _StartCall] = {}
        for call in calls:
            first.setdefault(call.values["start_key"], call)
        insert = (
            self._insert(transactions)
            .on_conflict_do_nothing(index_elements=[transactions.c.start_key])
            .returning(*transactions.c)
        )
        async with unavailable("starting a transaction"):
            try:
                async with self._engine.begin() as conn:
                    rows = {
                        row.start_key: row
                        for row in await conn.execute(
                            insert, [call.values for call in first.values()]
                        )
                    }
                    missing = [key for key in first if key not in rows]
                    if missing:
                        # Retries (or concurrent twins that committed first) find theirs here.
                        found = await conn.execute(
                            select(transactions).where(self._in(transactions.c.start_key, missing))
                        )
                        existing = {row.start_key: row for row in found}
                    else:
                        existing = {}
            except IntegrityError as exc:
                if len(calls) == 1:
                    raise charger_not_found(calls[0].values["charger_id"]) from exc
                raise
        for call in calls:
            key = call.values["start_key"]
            created = rows.get(key)
            if created is not None and first[key] is call:
                call.row, call.created = created, True
            else:
                call.row = created if created is not None else existing[key]

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
        call = _StopCall(
            {
                "tid": transaction_id,
                "charger": charger_id,
                "reason": reason,
                "meter_stop": meter_stop,
                "stopped_at": stopped_at,
                "stop_id_tag": stop_id_tag or None,
            }
        )
        await self._stops.submit(call)
        return call.outcome

    async def _write_stops(self, calls: builtins.list[_StopCall]) -> None:
        """Every waiting stop in one database transaction: an ``UPDATE .. RETURNING`` each
        (one compiled statement), and a read of those that stopped nothing."""
        async with unavailable("stopping a transaction"), self._engine.begin() as conn:
            for call in calls:
                row = (await conn.execute(_STOP, call.params)).first()
                stopped = row is not None
                if row is None:  # unknown, another charger's, or stopped already
                    row = (await conn.execute(_READ_MINE, call.params)).first()
                call.outcome = StopOutcome(
                    None if row is None else transaction_record(row), stopped
                )

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
        row = (await self._active_reads.submit(charger_id)).get((charger_id, connector_id))
        return None if row is None else transaction_record(row)

    async def _read_active(self, charger_ids: Sequence[str]) -> dict[tuple[str, int], Row[Any]]:
        """The active transaction of every connector of ``charger_ids`` (the newest by
        ``(started_at, id)`` where several are), in one read for concurrent ``active_on``
        calls; each of those is queued before the read starts, so it sees every commit
        made before the call."""
        query = select(transactions).where(
            self._in(transactions.c.charger_id, charger_ids),
            transactions.c.stopped_at.is_(None),
        )
        async with unavailable("reading a transaction"), self._reader.connect() as conn:
            rows = (await conn.execute(query)).all()
        newest: dict[tuple[str, int], Row[Any]] = {}
        for row in rows:
            pair = (row.charger_id, row.connector_id)
            held = newest.get(pair)
            if held is None or (row.started_at, row.id) > (held.started_at, held.id):
                newest[pair] = row
        return newest

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
