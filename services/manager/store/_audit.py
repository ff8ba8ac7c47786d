"""The audit log's table: entries appended in batches, listed newest first.

``SqlAuditStore`` (``_audit_sql``) writes ``audit_log`` on PostgreSQL or SQLite and lists
it newest first (by id: ids grow in the order entries were written), with keyset page
tokens that carry the filters (``_keyset``).

Entries are written as they are: a value too long for its column is cut to fit (with a
marker), and NUL characters, which PostgreSQL text cannot hold, are replaced, so an
entry about a hostile request (a charger id of 500 characters) is still recorded.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol

from ._keyset import to_iso

__all__ = ["COLUMN_WIDTHS", "MAX_TEXT", "AuditEntryRecord", "AuditFilters", "AuditStore", "fitted"]


#: Widest value of each bounded column of ``audit_log`` (None = text, unbounded).
COLUMN_WIDTHS: dict[str, int | None] = {
    "actor": 80,
    "role": 8,
    "action": 80,
    "charger_id": 48,
    "target": None,
    "outcome": 32,
    "detail": None,
    "source": 80,
}


#: Longest detail or target kept (they are text columns, but an entry is not a payload dump).
MAX_TEXT = 4000


_CUT = "…"


@dataclass(frozen=True, slots=True)
class AuditEntryRecord:
    """One row of ``audit_log``; ``entry_id`` is 0 until it is written."""

    entry_id: int
    at: datetime
    actor: str
    role: str
    action: str
    charger_id: str
    target: str
    outcome: str
    detail: str
    source: str


@dataclass(frozen=True, slots=True)
class AuditFilters:
    """What ``list`` selects; each None/"" selects all. ``since`` inclusive, ``until`` not."""

    actor: str = ""
    action: str = ""
    charger_id: str = ""
    outcome: str = ""
    since: datetime | None = None
    until: datetime | None = None

    def token_fields(self) -> dict[str, str | int | bool | None]:
        """The filters as page tokens carry them."""
        return {
            "actor": self.actor,
            "action": self.action,
            "charger_id": self.charger_id,
            "outcome": self.outcome,
            "since": to_iso(self.since) if self.since else None,
            "until": to_iso(self.until) if self.until else None,
        }


class AuditStore(Protocol):
    async def append(self, entries: Sequence[AuditEntryRecord]) -> None:
        """Write ``entries`` in one transaction (their ids are issued by the store).

        StoreUnavailable: nothing was written (retry); StoreDataError: a value was refused
        (retrying the same batch cannot help)."""

    async def list(
        self, filters: AuditFilters, *, page_size: int, page_token: str = ""
    ) -> tuple[builtins.list[AuditEntryRecord], str]:
        """Entries matching ``filters``, newest first, and the next page's token ("" = last)."""


def fitted(entry: AuditEntryRecord) -> AuditEntryRecord:
    """``entry`` with every value cut to its column and NUL characters replaced."""
    changes: dict[str, Any] = {}
    for name, width in COLUMN_WIDTHS.items():
        value: str = getattr(entry, name)
        limit = width if width is not None else MAX_TEXT
        clean = value.replace("\x00", "\ufffd")
        if len(clean) > limit:
            clean = clean[: limit - len(_CUT)] + _CUT
        if clean != value:
            changes[name] = clean
    return replace(entry, **changes) if changes else entry
