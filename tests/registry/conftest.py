"""Fixtures for the registry contract suite: every implementation behind one factory."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import pytest
import redis.asyncio as aioredis

from services.registry import MemoryRegistry, RedisRegistry, Registry

#: Lease used by tests that do not wait for expiry.
LONG_LEASE = 60.0


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Backend:
    """Makes registries of one implementation and lets lease time pass for them."""

    kind: str
    make: Callable[[float], Registry]  # lease_seconds -> registry, closed after the test
    advance: Callable[[float], Awaitable[None]]  # let this many seconds of lease time pass


@dataclass
class Implementation:
    """Which implementation a test runs against, with its Redis client and prefix if any."""

    kind: str
    client: aioredis.Redis | None = None
    prefix: str = ""


@pytest.fixture(params=["memory", "redis"])
def implementation(request: pytest.FixtureRequest) -> Implementation:
    """Each registry implementation in turn (Redis with this test's key prefix).

    Synchronous on purpose: the session's Redis fixture may start a server with
    ``asyncio.run``, which cannot happen inside the test's running loop.
    """
    if request.param == "memory":
        return Implementation("memory")
    return Implementation(
        "redis", request.getfixturevalue("redis_client"), request.getfixturevalue("redis_prefix")
    )


@pytest.fixture
async def backend(implementation: Implementation) -> AsyncIterator[Backend]:
    """Makes registries of the implementation under test and closes them afterwards."""
    made: list[Registry] = []
    if implementation.client is None:
        clock = FakeClock()

        def make_memory(lease_seconds: float) -> Registry:
            registry = MemoryRegistry(lease_seconds=lease_seconds, clock=clock)
            made.append(registry)
            return registry

        async def advance_clock(seconds: float) -> None:
            clock.now += seconds

        backend = Backend("memory", make_memory, advance_clock)
    else:
        client, prefix = implementation.client, implementation.prefix

        def make_redis(lease_seconds: float) -> Registry:
            registry = RedisRegistry(client, prefix=prefix, lease_seconds=lease_seconds)
            made.append(registry)
            return registry

        backend = Backend("redis", make_redis, asyncio.sleep)
    try:
        yield backend
    finally:
        for registry in made:
            await registry.aclose()


@pytest.fixture
def registry(backend: Backend) -> Registry:
    """A registry with a lease long enough never to expire during a test."""
    return backend.make(LONG_LEASE)
