"""What the operator APIs (transactions, id tags, reservations, locations, audit, device
model) share: page limits, field limits, and request checks that each raise
``InvalidArgument`` naming the field."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import grpc
from csms.v1 import id_tags_pb2, reservations_pb2
from google.protobuf.field_mask_pb2 import FieldMask
from google.protobuf.timestamp_pb2 import Timestamp

from services.manager._errors import InvalidArgument
from services.manager.chargers import check_charger_id

Context = grpc.aio.ServicerContext[Any, Any]


#: (default, maximum) page size of each list; 0 in a request means the default.
TRANSACTION_PAGE = (50, 1000)
METER_VALUE_PAGE = (500, 5000)
ID_TAG_PAGE = (100, 1000)
RESERVATION_PAGE = (50, 1000)
LOCATION_PAGE = (50, 1000)

#: An id tag: 1 to 255 printable ASCII characters (OCPP 2.1 idToken; 2.0.1: 36, 1.6: 20).
#: Commands that send a tag to a charger check what its OCPP version can carry.
MAX_ID_TAG_LENGTH = 255
MAX_MEASURAND_LENGTH = 64
#: OCPP 2.1 IdToken (2.0.1: 36) as transactions record it; the charger's transactionId.
MAX_ID_TOKEN_LENGTH = 255
MAX_CHARGER_TRANSACTION_ID_LENGTH = 36
#: id_tags.max_active_transactions is a 32-bit integer column.
MAX_ACTIVE_TRANSACTIONS = 2**31 - 1
LOCATION_ID = re.compile(r"[a-z0-9-]{1,64}")
COUNTRY = re.compile(r"[A-Za-z]{2}")
#: Longest accepted value of each free-text location field.
LOCATION_TEXT_LIMITS = {"name": 200, "address": 500, "city": 200, "postal_code": 20}

#: The stored spelling (OCPP 1.6) of each API enum value, both ways.
ID_TAG_STATUS_VALUES: dict[str, id_tags_pb2.IdTagStatus] = {
    "Accepted": id_tags_pb2.ID_TAG_STATUS_ACCEPTED,
    "Blocked": id_tags_pb2.ID_TAG_STATUS_BLOCKED,
    "Expired": id_tags_pb2.ID_TAG_STATUS_EXPIRED,
    "Invalid": id_tags_pb2.ID_TAG_STATUS_INVALID,
}
ID_TAG_STATUS_NAMES: dict[int, str] = {value: name for name, value in ID_TAG_STATUS_VALUES.items()}

RESERVATION_STATE_VALUES: dict[str, reservations_pb2.ReservationState] = {
    "Pending": reservations_pb2.RESERVATION_STATE_PENDING,
    "Accepted": reservations_pb2.RESERVATION_STATE_ACCEPTED,
    "Rejected": reservations_pb2.RESERVATION_STATE_REJECTED,
    "Cancelled": reservations_pb2.RESERVATION_STATE_CANCELLED,
    "Used": reservations_pb2.RESERVATION_STATE_USED,
    "Expired": reservations_pb2.RESERVATION_STATE_EXPIRED,
}
RESERVATION_STATE_NAMES: dict[int, str] = {
    value: name for name, value in RESERVATION_STATE_VALUES.items()
}


ID_TAG_MASK_PATHS = ("status", "expiry_date", "parent_id_tag", "max_active_transactions")
LOCATION_MASK_PATHS = ("name", "address", "city", "postal_code", "country")


# --- request checks: each raises InvalidArgument naming the field ----------------------------


def checked_page_size(page_size: int, limits: tuple[int, int]) -> int:
    """`page_size` checked against `limits` (default, maximum); 0 means the default."""
    default, maximum = limits
    if page_size < 0 or page_size > maximum:
        raise InvalidArgument("page_size", f"must be between 0 and {maximum}")
    return page_size or default


def checked_id_tag(field: str, value: str, *, required: bool = True) -> str:
    if not value:
        if required:
            raise InvalidArgument(field, "is required")
        return value
    if len(value) > MAX_ID_TAG_LENGTH:
        raise InvalidArgument(field, f"is longer than {MAX_ID_TAG_LENGTH} characters")
    if not (value.isascii() and value.isprintable()):
        raise InvalidArgument(field, "must be printable ASCII characters")
    return value


def id_token_filter(field: str, value: str) -> str | None:
    """A transactions filter on the token: a 1.6 tag or a 2.0.1/2.1 idToken."""
    if len(value) > MAX_ID_TOKEN_LENGTH:
        raise InvalidArgument(field, f"is longer than {MAX_ID_TOKEN_LENGTH} characters")
    return value or None


def charger_filter(value: str) -> str | None:
    if value:
        check_charger_id(value)
    return value or None


def positive(field: str, value: int) -> int:
    if value <= 0:
        raise InvalidArgument(field, "must be a positive number")
    return value


def checked_datetime(field: str, ts: Timestamp) -> datetime:
    try:
        return ts.ToDatetime(tzinfo=UTC)
    except (ValueError, OverflowError) as exc:
        raise InvalidArgument(field, f"is not a valid timestamp ({exc})") from exc


def checked_location_id(field: str, value: str) -> str:
    if not value:
        raise InvalidArgument(field, "is required")
    if not LOCATION_ID.fullmatch(value):
        raise InvalidArgument(field, "must be 1 to 64 of a-z, 0-9 and '-'")
    return value


def mask_paths(mask: FieldMask, allowed: tuple[str, ...]) -> tuple[str, ...]:
    """The fields an update changes: the mask's paths, all of ``allowed`` when empty or '*'."""
    paths = list(mask.paths)
    if not paths or paths == ["*"]:
        return allowed
    for path in paths:
        if path not in allowed:
            raise InvalidArgument(
                "update_mask", f"unknown path {path!r}; allowed: {', '.join(allowed)}"
            )
    return tuple(p for p in allowed if p in paths)


# --- records -> messages ----------------------------------------------------------------------


def timestamp(at: datetime) -> Timestamp:
    ts = Timestamp()
    ts.FromDatetime(at)
    return ts


def stamp(message: Any, field: str, at: datetime | None) -> None:
    """Set the Timestamp `field` of `message` to `at`; left unset when `at` is None."""
    if at is not None:
        getattr(message, field).FromDatetime(at)
