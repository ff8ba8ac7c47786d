"""Configuration keys the CSMS read from (GetConfiguration) or set on (ChangeConfiguration)
its chargers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from ._keyset import check_length

__all__ = [
    "MAX_CONFIGURATION_KEY_LENGTH",
    "ConfigurationKeyRecord",
    "ConfigurationStore",
    "check_configuration_key",
]


@dataclass(frozen=True, slots=True)
class ConfigurationKeyRecord:
    """A configuration key as last read from the charger (or changed by the CSMS)."""

    key: str
    #: None when the charger reported the key without a value.
    value: str | None
    readonly: bool
    read_at: datetime


class ConfigurationStore(Protocol):
    """Each charger's configuration keys as last read (1.6 GetConfiguration)."""

    async def record_read(
        self,
        charger_id: str,
        entries: Sequence[tuple[str, str | None, bool]],
        at: datetime,
        *,
        complete: bool,
    ) -> None:
        """Store ``(key, value, readonly)`` entries read at ``at``; NotFound for an unknown
        charger. ``complete``: every key was read, so keys not in ``entries`` are removed.
        """
        ...

    async def record_change(self, charger_id: str, key: str, value: str, at: datetime) -> None:
        """Store a value the charger accepted (ChangeConfiguration); NotFound if unknown."""
        ...

    async def list(self, charger_id: str) -> tuple[list[ConfigurationKeyRecord], datetime | None]:
        """The keys by name, and the latest ``read_at`` among them (None when none)."""
        ...


#: ``configuration_keys.key`` (OCPP 1.6 CiString50).
MAX_CONFIGURATION_KEY_LENGTH = 50


def check_configuration_key(key: str) -> str:
    """``key`` if it fits ``configuration_keys.key`` (1..50 characters), else ValueError."""
    return check_length("configuration key", key, MAX_CONFIGURATION_KEY_LENGTH, empty=False)
