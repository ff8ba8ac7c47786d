"""Immutable values the charger store returns and accepts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["OCPP_VERSIONS", "BootInfo", "ChargerRecord", "ConnectorRecord"]

#: The OCPP versions a charger row may record (``chargers.ocpp_version``).
OCPP_VERSIONS = frozenset({"1.6", "2.0.1", "2.1"})


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


@dataclass(frozen=True, slots=True)
class BootInfo:
    """What a charger tells about itself in a BootNotification."""

    vendor: str
    model: str
    serial_number: str
    firmware_version: str
    ocpp_version: str
