"""The manager's domain rules as pure functions: no I/O, no clock (the time is passed in).

Handlers, the API and the stores all decide through these, so they cannot disagree:

- ``_id_tags``: the status of an id tag (its own, its group's, expiry, concurrency) and
  the loop check of group (parent) tags;
- ``_energy``: which meter readings count as a transaction's energy, and in Wh;
- ``_keys``: the idempotency keys that make a retried or replayed message the same one.

Unit-tested without a database or a clock (``tests/manager/test_domain.py``).
"""

from __future__ import annotations

from ._energy import ENERGY_REGISTER, delivered_wh, register_wh
from ._id_tags import (
    ID_TAG_STATUSES,
    MAX_PARENT_DEPTH,
    UNKNOWN_PARENT_STATUS,
    Tag,
    limits_concurrency,
    own_status,
    parent_loop,
    refusal,
    starting_status,
    tag_status,
)
from ._keys import event_digest, event_start_key, start_key

__all__ = [
    "ENERGY_REGISTER",
    "ID_TAG_STATUSES",
    "MAX_PARENT_DEPTH",
    "UNKNOWN_PARENT_STATUS",
    "Tag",
    "delivered_wh",
    "event_digest",
    "event_start_key",
    "limits_concurrency",
    "own_status",
    "parent_loop",
    "refusal",
    "register_wh",
    "start_key",
    "starting_status",
    "tag_status",
]
