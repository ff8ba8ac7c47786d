"""Validation helpers shared by the command translations: each error names the field."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

from services.common import OcppVersion
from services.manager._context import ocpp_time
from services.manager._errors import InvalidArgument, UnsupportedByProtocol

Call = tuple[str, dict[str, Any]]

#: The longest id tag the CSMS keeps: an OCPP 2.1 idToken.
MAX_ID_TAG = 255
#: The longest id tag a charger of each OCPP version can carry: 1.6 IdToken (CiString20),
#: 2.0.1 IdTokenType.idToken, 2.1 IdTokenType.idToken.
MAX_ID_TOKEN = {OcppVersion.V16: 20, OcppVersion.V201: 36, OcppVersion.V21: 255}


def check_length(field: str, value: str, minimum: int, maximum: int) -> str:
    if not minimum <= len(value) <= maximum:
        if minimum == 0:
            raise InvalidArgument(field, f"must be at most {maximum} characters")
        raise InvalidArgument(field, f"must be {minimum} to {maximum} characters")
    return value


def check_id_tag(field: str, value: str, version: OcppVersion | None = None) -> str:
    """`value` if it is 1..255 characters and, given the charger's OCPP `version`, no longer
    than a charger of that version can carry (1.6: 20, 2.0.1: 36, 2.1: 255)."""
    check_length(field, value, 1, MAX_ID_TAG)
    if version is not None:
        limit = MAX_ID_TOKEN[version]
        if len(value) > limit:
            raise InvalidArgument(
                field,
                f"is {len(value)} characters but OCPP {version} allows at most {limit} in a "
                f"tag sent to a charger: use a tag of at most {limit} characters for this charger",
            )
    return value


def check_connector(field: str, value: int, *, minimum: int) -> int:
    if value < minimum:
        raise InvalidArgument(field, f"must be at least {minimum}")
    if value > 1000:
        raise InvalidArgument(field, "is not a plausible connector id (at most 1000)")
    return value


def check_non_negative(field: str, value: int) -> int:
    if value < 0:
        raise InvalidArgument(field, "must not be negative")
    return value


def check_choice(field: str, value: str, choices: Sequence[str]) -> str:
    """`value` if it is one of `choices` (OCPP enumeration values), else INVALID_ARGUMENT."""
    if value not in choices:
        raise InvalidArgument(field, f"choose one of {', '.join(choices)}")
    return value


def require_201(charger_id: str, version: OcppVersion, what: str) -> None:
    """FAILED_PRECONDITION for a command (or option) that OCPP 1.6 does not have."""
    if version.is_16:
        raise UnsupportedByProtocol(charger_id, version, f"{what} needs OCPP 2.0.1 or later")


def set_optional(payload: dict[str, Any], key: str, value: object) -> None:
    """Put `value` under `key` unless it is empty ("" / None)."""
    if value not in ("", None):
        payload[key] = value


def timestamp(ts: Timestamp) -> str:
    """A protobuf Timestamp in OCPP's format."""
    return ocpp_time(ts.ToDatetime(tzinfo=UTC))


def to_datetime(ts: Timestamp) -> datetime:
    return ts.ToDatetime(tzinfo=UTC)
