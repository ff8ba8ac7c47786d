"""IdTagService: the id tags (tokens) the CSMS authorizes, with their status, expiry,
group (parent) and concurrency limit."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from csms.v1 import id_tags_pb2, id_tags_pb2_grpc
from google.protobuf.empty_pb2 import Empty

from services.manager._api_checks import (
    ID_TAG_MASK_PATHS,
    ID_TAG_PAGE,
    ID_TAG_STATUS_NAMES,
    ID_TAG_STATUS_VALUES,
    MAX_ACTIVE_TRANSACTIONS,
    Context,
    checked_datetime,
    checked_id_tag,
    checked_page_size,
    mask_paths,
    timestamp,
)
from services.manager._context import Clock
from services.manager._errors import InvalidArgument, ResourceNotFound, grpc_errors
from services.manager._rows import shown
from services.manager._stores import Stores
from services.manager.store import IdTagRecord


def id_tag_message(record: IdTagRecord) -> id_tags_pb2.IdTag:
    message = id_tags_pb2.IdTag(
        id_tag=record.id_tag,
        status=ID_TAG_STATUS_VALUES.get(record.status, id_tags_pb2.ID_TAG_STATUS_UNSPECIFIED),
        parent_id_tag=record.parent_id_tag,
        max_active_transactions=record.max_active_transactions,
        created_at=timestamp(record.created_at),
        updated_at=timestamp(record.updated_at),
    )
    if record.expiry_date is not None:
        message.expiry_date.CopyFrom(timestamp(record.expiry_date))
    return message


def _id_tag_changes(
    tag: id_tags_pb2.IdTag, fields: Collection[str], own_tag: str
) -> dict[str, Any]:
    """The store's keyword arguments for ``fields`` of ``tag`` (checked; field paths under
    ``id_tag.``)."""
    changes: dict[str, Any] = {}
    if "status" in fields:
        if tag.status == id_tags_pb2.ID_TAG_STATUS_UNSPECIFIED:
            raise InvalidArgument("id_tag.status", "is required")
        if tag.status not in ID_TAG_STATUS_NAMES:
            raise InvalidArgument("id_tag.status", f"unknown value {tag.status}")
        changes["status"] = ID_TAG_STATUS_NAMES[tag.status]
    if "expiry_date" in fields:
        changes["expiry_date"] = (
            checked_datetime("id_tag.expiry_date", tag.expiry_date)
            if tag.HasField("expiry_date")
            else None
        )
    if "parent_id_tag" in fields:
        parent = checked_id_tag("id_tag.parent_id_tag", tag.parent_id_tag, required=False)
        if parent == own_tag:
            raise InvalidArgument("id_tag.parent_id_tag", "must not be the tag itself")
        changes["parent_id_tag"] = parent
    if "max_active_transactions" in fields:
        if tag.max_active_transactions > MAX_ACTIVE_TRANSACTIONS:
            raise InvalidArgument(
                "id_tag.max_active_transactions", f"must be at most {MAX_ACTIVE_TRANSACTIONS}"
            )
        changes["max_active_transactions"] = tag.max_active_transactions
    return changes


class IdTagServicer(id_tags_pb2_grpc.IdTagServiceServicer):
    def __init__(self, stores: Stores, clock: Clock) -> None:
        self._stores = stores
        self._clock = clock

    @grpc_errors
    async def ListIdTags(
        self, request: id_tags_pb2.ListIdTagsRequest, context: Context
    ) -> id_tags_pb2.ListIdTagsResponse:
        page_size = checked_page_size(request.page_size, ID_TAG_PAGE)
        status: str | None = None
        if request.status != id_tags_pb2.ID_TAG_STATUS_UNSPECIFIED:
            if request.status not in ID_TAG_STATUS_NAMES:
                raise InvalidArgument("status", f"unknown value {request.status}")
            status = ID_TAG_STATUS_NAMES[request.status]
        parent = checked_id_tag("parent_id_tag", request.parent_id_tag, required=False) or None
        records, token = await self._stores.id_tags.list(
            page_size=page_size, page_token=request.page_token, status=status, parent_id_tag=parent
        )
        return id_tags_pb2.ListIdTagsResponse(
            id_tags=shown(records, id_tag_message, lambda r: f"id tag {r.id_tag!r}"),
            next_page_token=token,
        )

    @grpc_errors
    async def GetIdTag(
        self, request: id_tags_pb2.GetIdTagRequest, context: Context
    ) -> id_tags_pb2.IdTag:
        id_tag = checked_id_tag("id_tag", request.id_tag)
        record = await self._stores.id_tags.get(id_tag)
        if record is None:
            raise ResourceNotFound(f"id tag {id_tag!r} does not exist")
        return id_tag_message(record)

    @grpc_errors
    async def CreateIdTag(
        self, request: id_tags_pb2.CreateIdTagRequest, context: Context
    ) -> id_tags_pb2.IdTag:
        """Create a tag; an UNSPECIFIED status means Accepted."""
        if not request.HasField("id_tag"):
            raise InvalidArgument("id_tag", "is required")
        tag = request.id_tag
        id_tag = checked_id_tag("id_tag.id_tag", tag.id_tag)
        fields = list(ID_TAG_MASK_PATHS)
        if tag.status == id_tags_pb2.ID_TAG_STATUS_UNSPECIFIED:
            fields.remove("status")
        changes = _id_tag_changes(tag, fields, id_tag)
        record = await self._stores.id_tags.create(id_tag, at=self._clock(), **changes)
        return id_tag_message(record)

    @grpc_errors
    async def UpdateIdTag(
        self, request: id_tags_pb2.UpdateIdTagRequest, context: Context
    ) -> id_tags_pb2.IdTag:
        """Change the fields named in update_mask (all updatable fields when it is empty)."""
        if not request.HasField("id_tag"):
            raise InvalidArgument("id_tag", "is required")
        tag = request.id_tag
        id_tag = checked_id_tag("id_tag.id_tag", tag.id_tag)
        fields = mask_paths(request.update_mask, ID_TAG_MASK_PATHS)
        changes = _id_tag_changes(tag, fields, id_tag)
        record = await self._stores.id_tags.update(id_tag, at=self._clock(), **changes)
        return id_tag_message(record)

    @grpc_errors
    async def DeleteIdTag(self, request: id_tags_pb2.DeleteIdTagRequest, context: Context) -> Empty:
        await self._stores.id_tags.delete(checked_id_tag("id_tag", request.id_tag))
        return Empty()

    @grpc_errors
    async def BlockIdTag(
        self, request: id_tags_pb2.BlockIdTagRequest, context: Context
    ) -> id_tags_pb2.IdTag:
        id_tag = checked_id_tag("id_tag", request.id_tag)
        record = await self._stores.id_tags.update(id_tag, at=self._clock(), status="Blocked")
        return id_tag_message(record)
