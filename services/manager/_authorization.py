"""The status the CSMS gives an id tag, decided in ONE place.

The rules are pure functions in ``services/manager/domain`` (``tag_status`` from the tag's
record, its parent (group) tag's record and the time; ``starting_status``; ``refusal``);
``Authorizer`` reads the records and the clock and applies them. Everything that tells a
charger about a tag goes through it, so they always agree: Authorize, StartTransaction
and StopTransaction (1.6), Authorize and TransactionEvent (2.0.1, via
``v201.authorization``), the idTagInfo a FULL local list fills in (``Authorizer.verdicts``)
and the check that refuses a remote start for a tag the CSMS refuses
(``Authorizer.refusal``). A tag is:

- Invalid (configurable for Authorize) when unknown;
- its stored status when that is not Accepted;
- Expired when its expiry date has passed;
- Blocked/Expired/Invalid when its parent (group) tag is (Invalid: a parent the CSMS does
  not know);
- ConcurrentTx when starting would exceed its limit of concurrent transactions (only when
  starting: Authorize and StartTransaction).

Members of the 1.6 idTagInfo come in the schema's order (expiryDate, parentIdTag, status).
Id tags are up to 255 characters (2.1 idToken) but a 1.6 charger carries 20 and a 2.0.1
one 36: a group (parent) tag longer than the charger can carry is left out of the answer
(the tag's status already reflects the group's).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, NotRequired, TypedDict, cast

from services.manager import domain
from services.manager._context import Clock, ocpp_time
from services.manager.domain import UNKNOWN_PARENT_STATUS, tag_status
from services.manager.store import IdTagRecord, IdTagStore, TransactionStore

__all__ = ["UNKNOWN_PARENT_STATUS", "Authorizer", "TagVerdict", "tag_status"]


#: OCPP 1.6 IdTagInfo, the CSMS's answer about a tag (2.0.1's idTokenInfo is built from
#: it), members in schema order; status is Accepted, Blocked, Expired, Invalid or
#: ConcurrentTx. (The call form keeps ``NotRequired`` visible at run time despite this
#: module's postponed annotations.)
IdTagInfo = TypedDict(  # noqa: UP013  (the class form would lose NotRequired here)
    "IdTagInfo", {"expiryDate": NotRequired[str], "parentIdTag": NotRequired[str], "status": str}
)


@dataclass(frozen=True, slots=True)
class TagVerdict:
    """A known tag's record and the status ``tag_status`` gives it."""

    record: IdTagRecord
    status: str


@dataclass(slots=True)
class Authorizer:
    id_tags: IdTagStore
    transactions: TransactionStore
    clock: Clock
    unknown_status: str = "Invalid"  # answered for tags the CSMS does not know

    async def verdict(self, id_tag: str) -> TagVerdict | None:
        """The status of `id_tag` (None: the CSMS does not know it)."""
        record = await self.id_tags.get(id_tag)
        if record is None:
            return None
        parent = None
        if record.parent_id_tag and record.status == "Accepted":
            parent = await self.id_tags.get(record.parent_id_tag)
        return TagVerdict(record, tag_status(record, parent, self.clock()))

    async def verdicts(self, id_tags: Collection[str]) -> dict[str, TagVerdict]:
        """``verdict`` for many tags in two reads; unknown tags are left out."""
        records = await self.id_tags.get_many(id_tags)
        parent_ids = {r.parent_id_tag for r in records.values() if r.parent_id_tag}
        missing = parent_ids - records.keys()
        parents = {**records, **(await self.id_tags.get_many(missing) if missing else {})}
        now = self.clock()
        return {
            tag: TagVerdict(r, tag_status(r, parents.get(r.parent_id_tag), now))
            for tag, r in records.items()
        }

    async def id_tag_info(
        self, id_tag: str, *, starting: bool = False, max_parent: int = 20
    ) -> IdTagInfo:
        """The 1.6 idTagInfo for `id_tag`; `starting` also checks the concurrency limit.
        A parentIdTag longer than `max_parent` (what the charger can carry) is left out."""
        verdict = await self.verdict(id_tag)
        if verdict is None:
            return {"status": self.unknown_status}
        record, status = verdict.record, verdict.status
        if starting and domain.limits_concurrency(record, status):
            active = await self.transactions.active_count(id_tag)
            status = domain.starting_status(record, status, active)
        info: dict[str, Any] = {}
        if record.expiry_date is not None:
            info["expiryDate"] = ocpp_time(record.expiry_date)
        if record.parent_id_tag and len(record.parent_id_tag) <= max_parent:
            info["parentIdTag"] = record.parent_id_tag
        info["status"] = status
        return cast(IdTagInfo, info)  # built member by member, in schema order

    async def refusal(self, id_tag: str) -> str | None:
        """Why the CSMS refuses `id_tag` (it knows the tag and would not answer Accepted),
        naming the tag whose status decides it; None when it does not refuse it."""
        verdict = await self.verdict(id_tag)
        if verdict is None:
            return None
        return domain.refusal(id_tag, verdict.record, verdict.status, self.clock())
