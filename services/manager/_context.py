"""What a handler is told about the call it handles, and the clock it reads."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

Payload = dict[str, Any]
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def ocpp_time(at: datetime) -> str:
    """A timestamp as OCPP writes it: ISO 8601, UTC, milliseconds, 'Z'."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def parse_ocpp_time(value: str) -> datetime:
    """An OCPP timestamp as an aware datetime (UTC assumed when the charger omits the zone)."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class CallContext:
    """The charger call being handled."""

    charger_id: str
    ocpp_version: str
    epoch: int
    message_id: str
    received_at: datetime  # when the node read the frame


Handler = Callable[[CallContext, Payload], Payload | Awaitable[Payload]]
Router = Mapping[str, Handler]
