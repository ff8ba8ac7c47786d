"""``TransactionStore`` on PostgreSQL or SQLite.

Transaction ids come from the ``transactions.id`` sequence (AUTOINCREMENT on SQLite, so
never reused). ``start`` is idempotent through the UNIQUE ``start_key``: ``INSERT .. ON
CONFLICT (start_key) DO NOTHING RETURNING *``, and only when nothing was inserted a read by
key, so concurrent retries of one StartTransaction make one row and all get its id. Meter
values go in one executemany per call. See docs/adr/0006-transactions-and-volume.md.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, bindparam, func, or_, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from ._common import check_charger_id, check_page_size, utc
from ._domain_records import (
    SUPERSEDED_PREFIX,
    MeterValueRecord,
    MeterValuesOutcome,
    StopOutcome,
    TransactionEvent,
    TransactionEventOutcome,
    TransactionRecord,
)
from ._group import GroupCommit
from ._keyset import (
    check_id_tag,
    check_length,
    check_meter_value,
    decode_keyset,
    encode_keyset,
    energy_wh,
    from_iso,
    start_key,
    to_iso,
)
from ._schema import (
    SAMPLE_KEY,
    meter_values,
    reservations,
    transaction_anomalies,
    transaction_events,
    transactions,
)
from ._sql import unavailable
from ._sqlbase import SqlStoreBase, charger_not_found
from ._transaction_events import EnergyMarks, check_event, event_changes, new_transaction_row

__all__ = [
    "ANOMALY_KINDS",
    "SUPERSEDED_PREFIX",
    "MeterCall",
    "SqlTransactionStore",
    "latest_energy",
    "list_filters",
    "sample_key",
]

#: The ``transaction_anomalies.kind`` values.
ANOMALY_KINDS = frozenset(
    {
        "unknown-transaction-stop",
        "foreign-transaction-stop",
        "meter-values-unknown-transaction",
        # A 2.0.1 charger sent another event with a seqNo it had used in the transaction.
        "repeated-seq-no",
        # A StartTransaction on a connector ended the older transaction still active there.
        "superseded-transaction",
    }
)
_LIVE_RESERVATION = ("Pending", "Accepted")
_NOTHING_STORED = MeterValuesOutcome(0, frozenset(), frozenset())

#: A stored sample's identity: the ``SAMPLE_KEY`` columns' values.
SampleKey = tuple[Any, ...]


def sample_key(value: dict[str, Any]) -> SampleKey:
    """The identity of a ``meter_values`` row (``check_meter_value`` output or a read row)."""
    return tuple(value[column] for column in SAMPLE_KEY)


@dataclass(slots=True)
class MeterCall:
    """One ``add_meter_values`` call in a group commit; the writer fills in ``outcome``."""

    rows: Sequence[MeterValueRecord]
    outcome: MeterValuesOutcome = field(default=_NOTHING_STORED)


def latest_energy(
    rows: Sequence[MeterValueRecord], transaction_of: dict[int, str]
) -> dict[int, tuple[float, datetime]]:
    """Per transaction, the latest energy register reading (Wh) among ``rows`` and its time.

    Only rows whose transaction is in ``transaction_of`` with the same charger count; of
    readings with the same timestamp, the last one in ``rows`` wins.
    """
    latest: dict[int, tuple[float, datetime]] = {}
    for row in rows:
        tid = row.transaction_id
        if tid is None or transaction_of.get(tid) != row.charger_id:
            continue
        wh = energy_wh(row)
        if wh is None:
            continue
        at = utc(row.timestamp)
        held = latest.get(tid)
        if held is None or held[1] <= at:
            latest[tid] = (wh, at)
    return latest


class SqlTransactionStore(SqlStoreBase):
    """Transactions, meter values and anomalies in their tables.

    Meter values are group-committed: concurrent ``add_meter_values`` calls (a fleet
    sampling every few seconds) share one database transaction.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__(engine)
        self._meter_values: GroupCommit[MeterCall, None] = GroupCommit(self._write_meter_values)

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
                                reservations.c.state.in_(_LIVE_RESERVATION),
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
        return _record(row), created

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
        return StopOutcome(None if row is None else _record(row), stopped)

    async def add_meter_values(self, rows: Sequence[MeterValueRecord]) -> set[int]:
        return set((await self.add_meter_values_outcome(rows)).unknown)

    async def add_meter_values_outcome(
        self, rows: Sequence[MeterValueRecord]
    ) -> MeterValuesOutcome:
        if not rows:
            return _NOTHING_STORED
        for row in rows:
            check_meter_value(row)
            check_charger_id(row.charger_id)
        call = MeterCall(rows)
        await self._meter_values.submit(call)
        return call.outcome

    async def _write_meter_values(self, calls: builtins.list[MeterCall]) -> None:
        """One transaction for the rows of every waiting call, each sample inserted once
        (``ON CONFLICT DO NOTHING`` on ``uq_meter_values_*``; of copies in one batch the
        first call's); each call's ``outcome`` says what it stored."""
        named = {row.transaction_id for c in calls for row in c.rows if row.transaction_id}
        async with unavailable("storing meter values"), self._engine.begin() as conn:
            transaction_of: dict[int, str] = {}
            active: set[int] = set()
            if named:
                found = await conn.execute(
                    select(
                        transactions.c.id, transactions.c.charger_id, transactions.c.stopped_at
                    ).where(self._in(transactions.c.id, named))
                )
                for tid, owner, stopped_at in found:
                    transaction_of[tid] = owner
                    if stopped_at is None:
                        active.add(tid)
            # (call, row, the transaction it named but is not its charger's) per new sample.
            owners: dict[SampleKey, tuple[int, MeterValueRecord, int | None]] = {}
            values = []
            for index, call in enumerate(calls):
                for row in call.rows:
                    value = check_meter_value(row)
                    tid = value["transaction_id"]
                    unknown = None
                    if tid is not None and transaction_of.get(tid) != value["charger_id"]:
                        unknown, value["transaction_id"] = tid, None
                    key = sample_key(value)
                    if key not in owners:
                        owners[key] = (index, row, unknown)
                        values.append(value)
            inserted = (
                await conn.execute(
                    self._insert(meter_values)
                    .on_conflict_do_nothing()
                    .returning(*(meter_values.c[column] for column in SAMPLE_KEY)),
                    values,
                )
            ).all()
            stored: builtins.list[builtins.list[tuple[MeterValueRecord, int | None]]] = [
                [] for _ in calls
            ]
            for returned in inserted:
                index, row, unknown = owners[tuple(returned)]
                stored[index].append((row, unknown))
            new_rows = [row for mine in stored for row, unknown in mine if unknown is None]
            latest = latest_energy(new_rows, transaction_of)
            readings = [
                {"tid": tid, "wh": wh, "at": at}
                for tid, (wh, at) in latest.items()
                if tid in active
            ]
            if readings:
                await conn.execute(
                    update(transactions)
                    .where(
                        transactions.c.id == bindparam("tid"),
                        transactions.c.stopped_at.is_(None),
                        or_(
                            transactions.c.last_energy_at.is_(None),
                            transactions.c.last_energy_at <= bindparam("at"),
                        ),
                    )
                    .values(last_energy_wh=bindparam("wh"), last_energy_at=bindparam("at")),
                    readings,
                )
        for call, mine in zip(calls, stored, strict=True):
            call.outcome = _call_outcome(mine)

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
        current = _record(row)
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
                    reservations.c.state.in_(_LIVE_RESERVATION),
                )
                .values(state="Used", transaction_id=tid, updated_at=utc(event.timestamp))
            )
        return TransactionEventOutcome(
            _record(row),
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
        return None if row is None else _record(row)

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
        return None if row is None else _record(row)

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
        return None if row is None else _record(row)

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
        page = [_record(row) for row in rows[:page_size]]
        token = ""
        if len(rows) > page_size:
            last = page[-1]
            token = encode_keyset(
                "transactions", [to_iso(last.started_at), last.transaction_id], filters
            )
        return page, token

    async def list_meter_values(
        self,
        transaction_id: int,
        *,
        page_size: int,
        page_token: str = "",
        measurand: str | None = None,
    ) -> tuple[builtins.list[MeterValueRecord], str]:
        check_page_size(page_size)
        filters = {"transaction_id": transaction_id, "measurand": measurand}
        m = meter_values
        query = (
            select(m)
            .where(m.c.transaction_id == transaction_id)
            .order_by(m.c.timestamp, m.c.id)
            .limit(page_size + 1)
        )
        if page_token:
            after_at, after_id = decode_keyset(page_token, "meter_values", filters, (str, int))
            query = query.where(tuple_(m.c.timestamp, m.c.id) > (from_iso(after_at), after_id))
        if measurand is not None:
            query = query.where(m.c.measurand == measurand)
        async with unavailable("listing meter values"), self._reader.connect() as conn:
            rows = (await conn.execute(query)).all()
        page = rows[:page_size]
        token = ""
        if len(rows) > page_size:
            token = encode_keyset(
                "meter_values", [to_iso(page[-1].timestamp), page[-1].id], filters
            )
        return [_meter_value(row) for row in page], token


def _call_outcome(stored: builtins.list[tuple[MeterValueRecord, int | None]]) -> MeterValuesOutcome:
    """What a call stored: its new rows, each with the transaction it named that is not
    its charger's (None when linked or naming none)."""
    if not stored:
        return _NOTHING_STORED
    return MeterValuesOutcome(
        stored=len(stored),
        unknown=frozenset(unknown for _, unknown in stored if unknown is not None),
        updated=frozenset(
            row.transaction_id
            for row, unknown in stored
            if unknown is None and row.transaction_id is not None
        ),
    )


def _record(row: Row[Any]) -> TransactionRecord:
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


def _meter_value(row: Row[Any]) -> MeterValueRecord:
    return MeterValueRecord(
        charger_id=row.charger_id,
        connector_id=row.connector_id,
        transaction_id=row.transaction_id,
        timestamp=row.timestamp,
        value=row.value,
        measurand=row.measurand,
        phase=row.phase,
        unit=row.unit,
        context=row.context,
        location=row.location,
        format=row.format,
        signed_data=row.signed_data or "",
    )
