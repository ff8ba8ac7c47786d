"""Id tags (OCPP 1.6 IdToken, 2.0.1 idToken) the CSMS knows: the record, the
``IdTagStore`` interface and the checks of a tag's fields (``SqlIdTagStore`` in
``_id_tags_sql``). The status a tag is given is decided in ``services.manager.domain``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from services.manager.domain import parent_loop

from ._common import utc
from ._errors import Conflict
from ._keyset import check_id_tag, check_id_tag_status

__all__ = [
    "ID_TAG_CHANGES",
    "IdTagRecord",
    "IdTagStore",
    "check_id_tag_changes",
    "check_max_active",
    "check_no_parent_loop",
]


@dataclass(frozen=True, slots=True)
class IdTagRecord:
    """An id tag (OCPP 1.6 IdToken) the CSMS knows."""

    id_tag: str
    status: str
    expiry_date: datetime | None
    #: The group tag (1.6 parentIdTag); "" when none.
    parent_id_tag: str
    #: How many transactions the tag may have at once; 0 = unlimited.
    max_active_transactions: int
    created_at: datetime
    updated_at: datetime


class IdTagStore(Protocol):
    """Id tags (OCPP 1.6 IdTokens) the CSMS authorizes, with their groups (parent tags)."""

    async def get(self, id_tag: str) -> IdTagRecord | None:
        """The tag, or None if unknown (tags are case-sensitive)."""
        ...

    async def get_many(self, id_tags: Collection[str]) -> dict[str, IdTagRecord]:
        """The known tags among ``id_tags``, by tag (a local-list or cache refill)."""
        ...

    async def create(
        self,
        id_tag: str,
        *,
        status: str = "Accepted",
        expiry_date: datetime | None = None,
        parent_id_tag: str = "",
        max_active_transactions: int = 0,
        at: datetime,
    ) -> IdTagRecord:
        """A new tag; AlreadyExists if it exists, Conflict if the parent does not."""
        ...

    async def update(self, id_tag: str, *, at: datetime, **changes: Any) -> IdTagRecord:
        """Change ``status``, ``expiry_date``, ``parent_id_tag`` ("" = none) and/or
        ``max_active_transactions``; NotFound; Conflict for a missing parent or the tag itself.
        """
        ...

    async def delete(self, id_tag: str) -> None:
        """Remove the tag; NotFound; Conflict while other tags name it as their parent."""
        ...

    async def list(
        self,
        *,
        page_size: int,
        page_token: str = "",
        status: str | None = None,
        parent_id_tag: str | None = None,
    ) -> tuple[list[IdTagRecord], str]:
        """One page ordered by tag and the next page's token ("" at the end).

        ``parent_id_tag=""`` keeps the tags without a parent.
        """
        ...


#: The fields ``update`` may change.
ID_TAG_CHANGES = frozenset({"status", "expiry_date", "parent_id_tag", "max_active_transactions"})


def check_no_parent_loop(id_tag: str, parent: str, parent_of: Mapping[str, str]) -> None:
    """Conflict if making ``parent`` the parent of ``id_tag`` closes a loop of parents
    (``domain.parent_loop``; ``parent_of`` maps each tag up the chain to its parent)."""
    if (reason := parent_loop(id_tag, parent, parent_of)) is not None:
        raise Conflict(reason)


def check_id_tag_changes(id_tag: str, changes: dict[str, Any]) -> dict[str, Any]:
    """The checked ``changes`` of ``update`` (ValueError for unknown keys or bad values)."""
    if unknown := set(changes) - ID_TAG_CHANGES:
        raise ValueError(f"id tags have no changeable field(s) {sorted(unknown)}")
    checked: dict[str, Any] = {}
    if "status" in changes:
        checked["status"] = check_id_tag_status(changes["status"])
    if "expiry_date" in changes:
        expiry = changes["expiry_date"]
        checked["expiry_date"] = None if expiry is None else utc(expiry)
    if "parent_id_tag" in changes:
        parent = changes["parent_id_tag"] or ""
        if parent:
            check_id_tag(parent, "parent id tag")
        if parent == id_tag:
            check_no_parent_loop(id_tag, parent, {})
        checked["parent_id_tag"] = parent
    if "max_active_transactions" in changes:
        checked["max_active_transactions"] = check_max_active(changes["max_active_transactions"])
    return checked


def check_max_active(value: int) -> int:
    """``value`` if it is a valid max_active_transactions (0 = unlimited), else ValueError."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"max_active_transactions must be an integer >= 0, got {value!r}")
    return value
