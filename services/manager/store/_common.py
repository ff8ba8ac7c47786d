"""Argument checks and the page-token codec shared by the stores."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime

from ._errors import InvalidPageToken

__all__ = [
    "MAX_CHARGER_ID_LENGTH",
    "check_charger_id",
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
