"""Live charger events: an in-process bus and ``csms.v1.WatchService``.

Handlers call `EventBus.publish` on the hot path, so it is synchronous, never awaits,
and returns at once when nobody watches; handlers that would have to build an event
check `EventBus.has_watchers` first. Each watcher has a bounded buffer: a watcher whose
buffer is full is sent one EVENT_KIND_WATCHER_OVERFLOW event and dropped from the bus,
so a slow consumer never slows the manager (it reconnects and re-reads the state).

A bus only sees the events of the node streams its manager serves; with several
managers, a watcher sees the chargers whose nodes stream to the manager it watches
(docs/architecture.md, "Live events").
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Collection, Iterator
from contextlib import contextmanager
from datetime import datetime

import grpc
from csms.v1 import watch_pb2, watch_pb2_grpc

from services.common import to_proto_version
from services.manager._context import Clock, utc_now
from services.manager._errors import InvalidArgument

DEFAULT_BUFFER_SIZE = 1_000
MAX_WATCHED_CHARGERS = 1_000
MAX_CHARGER_ID_LENGTH = 48

#: The kinds a request may filter on (OVERFLOW is always delivered, asked for or not).
_WATCHABLE_KINDS = frozenset(watch_pb2.EventKind.values()) - {watch_pb2.EVENT_KIND_UNSPECIFIED}


def charger_event(
    kind: watch_pb2.EventKind,
    charger_id: str,
    ocpp_version: str,
    at: datetime,
    **fields: str | int | float,
) -> watch_pb2.ChargerEvent:
    """A ChargerEvent about one charger; `fields` are the other ChargerEvent fields."""
    return watch_pb2.ChargerEvent(
        at=at,
        kind=kind,
        charger_id=charger_id,
        ocpp_version=to_proto_version(ocpp_version),
        **fields,  # type: ignore[arg-type]
    )


class Watcher:
    """One subscriber: its filters and its bounded buffer. Iterate it for the events;
    the iteration ends after an overflow or when the bus closes."""

    __slots__ = ("_buffer_size", "_charger_ids", "_ended", "_events", "_kinds", "_wakeup")

    def __init__(
        self, charger_ids: frozenset[str], kinds: frozenset[int], buffer_size: int
    ) -> None:
        self._charger_ids = charger_ids  # empty: every charger
        self._kinds = kinds  # empty: every kind
        self._buffer_size = buffer_size
        self._events: deque[watch_pb2.ChargerEvent] = deque()
        self._wakeup = asyncio.Event()
        self._ended = False  # no event will be added any more

    def _offer(self, event: watch_pb2.ChargerEvent) -> bool:
        """Buffer `event` if it passes the filters; False when the buffer is full."""
        if self._charger_ids and event.charger_id not in self._charger_ids:
            return True
        if self._kinds and event.kind not in self._kinds:
            return True
        if len(self._events) >= self._buffer_size:
            return False
        self._events.append(event)
        self._wakeup.set()
        return True

    def _overflow(self, event: watch_pb2.ChargerEvent) -> None:
        """Buffer the overflow notice (beyond the bound, once) and end."""
        self._events.append(event)
        self._end()

    def _end(self) -> None:
        self._ended = True
        self._wakeup.set()

    @property
    def buffered(self) -> int:
        """Events waiting to be read."""
        return len(self._events)

    def __aiter__(self) -> AsyncIterator[watch_pb2.ChargerEvent]:
        return self

    async def __anext__(self) -> watch_pb2.ChargerEvent:
        while not self._events:
            if self._ended:
                raise StopAsyncIteration
            self._wakeup.clear()
            await self._wakeup.wait()
        return self._events.popleft()


class EventBus:
    """Fans published events out to the current watchers; see the module docstring."""

    def __init__(self, *, buffer_size: int = DEFAULT_BUFFER_SIZE, clock: Clock = utc_now) -> None:
        if buffer_size < 1:
            raise ValueError(f"buffer_size must be at least 1, got {buffer_size}")
        self.buffer_size = buffer_size
        self._clock = clock
        self._watchers: list[Watcher] = []
        self.dropped = 0  # watchers dropped after an overflow (for tests and metrics)
        self._closed = False

    @property
    def has_watchers(self) -> bool:
        """Whether anyone watches; check it before building an event on a hot path."""
        return bool(self._watchers)

    @property
    def watcher_count(self) -> int:
        return len(self._watchers)

    def publish(self, event: watch_pb2.ChargerEvent) -> None:
        """Hand `event` to every watcher whose filters it passes. Never blocks."""
        if not self._watchers:
            return
        overflowed = [watcher for watcher in self._watchers if not watcher._offer(event)]
        for watcher in overflowed:
            self._watchers.remove(watcher)
            watcher._overflow(self._overflow_event())
            self.dropped += 1

    def _overflow_event(self) -> watch_pb2.ChargerEvent:
        return watch_pb2.ChargerEvent(
            at=self._clock(),
            kind=watch_pb2.EVENT_KIND_WATCHER_OVERFLOW,
            message=(
                f"this watcher fell behind by {self.buffer_size} events and was dropped; "
                "re-read the current state and watch again"
            ),
        )

    @contextmanager
    def watch(
        self, charger_ids: Collection[str] = (), kinds: Collection[int] = ()
    ) -> Iterator[Watcher]:
        """A watcher for the events of `charger_ids` (all if empty) of `kinds` (all if
        empty), removed from the bus when the block exits."""
        watcher = Watcher(frozenset(charger_ids), frozenset(kinds), self.buffer_size)
        if self._closed:  # shutting down: the stream ends at once
            watcher._end()
        else:
            self._watchers.append(watcher)
        try:
            yield watcher
        finally:
            if watcher in self._watchers:
                self._watchers.remove(watcher)
            watcher._end()

    def close(self) -> None:
        """End every watcher's stream (after its buffered events); used at shutdown."""
        self._closed = True
        watchers, self._watchers = self._watchers, []
        for watcher in watchers:
            watcher._end()


