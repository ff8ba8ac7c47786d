"""The shared fixtures really reach Redis and PostgreSQL."""

import sqlite3

import asyncpg
import pytest
import redis.asyncio as aioredis
from alembic.script import ScriptDirectory

from services.manager.store._engine import alembic_config


async def test_redis_is_real(redis_client: aioredis.Redis, redis_prefix: str) -> None:
    """A value written to the test Redis reads back."""
    await redis_client.set(f"{redis_prefix}k", b"v")
    assert await redis_client.get(f"{redis_prefix}k") == b"v"


async def test_postgres_database_is_fresh(empty_postgres_url: str) -> None:
    """Each test that asks gets an empty database of its own on a real server."""
    conn = await asyncpg.connect(empty_postgres_url.replace("+asyncpg", ""))
    try:
        tables = await conn.fetchval(
            "select count(*) from information_schema.tables where table_schema = 'public'"
        )
        assert tables == 0
        assert (
            await conn.fetchval("select current_database()") == empty_postgres_url.rsplit("/", 1)[1]
        )
    finally:
        await conn.close()


# Twice: the second run must not see the row the first wrote (the template stays blank).
@pytest.mark.parametrize("run", [1, 2])
async def test_postgres_url_is_a_migrated_database_of_its_own(postgres_url: str, run: int) -> None:
    """postgres_url is a new database (not the template it was copied from) at the head
    revision, with no rows in it."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    conn = await asyncpg.connect(postgres_url.replace("+asyncpg", ""))
    try:
        assert await conn.fetchval("select current_database()") == postgres_url.rsplit("/", 1)[1]
        assert await conn.fetchval("select version_num from alembic_version") == head
        assert await conn.fetchval("select count(*) from chargers") == 0
        await conn.execute("insert into chargers (id, ocpp_version) values ('CP-1', '1.6')")
    finally:
        await conn.close()


@pytest.mark.parametrize("run", [1, 2])
async def test_sqlite_url_is_a_migrated_database_of_its_own(sqlite_url: str, run: int) -> None:
    """sqlite_url is a file of this test's own at the head revision, with no rows in it."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    path = sqlite_url.split("///", 1)[1]
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("select version_num from alembic_version").fetchall() == [(head,)]
        assert conn.execute("select count(*) from chargers").fetchone() == (0,)
        conn.execute("insert into chargers (id, ocpp_version) values ('CP-1', '1.6')")
        conn.commit()
    finally:
        conn.close()
