"""``SecurityStore`` on PostgreSQL or SQLite."""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, insert, or_, select, update

from ._common import check_page_size, utc
from ._errors import NotFound
from ._schema import certificate_requests, security_events
from ._security import (
    CertificateRequestRecord,
    SecurityEventRecord,
    check_certificate_request_status,
    check_certificate_type,
    check_event_type,
    decode_event_token,
    encode_event_token,
)
from ._sqlbase import SqlStoreBase, require_charger, unavailable

__all__ = ["SqlSecurityStore"]


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


def _event_record(row: Row[Any]) -> SecurityEventRecord:
    return SecurityEventRecord(
        event_id=row.id,
        charger_id=row.charger_id,
        type=row.type,
        timestamp=row.timestamp,
        tech_info=row.tech_info,
        received_at=row.received_at,
    )
