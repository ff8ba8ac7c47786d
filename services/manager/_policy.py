"""Admission and boot policy: which chargers may connect, register, and what their
BootNotification is answered.

- Admission (the node's handshake): a retired charger is refused; an unknown one is
  refused unless auto-registration is on, which registers it with security profile 0 and
  the configured registration status (``Accepted``, or ``Pending`` so an operator approves
  it). Credentials are checked after this, by the caller (``_charger_auth``).
- Boot: the charger's registration status (Accepted / Pending / Rejected) is answered.
  While a charger is not Accepted it may only send what OCPP allows then (`gated`,
  enforced by the dispatcher): 2.0.1 B02.FR.09 / B03.FR.07 and 1.6 section 4.2.

Every admission and boot reads the charger's admission row (profile, status, retired,
password hashes), so a charger retired or changed through another manager is seen at
once; concurrent reads share one query (``ChargerStore.admission``). The rows read are
remembered only to answer while the database is unavailable: a charger read before is
admitted (unless it was retired) and answered as it was then.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from csms.v1 import events_pb2

from services.manager.store import ChargerAdmission, ChargerStore, StoreUnavailable

log = logging.getLogger(__name__)

REFUSAL_FORBIDDEN = events_pb2.AdmitResponse.REFUSAL_FORBIDDEN

#: What a charger that is not Accepted may still call: BootNotification to ask again, and
#: while Pending what the CSMS asks of it (reports it requested; heartbeats, which change
#: nothing). A Rejected charger may only boot again.
ALLOWED_WHILE = {
    "Pending": frozenset({"BootNotification", "Heartbeat", "NotifyReport"}),
    "Rejected": frozenset({"BootNotification"}),
}


@dataclass(frozen=True, slots=True)
class Admission:
    admitted: bool
    reason: str = ""
    #: Why not, as AdmitResponse.Refusal (the HTTP status the node answers).
    refusal: int = 0
    #: The charger's admission row, for the credential check that follows.
    charger: ChargerAdmission | None = None


@dataclass(slots=True)
class ChargerPolicy:
    """Decides admission at the handshake and the answer to BootNotification."""

    store: ChargerStore
    auto_register: bool = True
    #: The registration status auto-registered chargers get (Accepted or Pending).
    auto_register_status: str = "Accepted"
    heartbeat_interval: int = 300  # seconds, told to accepted chargers
    retry_interval: int = 60  # seconds, told to rejected chargers before they boot again
    #: The last admission row read per charger: answers while the database is unavailable.
    _known: dict[str, ChargerAdmission] = field(default_factory=dict)
    #: Chargers admitted or booted while not Accepted -> their status (Pending, Rejected):
    #: the dispatcher refuses their calls beyond ``ALLOWED_WHILE[status]``.
    gated: dict[str, str] = field(default_factory=dict)

    async def admit(self, charger_id: str, ocpp_version: str, at: datetime) -> Admission:
        row = await self._read(charger_id, ocpp_version, at)
        if row is None:
            return Admission(
                False,
                f"unknown charger {charger_id}: an admin must add it first with "
                f"POST /v1/chargers or `csmsctl charger add {charger_id}`",
                REFUSAL_FORBIDDEN,
            )
        if row.retired:
            return Admission(
                False,
                f"charger {charger_id} is retired; an admin can restore it",
                REFUSAL_FORBIDDEN,
            )
        self._gate(charger_id, row.registration_status)
        return Admission(True, charger=row)

    async def boot_status(self, charger_id: str, ocpp_version: str, at: datetime) -> str | None:
        """The registration status to answer the charger's BootNotification: Accepted,
        Pending or Rejected (a retired charger still connected is Rejected); None for a
        charger this CSMS does not know (and does not register). StoreUnavailable when the
        database is down and the charger was never read."""
        row = await self._read(charger_id, ocpp_version, at)
        if row is None:
            return None
        status = "Rejected" if row.retired else row.registration_status
        self._gate(charger_id, status)
        return status

    def remembers(self, charger_id: str) -> bool:
        """Whether the charger is known without asking the database (admitted or found before)."""
        return charger_id in self._known

    def forget(self, charger_id: str) -> None:
        """The operator changed the charger: what was read of it is stale."""
        self._known.pop(charger_id, None)

    async def _read(
        self, charger_id: str, ocpp_version: str, at: datetime
    ) -> ChargerAdmission | None:
        """The charger's admission row (registering an unknown one under auto-registration),
        or the one read before while the database is unavailable."""
        try:
            row = await self.store.admission(charger_id)
            if row is None and self.auto_register:
                # Idempotent and group-committed with concurrent admissions.
                await self.store.register(
                    charger_id, ocpp_version, at, registration_status=self.auto_register_status
                )
                row = await self.store.admission(charger_id)
        except StoreUnavailable:
            held = self._known.get(charger_id)
            if held is None:
                raise
            log.warning("database unavailable: answered charger %s as last read", charger_id)
            return held
        if row is None:
            self._known.pop(charger_id, None)
        else:
            self._known[charger_id] = row
        return row

    def _gate(self, charger_id: str, status: str) -> None:
        if status == "Accepted":
            self.gated.pop(charger_id, None)
        else:
            self.gated[charger_id] = status
