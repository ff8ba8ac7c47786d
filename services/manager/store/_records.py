"""Immutable values the charger store returns and accepts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = [
    "OCPP_VERSIONS",
    "REGISTRATION_STATUSES",
    "SECURITY_PROFILES",
    "BootInfo",
    "ChargerAdmission",
    "ChargerRecord",
    "ConnectorRecord",
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
