"""SQL stores of fleet state: charging profiles, configuration, security, locations.

Each takes the engine of a ``SqlChargerStore`` (which owns, migrates and disposes it).
Writes that name a charger check it exists in the same transaction (NotFound otherwise);
on PostgreSQL the charging profile writes lock the charger row, so two installs on one
charger apply one after the other (SQLite's ``BEGIN IMMEDIATE`` already does that).
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, delete, insert, not_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ._common import check_page_size, utc
from ._errors import AlreadyExists, NotFound
from ._fleet_common import (
    check_certificate_request_status,
    check_certificate_type,
    check_configuration_key,
    check_event_type,
    check_location,
    check_location_id,
    decode_event_token,
    decode_location_token,
    encode_event_token,
    encode_location_token,
    profile_record,
)
from ._fleet_records import (
    CertificateRequestRecord,
    ChargingProfileRecord,
    ConfigurationKeyRecord,
    LocationRecord,
    SecurityEventRecord,
)
from ._schema import (
    certificate_requests,
    chargers,
    charging_profiles,
    configuration_keys,
    locations,
    security_events,
)
from ._sql import unavailable
from ._sqlbase import SqlStoreBase, charger_not_found, require_charger

__all__ = [
    "SqlChargingProfileStore",
    "SqlConfigurationStore",
    "SqlLocationStore",
    "SqlSecurityStore",
]


class SqlChargingProfileStore(SqlStoreBase):
    """``ChargingProfileStore`` on PostgreSQL or SQLite."""

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
        table = charging_profiles
        statement = delete(table).where(
            table.c.charger_id == charger_id,
            table.c.purpose == "TxProfile",
            table.c.transaction_id == transaction_id,
        )
        async with unavailable("discarding TxProfiles"), self._engine.begin() as conn:
            result = await conn.execute(statement)
        return result.rowcount

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
        # Bytewise, as in memory, whatever the database collation does with purposes.
        records.sort(key=lambda r: (r.connector_id, r.purpose, r.stack_level))
        return records


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


class SqlSecurityStore(SqlStoreBase):
    """``SecurityStore`` on PostgreSQL or SQLite."""

    async def add_event(
        self, *, charger_id: str, type: str, timestamp: datetime, tech_info: str, at: datetime
    ) -> None:
        statement = insert(security_events).values(
            charger_id=charger_id,
            type=check_event_type(type),
            timestamp=utc(timestamp),
            tech_info=tech_info,
            received_at=utc(at),
        )
        async with unavailable("recording a security event"), self._engine.begin() as conn:
            await require_charger(conn, charger_id)
            await conn.execute(statement)

    async def list_events(
        self, charger_id: str, *, page_size: int, page_token: str = ""
    ) -> tuple[builtins.list[SecurityEventRecord], str]:
        check_page_size(page_size)
        table = security_events
        query = (
            select(table)
            .where(table.c.charger_id == charger_id)
            .order_by(table.c.timestamp.desc(), table.c.id.desc())
            .limit(page_size + 1)
        )
        if page_token:
            before, before_id = decode_event_token(page_token, charger_id)
            query = query.where(
                or_(
                    table.c.timestamp < before,
                    and_(table.c.timestamp == before, table.c.id < before_id),
                )
            )
        async with unavailable("listing security events"), self._reader.connect() as conn:
            rows = (await conn.execute(query)).all()
        page = [_event_record(row) for row in rows[:page_size]]
        token = ""
        if len(rows) > page_size:
            last = page[-1]
            token = encode_event_token(charger_id, last.timestamp, last.event_id)
        return page, token

    async def add_certificate_request(
        self, *, charger_id: str, csr: str, certificate_type: str, at: datetime
    ) -> int:
        statement = (
            insert(certificate_requests)
            .values(
                charger_id=charger_id,
                csr=csr,
                certificate_type=check_certificate_type(certificate_type),
                received_at=utc(at),
            )
            .returning(certificate_requests.c.id)
        )
        async with unavailable("recording a certificate request"), self._engine.begin() as conn:
            await require_charger(conn, charger_id)
            request_id: int = (await conn.execute(statement)).scalar_one()
        return request_id

    async def certificate_requests(
        self, charger_id: str
    ) -> builtins.list[CertificateRequestRecord]:
        table = certificate_requests
        query = select(table).where(table.c.charger_id == charger_id).order_by(table.c.id)
        async with unavailable("listing certificate requests"), self._reader.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [
            CertificateRequestRecord(
                request_id=row.id,
                charger_id=row.charger_id,
                csr=row.csr,
                certificate_type=row.certificate_type,
                received_at=row.received_at,
                status=row.status,
                status_reason=row.status_reason,
                certificate_chain=row.certificate_chain,
                updated_at=row.updated_at,
            )
            for row in rows
        ]

    async def update_certificate_request(
        self,
        request_id: int,
        *,
        status: str,
        reason: str = "",
        certificate_chain: str | None = None,
        at: datetime,
    ) -> None:
        table = certificate_requests
        values: dict[str, Any] = {
            "status": check_certificate_request_status(status),
            "status_reason": reason,
            "updated_at": utc(at),
        }
        if certificate_chain is not None:
            values["certificate_chain"] = certificate_chain
        statement = update(table).where(table.c.id == request_id).values(**values)
        async with (
            unavailable("recording a certificate request's status"),
            self._engine.begin() as conn,
        ):
            if (await conn.execute(statement)).rowcount == 0:
                raise NotFound(f"certificate request {request_id} does not exist")


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


def _event_record(row: Row[Any]) -> SecurityEventRecord:
    return SecurityEventRecord(
        event_id=row.id,
        charger_id=row.charger_id,
        type=row.type,
        timestamp=row.timestamp,
        tech_info=row.tech_info,
        received_at=row.received_at,
    )


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
