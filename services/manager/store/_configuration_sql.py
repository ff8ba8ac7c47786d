"""``ConfigurationStore`` on PostgreSQL or SQLite."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, not_, select

from ._common import utc
from ._configuration import ConfigurationKeyRecord, check_configuration_key
from ._schema import configuration_keys
from ._sqlbase import SqlStoreBase, require_charger, unavailable

__all__ = ["SqlConfigurationStore"]


class SqlConfigurationStore(SqlStoreBase):
    """``ConfigurationStore`` on PostgreSQL or SQLite."""

    async def record_read(
        self,
        charger_id: str,
        entries: Sequence[tuple[str, str | None, bool]],
        at: datetime,
        *,
        complete: bool,
    ) -> None:
        at = utc(at)
        # A key given twice: the last entry wins, as it would one after the other.
        rows = {
            check_configuration_key(key): {
                "charger_id": charger_id,
                "key": key,
                "value": value,
                "readonly": bool(readonly),
                "read_at": at,
            }
            for key, value, readonly in entries
        }
        table = configuration_keys
        async with unavailable("recording a configuration read"), self._engine.begin() as conn:
            await require_charger(conn, charger_id)
            if complete:
                stale = delete(table).where(table.c.charger_id == charger_id)
                if rows:
                    stale = stale.where(not_(self._in(table.c.key, rows)))
                await conn.execute(stale)
            if rows:
                upsert = self._insert(table)
                await conn.execute(
                    upsert.on_conflict_do_update(
                        index_elements=[table.c.charger_id, table.c.key],
                        set_={
                            name: upsert.excluded[name] for name in ("value", "readonly", "read_at")
                        },
                    ),
                    list(rows.values()),
                )

    async def record_change(self, charger_id: str, key: str, value: str, at: datetime) -> None:
        table = configuration_keys
        upsert = self._insert(table).values(
            charger_id=charger_id,
            key=check_configuration_key(key),
            value=value,
            readonly=False,
            read_at=utc(at),
        )
        statement = upsert.on_conflict_do_update(
            index_elements=[table.c.charger_id, table.c.key],
            set_={"value": upsert.excluded.value, "read_at": upsert.excluded.read_at},
        )
        async with unavailable("recording a configuration change"), self._engine.begin() as conn:
            await require_charger(conn, charger_id)
            await conn.execute(statement)

    async def list(
        self, charger_id: str
    ) -> tuple[builtins.list[ConfigurationKeyRecord], datetime | None]:
        table = configuration_keys
        query = select(table).where(table.c.charger_id == charger_id)
        async with unavailable("reading configuration keys"), self._reader.connect() as conn:
            rows = (await conn.execute(query)).all()
        records = sorted(
            (
                ConfigurationKeyRecord(
                    key=row.key, value=row.value, readonly=bool(row.readonly), read_at=row.read_at
                )
                for row in rows
            ),
            key=lambda r: r.key,
        )
        return records, max((r.read_at for r in records), default=None)
