"""``LocationStore`` on PostgreSQL or SQLite; assignments are the ``location_id`` of ``chargers``."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ._common import check_page_size, utc
from ._errors import AlreadyExists, NotFound
from ._locations import (
    LocationRecord,
    check_location,
    check_location_id,
    decode_location_token,
    encode_location_token,
)
from ._schema import chargers, locations
from ._sqlbase import SqlStoreBase, charger_not_found, unavailable

__all__ = ["SqlLocationStore"]


class SqlLocationStore(SqlStoreBase):
    """``LocationStore`` on PostgreSQL or SQLite; ``chargers.location_id`` holds assignments."""

    async def create(
        self,
        location_id: str,
        *,
        name: str,
        address: str = "",
        city: str = "",
        postal_code: str = "",
        country: str = "",
        at: datetime,
    ) -> LocationRecord:
        fields = check_location(
            {
                "name": name,
                "address": address,
                "city": city,
                "postal_code": postal_code,
                "country": country,
            }
        )
        at = utc(at)
        statement = (
            self._insert(locations)
            .values(id=check_location_id(location_id), created_at=at, updated_at=at, **fields)
            .on_conflict_do_nothing(index_elements=[locations.c.id])
        )
        async with unavailable("creating a location"), self._engine.begin() as conn:
            result = await conn.execute(statement)
        if result.rowcount == 0:
            raise AlreadyExists(f"location {location_id!r} exists already")
        return LocationRecord(
            location_id=location_id, charger_ids=(), created_at=at, updated_at=at, **fields
        )

    async def get(self, location_id: str) -> LocationRecord | None:
        async with unavailable("reading a location"), self._reader.connect() as conn:
            return await self._read(conn, location_id)

    async def update(self, location_id: str, *, at: datetime, **changes: Any) -> LocationRecord:
        fields = check_location(changes)
        statement = (
            update(locations)
            .where(locations.c.id == location_id)
            .values(updated_at=utc(at), **fields)
        )
        async with unavailable("updating a location"), self._engine.begin() as conn:
            result = await conn.execute(statement)
            if result.rowcount == 0:
                raise NotFound(f"location {location_id!r} does not exist")
            return await self._must_read(conn, location_id)

    async def delete(self, location_id: str) -> None:
        async with unavailable("deleting a location"), self._engine.begin() as conn:
            # The foreign key has no ON DELETE action (see _schema): unassign here.
            await conn.execute(
                update(chargers)
                .where(chargers.c.location_id == location_id)
                .values(location_id=None)
            )
            result = await conn.execute(delete(locations).where(locations.c.id == location_id))
            if result.rowcount == 0:
                raise NotFound(f"location {location_id!r} does not exist")

    async def list(
        self, *, page_size: int, page_token: str = ""
    ) -> tuple[builtins.list[LocationRecord], str]:
        check_page_size(page_size)
        query = select(locations).order_by(locations.c.id).limit(page_size + 1)
        if page_token:
            query = query.where(locations.c.id > decode_location_token(page_token))
        async with unavailable("listing locations"), self._reader.connect() as conn:
            rows = (await conn.execute(query)).all()
            page = rows[:page_size]
            members = await self._charger_ids(conn, [row.id for row in page])
        records = [_location_record(row, members.get(row.id, ())) for row in page]
        token = encode_location_token(page[-1].id) if len(rows) > page_size else ""
        return records, token

    async def assign(self, location_id: str, charger_id: str, at: datetime) -> LocationRecord:
        at = utc(at)
        async with unavailable("assigning a charger"), self._engine.begin() as conn:
            await self._require_location(conn, location_id)
            previous = (
                await conn.execute(
                    select(chargers.c.location_id)
                    .where(chargers.c.id == charger_id)
                    .with_for_update(key_share=True)
                )
            ).first()
            if previous is None:
                raise charger_not_found(charger_id)
            if previous.location_id != location_id:
                await conn.execute(
                    update(chargers)
                    .where(chargers.c.id == charger_id)
                    .values(location_id=location_id)
                )
                changed = [location_id]
                if previous.location_id is not None:
                    changed.append(previous.location_id)
                await conn.execute(
                    update(locations).where(self._in(locations.c.id, changed)).values(updated_at=at)
                )
            return await self._must_read(conn, location_id)

    async def unassign(self, location_id: str, charger_id: str, at: datetime) -> LocationRecord:
        at = utc(at)
        async with unavailable("unassigning a charger"), self._engine.begin() as conn:
            await self._require_location(conn, location_id)
            result = await conn.execute(
                update(chargers)
                .where(chargers.c.id == charger_id, chargers.c.location_id == location_id)
                .values(location_id=None)
            )
            if result.rowcount == 0:
                raise NotFound(
                    f"charger {charger_id!r} is not assigned to location {location_id!r}"
                )
            await conn.execute(
                update(locations).where(locations.c.id == location_id).values(updated_at=at)
            )
            return await self._must_read(conn, location_id)

    async def _require_location(self, conn: AsyncConnection, location_id: str) -> None:
        """NotFound unless the location exists; held (FOR KEY SHARE) until commit."""
        query = (
            select(locations.c.id)
            .where(locations.c.id == location_id)
            .with_for_update(read=True, key_share=True)
        )
        if await conn.scalar(query) is None:
            raise NotFound(f"location {location_id!r} does not exist")

    async def _read(self, conn: AsyncConnection, location_id: str) -> LocationRecord | None:
        row = (await conn.execute(select(locations).where(locations.c.id == location_id))).first()
        if row is None:
            return None
        members = await self._charger_ids(conn, [location_id])
        return _location_record(row, members.get(location_id, ()))

    async def _must_read(self, conn: AsyncConnection, location_id: str) -> LocationRecord:
        record = await self._read(conn, location_id)
        if record is None:
            raise NotFound(f"location {location_id!r} does not exist")
        return record

    async def _charger_ids(
        self, conn: AsyncConnection, location_ids: Sequence[str]
    ) -> dict[str, builtins.list[str]]:
        if not location_ids:
            return {}
        query = (
            select(chargers.c.location_id, chargers.c.id)
            .where(self._in(chargers.c.location_id, location_ids))
            .order_by(chargers.c.location_id, chargers.c.id)
        )
        members: dict[str, builtins.list[str]] = {}
        for row in await conn.execute(query):
            members.setdefault(row.location_id, []).append(row.id)
        return members


def _location_record(row: Row[Any], charger_ids: Sequence[str]) -> LocationRecord:
    return LocationRecord(
        location_id=row.id,
        name=row.name,
        address=row.address,
        city=row.city,
        postal_code=row.postal_code,
        country=row.country,
        charger_ids=tuple(charger_ids),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
