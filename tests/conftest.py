"""Shared fixtures: real Redis and real PostgreSQL for every test that asks.

The machine's servers are used when they answer (``TEST_REDIS_URL`` and
``TEST_POSTGRES_URL`` override the defaults); otherwise the session starts
ephemeral ones from the local binaries on free ports. Every test gets its own
Redis key prefix and its own PostgreSQL database, so runs never see each other.

``make test`` runs the suite in pytest-xdist workers. What the workers would otherwise
share is made theirs here: the databases are named per test, the migrated template
databases per worker, `make run`'s var/ files (admin token, local CA) point into the
worker's temporary directory, and `harness.free_port` hands each worker its own block
of ports.

Databases: ``postgres_url`` and ``sqlite_url`` are new databases already migrated to head
(copied from a template each worker migrates once, ``CREATE DATABASE ... TEMPLATE`` for
PostgreSQL); ``empty_postgres_url`` and ``empty_sqlite_url`` are blank, for the tests of
the migrations themselves. ``mongo_target`` is a new MongoDB database for the journal, on
``MONGO_URL``'s server, or, since none can be installed here, on a wire-level stand-in
(tests/journal/mongo_standin.py, docs/journal-mongodb.md).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import subprocess
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
import redis.asyncio as aioredis
from csms.v1 import chargers_pb2_grpc

from services.manager import Manager
from services.manager.store import create_engine, migrate
from services.node import Node
from services.registry import RedisRegistry, Registry
from tests.harness import UNIT, api_channel, free_port, running_manager, running_node
from tests.journal.mongo_fixtures import MongoTarget, fresh_database, standin_unless_mongo_url
from tests.journal.mongo_standin import MongoStandIn

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def _redis_answers(url: str) -> bool:
    async def ping() -> bool:
        client = aioredis.from_url(url, socket_connect_timeout=1)
        try:
            return bool(await client.ping())
        except (OSError, aioredis.RedisError):
            return False
        finally:
            await client.aclose()

    return asyncio.run(ping())


def _postgres_answers(url: str) -> bool:
    async def ping() -> bool:
        try:
            conn = await asyncpg.connect(url, timeout=2)
        except (OSError, asyncpg.PostgresError):
            return False
        await conn.close()
        return True

    return asyncio.run(ping())


def _wait_for(check: object, what: str, timeout: float = 20.0) -> None:
    assert callable(check)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not start within {timeout} s")


@pytest.fixture(scope="session")
def redis_server_url() -> Iterator[str]:
    """URL of a real Redis server (the machine's, or one started for this session)."""
    url = os.environ.get("TEST_REDIS_URL", DEFAULT_REDIS_URL)
    if _redis_answers(url):
        yield url
        return
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail(
            f"no Redis answers at {url} and redis-server is not installed: "
            "install redis-server or set TEST_REDIS_URL"
        )
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        _wait_for(lambda: _redis_answers(url), "redis-server")
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture
def redis_prefix() -> str:
    """A Redis key prefix unique to this test."""
    return f"csms-test:{uuid.uuid4().hex[:12]}:"


@pytest.fixture
async def redis_client(redis_server_url: str, redis_prefix: str) -> AsyncIterator[aioredis.Redis]:
    """A client to the test Redis; the test's keys are deleted afterwards."""
    client = aioredis.from_url(redis_server_url)
    try:
        yield client
    finally:
        keys = [k async for k in client.scan_iter(match=f"{redis_prefix}*", count=1000)]
        if keys:
            await client.delete(*keys)
        await client.aclose()


def _start_postgres() -> tuple[str, subprocess.Popen[bytes], Path]:
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not candidates:
        pytest.fail(
            "no PostgreSQL answers and no initdb is installed: install postgresql "
            "or set TEST_POSTGRES_URL"
        )
    bindir = candidates[-1].parent
    datadir = Path(tempfile.mkdtemp(prefix="csms-pg-"))
    port = free_port()
    user = ["-u", "postgres"] if os.geteuid() == 0 else []
    if user:
        shutil.chown(datadir, "postgres", "postgres")
    run_as = ["runuser", "-u", "postgres", "--"] if user else []
    subprocess.run(
        [*run_as, str(bindir / "initdb"), "-D", str(datadir), "-U", "postgres", "-A", "trust"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    proc = subprocess.Popen(
        [
            *run_as,
            str(bindir / "postgres"),
            "-D",
            str(datadir),
            "-p",
            str(port),
            "-k",
            str(datadir),
            "-h",
            "127.0.0.1",
            "-c",
            "fsync=off",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return f"postgresql://postgres@127.0.0.1:{port}/postgres", proc, datadir


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """asyncpg-style URL of a real PostgreSQL server's maintenance database."""
    url = os.environ.get("TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    if _postgres_answers(url):
        yield url
        return
    url, proc, datadir = _start_postgres()
    try:
        _wait_for(lambda: _postgres_answers(url), "postgres")
        yield url
    finally:
        proc.terminate()
        proc.wait(20)
        shutil.rmtree(datadir, ignore_errors=True)


async def _create_database(server_url: str, name: str, template: str | None = None) -> None:
    admin = await asyncpg.connect(server_url)
    try:
        clause = f' TEMPLATE "{template}"' if template else ""
        await admin.execute(f'CREATE DATABASE "{name}"{clause}')
    finally:
        await admin.close()


async def _drop_database(server_url: str, name: str) -> None:
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def _database_url(server_url: str, name: str) -> str:
    base = server_url.rsplit("/", 1)[0]
    return f"{base.replace('postgresql://', 'postgresql+asyncpg://', 1)}/{name}"


async def _migrate_to_head(url: str) -> None:
    engine = create_engine(url)
    try:
        await migrate(engine)
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def postgres_template(postgres_server_url: str) -> Iterator[str]:
    """Name of a PostgreSQL database migrated to head, this worker's own: the template
    ``postgres_url`` copies (a copy costs a fraction of running every migration)."""
    name = f"csms_template_{uuid.uuid4().hex[:12]}"

    async def create() -> None:
        await _create_database(postgres_server_url, name)
        await _migrate_to_head(_database_url(postgres_server_url, name))

    asyncio.run(create())
    try:
        yield name
    finally:
        asyncio.run(_drop_database(postgres_server_url, name))


@pytest.fixture
async def empty_postgres_url(postgres_server_url: str) -> AsyncIterator[str]:
    """SQLAlchemy URL (postgresql+asyncpg) of a new, empty database for this test."""
    name = f"csms_test_{uuid.uuid4().hex[:12]}"
    await _create_database(postgres_server_url, name)
    try:
        yield _database_url(postgres_server_url, name)
    finally:
        await _drop_database(postgres_server_url, name)


@pytest.fixture(scope="session")
def mongo_standin() -> Iterator[MongoStandIn | None]:
    """This worker's MongoDB stand-in, or None when MONGO_URL names a real MongoDB."""
    with standin_unless_mongo_url() as standin:
        yield standin


@pytest.fixture
async def mongo_target(mongo_standin: MongoStandIn | None) -> AsyncIterator[MongoTarget]:
    """A new MongoDB database for this test (MONGO_URL's server or the stand-in), dropped
    afterwards; on the stand-in the test fails if it sent anything it does not implement."""
    async with fresh_database(mongo_standin) as target:
        yield target


@pytest.fixture
async def postgres_url(postgres_server_url: str, postgres_template: str) -> AsyncIterator[str]:
    """SQLAlchemy URL (postgresql+asyncpg) of a new database for this test, migrated to
    head and holding no rows."""
    name = f"csms_test_{uuid.uuid4().hex[:12]}"
    await _create_database(postgres_server_url, name, template=postgres_template)
    try:
        yield _database_url(postgres_server_url, name)
    finally:
        await _drop_database(postgres_server_url, name)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head, this worker's own: the one ``sqlite_url`` copies."""
    path = tmp_path_factory.mktemp("sqlite-template") / "csms.sqlite3"
    asyncio.run(_migrate_to_head(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture
def empty_sqlite_url(tmp_path: Path) -> str:
    """SQLAlchemy URL (sqlite+aiosqlite) of a new, empty database file for this test."""
    return f"sqlite+aiosqlite:///{tmp_path / 'csms.sqlite3'}"


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    """SQLAlchemy URL (sqlite+aiosqlite) of a new database file for this test, migrated to
    head and holding no rows."""
    path = tmp_path / "csms.sqlite3"
    source = sqlite3.connect(sqlite_template)
    target = sqlite3.connect(path)
    try:
        source.backup(target)  # a consistent copy, whatever is left in the template's WAL
    finally:
        target.close()
        source.close()
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture(scope="session", autouse=True)
def _embedded_state_per_worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """`make run` (services.embedded) keeps its admin token, local CA and frame journal
    under the working directory's var/ unless told otherwise; tests that spawn it from the
    repository root would share (and race on) those files between workers, and leave them
    in the developer's var/. Point them into this worker's temporary directory instead; a test
    that sets them itself still wins."""
    state = tmp_path_factory.mktemp("embedded-var")
    overrides = {
        "CSMS_ADMIN_TOKEN_FILE": str(state / "admin-token"),
        "LOCAL_CA_DIR": str(state / "ca"),
        # Its /metrics listener would take 9464 in every embedded process at once.
        "METRICS_PORT": "0",
        "JOURNAL_URL": f"sqlite+aiosqlite:///{state / 'journal.sqlite'}",
    }
    saved = {name: os.environ.get(name) for name in overrides}
    for name, value in overrides.items():
        os.environ.setdefault(name, value)
    try:
        yield
    finally:
        for name, before in saved.items():
            if before is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = before


# --- the mesh most end-to-end tests run against ------------------------------------------
# A test module that needs a different registry or manager (in-memory, SQLite, other
# settings) defines a fixture of the same name, which takes precedence over these.


@pytest.fixture
async def registry(redis_server_url: str, redis_prefix: str) -> AsyncIterator[RedisRegistry]:
    """The Redis registry, with this test's key prefix."""
    registry = RedisRegistry.from_url(redis_server_url, prefix=redis_prefix, lease_seconds=2 * UNIT)
    try:
        yield registry
    finally:
        await registry.aclose()


@pytest.fixture
async def manager(registry: RedisRegistry, postgres_url: str) -> AsyncIterator[Manager]:
    """A manager on this test's PostgreSQL database, registering unknown chargers."""
    async with running_manager(registry, postgres_url) as manager:
        yield manager


@pytest.fixture
async def api(manager: Manager) -> AsyncIterator[chargers_pb2_grpc.ChargerServiceAsyncStub]:
    """The manager's ChargerService over real gRPC."""
    async with api_channel(f"127.0.0.1:{manager.port}") as channel:
        yield chargers_pb2_grpc.ChargerServiceStub(channel)


@pytest.fixture
def node_id() -> str:
    """The id of the ``node`` fixture's node; a module that needs another overrides it."""
    return "node-a"


@pytest.fixture
def node_tls() -> tuple[str, str, str] | None:
    """(server cert, key, client CA) PEM paths for the ``node`` fixture's wss:// port; None
    = plain ws:// only. Modules with chargers on TLS override it (see tests/pki.py)."""
    return None


@pytest.fixture
async def node(
    registry: Registry, manager: Manager, node_id: str, node_tls: tuple[str, str, str] | None
) -> AsyncIterator[Node]:
    """A node on loopback, attached to ``manager`` and ``registry`` (whichever the module
    uses), with the harness's settings."""
    async with running_node(registry, manager.port, node_id, tls=node_tls) as node:
        yield node
