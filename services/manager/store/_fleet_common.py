"""Argument checks and page tokens shared by the SQL and in-memory fleet stores.

Fleet stores: charging profiles, configuration keys, security events and certificate
requests, locations. Bad arguments are caller bugs (ValueError); page tokens use the
keyset codec of ``_keyset`` (a token replayed against another list is InvalidPageToken).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ._common import check_charger_id, utc
from ._errors import InvalidPageToken
from ._fleet_records import (
    CERTIFICATE_REQUEST_STATUSES,
    CHARGING_PROFILE_PURPOSES,
    ChargingProfileRecord,
)
from ._keyset import check_length, decode_keyset, encode_keyset, from_iso, to_iso

__all__ = [
    "LOCATION_FIELDS",
    "MAX_CONFIGURATION_KEY_LENGTH",
    "MAX_DEVICE_STATUS_LENGTH",
    "check_certificate_type",
    "check_configuration_key",
    "check_device_status",
    "check_event_type",
    "check_local_list_version",
    "check_location",
    "check_location_id",
    "check_profile",
    "decode_event_token",
    "decode_location_token",
    "encode_event_token",
    "encode_location_token",
]

#: ``chargers.firmware_status``, ``diagnostics_status``, ``log_status``.
MAX_DEVICE_STATUS_LENGTH = 32
#: ``configuration_keys.key`` (OCPP 1.6 CiString50).
MAX_CONFIGURATION_KEY_LENGTH = 50
#: The location fields ``LocationStore.update`` may change.
LOCATION_FIELDS = frozenset({"name", "address", "city", "postal_code", "country"})

_LOCATION_ID = re.compile(r"[a-z0-9-]{1,64}")
_COUNTRY = re.compile(r"[A-Z]{2}")


def check_location_id(location_id: str) -> str:
    """``location_id`` if it is 1..64 of ``[a-z0-9-]``, else ValueError."""
    if not _LOCATION_ID.fullmatch(location_id):
        raise ValueError(f"location id must be 1..64 of [a-z0-9-], got {location_id!r}")
    return location_id


def check_location(fields: Mapping[str, Any]) -> dict[str, str]:
    """The location columns of ``fields`` (a subset of LOCATION_FIELDS), else ValueError."""
    unknown = set(fields) - LOCATION_FIELDS
    if unknown:
        raise ValueError(
            f"a location has no field(s) {sorted(unknown)}: use {sorted(LOCATION_FIELDS)}"
        )
    checked: dict[str, str] = {}
    for name, value in fields.items():
        if not isinstance(value, str):
            raise ValueError(f"location {name} must be a string, got {value!r}")
        checked[name] = value
    if "name" in checked and not checked["name"]:
        raise ValueError("location name must not be empty")
    if checked.get("country") and not _COUNTRY.fullmatch(checked["country"]):
        raise ValueError(
            f"country must be an ISO 3166-1 alpha-2 code (two capitals) or '', "
            f"got {checked['country']!r}"
        )
    return checked


def check_profile(
    *, connector_id: int, charging_profile_id: int, stack_level: int, purpose: str
) -> None:
    """ValueError unless the numbers are non-negative and ``purpose`` is a 1.6 one."""
    if purpose not in CHARGING_PROFILE_PURPOSES:
        raise ValueError(
            f"purpose must be one of {sorted(CHARGING_PROFILE_PURPOSES)}, got {purpose!r}"
        )
    for name, value in (
        ("connector_id", connector_id),
        ("charging_profile_id", charging_profile_id),
        ("stack_level", stack_level),
    ):
        if value < 0:
            raise ValueError(f"{name} must not be negative, got {value}")


def profile_record(
    *,
    charger_id: str,
    connector_id: int,
    charging_profile_id: int,
    stack_level: int,
    purpose: str,
    transaction_id: int | None,
    profile_json: str,
    at: datetime,
) -> ChargingProfileRecord:
    """The record ``ChargingProfileStore.installed`` stores, after checking its values."""
    check_profile(
        connector_id=connector_id,
        charging_profile_id=charging_profile_id,
        stack_level=stack_level,
        purpose=purpose,
    )
    return ChargingProfileRecord(
        charger_id=check_charger_id(charger_id),
        connector_id=connector_id,
        charging_profile_id=charging_profile_id,
        stack_level=stack_level,
        purpose=purpose,
        transaction_id=transaction_id,
        profile_json=profile_json,
        installed_at=utc(at),
    )


def check_device_status(status: str) -> str:
    """A firmware, diagnostics or log status: 1..32 characters, else ValueError."""
    return check_length("status", status, MAX_DEVICE_STATUS_LENGTH, empty=False)


def check_local_list_version(version: int) -> int:
    """``version`` if it is a list version or -1 (unknown), else ValueError."""
    if version < -1:
        raise ValueError(f"local list version must be -1 (unknown) or more, got {version}")
    return version


def check_configuration_key(key: str) -> str:
    """``key`` if it fits ``configuration_keys.key`` (1..50 characters), else ValueError."""
    return check_length("configuration key", key, MAX_CONFIGURATION_KEY_LENGTH, empty=False)


def check_event_type(type_: str) -> str:
    """A security event type: 1..50 characters, else ValueError."""
    return check_length("security event type", type_, 50, empty=False)


def check_certificate_type(certificate_type: str) -> str:
    """A certificate type: 0..40 characters, else ValueError."""
    return check_length("certificate type", certificate_type, 40)


def check_certificate_request_status(status: str) -> str:
    """One of CERTIFICATE_REQUEST_STATUSES, else ValueError."""
    if status not in CERTIFICATE_REQUEST_STATUSES:
        raise ValueError(
            f"certificate request status {status!r} is not one of "
            f"{', '.join(CERTIFICATE_REQUEST_STATUSES)}"
        )
    return status


def encode_location_token(after: str) -> str:
    """The token of the locations after ``after``."""
    return encode_keyset("locations", [after], {})


def decode_location_token(token: str) -> str:
    """The location id a page starts after; InvalidPageToken if not one we issued."""
    (after,) = decode_keyset(token, "locations", {}, (str,))
    if not _LOCATION_ID.fullmatch(after):
        raise InvalidPageToken("page_token is malformed: it holds no valid location id")
    text: str = after
    return text


def encode_event_token(charger_id: str, timestamp: datetime, event_id: int) -> str:
    """The token of ``charger_id``'s events before (``timestamp``, ``event_id``)."""
    return encode_keyset(
        "security-events", [to_iso(timestamp), event_id], {"charger_id": charger_id}
    )


def decode_event_token(token: str, charger_id: str) -> tuple[datetime, int]:
    """The (timestamp, id) a page of events starts before; InvalidPageToken if foreign."""
    at, event_id = decode_keyset(token, "security-events", {"charger_id": charger_id}, (str, int))
    return utc(from_iso(at)), int(event_id)
