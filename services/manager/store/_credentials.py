"""A charger's credentials as the handshake checks them: its OCPP security profile and the
argon2id hashes of its Basic auth password (columns of ``chargers``, revision 0011).

A store of its own so that admission reads three columns, not the whole charger record,
and the password rotation's steps are explicit: ``set_new_password_hash`` when the charger
accepted a new password, ``promote_new_password`` when it first connected with it (both
passwords work in between; the old one stops working from then on).

Hashes only ever pass through here; the passwords themselves never reach the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select, update

from ._schema import chargers
from ._sql import unavailable
from ._sqlbase import SqlStoreBase, charger_not_found

__all__ = [
    "ChargerCredentials",
    "CredentialStore",
    "SqlCredentialStore",
    "check_security_profile",
]

SECURITY_PROFILES = (0, 1, 2, 3)


def check_security_profile(profile: int) -> int:
    if profile not in SECURITY_PROFILES:
        raise ValueError(f"security profile {profile} is not one of 0, 1, 2, 3")
    return profile


@dataclass(frozen=True, slots=True)
class ChargerCredentials:
    charger_id: str
    security_profile: int  # 0 none, 1 Basic, 2 TLS + Basic, 3 mutual TLS
    password_hash: str | None  # argon2id of the Basic auth password
    new_password_hash: str | None  # accepted by the charger, not yet connected with


class CredentialStore(Protocol):
    """Security profile and password hashes per charger."""

    async def credentials(self, charger_id: str) -> ChargerCredentials | None:
        """The charger's credentials; None when the charger is unknown."""
        ...

    async def set_security_profile(self, charger_id: str, profile: int) -> None:
        """Record the profile the charger must connect with; NotFound if unknown."""
        ...

    async def set_password_hash(self, charger_id: str, password_hash: str | None) -> None:
        """Replace the password (hash) outright, forgetting a pending rotation; NotFound."""
        ...

    async def set_new_password_hash(self, charger_id: str, password_hash: str) -> None:
        """Record a password the charger accepted but has not connected with; NotFound."""
        ...

    async def promote_new_password(self, charger_id: str, new_password_hash: str) -> bool:
        """The charger connected with its new password: it becomes the password and the
        old one stops working. Only while ``new_password_hash`` is still the pending one
        (a concurrent rotation wins); whether it was promoted."""
        ...


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
