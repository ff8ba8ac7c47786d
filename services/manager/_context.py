"""What a handler is told about the call it handles, and the clock it reads."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from services.common import OcppVersion, parse_ocpp_time

__all__ = [
    "CallContext",
    "Clock",
    "Handler",
    "Payload",
    "Reply",
    "Router",
    "ocpp_time",
    "parse_ocpp_time",
    "utc_now",
]

#: A JSON object: a call's payload or a reply without a declared type.
Payload = dict[str, Any]
#: What a handler answers: a Payload, or the action's reply TypedDict (``v16/messages.py``,
#: ``v201/messages.py``), which is a Mapping but not a dict.
Reply = Mapping[str, Any]
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


# ocpp_time is in every Heartbeat and BootNotification reply: the text up to the
# seconds is formatted once per second (strftime is ~2 µs, the rest ~0.2 µs).
# (year, month, day, hour, minute, second) -> "YYYY-MM-DDTHH:MM:SS." of the last call,
# one tuple so that a reader never sees a key with another second's text.
_last_second: tuple[tuple[int, int, int, int, int, int], str] = ((0, 0, 0, 0, 0, 0), "")
_MILLIS = tuple(f"{ms:03d}Z" for ms in range(1000))


def ocpp_time(at: datetime) -> str:
    """A timestamp as OCPP writes it: ISO 8601, UTC, milliseconds, 'Z'."""
    global _last_second
    if at.tzinfo is not UTC:
        at = at.astimezone(UTC)
    second = (at.second, at.minute, at.hour, at.day, at.month, at.year)
    cached = _last_second
    if cached[0] != second:
        cached = _last_second = (second, at.strftime("%Y-%m-%dT%H:%M:%S."))
    return cached[1] + _MILLIS[at.microsecond // 1000]


@dataclass(frozen=True, slots=True)
class CallContext:
    """The charger call being handled."""

    charger_id: str
    ocpp_version: OcppVersion
    epoch: int
    message_id: str
    received_at: datetime  # when the node read the frame


#: A handler takes the call's payload, schema-valid for its action (the framer checked it):
#: typed as that action's request TypedDict, or Payload; hence Any here.
Handler = Callable[[CallContext, Any], Reply | Awaitable[Reply]]
Router = Mapping[str, Handler]
