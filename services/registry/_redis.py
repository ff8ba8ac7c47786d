"""Redis registry: every multi-key change is one Lua script, run by EVALSHA.

Key scheme (``P`` is the prefix; see docs/adr/0003-registry-scheme.md)::

    P lease:{node}          string = node address, TTL = lease (SET ... PX)
    P nodes                 set of node ids that registered (live or dead)
    P node-chargers:{node}  zset (score 0) of the charger ids the node owns
    P owner:{charger}       hash node, address, epoch, connected_at, version
    P epochs                counter shared by all chargers, never deleted: epochs are
                            never reused (seeded from Redis's clock in microseconds)
    P chargers              zset (score 0) of every owned charger id
    P evict:{node}          pub/sub channel, JSON {"charger_id", "epoch"[, "reason"]}

Invariant kept by every script: ``charger ∈ node-chargers:{n}`` iff
``owner:{charger}.node == n`` iff (``charger ∈ chargers`` and owned by n). A charger
is *live* when its owner's lease key exists; reads check that in the same script.

Claims and releases from many connections at once are coalesced: callers put them
on a bounded queue, and one drainer task sends everything that is waiting as one
pipeline (no timer: a lone claim goes out at once, a storm goes out in batches).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncGenerator, Sequence
from dataclasses import dataclass
from typing import Any, Final, Self

import redis.asyncio as aioredis
from redis.exceptions import NoScriptError, RedisError

from services.common._tasks import cancel_and_wait
from services.common._versions import OcppVersion
from services.metrics import registry_operation

from ._model import (
    ChargerLocation,
    Eviction,
    NodeInfo,
    NodeNotRegistered,
    RegistryClosed,
    RegistryUnavailable,
    check_page_size,
    check_version,
    decode_page_token,
    encode_page_token,
)

log = logging.getLogger(__name__)

# Helpers shared by the scripts; ARGV[1] is always the key prefix.
_PRELUDE: Final = """
local P = ARGV[1]
local ALL = P .. 'chargers'
local NODES = P .. 'nodes'
local function lease_key(n) return P .. 'lease:' .. n end
local function node_set(n) return P .. 'node-chargers:' .. n end
local function owner_key(c) return P .. 'owner:' .. c end
local function drop_node_chargers(n)
  local dropped = 0
  for _, c in ipairs(redis.call('ZRANGE', node_set(n), 0, -1)) do
    if redis.call('HGET', owner_key(c), 'node') == n then
      redis.call('DEL', owner_key(c))
      redis.call('ZREM', ALL, c)
      dropped = dropped + 1
    end
  end
  redis.call('DEL', node_set(n))
  return dropped
end
-- {id, node, address, epoch, connected_at, version} or false; leases caches GETs.
local function locate(c, leases)
  local o = redis.call('HMGET', owner_key(c), 'node', 'epoch', 'connected_at', 'version')
  if not o[1] then return false end
  local addr = leases[o[1]]
  if addr == nil then
    addr = redis.call('GET', lease_key(o[1]))
    leases[o[1]] = addr
  end
  if not addr then return false end
  return {c, o[1], addr, o[2], o[3], o[4]}
end
"""

_SCRIPTS: Final = {
    # ARGV: P, node, address, lease_ms -> chargers dropped from an expired lease
    "register": """
local node = ARGV[2]
local dropped = 0
if redis.call('EXISTS', lease_key(node)) == 0 then dropped = drop_node_chargers(node) end
redis.call('SET', lease_key(node), ARGV[3], 'PX', ARGV[4])
redis.call('SADD', NODES, node)
return dropped
""",
    # ARGV: P, node -> chargers dropped
    "deregister": """
local node = ARGV[2]
local dropped = drop_node_chargers(node)
redis.call('DEL', lease_key(node))
redis.call('SREM', NODES, node)
return dropped
""",
    # ARGV: P -> chargers dropped from nodes whose lease expired
    "sweep": """
local dropped = 0
for _, n in ipairs(redis.call('SMEMBERS', NODES)) do
  if redis.call('EXISTS', lease_key(n)) == 0 then
    dropped = dropped + drop_node_chargers(n)
    redis.call('SREM', NODES, n)
  end
