"""Keyset page tokens and argument checks of the id tag, transaction and reservation stores.

A token names the list it was issued for, the sort key of the last row of the page, and
the filters: a token replayed with other filters or against another list is refused with
``InvalidPageToken`` (never a silently wrong page).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from services.manager.domain import ID_TAG_STATUSES

from ._common import utc
from ._errors import InvalidPageToken

__all__ = [
    "MAX_ID_TAG_LENGTH",
    "Filters",
    "check_id_tag",
    "check_id_tag_status",
    "check_length",
    "decode_keyset",
    "encode_keyset",
    "from_iso",
    "to_iso",
]


#: An id tag is as long as an OCPP 2.1 idToken (2.0.1: 36; 1.6 IdToken: 20). What a
#: charger of each version can carry is checked where a command sends a tag.
MAX_ID_TAG_LENGTH = 255


_TOKEN_VERSION = 1


Filters = Mapping[str, str | int | bool | None]


def encode_keyset(listing: str, after: list[Any], filters: Filters) -> str:
    """An opaque token: "the rows of ``listing`` after ``after``, with these filters"."""
    raw = json.dumps(
        {"v": _TOKEN_VERSION, "l": listing, "a": after, "f": dict(filters)},
        separators=(",", ":"),
        sort_keys=True,
    )
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_keyset(token: str, listing: str, filters: Filters, types: tuple[type, ...]) -> list[Any]:
    """The sort key a page starts after; InvalidPageToken if ``token`` does not fit."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        fields = json.loads(raw)
    except (binascii.Error, ValueError) as exc:
        raise InvalidPageToken(
            "page_token is malformed: pass the next_page_token of a previous list call"
        ) from exc
    after = fields.get("a") if isinstance(fields, dict) else None
    if (
        not isinstance(fields, dict)
        or fields.get("v") != _TOKEN_VERSION
        or fields.get("l") != listing
        or not isinstance(after, list)
        or len(after) != len(types)
        or not all(
            isinstance(value, kind) and not isinstance(value, bool)
            for value, kind in zip(after, types, strict=True)
        )
    ):
        raise InvalidPageToken(
            "page_token is not a token this server issued for this list: pass the "
            "next_page_token of a previous call of the same list"
        )
    if fields.get("f") != dict(filters):
        raise InvalidPageToken(
            "page_token was issued for different filters: keep the filters the same "
            "across pages or start again without a page_token"
        )
    return after


def to_iso(at: datetime) -> str:
    """``at`` as ISO 8601 in UTC (the form page tokens and start keys carry)."""
    return utc(at).isoformat()


def from_iso(text: str) -> datetime:
    """The aware datetime of a token's ISO text; InvalidPageToken if it is not one."""
    try:
        return utc(datetime.fromisoformat(text))
    except ValueError as exc:
        raise InvalidPageToken("page_token is malformed: it holds no valid timestamp") from exc


def check_length(what: str, value: str, maximum: int, *, empty: bool = True) -> str:
    """``value`` if it fits a column of ``maximum`` characters, else ValueError."""
    if len(value) > maximum or (not empty and not value):
        low = 0 if empty else 1
        raise ValueError(f"{what} must be {low}..{maximum} characters, got {value!r}")
    return value


def check_id_tag(id_tag: str, what: str = "id tag") -> str:
    """``id_tag`` if it is 1..255 characters (an OCPP 2.1 idToken), else ValueError."""
    return check_length(what, id_tag, MAX_ID_TAG_LENGTH, empty=False)


def check_id_tag_status(status: str) -> str:
    """``status`` if an id tag may have it, else ValueError."""
    if status not in ID_TAG_STATUSES:
        raise ValueError(f"id tag status must be one of {sorted(ID_TAG_STATUSES)}, got {status!r}")
    return status
