"""What only the Redis registry has: shared state across processes, pipelining, pub/sub hygiene."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import redis.asyncio as aioredis

from services.registry import Eviction, RedisRegistry

TIMEOUT = 5.0


async def test_two_processes_share_one_registry(
    redis_client: aioredis.Redis, redis_prefix: str
) -> None:
    """What a node's registry writes, a manager's registry on the same prefix reads."""
    async with (
        RedisRegistry(redis_client, prefix=redis_prefix) as node,
        RedisRegistry(redis_client, prefix=redis_prefix) as manager,
        RedisRegistry(redis_client, prefix=redis_prefix + "other:") as elsewhere,
    ):
        await node.register_node("node-a", "a:1")
        location = await node.claim("CP-1", "node-a", "1.6")
        assert await manager.lookup("CP-1") == location
        assert await elsewhere.lookup("CP-1") is None


async def test_takeover_evicts_through_pubsub_across_instances(
    redis_client: aioredis.Redis, redis_prefix: str
) -> None:
    """An eviction published by one instance reaches the old owner's own instance."""
    async with (
        RedisRegistry(redis_client, prefix=redis_prefix) as node_a,
        RedisRegistry(redis_client, prefix=redis_prefix) as node_b,
    ):
        await node_a.register_node("node-a", "a:1")
        await node_b.register_node("node-b", "b:1")
        await node_a.claim("CP-1", "node-a", "1.6")
        ready = asyncio.Event()
        evictions = node_a.evictions("node-a", ready=ready)
        waiting = asyncio.create_task(anext(evictions))
        try:
            async with asyncio.timeout(TIMEOUT):
                await ready.wait()
            new = await node_b.claim("CP-1", "node-b", "1.6")
            async with asyncio.timeout(TIMEOUT):
                assert await waiting == Eviction("CP-1", new.epoch)
        finally:
            await evictions.aclose()


async def test_eviction_iterator_gives_back_its_connection(
    redis_client: aioredis.Redis, redis_prefix: str
) -> None:
    """Closing an evictions iterator unsubscribes and returns its connection to the pool."""
    channel = f"{redis_prefix}evict:node-a"
    async with RedisRegistry(redis_client, prefix=redis_prefix) as registry:
        for _ in range(3):
            ready = asyncio.Event()
            evictions = registry.evictions("node-a", ready=ready)
            waiting = asyncio.create_task(anext(evictions))
            async with asyncio.timeout(TIMEOUT):
                await ready.wait()
            assert dict(await redis_client.pubsub_numsub(channel)) == {channel.encode(): 1}
            waiting.cancel()
            await asyncio.wait([waiting])
            await evictions.aclose()
            assert dict(await redis_client.pubsub_numsub(channel)) == {channel.encode(): 0}
        pool = redis_client.connection_pool
        assert len(pool._in_use_connections) == 0


async def test_claim_storm_is_coalesced_into_pipelines(
    redis_client: aioredis.Redis, redis_prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Thousands of simultaneous claims go out in far fewer pipelines, each claim exactly once."""
    pipelines = 0
    real_pipeline = redis_client.pipeline

    def counting_pipeline(*args: Any, **kwargs: Any) -> Any:
        nonlocal pipelines
        pipelines += 1
        return real_pipeline(*args, **kwargs)

    monkeypatch.setattr(redis_client, "pipeline", counting_pipeline)
    async with RedisRegistry(redis_client, prefix=redis_prefix, max_batch=500) as registry:
        await registry.register_node("node-a", "a:1")
        ids = [f"CP-{i:05d}" for i in range(3000)]
        claims = await asyncio.gather(*(registry.claim(c, "node-a", "2.0.1") for c in ids))
        assert [c.charger_id for c in claims] == ids
        assert len({c.epoch for c in claims}) == len(ids)
        assert 6 <= pipelines < 30
        assert await registry.connected_ids() == set(ids)
        released = await asyncio.gather(
            *(registry.release(c.charger_id, "node-a", c.epoch) for c in claims)
        )
        assert all(released)
        assert await registry.connected_ids() == set()


async def test_abandoned_claim_leaves_no_ghost(
    redis_client: aioredis.Redis, redis_prefix: str
) -> None:
    """A claim whose caller gave up waiting is released again rather than left owned."""
    async with RedisRegistry(redis_client, prefix=redis_prefix) as registry:
        await registry.register_node("node-a", "a:1")
        tasks = [
            asyncio.create_task(registry.claim(f"CP-{i}", "node-a", "1.6")) for i in range(200)
        ]
        for _ in range(3):  # let the drainer send the batch; it is now awaiting the reply
            await asyncio.sleep(0)
        for task in tasks:
            task.cancel()
        await asyncio.wait(tasks)
        claimed = await registry.claim("CP-last", "node-a", "1.6")  # after any undo
        assert await registry.connected_ids() == {claimed.charger_id} | {
            f"CP-{i}" for i, t in enumerate(tasks) if not t.cancelled()
        }


@pytest.mark.usefixtures("redis_client")  # deletes the test's keys afterwards
async def test_from_url_owns_its_client(redis_server_url: str, redis_prefix: str) -> None:
    """A registry made from a URL closes its own client, and closing twice is harmless."""
    registry = RedisRegistry.from_url(redis_server_url, prefix=redis_prefix)
    try:
        await registry.register_node("node-a", "a:1")
        assert [n.node_id for n in await registry.list_nodes()] == ["node-a"]
        await registry.deregister_node("node-a")
    finally:
        await registry.aclose()
        await registry.aclose()


async def test_a_soak_leaves_no_key_behind_but_the_epoch_counter(
    redis_client: aioredis.Redis, redis_prefix: str
) -> None:
    """Chargers connecting, moving, leaving, and nodes dying or leaving, leave no per-charger
    or per-node key in Redis: only the one epoch counter stays."""
    async with RedisRegistry(redis_client, prefix=redis_prefix, lease_seconds=0.5) as registry:
        await registry.register_node("node-a", "a:1")
        await registry.register_node("node-b", "b:1")
        ids = [f"CP-{i:03d}" for i in range(120)]
        on_a = await asyncio.gather(*(registry.claim(c, "node-a", "1.6") for c in ids))
        # A third moves to node B (A's release of the superseded connection is refused).
        moved = await asyncio.gather(*(registry.claim(c, "node-b", "1.6") for c in ids[:40]))
        assert not any(
            await asyncio.gather(
                *(registry.release(c.charger_id, "node-a", c.epoch) for c in on_a[:40])
            )
        )
        # A third leaves node A normally; reconnects and leaves again.
        for location in on_a[40:80]:
            assert await registry.release(location.charger_id, "node-a", location.epoch)
            again = await registry.claim(location.charger_id, "node-a", "2.0.1")
            assert await registry.release(again.charger_id, "node-a", again.epoch)
        # Node A dies with the last third (its lease runs out, a sweeper cleans up) ...
        for _ in range(4):  # node B stays alive meanwhile
            await asyncio.sleep(0.2)
            assert await registry.renew_node("node-b")
        assert not await registry.renew_node("node-a")
        assert await registry.sweep() == 40
        # ... and node B shuts down gracefully.
        await registry.deregister_node("node-b")
        assert moved
    keys = {key.decode() async for key in redis_client.scan_iter(match=f"{redis_prefix}*")}
    assert keys == {f"{redis_prefix}epochs"}
