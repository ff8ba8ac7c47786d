"""The registry contract, run against every implementation (see conftest ``backend``)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator

import pytest

from services.registry import (
    Eviction,
    InvalidArgument,
    NodeNotRegistered,
    Registry,
    RegistryClosed,
)

from .conftest import Backend

#: Unit of lease time for tests that wait for expiry (real seconds on Redis).
UNIT = 0.25
#: Longest wait for something that should happen promptly.
TIMEOUT = 5.0


async def next_eviction(
    registry: Registry, node_id: str
) -> tuple[AsyncGenerator[Eviction, None], asyncio.Task[Eviction]]:
    """Subscribe to the node's evictions and start waiting for the first one."""
    ready = asyncio.Event()
    evictions = registry.evictions(node_id, ready=ready)
    task = asyncio.create_task(anext(evictions))
    async with asyncio.timeout(TIMEOUT):
        await ready.wait()
    return evictions, task


async def test_claim_then_lookup(registry: Registry) -> None:
    """A claim makes the charger resolvable to the claiming node's id and address."""
    await registry.register_node("node-a", "10.0.0.1:7000")
    claimed = await registry.claim("CP-1", "node-a", "2.0.1")
    assert (claimed.charger_id, claimed.node_id, claimed.node_address) == (
        "CP-1",
        "node-a",
        "10.0.0.1:7000",
    )
    assert claimed.epoch > 0
    assert claimed.ocpp_version == "2.0.1"
    assert await registry.lookup("CP-1") == claimed
    assert await registry.lookup("CP-2") is None


async def test_claim_needs_live_lease(registry: Registry) -> None:
    """A node that never registered cannot claim a charger."""
    with pytest.raises(NodeNotRegistered):
        await registry.claim("CP-1", "ghost", "1.6")
    assert await registry.lookup("CP-1") is None


async def test_claim_rejects_unknown_version(registry: Registry) -> None:
    """An OCPP version outside 1.6 / 2.0.1 / 2.1 is a caller bug (ValueError)."""
    await registry.register_node("node-a", "a:1")
    with pytest.raises(ValueError, match="OCPP version"):
        await registry.claim("CP-1", "node-a", "1.5")


async def test_epochs_increase_across_reconnects_and_release(registry: Registry) -> None:
    """Every claim gets a higher epoch than the last, even after the charger was released."""
    await registry.register_node("node-a", "a:1")
    first = await registry.claim("CP-1", "node-a", "1.6")
    second = await registry.claim("CP-1", "node-a", "1.6")
    assert await registry.release("CP-1", "node-a", second.epoch)
    assert await registry.lookup("CP-1") is None
    third = await registry.claim("CP-1", "node-a", "1.6")
    assert first.epoch < second.epoch < third.epoch


async def test_epochs_are_unique_across_chargers_and_never_reused(registry: Registry) -> None:
    """Epochs come from one counter for all chargers: no two claims ever share one, so no
    per-charger state has to outlive a connection to keep a charger's epochs rising."""
    await registry.register_node("node-a", "a:1")
    await registry.register_node("node-b", "b:1")
    seen: list[int] = []
    for round_ in range(3):
        for charger_id in ("CP-1", "CP-2", "CP-3"):
            node = "node-a" if round_ % 2 else "node-b"
            location = await registry.claim(charger_id, node, "1.6")
            seen.append(location.epoch)
            if round_ == 1:
                assert await registry.release(charger_id, node, location.epoch)
    assert seen == sorted(seen)
    assert len(set(seen)) == len(seen)


async def test_release_is_compare_and_set(registry: Registry) -> None:
    """Release removes the charger only for its current (node, epoch), and only once."""
    await registry.register_node("node-a", "a:1")
    location = await registry.claim("CP-1", "node-a", "1.6")
    assert not await registry.release("CP-1", "node-a", location.epoch + 1)
    assert not await registry.release("CP-1", "node-b", location.epoch)
    assert await registry.lookup("CP-1") == location
    assert await registry.release("CP-1", "node-a", location.epoch)
    assert not await registry.release("CP-1", "node-a", location.epoch)
    assert await registry.lookup("CP-1") is None


