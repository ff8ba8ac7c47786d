"""In-process registry for the single-process embedded mode.

Same behaviour as the Redis registry (the contract tests run against both), with
plain dicts and an injectable clock. Every method runs without an await point
between its reads and writes, so each is atomic on the event loop.
"""

from __future__ import annotations

import asyncio
import bisect
import time
from collections.abc import AsyncGenerator, Callable, Sequence
from dataclasses import dataclass, field

from services.common._versions import OcppVersion
from services.metrics import registry_operation

from ._model import (
    ChargerLocation,
    Eviction,
    NodeInfo,
    NodeNotRegistered,
    RegistryClosed,
    check_page_size,
    check_version,
    decode_page_token,
    encode_page_token,
)


@dataclass(slots=True)
class _Node:
    address: str
    expires_at: float  # clock() value at which the lease ends
    chargers: set[str] = field(default_factory=set)


@dataclass(slots=True)
class _Owner:
    node_id: str
    epoch: int
    connected_at: float
    ocpp_version: OcppVersion


class MemoryRegistry:
    """Registry held in this process's memory."""

    def __init__(
        self,
        *,
        lease_seconds: float = 15.0,
        clock: Callable[[], float] = time.time,
        max_pending_evictions: int = 10_000,
    ) -> None:
        self._lease_seconds = lease_seconds
        self._clock = clock
        self._max_pending_evictions = max_pending_evictions
        self._nodes: dict[str, _Node] = {}
        self._owners: dict[str, _Owner] = {}
        # Last epoch handed out, to any charger: one counter, so no per-charger state has
        # to outlive a connection; started at the clock in microseconds like Redis's.
        self._last_epoch = int(clock() * 1_000_000)
        # Queues of the running evictions() iterators, per node; None ends an iterator.
        self._subscribers: dict[str, set[asyncio.Queue[Eviction | None]]] = {}
        self._closed = False

    # -- nodes ---------------------------------------------------------------

    def _live_node(self, node_id: str) -> _Node | None:
        node = self._nodes.get(node_id)
        if node is None or self._clock() >= node.expires_at:
            return None
        return node

    def _drop_node(self, node_id: str) -> int:
        node = self._nodes.pop(node_id, None)
        if node is None:
            return 0
        for charger_id in node.chargers:
            del self._owners[charger_id]
        return len(node.chargers)

    @registry_operation("register_node")
    async def register_node(self, node_id: str, address: str) -> None:
        self._check_open()
        node = self._live_node(node_id)
        if node is None:
            self._drop_node(node_id)  # leftovers of an expired lease are dead
            node = self._nodes[node_id] = _Node(address, 0.0)
        node.address = address
        node.expires_at = self._clock() + self._lease_seconds

    @registry_operation("renew_node")
    async def renew_node(self, node_id: str) -> bool:
        self._check_open()
        node = self._live_node(node_id)
        if node is None:
            return False
        node.expires_at = self._clock() + self._lease_seconds
        return True

    @registry_operation("deregister_node")
    async def deregister_node(self, node_id: str) -> None:
        self._check_open()
        self._drop_node(node_id)

    @registry_operation("sweep")
    async def sweep(self) -> int:
        self._check_open()
        dead = [n for n in self._nodes if self._live_node(n) is None]
        return sum(self._drop_node(n) for n in dead)

    async def ping(self) -> None:
        self._check_open()  # in this process: reachable while open

    @registry_operation("list_nodes")
    async def list_nodes(self) -> list[NodeInfo]:
        self._check_open()
        return [
            NodeInfo(node_id, node.address, node.expires_at, len(node.chargers))
            for node_id, node in sorted(self._nodes.items())
            if self._live_node(node_id) is not None
        ]

    # -- chargers ------------------------------------------------------------

    @registry_operation("claim")
    async def claim(self, charger_id: str, node_id: str, ocpp_version: str) -> ChargerLocation:
        self._check_open()
        version = check_version(ocpp_version)
        node = self._live_node(node_id)
        if node is None:
            raise NodeNotRegistered(node_id)
        self._last_epoch += 1
        epoch = self._last_epoch
        previous = self._owners.get(charger_id)
        if previous is not None:
            self._nodes[previous.node_id].chargers.discard(charger_id)
        owner = _Owner(node_id, epoch, self._clock(), version)
        self._owners[charger_id] = owner
        node.chargers.add(charger_id)
        if previous is not None:
            self._publish(previous.node_id, Eviction(charger_id, epoch))
        return self._location(charger_id, owner, node)

    @registry_operation("release")
    async def release(self, charger_id: str, node_id: str, epoch: int) -> bool:
        self._check_open()
        owner = self._owners.get(charger_id)
        if owner is None or owner.node_id != node_id or owner.epoch != epoch:
            return False
        del self._owners[charger_id]
        self._nodes[node_id].chargers.discard(charger_id)
        return True

    @registry_operation("lookup")
    async def lookup(self, charger_id: str) -> ChargerLocation | None:
        self._check_open()
        return self._lookup(charger_id)

    @registry_operation("lookup_many")
    async def lookup_many(self, charger_ids: Sequence[str]) -> dict[str, ChargerLocation]:
        self._check_open()
        found = {c: self._lookup(c) for c in charger_ids}
        return {c: loc for c, loc in found.items() if loc is not None}

    @registry_operation("list_chargers")
    async def list_chargers(
        self, node_id: str | None = None, page_size: int = 100, page_token: str = ""
    ) -> tuple[list[ChargerLocation], str]:
        self._check_open()
        check_page_size(page_size)
        after = decode_page_token(page_token)
        if node_id is None:
            ids = sorted(self._owners)
        else:
            node = self._nodes.get(node_id)
            ids = sorted(node.chargers) if node is not None else []
        start = bisect.bisect_right(ids, after) if after else 0
        page: list[ChargerLocation] = []
        for charger_id in ids[start:]:
            location = self._lookup(charger_id)
            if location is None:
                continue
            if len(page) == page_size:
                return page, encode_page_token(page[-1].charger_id)
            page.append(location)
        return page, ""

    @registry_operation("connected_ids")
    async def connected_ids(self) -> set[str]:
        self._check_open()
        return {c for c in self._owners if self._lookup(c) is not None}

    def _lookup(self, charger_id: str) -> ChargerLocation | None:
        owner = self._owners.get(charger_id)
        if owner is None:
            return None
        node = self._live_node(owner.node_id)
        if node is None:
            return None
        return self._location(charger_id, owner, node)

    @staticmethod
    def _location(charger_id: str, owner: _Owner, node: _Node) -> ChargerLocation:
        return ChargerLocation(
            charger_id=charger_id,
            node_id=owner.node_id,
            node_address=node.address,
            epoch=owner.epoch,
            connected_at=owner.connected_at,
            ocpp_version=owner.ocpp_version,
        )

    # -- evictions -----------------------------------------------------------

    @registry_operation("disconnect")
    async def disconnect(self, charger_id: str, reason: str) -> ChargerLocation | None:
        self._check_open()
        if not reason:
            raise ValueError("a disconnect needs a reason to tell the charger")
        owner = self._owners.get(charger_id)
        node = None if owner is None else self._live_node(owner.node_id)
        if owner is None or node is None:
            return None
        self._publish(owner.node_id, Eviction(charger_id, owner.epoch, reason))
        return self._location(charger_id, owner, node)

    def _publish(self, node_id: str, eviction: Eviction) -> None:
        for queue in self._subscribers.get(node_id, ()):
            # At most once, like Redis pub/sub: a subscriber that fell this far
            # behind loses the eviction rather than growing without bound.
            if queue.qsize() < self._max_pending_evictions:
                queue.put_nowait(eviction)

    async def evictions(
        self, node_id: str, *, ready: asyncio.Event | None = None
    ) -> AsyncGenerator[Eviction, None]:
        self._check_open()
        # One slot more than the evictions, for the closing sentinel.
        queue: asyncio.Queue[Eviction | None] = asyncio.Queue(self._max_pending_evictions + 1)
        subscribers = self._subscribers.setdefault(node_id, set())
        subscribers.add(queue)
        try:
            if ready is not None:
                ready.set()
            while (eviction := await queue.get()) is not None:
                yield eviction
        finally:
            subscribers.discard(queue)
            if not subscribers:
                self._subscribers.pop(node_id, None)

    # -- lifecycle -----------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise RegistryClosed("the registry is closed")

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        for queues in self._subscribers.values():
            for queue in queues:
                queue.put_nowait(None)

    async def __aenter__(self) -> MemoryRegistry:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
