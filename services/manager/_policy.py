"""Admission and boot policy: which chargers may connect and register."""

from __future__ import annotations

from dataclasses import dataclass

from services.manager.store import ChargerStore


@dataclass(frozen=True, slots=True)
class Admission:
    admitted: bool
    reason: str = ""


@dataclass(slots=True)
class ChargerPolicy:
    """Decides admission at the handshake and the answer to BootNotification.

    Known chargers are always admitted. Unknown ones are admitted (and registered)
    only when auto-registration is on, the default of the embedded mode.
    """

    store: ChargerStore
    auto_register: bool = True
    heartbeat_interval: int = 300  # seconds, told to accepted chargers
    retry_interval: int = 60  # seconds, told to rejected chargers before they boot again

    async def admit(self, charger_id: str) -> Admission:
        if await self.store.is_known(charger_id):
            return Admission(True)
        if self.auto_register:
            return Admission(True)
        return Admission(
            False,
            f"charger {charger_id!r} is not registered with this CSMS and auto-registration is "
            "off; an operator must add it first",
        )

    async def accepts_boot(self, charger_id: str) -> bool:
        return self.auto_register or await self.store.is_known(charger_id)
