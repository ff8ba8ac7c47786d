"""Where the Mongo journal's tests run: a real MongoDB when MONGO_URL is set, else the
wire-level stand-in (tests/journal/mongo_standin.py), one per test session; the fixtures
(`mongo_standin`, `mongo_target`) are in tests/conftest.py.

Either way each test gets its own database (dropped afterwards), so runs and pytest-xdist
workers never see each other's exchanges, and on the stand-in a test fails if it sent
anything the stand-in does not implement.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from pymongo import AsyncMongoClient

from tests.journal.mongo_standin import MongoStandIn

#: What the Mongo tests run against, for their ids: "mongo" or "mongo-standin".
MONGO_KIND = "mongo" if os.environ.get("MONGO_URL") else "mongo-standin"


@dataclass
class MongoTarget:
    """This test's database: its URL, and the stand-in serving it (None on a real MongoDB)."""

    url: str
    database: str
    standin: MongoStandIn | None

    def client(self) -> AsyncMongoClient[dict[str, Any]]:
        """A separate client on this database, to look at what the journal stored."""
        return AsyncMongoClient(self.url, serverSelectionTimeoutMS=5000, timeoutMS=10000)


def with_database(url: str, database: str) -> str:
    """`url` naming `database` instead of the one it names (if any)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database}"))


@contextmanager
def standin_unless_mongo_url() -> Iterator[MongoStandIn | None]:
    """A running stand-in, or None when MONGO_URL names a real MongoDB."""
    if os.environ.get("MONGO_URL"):
        yield None
        return
    standin = MongoStandIn()
    standin.run()
    try:
        yield standin
    finally:
        standin.stop()


@asynccontextmanager
async def fresh_database(standin: MongoStandIn | None) -> AsyncIterator[MongoTarget]:
    """A new database on MONGO_URL's server or the stand-in, dropped at the end; on the
    stand-in, an AssertionError if anything it does not implement was sent meanwhile."""
    database = f"csms_test_{uuid.uuid4().hex[:12]}"
    base = os.environ.get("MONGO_URL") or (standin.uri if standin else "")
    target = MongoTarget(with_database(base, database), database, standin)
    unexpected_before = len(standin.unexpected) if standin else 0
    try:
        yield target
    finally:
        client = target.client()
        try:
            await client.drop_database(database)
        finally:
            await client.close()
    if standin is not None:
        unexpected = standin.unexpected[unexpected_before:]
        assert not unexpected, (
            f"the Mongo stand-in got requests it does not implement: {unexpected}"
        )
