from __future__ import annotations

import builtins
from datetime import datetime
from typing import Any

from sqlalchemy import Row, case, select, update
from sqlalchemy.exc import IntegrityError

from ._common import check_charger_id, check_page_size, utc
from ._errors import NotFound
from ._keyset import check_id_tag, decode_keyset, encode_keyset
from ._reservations import (
    ENDED_BY_CHARGER,
    LIVE_STATES,
    ReservationRecord,
    check_state,
    outcome_state,
)
from ._schema import reservations
from ._sqlbase import SqlStoreBase, charger_not_found, unavailable

__all__ = ["SqlReservationStore"]


class SqlReservationStore(SqlStoreBase):
    """Reservations in the ``reservations`` table."""

    async def create(
        self,
        *,
        charger_id: str,
        connector_id: int,
        id_tag: str,
        parent_id_tag: str,
        expiry_date: datetime,
        at: datetime,
    ) -> ReservationRecord:
        check_charger_id(charger_id)
        check_id_tag(id_tag)
        if parent_id_tag:
            check_id_tag(parent_id_tag, "parent id tag")
        at = utc(at)
        statement = (
            reservations.insert()
            .values(
                charger_id=charger_id,
                connector_id=connector_id,
                id_tag=id_tag,
                parent_id_tag=parent_id_tag,
                expiry_date=utc(expiry_date),
                state="Pending",
                charger_status="",
                created_at=at,
                updated_at=at,
            )
            .returning(*reservations.c)
        )
        async with unavailable("creating a reservation"):
            try:
                async with self._engine.begin() as conn:
                    row = (await conn.execute(statement)).one()
            except IntegrityError as exc:
                raise charger_not_found(charger_id) from exc
        return _record(row)

    async def set_outcome(
        self, reservation_id: int, charger_status: str, at: datetime
    ) -> ReservationRecord:
        state = outcome_state(charger_status)
        r = reservations
        return await self._change(
            reservation_id,
            "recording a reservation outcome",
            charger_status=charger_status,
            state=case((r.c.state == "Pending", state), else_=r.c.state),
            updated_at=utc(at),
        )

    async def cancel(self, reservation_id: int, at: datetime) -> ReservationRecord:
        r = reservations
        at = utc(at)
        return await self._change(
            reservation_id,
            "cancelling a reservation",
            state=case((r.c.state.in_(LIVE_STATES), "Cancelled"), else_=r.c.state),
            updated_at=case((r.c.state.in_(LIVE_STATES), at), else_=r.c.updated_at),
        )

    async def ended_by_charger(
        self, reservation_id: int, *, charger_id: str, state: str, at: datetime
    ) -> ReservationRecord | None:
        if state not in ENDED_BY_CHARGER:
            raise ValueError(f"state must be one of {list(ENDED_BY_CHARGER)}, got {state!r}")
        r = reservations
        at = utc(at)
        mine = (r.c.id == reservation_id) & (r.c.charger_id == charger_id)
        statement = (
            update(r)
            .where(mine, r.c.state.in_(LIVE_STATES))
            .values(state=state, updated_at=at)
            .returning(*r.c)
        )
        async with unavailable("ending a reservation"), self._engine.begin() as conn:
            row = (await conn.execute(statement)).first()
            if row is None:  # unknown, another charger's, or ended already
                row = (await conn.execute(select(r).where(mine))).first()
        return None if row is None else _record(row)

    async def _change(self, reservation_id: int, doing: str, **values: Any) -> ReservationRecord:
        statement = (
            update(reservations)
            .where(reservations.c.id == reservation_id)
            .values(**values)
            .returning(*reservations.c)
        )
        async with unavailable(doing), self._engine.begin() as conn:
            row = (await conn.execute(statement)).first()
        if row is None:
            raise NotFound(f"reservation {reservation_id} does not exist")
        return _record(row)

    async def get(self, reservation_id: int) -> ReservationRecord | None:
        query = select(reservations).where(reservations.c.id == reservation_id)
        async with unavailable("reading a reservation"), self._reader.connect() as conn:
            row = (await conn.execute(query)).first()
        return None if row is None else _record(row)

    async def list(
        self,
        *,
        page_size: int,
        page_token: str = "",
        charger_id: str | None = None,
        state: str | None = None,
    ) -> tuple[builtins.list[ReservationRecord], str]:
        check_page_size(page_size)
        check_state(state)
        filters = {"charger_id": charger_id, "state": state}
        r = reservations
        query = select(r).order_by(r.c.id.desc()).limit(page_size + 1)
        if page_token:
            (after,) = decode_keyset(page_token, "reservations", filters, (int,))
            query = query.where(r.c.id < after)
        if charger_id is not None:
            query = query.where(r.c.charger_id == charger_id)
        if state is not None:
            query = query.where(r.c.state == state)
        async with unavailable("listing reservations"), self._reader.connect() as conn:
            rows = (await conn.execute(query)).all()
        page = [_record(row) for row in rows[:page_size]]
        token = ""
        if len(rows) > page_size:
            token = encode_keyset("reservations", [page[-1].reservation_id], filters)
        return page, token

    async def expire(self, now: datetime) -> int:
        r = reservations
        now = utc(now)
        statement = (
            update(r)
            .where(r.c.state.in_(LIVE_STATES), r.c.expiry_date <= now)
            .values(state="Expired", updated_at=now)
        )
        async with unavailable("expiring reservations"), self._engine.begin() as conn:
            result = await conn.execute(statement)
        return int(result.rowcount)


def _record(row: Row[Any]) -> ReservationRecord:
    return ReservationRecord(
        reservation_id=row.id,
        charger_id=row.charger_id,
        connector_id=row.connector_id,
        id_tag=row.id_tag,
        parent_id_tag=row.parent_id_tag,
        expiry_date=row.expiry_date,
        state=row.state,
        charger_status=row.charger_status,
        transaction_id=row.transaction_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
