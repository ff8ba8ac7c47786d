"""Admission and boot policy: which chargers may connect and register."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from services.manager.store import ChargerStore


@dataclass(frozen=True, slots=True)
class Admission:
    admitted: bool
    reason: str = ""


@dataclass(slots=True)
class ChargerPolicy:
    """Decides admission at the handshake and the answer to BootNotification.

    Known chargers are always admitted. Unknown ones are admitted, and registered,
    only when auto-registration is on (the default of the embedded mode).

    Ids found in the database are remembered, so a reconnect storm of known chargers
    costs no database round trip each; an id not yet remembered (registered by
    another manager, say) is looked up once.
    """

    store: ChargerStore
    auto_register: bool = True
    heartbeat_interval: int = 300  # seconds, told to accepted chargers
    retry_interval: int = 60  # seconds, told to rejected chargers before they boot again
    _known: set[str] = field(default_factory=set)

    async def is_known(self, charger_id: str) -> bool:
        if charger_id in self._known:
            return True
        if await self.store.is_known(charger_id):
            self._known.add(charger_id)
            return True
        return False

    async def admit(self, charger_id: str, ocpp_version: str, at: datetime) -> Admission:
        if charger_id in self._known:
            return Admission(True)
        if self.auto_register:
            # Registering is idempotent and group-committed with concurrent admissions:
            # cheaper in a connection storm than looking each id up first.
            await self.store.register(charger_id, ocpp_version, at)
            self._known.add(charger_id)
            return Admission(True)
        if await self.is_known(charger_id):
            return Admission(True)
        return Admission(
            False,
            f"charger {charger_id!r} is not registered with this CSMS and auto-registration is "
            "off; an operator must add it first",
        )

    def remembers(self, charger_id: str) -> bool:
        """Whether the charger is known without asking the database (admitted or found before)."""
        return charger_id in self._known

    async def accepts_boot(self, charger_id: str) -> bool:
        return self.auto_register or await self.is_known(charger_id)
