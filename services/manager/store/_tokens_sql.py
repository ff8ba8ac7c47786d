"""``TokenStore`` on PostgreSQL or SQLite (``api_tokens``)."""

from __future__ import annotations

import builtins
from datetime import datetime

from sqlalchemy import Row, select, update

from ._common import utc
from ._errors import AlreadyExists, NotFound
from ._schema_operators import api_tokens
from ._sqlbase import SqlStoreBase, unavailable
from ._tokens import TokenRecord, check_token

__all__ = ["SqlTokenStore"]


def _record(row: Row[tuple[object, ...]]) -> TokenRecord:
    m = row._mapping
    return TokenRecord(
        token_id=m["id"],
        name=m["name"],
        role=m["role"],
        token_hash=m["token_hash"],
        created_at=m["created_at"],
        created_by=m["created_by"],
        revoked_at=m["revoked_at"],
        last_used_at=m["last_used_at"],
    )


class SqlTokenStore(SqlStoreBase):
    """``TokenStore`` on PostgreSQL or SQLite."""

    async def create(
        self,
        *,
        token_id: str,
        name: str,
        role: str,
        token_hash: str,
        created_by: str,
        at: datetime,
    ) -> TokenRecord:
        check_token(token_id, name, role, token_hash)
        record = TokenRecord(token_id, name, role, token_hash, utc(at), created_by[:64])
        taken = select(api_tokens.c.id).where(
            api_tokens.c.name == name, api_tokens.c.revoked_at.is_(None)
        )
        # One transaction: on SQLite BEGIN IMMEDIATE serialises writers; on PostgreSQL two
        # managers creating the same name in the same instant could both succeed (there is
        # no partial unique index on the name), which costs nothing but a duplicate name.
        async with unavailable("creating an API token"), self._engine.begin() as conn:
            if await conn.scalar(taken) is not None:
                raise AlreadyExists(f"a valid token named {name!r} exists already")
            await conn.execute(
                api_tokens.insert().values(
                    id=token_id,
                    name=name,
                    role=role,
                    token_hash=token_hash,
                    created_at=record.created_at,
                    created_by=record.created_by,
                )
            )
        return record

    async def by_hash(self, token_hash: str) -> TokenRecord | None:
        query = select(api_tokens).where(api_tokens.c.token_hash == token_hash)
        async with unavailable("reading an API token"), self._reader.connect() as conn:
            row = (await conn.execute(query)).first()
        return None if row is None else _record(row)

    async def list(self, *, include_revoked: bool = False) -> builtins.list[TokenRecord]:
        query = select(api_tokens).order_by(api_tokens.c.created_at, api_tokens.c.id)
        if not include_revoked:
            query = query.where(api_tokens.c.revoked_at.is_(None))
        async with unavailable("listing API tokens"), self._reader.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [_record(row) for row in rows]

    async def revoke(self, token_id: str, *, at: datetime) -> TokenRecord:
        async with unavailable("revoking an API token"), self._engine.begin() as conn:
            await conn.execute(
                update(api_tokens)
                .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
                .values(revoked_at=utc(at))
            )
            row = (
                await conn.execute(select(api_tokens).where(api_tokens.c.id == token_id))
            ).first()
        if row is None:
            raise NotFound(f"token {token_id!r} does not exist")
        return _record(row)

    async def touch(self, token_id: str, *, at: datetime) -> None:
        async with unavailable("recording an API token's use"), self._engine.begin() as conn:
            await conn.execute(
                update(api_tokens).where(api_tokens.c.id == token_id).values(last_used_at=utc(at))
            )
