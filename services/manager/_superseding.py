"""A new transaction on a connector/EVSE whose older transaction is still active.

A charger runs one transaction per connector (1.6) or EVSE (2.0.1) at a time, so a new
one starting there means the older one's end was lost, or is still queued in the
charger. The older one is ended at once, provisionally: at the new one's start, with its
last reading (nothing unmeasured is billed), stop reason ``Superseded by <new id>``, a
``superseded-transaction`` anomaly. The charger's own StopTransaction / Ended for it, if it
arrives later, replaces that end (the store allows it for this reason only).

A "new" transaction that started before the active one (an offline replay) supersedes
nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import orjson

from services.manager._context import CallContext
from services.manager.store import (
    SUPERSEDED_PREFIX,
    ChargingProfileStore,
    TransactionRecord,
    TransactionStore,
)

__all__ = ["supersede", "superseded"]

log = logging.getLogger(__name__)


def superseded(active: TransactionRecord | None, started_at: datetime) -> TransactionRecord | None:
    """``active`` (the connector's active transaction) if a new transaction starting at
    ``started_at`` supersedes it, else None."""
    return active if active is not None and active.started_at <= started_at else None


async def supersede(
    transactions: TransactionStore,
    profiles: ChargingProfileStore,
    ctx: CallContext,
    older: TransactionRecord,
    newer: TransactionRecord,
    payload: Mapping[str, Any],
) -> TransactionRecord | None:
    """End ``older`` as superseded by ``newer``; the ended record, or None if it was not
    active any more (a concurrent stop got there first)."""
    reading = older.last_energy_wh
    outcome = await transactions.stop_outcome(
        charger_id=ctx.charger_id,
        transaction_id=older.transaction_id,
        meter_stop=older.meter_start if reading is None else round(reading),
        stopped_at=newer.started_at,
        reason=f"{SUPERSEDED_PREFIX}{newer.transaction_id}",
    )
    ended = outcome.transaction
    if not outcome.stopped or ended is None:
        return None
    log.warning(
        "charger %s started transaction %s on connector/EVSE %s where %s was still active:"
        " ended %s as superseded",
        ctx.charger_id,
        newer.transaction_id,
        newer.connector_id,
        older.transaction_id,
        older.transaction_id,
    )
    await transactions.record_anomaly(
        charger_id=ctx.charger_id,
        kind="superseded-transaction",
        transaction_id=older.transaction_id,
        payload=orjson.dumps(
            {
                "transactionId": older.transaction_id,
                "supersededBy": newer.transaction_id,
                "call": payload,
            }
        ).decode(),
        at=ctx.received_at,
    )
    await profiles.transaction_ended(ctx.charger_id, older.transaction_id)
    return ended
