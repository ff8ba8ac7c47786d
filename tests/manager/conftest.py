"""Databases for the manager's store and handler tests, migrated once per session.

A store test needs an empty database at the newest revision. Migrating one costs about
0.3 s on SQLite and more on PostgreSQL, so the session migrates one template of each,
once, and every test gets its own copy: a file copy for SQLite (under a millisecond),
``CREATE DATABASE ... TEMPLATE`` for PostgreSQL. The copies are real databases on the
real engines (SQLite is what embedded mode runs in production); nothing is faked.

- ``store_url``: a migrated database, once on PostgreSQL and once on SQLite: the
  contract suites of ``test_store*.py`` run against both.
- ``stores``: every store of ``services.manager._stores.Stores`` on a migrated SQLite
  copy, for unit tests of handlers (with a fake clock: plain datetimes).

Tests of the migrations themselves take ``sqlite_url``/``postgres_url`` (empty databases).
"""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from services.manager._stores import Stores
from services.manager.store import create_engine, migrate

#: Flush interval long enough that only explicit flushes (or ``max_buffered``) write.
NEVER = 3600.0


async def _migrate(url: str) -> None:
    engine = create_engine(url)
    try:
        await migrate(engine)
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database file at the newest revision; copied, never opened, by tests."""
    path = tmp_path_factory.mktemp("sqlite-template") / "migrated.sqlite3"
    asyncio.run(_migrate(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture
def migrated_sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    """SQLAlchemy URL of this test's own SQLite database at the newest revision."""
    copy = tmp_path / "migrated.sqlite3"
    shutil.copyfile(sqlite_template, copy)
    return f"sqlite+aiosqlite:///{copy}"


def _asyncpg_url(server_url: str, name: str) -> str:
    base = server_url.rsplit("/", 1)[0]
    return f"{base.replace('postgresql://', 'postgresql+asyncpg://', 1)}/{name}"


async def _admin(server_url: str, statement: str) -> None:
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(statement)
    finally:
        await admin.close()


@pytest.fixture(scope="session")
def postgres_template(postgres_server_url: str) -> Iterator[str]:
    """Name of a PostgreSQL database at the newest revision, the template of the tests'."""
    name = f"csms_template_{uuid.uuid4().hex[:12]}"

    async def build() -> None:
        await _admin(postgres_server_url, f'CREATE DATABASE "{name}"')
        await _migrate(_asyncpg_url(postgres_server_url, name))

    asyncio.run(build())
    try:
        yield name
    finally:
        asyncio.run(_admin(postgres_server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
async def migrated_postgres_url(
    postgres_server_url: str, postgres_template: str
) -> AsyncIterator[str]:
    """SQLAlchemy URL of this test's own PostgreSQL database at the newest revision."""
    name = f"csms_test_{uuid.uuid4().hex[:12]}"
    await _admin(postgres_server_url, f'CREATE DATABASE "{name}" TEMPLATE "{postgres_template}"')
    try:
        yield _asyncpg_url(postgres_server_url, name)
    finally:
        await _admin(postgres_server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["postgres", "sqlite"])
def store_url(request: pytest.FixtureRequest) -> str:
    """A migrated database of this test's own, on PostgreSQL and on SQLite."""
    url: str = request.getfixturevalue(f"migrated_{request.param}_url")
    return url


@pytest.fixture
async def stores(migrated_sqlite_url: str) -> AsyncIterator[Stores]:
    """All the manager's stores on this test's own SQLite database (as embedded mode runs
    them); heartbeats and statuses are written behind only when the test flushes."""
    opened = await Stores.open(migrated_sqlite_url, migrate=False, flush_interval=NEVER)
    try:
        yield opened
    finally:
        await opened.aclose()
