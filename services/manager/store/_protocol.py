"""The narrow interface handlers and the API depend on."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Protocol

from ._records import BootInfo, ChargerRecord

__all__ = ["ChargerStore"]


class ChargerStore(Protocol):
    """Chargers and their connectors.

    ``touch`` and ``set_connector_status`` are write-behind: they are synchronous, do no
    I/O and only remember the latest value per key (by timestamp); ``flush`` writes what
    is buffered, and reads flush first so a read after a write sees it.
    """

    async def is_known(self, charger_id: str) -> bool:
        """Whether a charger row exists for ``charger_id``."""
        ...

    async def register(self, charger_id: str, ocpp_version: str, at: datetime) -> None:
        """Create the charger if absent (auto-registration, admin); no-op if present."""
        ...

    async def record_boot(self, charger_id: str, boot: BootInfo, status: str, at: datetime) -> None:
        """Record a boot: identity, ``last_boot_at``, ``boot_status``, ``last_seen_at``.

        Creates the charger row if it does not exist.
        """
        ...

    def touch(self, charger_id: str, at: datetime) -> None:
        """Buffer ``last_seen_at = at`` (write-behind; ignored for unknown chargers)."""
        ...

    def set_connector_status(
        self,
        charger_id: str,
        evse_id: int,
        connector_id: int,
        status: str,
        error_code: str,
        info: str,
        vendor_error_code: str,
        at: datetime,
    ) -> None:
        """Buffer a connector's status (write-behind; ignored for unknown chargers)."""
        ...

    async def flush(self) -> None:
        """Write everything buffered now."""
        ...

    async def get(self, charger_id: str) -> ChargerRecord | None:
        """The charger with its connectors, or None if unknown."""
        ...

    async def list(
        self,
        *,
        page_size: int,
        page_token: str = "",
        status: str | None = None,
        only_ids: Collection[str] | None = None,
        exclude_ids: Collection[str] | None = None,
    ) -> tuple[list[ChargerRecord], str]:
        """One page of chargers ordered by id, and the token of the next page ("" at the end).

        ``status`` keeps chargers with a connector in that status; ``only_ids`` and
        ``exclude_ids`` restrict by id (the "connected" filter; may hold thousands of ids).
        """
        ...

    async def aclose(self) -> None:
        """Flush, then release resources; idempotent."""
        ...