async def test_takeover_evicts_old_owner_and_refuses_its_release(registry: Registry) -> None:
    """A reconnect on another node tells the old node, and the old node's release changes nothing."""
    await registry.register_node("node-a", "a:1")
    await registry.register_node("node-b", "b:1")
    old = await registry.claim("CP-1", "node-a", "1.6")
    evictions, waiting = await next_eviction(registry, "node-a")
    try:
        new = await registry.claim("CP-1", "node-b", "1.6")
        async with asyncio.timeout(TIMEOUT):
            assert await waiting == Eviction("CP-1", new.epoch)
    finally:
        await evictions.aclose()
    assert new.epoch > old.epoch
    assert not await registry.release("CP-1", "node-a", old.epoch)
    assert await registry.lookup("CP-1") == new
    assert [c.charger_id for c in (await registry.list_chargers("node-a"))[0]] == []
    assert [c.charger_id for c in (await registry.list_chargers("node-b"))[0]] == ["CP-1"]


async def test_reconnect_on_same_node_evicts_it_too(registry: Registry) -> None:
    """A second connection on the same node evicts the first one there, with the new epoch."""
    await registry.register_node("node-a", "a:1")
    await registry.claim("CP-1", "node-a", "2.1")
    evictions, waiting = await next_eviction(registry, "node-a")
    try:
        new = await registry.claim("CP-1", "node-a", "2.1")
        async with asyncio.timeout(TIMEOUT):
            assert await waiting == Eviction("CP-1", new.epoch)
    finally:
        await evictions.aclose()


async def test_disconnect_tells_the_owning_node_with_the_reason(registry: Registry) -> None:
    """disconnect sends the owning node an eviction for the current epoch with the reason
    (which closes that connection, not a newer one), and answers where it was."""
    await registry.register_node("node-a", "a:1")
    claimed = await registry.claim("CP-1", "node-a", "1.6")
    evictions, waiting = await next_eviction(registry, "node-a")
    try:
        assert await registry.disconnect("CP-1", "charger CP-1 is retired") == claimed
        async with asyncio.timeout(TIMEOUT):
            eviction = await waiting
    finally:
        await evictions.aclose()
    assert eviction == Eviction("CP-1", claimed.epoch, "charger CP-1 is retired")
    assert eviction.closes(claimed.epoch)
    assert not eviction.closes(claimed.epoch + 1)
    assert await registry.lookup("CP-1") == claimed  # the node releases it once closed


async def test_disconnect_of_a_charger_not_connected_tells_nobody(registry: Registry) -> None:
    """disconnect of a charger no live node holds answers None and publishes nothing."""
    await registry.register_node("node-a", "a:1")
    evictions, waiting = await next_eviction(registry, "node-a")
    try:
        assert await registry.disconnect("CP-GONE", "retired") is None
        done, _ = await asyncio.wait([waiting], timeout=UNIT)
        assert not done
    finally:
        waiting.cancel()
        await asyncio.wait([waiting])
        await evictions.aclose()


async def test_first_claim_evicts_nobody(registry: Registry) -> None:
    """A charger's first connection sends no eviction anywhere."""
    await registry.register_node("node-a", "a:1")
    evictions, waiting = await next_eviction(registry, "node-a")
    try:
        await registry.claim("CP-1", "node-a", "1.6")
        done, _ = await asyncio.wait([waiting], timeout=UNIT)
        assert not done
    finally:
        waiting.cancel()
        await asyncio.wait([waiting])
        await evictions.aclose()


async def test_eviction_iterator_stops_when_cancelled(registry: Registry) -> None:
    """Cancelling the task that iterates evictions ends it cleanly, and later claims still work."""
    await registry.register_node("node-a", "a:1")
    received: list[Eviction] = []
    ready = asyncio.Event()

    async def consume() -> None:
        async for eviction in registry.evictions("node-a", ready=ready):
            received.append(eviction)

    task = asyncio.create_task(consume())
    async with asyncio.timeout(TIMEOUT):
        await ready.wait()
    task.cancel()
    await asyncio.wait([task])
    assert task.cancelled()
    await registry.claim("CP-1", "node-a", "1.6")
    await registry.claim("CP-1", "node-a", "1.6")
    assert received == []


