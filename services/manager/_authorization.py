"""The idTagInfo the CSMS answers, computed from the id tags it knows.

Used by Authorize, StartTransaction and StopTransaction (1.6) alike, so the three
always agree. A tag is:

- Invalid (configurable) when unknown;
- its stored status when that is not Accepted;
- Expired when its expiry date has passed;
- Blocked/Expired/Invalid when its parent (group) tag is;
- ConcurrentTx when starting would exceed its limit of concurrent transactions.

Id tags are up to 255 characters (2.1 idToken) but a 1.6 charger carries 20 and a 2.0.1
one 36: a group (parent) tag longer than the charger can carry is left out of the answer
(the tag's status already reflects the group's).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.manager._context import Clock, ocpp_time
from services.manager.store import IdTagRecord, IdTagStore, TransactionStore


@dataclass(slots=True)
class Authorizer:
    id_tags: IdTagStore
    transactions: TransactionStore
    clock: Clock
    unknown_status: str = "Invalid"  # answered for tags the CSMS does not know

    async def id_tag_info(
        self, id_tag: str, *, starting: bool = False, max_parent: int = 20
    ) -> dict[str, Any]:
        """The 1.6 idTagInfo for `id_tag`; `starting` also checks the concurrency limit.
        A parentIdTag longer than `max_parent` (what the charger can carry) is left out."""
        record = await self.id_tags.get(id_tag)
        if record is None:
            return {"status": self.unknown_status}
        status = self._status(record)
        if status == "Accepted" and record.parent_id_tag:
            parent = await self.id_tags.get(record.parent_id_tag)
            parent_status = self._status(parent) if parent is not None else "Invalid"
            if parent_status != "Accepted":
                status = parent_status
        if (
            status == "Accepted"
            and starting
            and record.max_active_transactions
            and await self.transactions.active_count(id_tag) >= record.max_active_transactions
        ):
            status = "ConcurrentTx"
        info: dict[str, Any] = {"status": status}
        if record.expiry_date is not None:
            info["expiryDate"] = ocpp_time(record.expiry_date)
        if record.parent_id_tag and len(record.parent_id_tag) <= max_parent:
            info["parentIdTag"] = record.parent_id_tag
        return info

    def _status(self, record: IdTagRecord) -> str:
        if (
            record.status == "Accepted"
            and record.expiry_date is not None
            and record.expiry_date <= self.clock()
        ):
            return "Expired"
        return record.status
