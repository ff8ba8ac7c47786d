"""The status the CSMS gives an id tag: its own, its group's, its expiry, its concurrency.

No I/O and no clock: the caller reads the records and passes the time in. A tag is

- its stored status when that is not Accepted;
- Expired when its expiry date has passed (``now`` at or after it);
- Blocked/Expired/Invalid when its parent (group) tag is (Invalid: a parent the CSMS does
  not know);
- ConcurrentTx when starting would exceed its limit of concurrent transactions (only when
  starting: Authorize and StartTransaction).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Protocol

__all__ = [
    "ID_TAG_STATUSES",
    "MAX_PARENT_DEPTH",
    "UNKNOWN_PARENT_STATUS",
    "Tag",
    "limits_concurrency",
    "own_status",
    "parent_loop",
    "refusal",
    "starting_status",
    "tag_status",
]

#: The OCPP 1.6 AuthorizationStatus values a tag can be given and stored with
#: (ConcurrentTx is an answer, computed when a transaction starts, never stored).
ID_TAG_STATUSES = frozenset({"Accepted", "Blocked", "Expired", "Invalid"})
#: The status of a tag whose parent (group) tag the CSMS does not know.
UNKNOWN_PARENT_STATUS = "Invalid"
#: How far up a parent chain the loop check looks (a longer chain is refused too).
MAX_PARENT_DEPTH = 64


class Tag(Protocol):
    """What the rules read of an id tag (``store.IdTagRecord`` has it)."""

    @property
    def status(self) -> str: ...
    @property
    def expiry_date(self) -> datetime | None: ...
    @property
    def parent_id_tag(self) -> str: ...  # "" when none
    @property
    def max_active_transactions(self) -> int: ...  # 0 = unlimited


def own_status(tag: Tag, now: datetime) -> str:
    """The tag's status at ``now`` not counting its parent: Expired once its expiry passed."""
    if tag.status == "Accepted" and tag.expiry_date is not None and tag.expiry_date <= now:
        return "Expired"
    return tag.status


def tag_status(tag: Tag, parent: Tag | None, now: datetime) -> str:
    """The status of the known ``tag`` at ``now``, given its parent tag (None: it has no
    parent, or the CSMS does not know the parent). Not ConcurrentTx: that depends on its
    transactions (``starting_status``)."""
    status = own_status(tag, now)
    if status != "Accepted" or not tag.parent_id_tag:
        return status
    if parent is None:
        return UNKNOWN_PARENT_STATUS
    return own_status(parent, now)


def limits_concurrency(tag: Tag, status: str) -> bool:
    """Whether starting a transaction with ``tag`` (given ``status``) depends on how many
    it has active: only for an Accepted tag with a limit."""
    return status == "Accepted" and tag.max_active_transactions > 0


def starting_status(tag: Tag, status: str, active: int) -> str:
    """The status answered when ``tag`` (``status``, ``active`` transactions active)
    starts another: ConcurrentTx when that would exceed its limit."""
    if limits_concurrency(tag, status) and active >= tag.max_active_transactions:
        return "ConcurrentTx"
    return status


def refusal(id_tag: str, tag: Tag, status: str, now: datetime) -> str | None:
    """Why the CSMS refuses ``id_tag`` (known, with ``status`` from ``tag_status``), naming
    the tag whose status decides it; None when it does not refuse it."""
    if status == "Accepted":
        return None
    if own_status(tag, now) != "Accepted":
        return f"id tag {id_tag!r} is {status} in this CSMS"
    why = "is not known" if status == UNKNOWN_PARENT_STATUS else "is " + status
    return (
        f"id tag {id_tag!r} is {status} in this CSMS because its group (parent) "
        f"tag {tag.parent_id_tag!r} {why}"
    )


def parent_loop(id_tag: str, parent: str, parent_of: Mapping[str, str]) -> str | None:
    """Why ``parent`` cannot become the parent of ``id_tag`` (a loop of parents, or a
    chain longer than ``MAX_PARENT_DEPTH``); None when it can.

    ``parent_of`` maps each tag up the chain from ``parent`` to its own parent ("" or
    absent: none). The reason names the loop, e.g. ``A -> C -> B -> A``.
    """
    if parent == id_tag:
        return f"id tag {id_tag!r} cannot be its own parent"
    chain = [id_tag, parent]
    seen = {id_tag, parent}
    tag = parent
    while tag := parent_of.get(tag, ""):
        chain.append(tag)
        if tag == id_tag:
            return (
                f"id tag {id_tag!r} cannot have parent {parent!r}: the parents would go round"
                f" in a loop ({' -> '.join(chain)}); change one of these tags' parent first"
            )
        if tag in seen or len(chain) > MAX_PARENT_DEPTH:
            return (
                f"id tag {parent!r} cannot be a parent: its own parents go round in a loop or"
                f" are more than {MAX_PARENT_DEPTH} deep ({' -> '.join(chain[1:])})"
            )
        seen.add(tag)
    return None
