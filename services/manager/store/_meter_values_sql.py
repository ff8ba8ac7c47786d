"""Meter values of ``SqlTransactionStore``: group-committed, each sample stored once, the
latest energy register reading kept on its transaction (``domain.register_wh``)."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncEngine

from ._common import check_charger_id, check_page_size, utc
from ._group import GroupCommit
from ._keyset import decode_keyset, encode_keyset, from_iso, to_iso
from ._schema import SAMPLE_KEY, meter_values, transactions
from ._sqlbase import SqlStoreBase, unavailable
from ._transactions import MeterValueRecord, MeterValuesOutcome, check_meter_value, energy_wh

__all__ = ["MeterCall", "SqlMeterValues", "latest_energy", "sample_key"]

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


class SqlMeterValues(SqlStoreBase):
    """The meter value methods of ``TransactionStore``.

    Meter values are group-committed: concurrent ``add_meter_values`` calls (a fleet
    sampling every few seconds) share one database transaction.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__(engine)
        self._meter_values: GroupCommit[MeterCall, None] = GroupCommit(self._write_meter_values)

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
