"""The write-behind buffer: latest value per key, bounded, no I/O.

``SqlChargerStore`` records heartbeats (``last_seen_at``) and connector statuses here and
its flusher writes them in bulk. A flush ``take``s everything at once; if the write fails,
``restore`` puts the values back, keeping whichever value is newer per key. When more
than ``limit`` keys are pending (the database has been down for a while), the oldest
written keys are dropped and counted in ``dropped``, so memory stays bounded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

__all__ = ["PendingStatus", "PendingWrites", "StatusKey", "WriteBuffer"]

#: (charger_id, evse_id, connector_id)
StatusKey = tuple[str, int, int]


@dataclass(frozen=True, slots=True)
class PendingStatus:
    """A connector status waiting to be written."""

    status: str
    error_code: str
    info: str
    vendor_error_code: str
    at: datetime


@dataclass(slots=True)
class PendingWrites:
    """Values taken out of the buffer for one flush, in the order they were written."""

    #: charger id → last_seen_at
    seen: dict[str, datetime] = field(default_factory=dict)
    statuses: dict[StatusKey, PendingStatus] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.seen) + len(self.statuses)


class WriteBuffer:
    """Latest ``last_seen_at`` per charger and latest status per connector, bounded."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError(f"limit must be positive, got {limit}")
        #: Most keys held; beyond it the oldest written are dropped.
        self.limit = limit
        #: How many values were dropped to respect ``limit`` since the buffer was made.
        self.dropped = 0
        self._pending = PendingWrites()

    def __len__(self) -> int:
        return len(self._pending)

    def touch(self, charger_id: str, at: datetime) -> None:
        """Remember ``last_seen_at``; an older timestamp than the one held is ignored."""
        seen = self._pending.seen
        held = seen.get(charger_id)
        if held is not None and at < held:
            return
        seen.pop(charger_id, None)  # re-insert: the dict order is the order of writes
        seen[charger_id] = at
        self._bound()

    def set_status(self, key: StatusKey, value: PendingStatus) -> None:
        """Remember a connector status; an older timestamp than the one held is ignored."""
        statuses = self._pending.statuses
        held = statuses.get(key)
        if held is not None and value.at < held.at:
            return
        statuses.pop(key, None)
        statuses[key] = value
        self._bound()

    def take(self) -> PendingWrites:
        """Everything pending, leaving the buffer empty."""
        taken, self._pending = self._pending, PendingWrites()
        return taken

    def restore(self, taken: PendingWrites) -> None:
        """Put back values whose write failed; per key, the newer value wins.

        Restored keys go first in write order, so they are the first dropped.
        """
        current, merged = self._pending, PendingWrites()
        for charger_id, at in taken.seen.items():
            held = current.seen.get(charger_id)
            merged.seen[charger_id] = at if held is None or at > held else held
        for charger_id, at in current.seen.items():
            merged.seen.setdefault(charger_id, at)
        for key, value in taken.statuses.items():
            held_status = current.statuses.get(key)
            if held_status is None or value.at > held_status.at:
                merged.statuses[key] = value
            else:
                merged.statuses[key] = held_status
        for key, value in current.statuses.items():
            merged.statuses.setdefault(key, value)
        self._pending = merged
        self._bound()

    def _bound(self) -> None:
        seen, statuses = self._pending.seen, self._pending.statuses
        while len(seen) + len(statuses) > self.limit:
            oldest_seen = next(iter(seen.items()), None)
            oldest_status = next(iter(statuses.items()), None)
            if oldest_status is None or (
                oldest_seen is not None and oldest_seen[1] <= oldest_status[1].at
            ):
                assert oldest_seen is not None
                del seen[oldest_seen[0]]
            else:
                del statuses[oldest_status[0]]
            self.dropped += 1
