"""Locations (sites) and the chargers assigned to them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from ._errors import InvalidPageToken
from ._keyset import decode_keyset, encode_keyset

__all__ = [
    "LOCATION_FIELDS",
    "LocationRecord",
    "LocationStore",
    "check_location",
    "check_location_id",
    "decode_location_token",
    "encode_location_token",
]


@dataclass(frozen=True, slots=True)
class LocationRecord:
    """A site chargers are assigned to, with its chargers' ids in order."""

    location_id: str
    name: str
    address: str
    city: str
    postal_code: str
    #: ISO 3166-1 alpha-2, "" when not given.
    country: str
    charger_ids: tuple[str, ...]
    created_at: datetime
    updated_at: datetime


class LocationStore(Protocol):
    """Sites, and the chargers assigned to them (a charger is at most at one)."""

    async def create(
        self,
        location_id: str,
        *,
        name: str,
        address: str = "",
        city: str = "",
        postal_code: str = "",
        country: str = "",
        at: datetime,
    ) -> LocationRecord:
        """A new location without chargers; AlreadyExists; ValueError for a bad id/country."""
        ...

    async def get(self, location_id: str) -> LocationRecord | None:
        """The location with its chargers, or None."""
        ...

    async def update(self, location_id: str, *, at: datetime, **changes: Any) -> LocationRecord:
        """Change name, address, city, postal_code and/or country; NotFound."""
        ...

    async def delete(self, location_id: str) -> None:
        """Delete the location; its chargers become unassigned. NotFound."""
        ...

    async def list(
        self, *, page_size: int, page_token: str = ""
    ) -> tuple[list[LocationRecord], str]:
        """One page of locations by id, and the next page's token ("" at the end)."""
        ...

    async def assign(self, location_id: str, charger_id: str, at: datetime) -> LocationRecord:
        """Assign the charger here, moving it from its previous location; NotFound for either."""
        ...

    async def unassign(self, location_id: str, charger_id: str, at: datetime) -> LocationRecord:
        """Unassign the charger; NotFound unless it is assigned to this location."""
        ...


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
