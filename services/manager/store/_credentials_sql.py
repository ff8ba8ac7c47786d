"""``CredentialStore`` on PostgreSQL or SQLite: columns of ``chargers``."""

from __future__ import annotations

from sqlalchemy import select, update

from ._credentials import ChargerCredentials, check_security_profile
from ._schema import chargers
from ._sqlbase import SqlStoreBase, charger_not_found, unavailable

__all__ = ["SqlCredentialStore"]


class SqlCredentialStore(SqlStoreBase):
    """``CredentialStore`` on the ``chargers`` table (PostgreSQL or SQLite)."""

    async def credentials(self, charger_id: str) -> ChargerCredentials | None:
        query = select(
            chargers.c.security_profile, chargers.c.password_hash, chargers.c.new_password_hash
        ).where(chargers.c.id == charger_id)
        async with unavailable("reading a charger's credentials"), self._reader.connect() as conn:
            row = (await conn.execute(query)).first()
        if row is None:
            return None
        return ChargerCredentials(
            charger_id, int(row.security_profile), row.password_hash, row.new_password_hash
        )

    async def set_security_profile(self, charger_id: str, profile: int) -> None:
        await self._update(
            charger_id,
            "recording a security profile",
            security_profile=check_security_profile(profile),
        )

    async def set_password_hash(self, charger_id: str, password_hash: str | None) -> None:
        await self._update(
            charger_id,
            "recording a charger password",
            password_hash=password_hash,
            new_password_hash=None,
        )

    async def set_new_password_hash(self, charger_id: str, password_hash: str) -> None:
        await self._update(
            charger_id, "recording a rotated charger password", new_password_hash=password_hash
        )

    async def promote_new_password(self, charger_id: str, new_password_hash: str) -> bool:
        statement = (
            update(chargers)
            .where(chargers.c.id == charger_id, chargers.c.new_password_hash == new_password_hash)
            .values(password_hash=new_password_hash, new_password_hash=None)
        )
        async with unavailable("promoting a rotated password"), self._engine.begin() as conn:
            result = await conn.execute(statement)
        return bool(result.rowcount)

    async def _update(self, charger_id: str, doing: str, **values: object) -> None:
        statement = update(chargers).where(chargers.c.id == charger_id).values(**values)
        async with unavailable(doing), self._engine.begin() as conn:
            result = await conn.execute(statement)
        if not result.rowcount:
            raise charger_not_found(charger_id)
