"""Argument checks and the page-token codec shared by every store implementation."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime

from ._errors import InvalidPageToken
from ._records import OCPP_VERSIONS

__all__ = [
    "MAX_CHARGER_ID_LENGTH",
    "check_charger_id",
    "check_ocpp_version",
    "check_page_size",
    "decode_page_token",
    "encode_page_token",
    "utc",
]

#: OCPP 2.0.1 limits the charging station identity to 48 characters (``chargers.id``).
MAX_CHARGER_ID_LENGTH = 48

_TOKEN_VERSION = 1


def check_charger_id(charger_id: str) -> str:
    """Return ``charger_id`` if it can be a charger's primary key, else raise ValueError."""
    if not charger_id or len(charger_id) > MAX_CHARGER_ID_LENGTH:
        raise ValueError(
            f"charger id must be 1..{MAX_CHARGER_ID_LENGTH} characters, got {charger_id!r}"
        )
    return charger_id


def check_ocpp_version(ocpp_version: str) -> str:
    """Return ``ocpp_version`` if it is one the store records, else raise ValueError."""
    if ocpp_version not in OCPP_VERSIONS:
        raise ValueError(
            f"ocpp_version must be one of {sorted(OCPP_VERSIONS)}, got {ocpp_version!r}"
        )
    return ocpp_version


def check_page_size(page_size: int) -> int:
    """Return ``page_size`` if positive, else raise ValueError (the API sets the default)."""
    if page_size < 1:
        raise ValueError(f"page_size must be positive, got {page_size}")
    return page_size


def utc(at: datetime) -> datetime:
    """``at`` converted to UTC; a naive datetime is a bug in the caller (ValueError)."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"timestamps must be timezone-aware, got naive {at!r}")
    return at.astimezone(UTC)


def encode_page_token(after_id: str, status: str | None) -> str:
    """An opaque token meaning "the chargers after ``after_id``" for this status filter."""
    raw = json.dumps({"v": _TOKEN_VERSION, "after": after_id, "status": status})
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_page_token(token: str, status: str | None) -> str:
    """The id a page starts after; InvalidPageToken if ``token`` is not one we issued."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        fields = json.loads(raw)
    except (binascii.Error, ValueError) as exc:  # UnicodeDecodeError is a ValueError
        raise InvalidPageToken(
            "page_token is malformed: pass the next_page_token of a previous list call"
        ) from exc
    if (
        not isinstance(fields, dict)
        or fields.get("v") != _TOKEN_VERSION
        or not isinstance(after := fields.get("after"), str)
        or not 0 < len(after) <= MAX_CHARGER_ID_LENGTH
    ):
        raise InvalidPageToken(
            "page_token is not a token this server issued: pass the next_page_token "
            "of a previous list call"
        )
    if fields.get("status") != status:
        raise InvalidPageToken(
            "page_token was issued for a different status filter: keep the filter the same "
            "across pages or start again without a page_token"
        )
    return after


#: How far beyond the ids a charger has reported a new connector or EVSE id may be. A
#: status for an id further out (connector 99 of a one-connector charger) creates no
#: phantom connector: the store records it as an anomaly instead (ADR 0010). Chargers
#: report their connectors in order at boot, so real ones are well within it.
NEW_CONNECTOR_ALLOWANCE = 4


def is_plausible_connector(layout: dict[int, int], evse_id: int, connector_id: int) -> bool:
    """Whether a status for (evse_id, connector_id) may create or update a connector, given
    ``layout`` (EVSE id -> highest connector id reported on it); updates ``layout`` if so.

    Known connectors always pass; a new one passes if its EVSE id is at most the highest
    known EVSE id + NEW_CONNECTOR_ALLOWANCE and its connector id at most the highest on
    that EVSE (0 for a new EVSE) + NEW_CONNECTOR_ALLOWANCE.
    """
    on_evse = layout.get(evse_id)
    if on_evse is not None and connector_id <= on_evse:
        return True
    highest_evse = max(layout, default=0)
    if evse_id > highest_evse + NEW_CONNECTOR_ALLOWANCE:
        return False
    if connector_id > (on_evse or 0) + NEW_CONNECTOR_ALLOWANCE:
        return False
    layout[evse_id] = max(on_evse or 0, connector_id)
    return True
