"""Chargers and their connectors: the records, the ``ChargerStore`` interface and the
checks of what is written (``SqlChargerStore`` in ``_chargers_sql``).

A charger is registered when it first connects (or created by an operator), booted, seen
(heartbeats) and retired/restored by an operator; its connectors' statuses are written
behind (``_write_behind``, ADR 0005).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from ._keyset import check_length

__all__ = [
    "CHARGER_CHANGES",
    "MAX_BOOT_STATUS_LENGTH",
    "MAX_DESCRIPTION_LENGTH",
    "MAX_DEVICE_STATUS_LENGTH",
    "MAX_STATUS_LENGTH",
    "OCPP_VERSIONS",
    "REGISTRATION_STATUSES",
    "SECURITY_PROFILES",
    "BootInfo",
    "ChargerAdmission",
    "ChargerRecord",
    "ChargerStore",
    "ConnectorRecord",
    "check_charger_changes",
    "check_device_status",
    "check_local_list_version",
    "check_ocpp_version",
    "check_registration_status",
    "exists_message",
]


#: The OCPP versions a charger row may record (``chargers.ocpp_version``).
OCPP_VERSIONS = frozenset({"1.6", "2.0.1", "2.1"})


#: The registration statuses an operator can give a charger (answered at BootNotification).
REGISTRATION_STATUSES = frozenset({"Accepted", "Pending", "Rejected"})


#: OCPP security profiles: 0 none, 1 Basic auth, 2 TLS + Basic auth, 3 mutual TLS.
SECURITY_PROFILES = range(4)


@dataclass(frozen=True, slots=True)
class ConnectorRecord:
    """The last status a charger reported for one connector.

    OCPP 1.6 ``connectorId`` N is stored as ``(evse_id=N, connector_id=1)`` for N > 0 and
    ``(0, 0)`` for the charger as a whole; the caller does that mapping.
    """

    evse_id: int
    connector_id: int
    status: str
    error_code: str
    info: str
    vendor_error_code: str
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ChargerRecord:
    """A charger as the store knows it, with its connectors ordered by (evse, connector)."""

    charger_id: str
    vendor: str
    model: str
    serial_number: str
    firmware_version: str
    ocpp_version: str
    #: The registration status the CSMS last answered to a boot ("" before the first boot).
    boot_status: str
    registered_at: datetime | None
    last_boot_at: datetime | None
    last_seen_at: datetime | None
    connectors: tuple[ConnectorRecord, ...]
    #: Progress last reported by (1.6) Firmware/DiagnosticsStatusNotification and
    #: LogStatusNotification; "" before the first.
    firmware_status: str = ""
    diagnostics_status: str = ""
    log_status: str = ""
    #: When one of those three last changed.
    status_updated_at: datetime | None = None
    #: The local authorization list version as last set or read by the CSMS; -1 unknown.
    local_list_version: int = -1
    #: The location the charger is assigned to; "" when none.
    location_id: str = ""
    #: What the operator configures (revision 0011): the OCPP security profile it must
    #: connect with, the registration status answered at boot, a free-text description.
    security_profile: int = 0
    registration_status: str = "Accepted"
    description: str = ""
    #: A Basic auth password hash is stored (the hash itself is never read out here).
    has_password: bool = False
    #: A rotated password the charger accepted and has not yet connected with.
    password_rotation_pending: bool = False
    #: Set while the charger is retired (refused at the handshake; its history is kept).
    retired_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ChargerAdmission:
    """What the handshake and BootNotification need to know of a charger (one row read)."""

    charger_id: str
    security_profile: int
    registration_status: str  # Accepted, Pending or Rejected
    retired: bool
    #: argon2id hashes of its Basic auth password and of a rotated one not yet used (None:
    #: none); for the credential check at the handshake, never for display.
    password_hash: str | None = None
    new_password_hash: str | None = None


@dataclass(frozen=True, slots=True)
class BootInfo:
    """What a charger tells about itself in a BootNotification."""

    vendor: str
    model: str
    serial_number: str
    firmware_version: str
    ocpp_version: str


class ChargerStore(Protocol):
    """Chargers and their connectors.

    ``touch`` and ``set_connector_status`` are write-behind: they are synchronous, do no
    I/O and only remember the latest value per key (by timestamp); ``flush`` writes what
    is buffered, and reads flush first so a read after a write sees it.
    """

    async def is_known(self, charger_id: str) -> bool:
        """Whether a charger row exists for ``charger_id``."""
        ...

    async def register(
        self,
        charger_id: str,
        ocpp_version: str,
        at: datetime,
        *,
        registration_status: str = "Accepted",
    ) -> None:
        """Create the charger if absent (auto-registration: security profile 0 and
        ``registration_status``); no-op if present."""
        ...

    async def admission(self, charger_id: str) -> ChargerAdmission | None:
        """What admitting the charger needs (profile, status, retired, password hashes), or
        None if unknown. Concurrent calls may share one read (a reconnect storm)."""
        ...

    async def create(
        self,
        charger_id: str,
        *,
        security_profile: int = 0,
        password_hash: str | None = None,
        description: str = "",
        location_id: str = "",
        registration_status: str = "Accepted",
        at: datetime,
    ) -> ChargerRecord:
        """Add a charger before it connects. AlreadyExists if the id exists, retired or not
        (the message says to restore a retired one); NotFound for a missing location."""
        ...

    async def update(self, charger_id: str, *, at: datetime, **changes: Any) -> ChargerRecord:
        """Change ``security_profile``, ``password_hash`` (None = none; clears a rotation in
        progress), ``description``, ``location_id`` ("" = none) and/or
        ``registration_status``; NotFound for the charger or the location."""
        ...

    async def retire(self, charger_id: str, at: datetime) -> ChargerRecord:
        """Set ``retired_at`` (kept if already retired); every row of its history stays.
        NotFound."""
        ...

    async def restore(self, charger_id: str, at: datetime) -> ChargerRecord:
        """Clear ``retired_at`` (a no-op if not retired); NotFound."""
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
        location_id: str | None = None,
        retired: bool | None = None,
    ) -> tuple[list[ChargerRecord], str]:
        """One page of chargers ordered by id, and the token of the next page ("" at the end).

        ``retired`` keeps only retired (True) or only active (False) chargers; None keeps all.

        ``status`` keeps chargers with a connector in that status; ``only_ids`` and
        ``exclude_ids`` restrict by id (the "connected" filter; may hold thousands of ids);
        ``location_id`` keeps the chargers assigned to that location ("": to none).
        """
        ...

    async def set_firmware_status(self, charger_id: str, status: str, at: datetime) -> None:
        """Record a FirmwareStatusNotification (a direct write; unknown chargers ignored)."""
        ...

    async def set_diagnostics_status(self, charger_id: str, status: str, at: datetime) -> None:
        """Record a DiagnosticsStatusNotification (a direct write; unknown chargers ignored)."""
        ...

    async def set_log_status(self, charger_id: str, status: str, at: datetime) -> None:
        """Record a LogStatusNotification (a direct write; unknown chargers ignored)."""
        ...

    async def set_local_list_version(self, charger_id: str, version: int, at: datetime) -> None:
        """Record the local list version set or read (a direct write; unknown chargers ignored)."""
        ...

    async def aclose(self) -> None:
        """Flush, then release resources; idempotent."""
        ...


def check_ocpp_version(ocpp_version: str) -> str:
    """Return ``ocpp_version`` if it is one the store records, else raise ValueError."""
    if ocpp_version not in OCPP_VERSIONS:
        raise ValueError(
            f"ocpp_version must be one of {sorted(OCPP_VERSIONS)}, got {ocpp_version!r}"
        )
    return ocpp_version


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


#: ``chargers.firmware_status``, ``diagnostics_status``, ``log_status``.
MAX_DEVICE_STATUS_LENGTH = 32


def check_device_status(status: str) -> str:
    """A firmware, diagnostics or log status: 1..32 characters, else ValueError."""
    return check_length("status", status, MAX_DEVICE_STATUS_LENGTH, empty=False)


def check_local_list_version(version: int) -> int:
    """``version`` if it is a list version or -1 (unknown), else ValueError."""
    if version < -1:
        raise ValueError(f"local list version must be -1 (unknown) or more, got {version}")
    return version


#: Longest values of the short columns (longer input is a caller bug: ValueError).
MAX_STATUS_LENGTH = 32


MAX_BOOT_STATUS_LENGTH = 16