def check_watch_request(request: watch_pb2.WatchEventsRequest) -> None:
    """Raise InvalidArgument naming the field when `request` cannot be served."""
    if len(request.charger_ids) > MAX_WATCHED_CHARGERS:
        raise InvalidArgument("charger_ids", f"at most {MAX_WATCHED_CHARGERS} chargers per watcher")
    for charger_id in request.charger_ids:
        if not 1 <= len(charger_id) <= MAX_CHARGER_ID_LENGTH:
            raise InvalidArgument(
                "charger_ids",
                f"each charger id must be 1..{MAX_CHARGER_ID_LENGTH} characters, got {charger_id!r}",
            )
    for kind in request.kinds:
        if kind not in _WATCHABLE_KINDS:
            raise InvalidArgument("kinds", f"{kind} is not an event kind to watch")


class WatchServicer(watch_pb2_grpc.WatchServiceServicer):
    def __init__(self, bus: EventBus) -> None:
        self._bus = bus

    async def WatchEvents(
        self,
        request: watch_pb2.WatchEventsRequest,
        context: grpc.aio.ServicerContext[watch_pb2.WatchEventsRequest, watch_pb2.ChargerEvent],
    ) -> AsyncIterator[watch_pb2.ChargerEvent]:
        """The matching events from now on; ends after an overflow or at shutdown.

        A client that cancels cancels this generator at its await, which leaves the
        `watch` block and removes the watcher.
        """
        try:
            check_watch_request(request)
        except InvalidArgument as exc:
            await context.abort(exc.status, str(exc))
        # Send the response headers now, not with the first event, so an HTTP client
        # behind the gateway (EventSource) sees the stream open at once.
        await context.send_initial_metadata(())
        with self._bus.watch(request.charger_ids, request.kinds) as watcher:
            async for event in watcher:
                yield event
