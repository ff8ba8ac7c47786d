"""The shared fixtures really reach Redis and PostgreSQL."""

import asyncpg
import redis.asyncio as aioredis


async def test_redis_is_real(redis_client: aioredis.Redis, redis_prefix: str) -> None:
    """A value written to the test Redis reads back."""
    await redis_client.set(f"{redis_prefix}k", b"v")
    assert await redis_client.get(f"{redis_prefix}k") == b"v"


async def test_postgres_database_is_fresh(postgres_url: str) -> None:
    """Each test gets an empty database of its own on a real server."""
    conn = await asyncpg.connect(postgres_url.replace("+asyncpg", ""))
    try:
        tables = await conn.fetchval(
            "select count(*) from information_schema.tables where table_schema = 'public'"
        )
        assert tables == 0
        assert await conn.fetchval("select current_database()") == postgres_url.rsplit("/", 1)[1]
    finally:
        await conn.close()
