"""Ask a charger that reconnected without booting for its connector status.

A charger that only lost its websocket (no reboot) reconnects without a
BootNotification, and a 1.6 charger drops the StatusNotifications it could not send while
offline: the CSMS's connector status may be stale. So:

- **detection**: a charger that sends no BootNotification within ``after`` seconds of its
  CONNECTED event (the node's, on the event stream) is taken to have reconnected without
  booting. A charger boots first when it starts, so one that boots is never asked; one
  that leaves, or reconnects again, within ``after`` is not asked for the old connection.
- **ask**: TriggerMessage with requestedMessage StatusNotification (1.6 and 2.0.1/2.1,
  no connector/EVSE: every connector), sent as a task on the connection seen (same
  epoch); the StatusNotifications it triggers update the fleet view as usual.
- **bounds**: at most one trigger per charger per ``interval`` seconds (a flapping
  charger is not asked on every reconnect), at most ``concurrency`` triggers in flight
  fleet-wide (a reconnect storm of 10,000 chargers is asked ``concurrency`` at a time),
  and at most ``max_pending`` chargers waiting (beyond that, connections are not
  watched and a warning is logged).

The Dispatcher tells it about connection events and boots (``ConnectionWatcher``); all
work runs in tasks it owns: one scheduler and the triggers in flight, cancelled by
``aclose``. Nothing on the event path waits for it.
"""

from __future__ import annotations

import asyncio
import collections
import logging
from dataclasses import dataclass

from csms.v1 import chargers_pb2, events_pb2

from services.common import OcppVersion, from_proto_version
from services.common._tasks import cancel_and_wait
from services.manager import commands
from services.manager._errors import ManagerError
from services.manager._runner import TaskRunner
from services.registry import RegistryError

log = logging.getLogger(__name__)

_STATUS = chargers_pb2.TriggerMessageRequest(
    requested_message=chargers_pb2.TRIGGERABLE_MESSAGE_STATUS_NOTIFICATION
)


@dataclass(frozen=True, slots=True)
class _Watch:
    due: float  # loop time at which to ask, unless it booted or left
    charger_id: str
    epoch: int
    version: OcppVersion


class ReconnectStatus:
    """Use as ``async with ReconnectStatus(tasks) as watcher``; hand it to the Dispatcher."""

    def __init__(
        self,
        tasks: TaskRunner,
        *,
        after: float = 30.0,
        interval: float = 300.0,
        concurrency: int = 8,
        max_pending: int = 100_000,
    ) -> None:
        self._tasks = tasks
        self.after = after  # seconds without BootNotification after connecting
        self.interval = interval  # seconds between two triggers to one charger
        self._max_pending = max_pending
        self._slots = asyncio.Semaphore(concurrency)
        # Connections watched, oldest first (all wait `after`, so also in due order) ...
        self._queue: collections.deque[_Watch] = collections.deque()
        # ... and the one that counts per charger (a later connection replaces it).
        self._pending: dict[str, _Watch] = {}
        # When each charger was last asked (loop time), oldest first, pruned past `interval`.
        self._asked: collections.OrderedDict[str, float] = collections.OrderedDict()
        self._wakeup = asyncio.Event()
        self._scheduler: asyncio.Task[None] | None = None
        self._in_flight: set[asyncio.Task[None]] = set()
        self.triggered = 0  # triggers sent (for tests and metrics)

    def start(self) -> None:
        """Start the scheduler (in the running event loop); ``aclose`` stops it."""
        if self._scheduler is None:
            self._scheduler = asyncio.create_task(self._schedule(), name="reconnect-status")

    async def __aenter__(self) -> ReconnectStatus:
        self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Stop: cancel the scheduler and the triggers in flight (idempotent)."""
        tasks = [t for t in (self._scheduler, *self._in_flight) if t is not None]
        self._scheduler = None
        for task in tasks:
            task.cancel()
        for task in tasks:  # cancelled again if it lost that (a Redis lookup on 3.11)
            await cancel_and_wait(task)
        self._queue.clear()
        self._pending.clear()

    # --- ConnectionWatcher: called by the Dispatcher on the event path (O(1), no I/O) ---

    def connection_changed(self, event: events_pb2.Event) -> None:
        charger_id = event.charger_id
        if event.kind == events_pb2.Event.KIND_DISCONNECTED:
            watch = self._pending.get(charger_id)
            if watch is not None and watch.epoch == event.epoch:
                del self._pending[charger_id]
            return
        if event.kind != events_pb2.Event.KIND_CONNECTED or self._scheduler is None:
            return
        now = asyncio.get_running_loop().time()
        asked = self._asked.get(charger_id)
        if asked is not None and now - asked < self.interval:
            return
        if len(self._pending) >= self._max_pending and charger_id not in self._pending:
            log.warning(
                "%d chargers already wait for a boot; not watching %s's reconnect",
                len(self._pending),
                charger_id,
            )
            return
        watch = _Watch(
            now + self.after, charger_id, event.epoch, from_proto_version(event.ocpp_version)
        )
        self._pending[charger_id] = watch
        self._queue.append(watch)
        self._wakeup.set()

    def booted(self, charger_id: str) -> None:
        self._pending.pop(charger_id, None)

    # --- the scheduler and the triggers -------------------------------------------------

    async def _schedule(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if not self._queue:
                self._wakeup.clear()
                await self._wakeup.wait()
                continue
            watch = self._queue[0]
            delay = watch.due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
                continue
            self._queue.popleft()
            if self._pending.get(watch.charger_id) is not watch:
                continue  # it booted, left, or connected again
            del self._pending[watch.charger_id]
            await self._slots.acquire()  # the fleet-wide bound
            self._note_asked(watch.charger_id, loop.time())
            task = asyncio.create_task(self._trigger(watch), name=f"status-{watch.charger_id}")
            self._in_flight.add(task)
            task.add_done_callback(self._finished)

    def _note_asked(self, charger_id: str, now: float) -> None:
        asked = self._asked
        asked.pop(charger_id, None)
        asked[charger_id] = now
        while asked:
            oldest, at = next(iter(asked.items()))
            if now - at < self.interval:
                break
            del asked[oldest]

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._in_flight.discard(task)
        self._slots.release()

    async def _trigger(self, watch: _Watch) -> None:
        charger_id = watch.charger_id
        try:
            location = await self._tasks.locate(charger_id)
            if location.epoch != watch.epoch:
                return  # a newer connection: it is watched on its own
            action, payload = commands.trigger_message(charger_id, watch.version, _STATUS)
            payload = commands.in_schema_order(watch.version, action, payload)
            answer = await self._tasks.send(location, action, payload)
        except (ManagerError, RegistryError) as exc:
            log.info("could not ask %s for its status after it reconnected: %s", charger_id, exc)
            return
        self.triggered += 1
        log.info(
            "%s reconnected without booting; asked for its status: %s",
            charger_id,
            answer.payload.get("status"),
        )
