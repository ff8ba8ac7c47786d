"""OCPP date-times, read the same way at the node's edge and in the manager."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["parse_ocpp_time"]


def parse_ocpp_time(value: str) -> datetime:
    """An OCPP ``date-time`` as an aware UTC-convertible datetime; ValueError if it is none.

    Lenient like the node's schema check (ADR 0004): the time zone is optional (a naive
    time is UTC), ``t``/``z`` may be lower case, and a leap second (``:60``) is read as the
    last microsecond of the minute before it. A date that does not exist (31 February) or
    whose UTC time falls outside years 1 to 9999 raises ValueError.
    """
    text = value
    if text[-1:] == "z":
        text = text[:-1] + "Z"
    leap = len(text) > 18 and text[17:19] == "60"
    if leap:
        text = text[:17] + "59" + text[19:]
    parsed = datetime.fromisoformat(text)  # Python 3.11+ reads a trailing "Z" itself
    if leap:
        parsed = parsed.replace(microsecond=999_999)
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    try:
        parsed.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{value!r} is outside the years 1 to 9999 in UTC") from None
    return parsed