end
return dropped
""",
    # ARGV: P, charger, node, version, connected_at -> {epoch, address} or {0} (no lease)
    "claim": """
local c, node = ARGV[2], ARGV[3]
local address = redis.call('GET', lease_key(node))
if not address then return {0} end
local prev = redis.call('HGET', owner_key(c), 'node')
local counter = P .. 'epochs'
if redis.call('EXISTS', counter) == 0 then
  -- A new (or emptied) Redis: start above every epoch handed out before, at the
  -- current time in microseconds, so that epochs held by live processes stay lower.
  local t = redis.call('TIME')
  redis.call('SET', counter, t[1] .. string.rep('0', 6 - #t[2]) .. t[2], 'NX')
end
-- As text from here on: Lua's number formatting (cjson, tostring) keeps 14 digits.
local epoch = string.format('%d', redis.call('INCR', counter))
redis.call('HSET', owner_key(c), 'node', node, 'address', address, 'epoch', epoch,
           'connected_at', ARGV[5], 'version', ARGV[4])
if prev and prev ~= node then redis.call('ZREM', node_set(prev), c) end
redis.call('ZADD', node_set(node), 0, c)
redis.call('ZADD', ALL, 0, c)
if prev then
  redis.call('PUBLISH', P .. 'evict:' .. prev, cjson.encode({charger_id = c, epoch = epoch}))
end
return {epoch, address}
""",
    # ARGV: P, charger, node, epoch -> 1 if removed, 0 if (node, epoch) no longer owns it
    "release": """
local c, node = ARGV[2], ARGV[3]
local cur = redis.call('HMGET', owner_key(c), 'node', 'epoch')
if cur[1] ~= node or cur[2] ~= ARGV[4] then return 0 end
redis.call('DEL', owner_key(c))
redis.call('ZREM', node_set(node), c)
redis.call('ZREM', ALL, c)
return 1
""",
    # ARGV: P, charger, reason -> locate() result of the connection told to close, or false
    "disconnect": """
local c = ARGV[2]
local loc = locate(c, {})
if not loc then return false end
redis.call('PUBLISH', P .. 'evict:' .. loc[2],
           cjson.encode({charger_id = c, epoch = loc[4], reason = ARGV[3]}))
return loc
""",
    # ARGV: P, charger... -> one locate() result per charger
    "lookup": """
local out, leases = {}, {}
for i = 2, #ARGV do out[#out + 1] = locate(ARGV[i], leases) end
return out
""",
    # ARGV: P, node or '', after or '', limit -> up to limit live locate() results
    "list": """
local node, after, limit = ARGV[2], ARGV[3], tonumber(ARGV[4])
local key = ALL
if node ~= '' then
  if redis.call('EXISTS', lease_key(node)) == 0 then return {} end
  key = node_set(node)
end
local min = '-'
if after ~= '' then min = '(' .. after end
local out, leases = {}, {}
while #out < limit do
  local ids = redis.call('ZRANGEBYLEX', key, min, '+', 'LIMIT', 0, 256)
  if #ids == 0 then break end
  for _, c in ipairs(ids) do
    local loc = locate(c, leases)
    if loc then out[#out + 1] = loc end
    if #out >= limit then break end
  end
  min = '(' .. ids[#ids]
end
return out
""",
    # ARGV: P -> every live charger id
    "connected": """
local out = {}
for _, n in ipairs(redis.call('SMEMBERS', NODES)) do
  if redis.call('EXISTS', lease_key(n)) == 1 then
    for _, c in ipairs(redis.call('ZRANGE', node_set(n), 0, -1)) do out[#out + 1] = c end
  end
end
return out
""",
    # ARGV: P -> {node, address, lease_expires_at_ms, charger_count} per live node
    "nodes": """
local t = redis.call('TIME')
local now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local out = {}
for _, n in ipairs(redis.call('SMEMBERS', NODES)) do
  local addr = redis.call('GET', lease_key(n))
  local ttl = redis.call('PTTL', lease_key(n))
  if addr and ttl > 0 then
    out[#out + 1] = {n, addr, now_ms + ttl, redis.call('ZCARD', node_set(n))}
  end
end
return out
""",
}


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _location(row: Sequence[Any]) -> ChargerLocation:
    charger_id, node_id, address, epoch, connected_at, version = (_text(v) for v in row)
    return ChargerLocation(
        charger_id=charger_id,
        node_id=node_id,
        node_address=address,
        epoch=int(epoch),
        connected_at=float(connected_at),
        ocpp_version=OcppVersion.parse(version),
    )


@dataclass(slots=True)
class _Op:
    """A claim or release waiting for the drainer."""

    script: str
    args: tuple[str, ...]
    future: asyncio.Future[Any]


class RedisRegistry:
    """Registry in Redis, shared by every node, manager and registry API process."""

    def __init__(
        self,
        client: aioredis.Redis,
        *,
        prefix: str = "csms:",
        lease_seconds: float = 15.0,
        operation_timeout: float = 5.0,
        max_batch: int = 1000,
        max_pending: int = 20_000,
        eviction_poll_interval: float = 1.0,
    ) -> None:
        self._client = client
        self._owns_client = False
        self._prefix = prefix
        self._lease_ms = max(1, round(lease_seconds * 1000))
        # Longest any public call waits for Redis (queueing for the drainer included).
        self._operation_timeout = operation_timeout
        # Most claims/releases sent in one pipeline.
        self._max_batch = max_batch
        # Claims/releases waiting for the drainer; callers wait when it is full.
        self._queue: asyncio.Queue[_Op] = asyncio.Queue(max_pending)
        # How often a blocked evictions() iterator checks whether the registry closed.
        self._eviction_poll_interval = eviction_poll_interval
        self._shas: dict[str, str] = {}
        self._load_lock = asyncio.Lock()
        self._drainer: asyncio.Task[None] | None = None
        self._closed = False

    @classmethod
    def from_url(cls, url: str, *, prefix: str = "csms:", lease_seconds: float = 15.0) -> Self:
        """A registry owning its own client to ``url``; ``aclose`` closes it."""
        client = aioredis.from_url(url, socket_connect_timeout=5.0, socket_timeout=10.0)
        registry = cls(client, prefix=prefix, lease_seconds=lease_seconds)
        registry._owns_client = True
        return registry

    # -- scripts -------------------------------------------------------------

    async def _load_scripts(self, *, force: bool = False) -> None:
        async with self._load_lock:
            if self._shas and not force:
                return
            for name, body in _SCRIPTS.items():
                self._shas[name] = _text(await self._client.script_load(_PRELUDE + body))

    async def _eval(self, script: str, *args: str) -> Any:
        """Run one script now (reads and rare writes), reloading it if Redis lost it."""
        self._check_open()
        try:
            async with asyncio.timeout(self._operation_timeout):
                await self._load_scripts()
                try:
                    return await self._client.evalsha(self._shas[script], 0, self._prefix, *args)
                except NoScriptError:
                    await self._load_scripts(force=True)
                    return await self._client.evalsha(self._shas[script], 0, self._prefix, *args)
        except TimeoutError:
            raise RegistryUnavailable(
                f"Redis did not answer within {self._operation_timeout} s"
            ) from None
        except RedisError as exc:
            raise RegistryUnavailable(f"Redis failed: {exc}") from exc

    async def _submit(self, script: str, *args: str) -> Any:
        """Queue a claim/release for the drainer's next pipeline and wait for its result."""
        self._check_open()
        if self._drainer is None or self._drainer.done():
            self._drainer = asyncio.get_running_loop().create_task(
                self._drain(), name="registry-pipeline-drainer"
            )
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        try:
            async with asyncio.timeout(self._operation_timeout):
                await self._queue.put(_Op(script, args, future))
                return await future
        except TimeoutError:
            raise RegistryUnavailable(
                f"Redis did not answer within {self._operation_timeout} s"
            ) from None

    async def _drain(self) -> None:
        """Send whatever claims/releases are waiting as one pipeline, forever."""
        batch: list[_Op] = []
        try:
            while True:
                batch = [await self._queue.get()]
                while len(batch) < self._max_batch and not self._queue.empty():
                    batch.append(self._queue.get_nowait())
                try:
                    await self._run_batch(batch)
                except Exception as exc:  # handed to every waiting caller
                    error = RegistryUnavailable(f"Redis failed: {exc}")
                    for op in batch:
                        if not op.future.done():
                            op.future.set_exception(error)
                batch = []
        finally:
            for op in batch:
                if not op.future.done():
                    op.future.set_exception(RegistryClosed("the registry closed"))

    async def _run_batch(self, batch: list[_Op]) -> None:
        await self._load_scripts()
        pending = [op for op in batch if not op.future.done()]  # skip callers that gave up
        for attempt in range(2):
            if not pending:
                return
            pipe = self._client.pipeline(transaction=False)
            for op in pending:
                pipe.evalsha(self._shas[op.script], 0, self._prefix, *op.args)
            results = await pipe.execute(raise_on_error=False)
            retry: list[_Op] = []
            undo: list[tuple[str, ...]] = []
            for op, result in zip(pending, results, strict=True):
                if isinstance(result, NoScriptError) and attempt == 0:
                    retry.append(op)
                elif op.future.done():
                    # The caller gave up after the claim was sent: release what it
                    # would never learn it owns, so no ghost entry stays behind.
                    if op.script == "claim" and isinstance(result, list) and int(result[0]):
                        undo.append((op.args[0], op.args[1], str(int(result[0]))))
                elif isinstance(result, Exception):
                    op.future.set_exception(RegistryUnavailable(f"Redis failed: {result}"))
                else:
                    op.future.set_result(result)
            if undo:
                await self._undo_claims(undo)
            if retry:
                await self._load_scripts(force=True)
            pending = retry

    async def _undo_claims(self, undo: list[tuple[str, ...]]) -> None:
        pipe = self._client.pipeline(transaction=False)
        for args in undo:
            pipe.evalsha(self._shas["release"], 0, self._prefix, *args)
        try:
            await pipe.execute(raise_on_error=True)
        except RedisError:
            # The lease bounds the damage: the ghosts vanish with the node's lease.
            log.warning("could not release %d abandoned claims", len(undo), exc_info=True)

    # -- nodes ---------------------------------------------------------------

    @registry_operation("register_node")
    async def register_node(self, node_id: str, address: str) -> None:
        await self._eval("register", node_id, address, str(self._lease_ms))

    @registry_operation("renew_node")
    async def renew_node(self, node_id: str) -> bool:
        self._check_open()
        try:
            async with asyncio.timeout(self._operation_timeout):
                return bool(
                    await self._client.pexpire(self._key("lease:", node_id), self._lease_ms)
                )
        except TimeoutError:
            raise RegistryUnavailable(
                f"Redis did not answer within {self._operation_timeout} s"
            ) from None
        except RedisError as exc:
            raise RegistryUnavailable(f"Redis failed: {exc}") from exc

    @registry_operation("deregister_node")
    async def deregister_node(self, node_id: str) -> None:
        await self._eval("deregister", node_id)

    @registry_operation("sweep")
    async def sweep(self) -> int:
        return int(await self._eval("sweep"))

    async def ping(self) -> None:
        self._check_open()
        try:
            async with asyncio.timeout(self._operation_timeout):
                await self._client.ping()
        except TimeoutError:
            raise RegistryUnavailable(
                f"Redis did not answer within {self._operation_timeout} s"
            ) from None
        except RedisError as exc:
            raise RegistryUnavailable(f"Redis failed: {exc}") from exc

    @registry_operation("list_nodes")
    async def list_nodes(self) -> list[NodeInfo]:
        rows = await self._eval("nodes")
        nodes = [
            NodeInfo(
                node_id=_text(node_id),
                address=_text(address),
                lease_expires_at=int(expires_ms) / 1000,
                charger_count=int(count),
            )
            for node_id, address, expires_ms, count in rows
        ]
        return sorted(nodes, key=lambda n: n.node_id)

    # -- chargers ------------------------------------------------------------

    @registry_operation("claim")
    async def claim(self, charger_id: str, node_id: str, ocpp_version: str) -> ChargerLocation:
        version = check_version(ocpp_version)
        connected_at = time.time()
        result = await self._submit("claim", charger_id, node_id, version.value, repr(connected_at))
        epoch = int(result[0])
        if epoch == 0:
            raise NodeNotRegistered(node_id)
        return ChargerLocation(
            charger_id=charger_id,
            node_id=node_id,
            node_address=_text(result[1]),
            epoch=epoch,
            connected_at=connected_at,
            ocpp_version=version,
        )

    @registry_operation("release")
    async def release(self, charger_id: str, node_id: str, epoch: int) -> bool:
        return bool(await self._submit("release", charger_id, node_id, str(epoch)))

    @registry_operation("lookup")
    async def lookup(self, charger_id: str) -> ChargerLocation | None:
        (row,) = await self._eval("lookup", charger_id)
        return _location(row) if row else None

    @registry_operation("disconnect")
    async def disconnect(self, charger_id: str, reason: str) -> ChargerLocation | None:
        if not reason:
            raise ValueError("a disconnect needs a reason to tell the charger")
        row = await self._eval("disconnect", charger_id, reason)
        return _location(row) if row else None

    @registry_operation("lookup_many")
    async def lookup_many(self, charger_ids: Sequence[str]) -> dict[str, ChargerLocation]:
        ids = list(dict.fromkeys(charger_ids))
        if not ids:
            return {}
        rows = await self._eval("lookup", *ids)
        return {loc.charger_id: loc for loc in (_location(r) for r in rows if r)}

    @registry_operation("list_chargers")
    async def list_chargers(
        self, node_id: str | None = None, page_size: int = 100, page_token: str = ""
    ) -> tuple[list[ChargerLocation], str]:
        check_page_size(page_size)
        after = decode_page_token(page_token)
        rows = await self._eval("list", node_id or "", after, str(page_size + 1))
        page = [_location(r) for r in rows[:page_size]]
        token = encode_page_token(page[-1].charger_id) if len(rows) > page_size else ""
        return page, token

    @registry_operation("connected_ids")
    async def connected_ids(self) -> set[str]:
        return {_text(c) for c in await self._eval("connected")}

    # -- evictions -----------------------------------------------------------

    async def evictions(
        self, node_id: str, *, ready: asyncio.Event | None = None
    ) -> AsyncGenerator[Eviction, None]:
        self._check_open()
        channel = self._key("evict:", node_id)
        pubsub = self._client.pubsub(ignore_subscribe_messages=False)
        try:
            async with asyncio.timeout(self._operation_timeout):
                await pubsub.subscribe(channel)
                # Wait for the confirmation: from then on no publish can be missed.
                while (msg := await pubsub.get_message(timeout=self._operation_timeout)) is None:
                    pass
            if _text(msg["type"]) != "subscribe":
                raise RegistryUnavailable(f"unexpected reply to SUBSCRIBE: {msg!r}")
            if ready is not None:
                ready.set()
            while not self._closed:
                msg = await pubsub.get_message(
                    ignore_subscribe_messages=True, timeout=self._eviction_poll_interval
                )
                if msg is None or _text(msg["type"]) != "message":
                    continue
                data = json.loads(msg["data"])
                yield Eviction(
                    charger_id=str(data["charger_id"]),
                    epoch=int(data["epoch"]),
                    reason=str(data.get("reason", "")),
                )
        except TimeoutError:
            raise RegistryUnavailable(
                f"Redis did not confirm SUBSCRIBE within {self._operation_timeout} s"
            ) from None
        except RedisError as exc:
            if not self._closed:
                raise RegistryUnavailable(f"Redis failed: {exc}") from exc
        finally:
            await pubsub.aclose()  # type: ignore[no-untyped-call]

    # -- lifecycle -----------------------------------------------------------

    def _key(self, kind: str, name: str) -> str:
        return f"{self._prefix}{kind}{name}"

    def _check_open(self) -> None:
        if self._closed:
            raise RegistryClosed("the registry is closed")

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._drainer is not None:
            # Its pipelines write through redis-py's wait_for, which can lose a
            # cancellation on Python 3.11: cancelled again until it has ended.
            with contextlib.suppress(Exception):
                await cancel_and_wait(self._drainer)
            self._drainer = None
        while not self._queue.empty():
            future = self._queue.get_nowait().future
            if not future.done():
                future.set_exception(RegistryClosed("the registry closed"))
        if self._owns_client:
            await self._client.aclose()

    async def __aenter__(self) -> RedisRegistry:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
