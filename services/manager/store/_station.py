"""OCPP 2.0.1 station messages the CSMS remembers for operators to read back.

Two concerns, one store:

- **Charger requests**: a CSMS request the charger reports on later under its
  ``requestId`` (UpdateFirmware, GetLog, CustomerInformation, GetDisplayMessages). The row
  holds the charger's answer, then the latest status it reported, the data it sent (a log's
  file name; a customer information report's parts, concatenated in ``seqNo`` order, a
  repeated part ignored) and whether it is complete. A report for a request id the CSMS
  never sent (a charger-initiated update, a raw ``SendCall``) creates its row.
- **Display messages**: the messages a charger shows, by message id, as the CSMS set them
  (SetDisplayMessage accepted) or the charger reported them (NotifyDisplayMessages).

Writes naming an unknown charger raise NotFound, as the other stores do.
``SqlStationStore`` in ``_station_sql``.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from ._schema_201 import CHARGER_REQUEST_KINDS

__all__ = [
    "MAX_REQUEST_PAGE",
    "ChargerRequestRecord",
    "DisplayMessageRecord",
    "StationStore",
    "check_request_kind",
    "check_source",
]


MAX_REQUEST_PAGE = 1000


@dataclass(frozen=True, slots=True)
class ChargerRequestRecord:
    charger_id: str
    kind: str  # one of CHARGER_REQUEST_KINDS
    request_id: int
    status: str  # the charger's answer, then the latest status it reported
    data: str  # Log: file name; CustomerInformation: the parts concatenated
    seq_no: int  # the last part appended; -1 before the first
    complete: bool  # a final status, or the last part (tbc false), arrived
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class DisplayMessageRecord:
    charger_id: str
    message_id: int
    message_json: str  # the 2.0.1 MessageInfo (camelCase JSON)
    source: str  # "csms" or "charger"
    updated_at: datetime


class StationStore(Protocol):
    """Charger requests reported on by id, and the display messages chargers show."""

    async def request_answered(
        self,
        charger_id: str,
        kind: str,
        request_id: int,
        *,
        status: str,
        complete: bool,
        sent_at: datetime,
        data: str = "",
    ) -> None:
        """Record a request the CSMS sent at ``sent_at`` and the charger's answer. An older
        request with the same kind and id is replaced; one the charger already reported on
        since ``sent_at`` (its report can overtake the answer) keeps what it reported."""
        ...

    async def request_reported(
        self,
        charger_id: str,
        kind: str,
        request_id: int,
        *,
        at: datetime,
        status: str | None = None,
        complete: bool | None = None,
        part: tuple[int, str] | None = None,
    ) -> ChargerRequestRecord:
        """Apply what the charger reported about a request (created when unknown): a new
        status, completeness, and/or a part (seqNo, data) appended when its seqNo is past
        the last one appended. Returns the request as it now is."""
        ...

    async def list_requests(
        self,
        charger_id: str,
        *,
        kind: str | None = None,
        request_id: int | None = None,
        limit: int = 50,
    ) -> builtins.list[ChargerRequestRecord]:
        """The charger's requests, newest first (at most ``limit``)."""
        ...

    async def put_display_messages(
        self, charger_id: str, messages: Sequence[tuple[int, str]], *, source: str, at: datetime
    ) -> None:
        """Record messages (id, MessageInfo JSON), replacing those with the same ids."""
        ...

    async def remove_display_message(self, charger_id: str, message_id: int) -> bool:
        """Forget a message; whether one was recorded."""
        ...

    async def display_messages(self, charger_id: str) -> builtins.list[DisplayMessageRecord]:
        """The charger's recorded messages by id."""
        ...


def check_request_kind(kind: str) -> str:
    if kind not in CHARGER_REQUEST_KINDS:
        raise ValueError(f"request kind {kind!r} is not one of {CHARGER_REQUEST_KINDS}")
    return kind


def check_source(source: str) -> str:
    if source not in ("csms", "charger"):
        raise ValueError(f"display message source {source!r} is not 'csms' or 'charger'")
    return source
