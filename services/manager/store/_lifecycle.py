"""Checks of what an operator configures on a charger, shared by every charger store.

The API validates requests first and names the field; these checks catch a caller's bug
(``ValueError``), so a bad value never reaches a row.
"""

from __future__ import annotations

from typing import Any

from ._records import REGISTRATION_STATUSES, SECURITY_PROFILES

__all__ = [
    "CHARGER_CHANGES",
    "MAX_DESCRIPTION_LENGTH",
    "check_charger_changes",
    "check_registration_status",
    "exists_message",
]

#: The columns ``ChargerStore.update`` changes.
CHARGER_CHANGES = frozenset(
    {"security_profile", "password_hash", "description", "location_id", "registration_status"}
)
MAX_DESCRIPTION_LENGTH = 500


def check_registration_status(status: str) -> str:
    if status not in REGISTRATION_STATUSES:
        raise ValueError(
            f"registration status must be one of {sorted(REGISTRATION_STATUSES)}, got {status!r}"
        )
    return status


def check_charger_changes(changes: dict[str, Any]) -> dict[str, Any]:
    """``changes`` if every key is a configurable column with a valid value."""
    unknown = set(changes) - CHARGER_CHANGES
    if unknown:
        raise ValueError(f"cannot change {sorted(unknown)}; only {sorted(CHARGER_CHANGES)}")
    if "security_profile" in changes and changes["security_profile"] not in SECURITY_PROFILES:
        raise ValueError(f"security profile must be 0 to 3, got {changes['security_profile']!r}")
    if "registration_status" in changes:
        check_registration_status(changes["registration_status"])
    password_hash = changes.get("password_hash")
    if password_hash is not None and not (isinstance(password_hash, str) and password_hash):
        raise ValueError("password_hash must be a non-empty hash or None")
    if len(changes.get("description", "")) > MAX_DESCRIPTION_LENGTH:
        raise ValueError(f"description is longer than {MAX_DESCRIPTION_LENGTH} characters")
    if not isinstance(changes.get("location_id", ""), str):
        raise ValueError("location_id must be a string")
    return dict(changes)


def exists_message(charger_id: str, retired: bool) -> str:
    """Why a charger cannot be created: it exists (and, if retired, how to bring it back)."""
    if retired:
        return (
            f"charger {charger_id!r} exists and is retired; restore it "
            f"(POST /v1/chargers/{charger_id}:restore or `csmsctl charger restore "
            f"{charger_id}`) instead of adding it again"
        )
    return f"charger {charger_id!r} exists already"
