"""``ChargingProfileStore`` on PostgreSQL or SQLite.

Installs lock the charger row on PostgreSQL, so two installs on one charger apply one
after the other (SQLite's ``BEGIN IMMEDIATE`` already does that).
"""

from __future__ import annotations

import builtins
from collections import Counter
from datetime import datetime

from sqlalchemy import ColumnElement, and_, delete, insert, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncEngine

from ._charging_profiles import ChargingProfileRecord, profile_record
from ._group import GroupCommit
from ._schema import charging_profiles
from ._sqlbase import SqlStoreBase, require_charger, unavailable

__all__ = ["SqlChargingProfileStore"]


class SqlChargingProfileStore(SqlStoreBase):
    """``ChargingProfileStore`` on PostgreSQL or SQLite."""

    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__(engine)
        # Concurrent StopTransactions discard their TxProfiles in one DELETE.
        self._ended: GroupCommit[tuple[str, int], Counter[tuple[str, int]]] = GroupCommit(
            self._write_tx_profiles_ended
        )

    async def installed(
        self,
        *,
        charger_id: str,
        connector_id: int,
        charging_profile_id: int,
        stack_level: int,
        purpose: str,
        transaction_id: int | None,
        profile_json: str,
        at: datetime,
    ) -> ChargingProfileRecord:
        record = profile_record(
            charger_id=charger_id,
            connector_id=connector_id,
            charging_profile_id=charging_profile_id,
            stack_level=stack_level,
            purpose=purpose,
            transaction_id=transaction_id,
            profile_json=profile_json,
            at=at,
        )
        table = charging_profiles
        replaced = delete(table).where(
            table.c.charger_id == charger_id,
            or_(
                table.c.charging_profile_id == charging_profile_id,
                and_(
                    table.c.connector_id == connector_id,
                    table.c.purpose == purpose,
                    table.c.stack_level == stack_level,
                ),
            ),
        )
        async with unavailable("recording a charging profile"), self._engine.begin() as conn:
            await require_charger(conn, charger_id, lock=True)
            await conn.execute(replaced)
            await conn.execute(
                insert(table).values(
                    charger_id=charger_id,
                    charging_profile_id=charging_profile_id,
                    connector_id=connector_id,
                    stack_level=stack_level,
                    purpose=purpose,
                    transaction_id=transaction_id,
                    profile=profile_json,
                    installed_at=record.installed_at,
                )
            )
        return record

    async def cleared(
        self,
        charger_id: str,
        *,
        charging_profile_id: int | None = None,
        connector_id: int | None = None,
        purpose: str | None = None,
        stack_level: int | None = None,
    ) -> int:
        table = charging_profiles
        conditions: list[ColumnElement[bool]] = [table.c.charger_id == charger_id]
        if charging_profile_id is not None:
            conditions.append(table.c.charging_profile_id == charging_profile_id)
        else:
            if connector_id is not None:
                conditions.append(table.c.connector_id == connector_id)
            if purpose is not None:
                conditions.append(table.c.purpose == purpose)
            if stack_level is not None:
                conditions.append(table.c.stack_level == stack_level)
        async with unavailable("clearing charging profiles"), self._engine.begin() as conn:
            result = await conn.execute(delete(table).where(*conditions))
        return result.rowcount

    async def transaction_ended(self, charger_id: str, transaction_id: int) -> int:
        pair = (charger_id, transaction_id)
        return (await self._ended.submit(pair))[pair]

    async def _write_tx_profiles_ended(
        self, pairs: builtins.list[tuple[str, int]]
    ) -> Counter[tuple[str, int]]:
        """One ``DELETE .. RETURNING`` of the TxProfiles of every (charger, transaction)
        of concurrent ``transaction_ended`` calls; how many each lost."""
        table = charging_profiles
        statement = (
            delete(table)
            .where(
                table.c.purpose == "TxProfile",
                tuple_(table.c.charger_id, table.c.transaction_id).in_(sorted(set(pairs))),
            )
            .returning(table.c.charger_id, table.c.transaction_id)
        )
        async with unavailable("discarding TxProfiles"), self._engine.begin() as conn:
            result = await conn.execute(statement)
            return Counter((row[0], row[1]) for row in result)

    async def list(
        self, charger_id: str, connector_id: int | None = None
    ) -> builtins.list[ChargingProfileRecord]:
        table = charging_profiles
        query = (
            select(table)
            .where(table.c.charger_id == charger_id)
            .order_by(table.c.connector_id, table.c.purpose, table.c.stack_level)
        )
        if connector_id is not None:
            query = query.where(table.c.connector_id == connector_id)
        async with unavailable("listing charging profiles"), self._reader.connect() as conn:
            rows = (await conn.execute(query)).all()
        records = [
            ChargingProfileRecord(
                charger_id=row.charger_id,
                connector_id=row.connector_id,
                charging_profile_id=row.charging_profile_id,
                stack_level=row.stack_level,
                purpose=row.purpose,
                transaction_id=row.transaction_id,
                profile_json=row.profile,
                installed_at=row.installed_at,
            )
            for row in rows
        ]
        # Bytewise, whatever the database collation does with purposes.
        records.sort(key=lambda r: (r.connector_id, r.purpose, r.stack_level))
        return records
