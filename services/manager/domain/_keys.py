"""Idempotency keys: what makes a retried or replayed charger message the same one.

A charger resends a message it got no answer to, and replays its offline queue after a
reconnect; the CSMS must record each once. These keys are what the stores make unique.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import orjson

__all__ = ["event_digest", "event_start_key", "start_key"]


def start_key(
    charger_id: str, connector_id: int, id_tag: str, started_at: datetime, meter_start: int
) -> str:
    """The key of a 1.6 StartTransaction: a retry of it has the same key (``started_at``
    must be timezone-aware; it is keyed in UTC)."""
    if started_at.tzinfo is None or started_at.utcoffset() is None:
        raise ValueError(f"timestamps must be timezone-aware, got naive {started_at!r}")
    at = started_at.astimezone(UTC).isoformat()
    return f"{charger_id}|{connector_id}|{id_tag}|{at}|{meter_start}"


def event_start_key(charger_id: str, charger_transaction_id: str) -> str:
    """The key of a 2.0.1 transaction: the charger's own transactionId (unique per
    charger). 1.6 keys never start with '#', so the two never meet."""
    return f"#2|{charger_id}|{charger_transaction_id}"


def event_digest(payload: Mapping[str, Any]) -> str:
    """What tells a TransactionEvent from another with the same seqNo: 32 hex digits
    hashing its whole payload (members in any order). A resent event has the same."""
    canonical = orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)
    return hashlib.blake2b(canonical, digest_size=16).hexdigest()
