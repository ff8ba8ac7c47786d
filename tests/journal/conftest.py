"""Journals to test against: one fixture per backend, each an opened journal on a real
store of its own (a temporary SQLite file; a new PostgreSQL database; a new MongoDB
database on MONGO_URL's server, or on the wire-level stand-in when MONGO_URL is not set:
its id is then "mongo-standin", tests/journal/mongo_standin.py).

``BACKENDS`` names them; ``tests/journal/test_contract.py`` runs its whole suite once per
entry. A new backend is one fixture here and one line in ``BACKENDS``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.journal import Journal, open_journal
from tests.journal.mongo_fixtures import MONGO_KIND, MongoTarget

#: Retention the test journals are opened with (the writer's sweep is tested on its own).
RETENTION_S = 30 * 86_400.0

#: backend name -> the fixture (below) that yields an opened journal on it.
BACKENDS: dict[str, str] = {
    "sqlite": "sqlite_journal",
    "postgres": "postgres_journal",
    MONGO_KIND: "mongo_journal",  # "mongo" on MONGO_URL's server, else "mongo-standin"
}
#: Backends whose store deletes old exchanges itself (a TTL index): `expire` answers 0.
SELF_EXPIRING: frozenset[str] = frozenset({MONGO_KIND})


@pytest.fixture
def sqlite_journal_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'journal.sqlite'}"


@pytest.fixture
async def sqlite_journal(sqlite_journal_url: str) -> AsyncIterator[Journal]:
    journal = open_journal(sqlite_journal_url, retention_s=RETENTION_S)
    await journal.open()
    try:
        yield journal
    finally:
        await journal.aclose()


@pytest.fixture
async def postgres_journal(empty_postgres_url: str) -> AsyncIterator[Journal]:
    journal = open_journal(empty_postgres_url, retention_s=RETENTION_S)
    await journal.open()
    try:
        yield journal
    finally:
        await journal.aclose()


@pytest.fixture
async def mongo_journal(mongo_target: MongoTarget) -> AsyncIterator[Journal]:
    journal = open_journal(mongo_target.url, retention_s=RETENTION_S)
    await journal.open()
    try:
        yield journal
    finally:
        await journal.aclose()


@pytest.fixture(params=sorted(BACKENDS))
def backend(request: pytest.FixtureRequest) -> str:
    """The name of the backend under test."""
    name: str = request.param
    return name


@pytest.fixture
def journal(request: pytest.FixtureRequest, backend: str) -> Journal:
    """An opened journal on each backend in turn, empty."""
    opened: Journal = request.getfixturevalue(BACKENDS[backend])
    return opened
