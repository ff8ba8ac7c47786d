"""Id tag groups through the real API (gRPC, manager on PostgreSQL): a tag's parent chain
never loops back to it, however long the loop (item 18b of issue 10)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import grpc
import pytest
from csms.v1 import id_tags_pb2, id_tags_pb2_grpc
from google.protobuf.field_mask_pb2 import FieldMask

from services.manager import Manager
from tests.harness import api_channel

T0 = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


@pytest.fixture
async def id_tags(manager: Manager) -> AsyncIterator[id_tags_pb2_grpc.IdTagServiceAsyncStub]:
    async with api_channel(f"127.0.0.1:{manager.port}") as channel:
        yield id_tags_pb2_grpc.IdTagServiceStub(channel)


def reparent(tag: str, parent: str) -> id_tags_pb2.UpdateIdTagRequest:
    return id_tags_pb2.UpdateIdTagRequest(
        id_tag=id_tags_pb2.IdTag(id_tag=tag, parent_id_tag=parent),
        update_mask=FieldMask(paths=["parent_id_tag"]),
    )


async def test_a_parent_loop_of_three_tags_is_refused_naming_the_tags(
    manager: Manager, id_tags: id_tags_pb2_grpc.IdTagServiceAsyncStub
) -> None:
    """UpdateIdTag that would make a tag its own ancestor is FAILED_PRECONDITION naming
    the loop, and the tag keeps its parent."""
    store = manager.stores.id_tags
    await store.create("FLEET", at=T0)
    await store.create("DEPOT", parent_id_tag="FLEET", at=T0)
    await store.create("CARD", parent_id_tag="DEPOT", at=T0)
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await id_tags.UpdateIdTag(reparent("FLEET", "CARD"))
    assert error.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "FLEET -> CARD -> DEPOT -> FLEET" in (error.value.details() or "")
    fleet = await store.get("FLEET")
    assert fleet is not None
    assert fleet.parent_id_tag == ""
    moved = await id_tags.UpdateIdTag(reparent("CARD", "FLEET"))  # no loop: accepted
    assert moved.parent_id_tag == "FLEET"