async def test_lease_expiry_hides_chargers_and_sweep_removes_them(backend: Backend) -> None:
    """Once a node's lease runs out its chargers vanish from every read, and sweep deletes them."""
    registry = backend.make(4 * UNIT)
    await registry.register_node("node-a", "a:1")
    await registry.register_node("node-b", "b:1")
    await registry.claim("CP-1", "node-a", "1.6")
    await registry.claim("CP-2", "node-a", "1.6")
    await backend.advance(3 * UNIT)
    assert await registry.renew_node("node-b")
    await registry.claim("CP-3", "node-b", "1.6")
    await backend.advance(2 * UNIT)  # node-a's lease ended at 4 units; node-b's ends at 7

    assert await registry.lookup("CP-1") is None
    assert set(await registry.lookup_many(["CP-1", "CP-2", "CP-3"])) == {"CP-3"}
    assert [c.charger_id for c in (await registry.list_chargers())[0]] == ["CP-3"]
    assert (await registry.list_chargers("node-a"))[0] == []
    assert await registry.connected_ids() == {"CP-3"}
    assert [n.node_id for n in await registry.list_nodes()] == ["node-b"]
    assert not await registry.renew_node("node-a")

    assert await registry.sweep() == 2
    assert await registry.sweep() == 0
    assert await registry.connected_ids() == {"CP-3"}


async def test_renew_extends_the_lease(backend: Backend) -> None:
    """A heartbeat within the lease keeps the node and its chargers alive for another lease."""
    registry = backend.make(4 * UNIT)
    await registry.register_node("node-a", "a:1")
    await registry.claim("CP-1", "node-a", "1.6")
    await backend.advance(3 * UNIT)
    assert await registry.renew_node("node-a")
    await backend.advance(3 * UNIT)
    assert await registry.lookup("CP-1") is not None
    await backend.advance(2 * UNIT)
    assert await registry.lookup("CP-1") is None
    assert not await registry.renew_node("node-a")


async def test_register_after_expiry_starts_with_no_chargers(backend: Backend) -> None:
    """A node that lost its lease gets a fresh one without its old chargers: it must re-claim."""
    registry = backend.make(2 * UNIT)
    await registry.register_node("node-a", "a:1")
    old = await registry.claim("CP-1", "node-a", "1.6")
    await backend.advance(3 * UNIT)
    await registry.register_node("node-a", "a:1")
    assert await registry.lookup("CP-1") is None
    again = await registry.claim("CP-1", "node-a", "1.6")
    assert again.epoch > old.epoch
    assert await registry.lookup("CP-1") == again


async def test_register_refresh_keeps_chargers_and_updates_address(registry: Registry) -> None:
    """Registering a live node again refreshes its lease and address and keeps its chargers."""
    await registry.register_node("node-a", "a:1")
    await registry.claim("CP-1", "node-a", "1.6")
    await registry.register_node("node-a", "a:2")
    location = await registry.lookup("CP-1")
    assert location is not None
    assert location.node_address == "a:2"


async def test_deregister_removes_the_node_and_all_its_chargers(registry: Registry) -> None:
    """Deregistering drops the node's lease and every charger it held, and no other node's."""
    await registry.register_node("node-a", "a:1")
    await registry.register_node("node-b", "b:1")
    for i in range(5):
        await registry.claim(f"CP-A{i}", "node-a", "1.6")
    await registry.claim("CP-B", "node-b", "1.6")
    await registry.deregister_node("node-a")
    assert await registry.connected_ids() == {"CP-B"}
    assert [n.node_id for n in await registry.list_nodes()] == ["node-b"]
    assert not await registry.renew_node("node-a")
    with pytest.raises(NodeNotRegistered):
        await registry.claim("CP-A0", "node-a", "1.6")


async def test_list_pages_through_all_chargers_in_order(registry: Registry) -> None:
    """Listing returns every charger once, sorted by id, page by page via opaque tokens."""
    await registry.register_node("node-a", "a:1")
    await registry.register_node("node-b", "b:1")
    ids = [f"CP-{i:03d}" for i in range(25)]
    for i, charger_id in enumerate(reversed(ids)):
        await registry.claim(charger_id, "node-a" if i % 2 else "node-b", "1.6")

    seen: list[str] = []
    token = ""
    pages = 0
    while True:
        page, token = await registry.list_chargers(page_size=10, page_token=token)
        pages += 1
        seen.extend(c.charger_id for c in page)
        if not token:
            break
    assert pages == 3
    assert seen == ids

    exact, token = await registry.list_chargers(page_size=25)
    assert len(exact) == 25
    assert token == ""


