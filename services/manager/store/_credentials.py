"""A charger's credentials as the handshake checks them: its OCPP security profile and the
argon2id hashes of its Basic auth password (columns of ``chargers``, revision 0011).

A store of its own so that admission reads three columns, not the whole charger record,
and the password rotation's steps are explicit: ``set_new_password_hash`` when the charger
accepted a new password, ``promote_new_password`` when it first connected with it (both
passwords work in between; the old one stops working from then on).

Hashes only ever pass through here; the passwords themselves never reach the store.
``SqlCredentialStore`` in ``_credentials_sql``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ._chargers import SECURITY_PROFILES

__all__ = ["ChargerCredentials", "CredentialStore", "check_security_profile"]


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