async def test_list_filtered_by_node(registry: Registry) -> None:
    """Listing with a node id returns only that node's chargers, paged the same way."""
    await registry.register_node("node-a", "a:1")
    await registry.register_node("node-b", "b:1")
    for i in range(7):
        await registry.claim(f"CP-{i}", "node-a" if i % 2 else "node-b", "1.6")
    first, token = await registry.list_chargers("node-b", page_size=3)
    rest, last = await registry.list_chargers("node-b", page_size=3, page_token=token)
    assert [c.charger_id for c in first + rest] == ["CP-0", "CP-2", "CP-4", "CP-6"]
    assert {c.node_id for c in first + rest} == {"node-b"}
    assert last == ""
    assert await registry.list_chargers("node-z") == ([], "")


async def test_list_rejects_bad_arguments(registry: Registry) -> None:
    """A page size outside 1..1000 or a token not made by the registry is InvalidArgument."""
    for size in (0, -1, 1001):
        with pytest.raises(InvalidArgument) as bad_size:
            await registry.list_chargers(page_size=size)
        assert bad_size.value.field == "page_size"
    for token in ("not base64!", "aGVsbG8=", "Yzo="):
        with pytest.raises(InvalidArgument) as bad_token:
            await registry.list_chargers(page_token=token)
        assert bad_token.value.field == "page_token"


async def test_list_nodes_counts_chargers(registry: Registry) -> None:
    """Live nodes are listed by id with their address, lease expiry and charger count."""
    await registry.register_node("node-b", "b:1")
    await registry.register_node("node-a", "a:1")
    await registry.claim("CP-1", "node-a", "1.6")
    await registry.claim("CP-2", "node-a", "1.6")
    await registry.claim("CP-3", "node-b", "1.6")
    await registry.claim("CP-1", "node-b", "1.6")  # moves from node-a
    nodes = await registry.list_nodes()
    assert [(n.node_id, n.address, n.charger_count) for n in nodes] == [
        ("node-a", "a:1", 1),
        ("node-b", "b:1", 2),
    ]
    assert all(n.lease_expires_at > 1_600_000_000 for n in nodes)


async def test_lookup_many_returns_only_connected(registry: Registry) -> None:
    """lookup_many maps each connected id to its location and leaves out the rest."""
    await registry.register_node("node-a", "a:1")
    one = await registry.claim("CP-1", "node-a", "1.6")
    two = await registry.claim("CP-2", "node-a", "2.0.1")
    found = await registry.lookup_many(["CP-2", "CP-1", "CP-9", "CP-1"])
    assert found == {"CP-1": one, "CP-2": two}
    assert await registry.lookup_many([]) == {}


async def test_concurrent_claims_end_with_one_owner_at_the_highest_epoch(
    registry: Registry,
) -> None:
    """Many simultaneous claims of one charger leave exactly one owner, the highest epoch."""
    nodes = [f"node-{i}" for i in range(5)]
    for node in nodes:
        await registry.register_node(node, f"{node}:1")
    claims = await asyncio.gather(*(registry.claim("CP-1", nodes[i % 5], "1.6") for i in range(50)))
    epochs = sorted(c.epoch for c in claims)
    assert epochs == list(range(epochs[0], epochs[0] + 50))
    winner = max(claims, key=lambda c: c.epoch)
    assert await registry.lookup("CP-1") == winner
    counts = {n.node_id: n.charger_count for n in await registry.list_nodes()}
    assert counts == {node: int(node == winner.node_id) for node in nodes}
    released = await asyncio.gather(*(registry.release("CP-1", c.node_id, c.epoch) for c in claims))
    assert sum(released) == 1


async def test_closed_registry_ends_iterators_and_refuses_calls(registry: Registry) -> None:
    """aclose is idempotent, ends running eviction iterators, and later calls are a bug."""
    await registry.register_node("node-a", "a:1")
    evictions, waiting = await next_eviction(registry, "node-a")
    await registry.aclose()
    await registry.aclose()
    async with asyncio.timeout(TIMEOUT):
        with pytest.raises(StopAsyncIteration):
            await waiting
    await evictions.aclose()
    with pytest.raises(RegistryClosed):
        await registry.lookup("CP-1")
