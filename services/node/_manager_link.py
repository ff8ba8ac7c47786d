"""The node's side of the event stream: one bidirectional gRPC stream to the manager.

Charger events are queued in a bounded outbox. A writer drains whatever is waiting
into ONE ``EventBatch`` per stream message (no timer: a lone event leaves at once,
a burst leaves together), because one gRPC message per event caps the whole path
near 3,000 round trips/s on these machines while batches reach ~30,000/s.

Every event stays in ``_inflight`` until the manager's Reply for it arrives, so
when the stream breaks (manager restart, network) the events already sent but not
answered are sent again on the next stream: at-least-once, nothing silently
dropped. An event whose waiter gave up (deadline) is forgotten, and the charger
gets a CallError from the connection, never silence.

Deadlines (``ask``): every call waits ``reply_timeout`` at most. Instead of one
timer per call (``asyncio.timeout`` costs ~5 % of the node's CPU at 10,000 calls/s),
calls are filed in ``_deadlines`` in the order they were asked, which with one
timeout for all is the order of their deadlines, and one sweeper wakes every
``sweep_interval`` and fails the overdue ones from the front with TimeoutError. A
call's CallError thus leaves between its deadline and one sweep interval later.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass

import grpc
from csms.v1 import events_pb2, events_pb2_grpc

from services import metrics
from services.common import reconnect_backoff_options
from services.common._mesh import mesh_metadata

log = logging.getLogger(__name__)

_Call = grpc.aio.StreamStreamCall[events_pb2.NodeMessage, events_pb2.ReplyBatch]


#: Replies resolved per event-loop step at most: a reply batch of 1,000 wakes its 1,000
#: connections in slices, so a command's callback (Node.Send, its answer) queued meanwhile
#: runs after one slice instead of after the whole batch (the command lane).
EVENTS_PER_STEP = 128


class ManagerUnavailable(Exception):
    """The manager could not be asked (admission at the handshake)."""


@dataclass(slots=True)
class LinkSettings:
    """Bounds and timeouts of the manager link."""

    outbox_size: int = 10_000  # events waiting to be sent; producers wait when full
    max_batch: int = 1_000  # events packed into one stream message at most
    backoff_min: float = 0.05  # first reconnect delay, seconds
    backoff_max: float = 2.0  # reconnect delay ceiling, seconds
    admit_timeout: float = 5.0  # how long a handshake waits for the manager's admission answer
    reply_timeout: float = 10.0  # how long ``ask`` waits for the manager's reply to an event

    @property
    def sweep_interval(self) -> float:
        """How often overdue calls are failed: a twentieth of the timeout, 10 ms to 250 ms."""
        return min(0.25, max(0.01, self.reply_timeout / 20))


class ManagerLink:
    """Keeps the event stream to the manager open and correlates replies to events."""

    def __init__(
        self,
        channel: grpc.aio.Channel,
        *,
        node_id: str,
        address: str,
        mesh_secret: str,
        settings: LinkSettings | None = None,
    ) -> None:
        self._stub = events_pb2_grpc.EventsStub(channel)
        # Sent with the stream and every admission: the manager refuses both without it.
        self._metadata = mesh_metadata(mesh_secret)
        self._node_id = node_id
        self._address = address
        self._settings = settings or LinkSettings()
        self._outbox: asyncio.Queue[tuple[events_pb2.Event, asyncio.Future[events_pb2.Reply]]] = (
            asyncio.Queue(self._settings.outbox_size)
        )
        # Sent (or about to be resent) and not yet answered, by event id.
        self._inflight: dict[int, tuple[events_pb2.Event, asyncio.Future[events_pb2.Reply]]] = {}
        # Asked and not yet answered, by event id, in the order asked (= deadline order):
        # event id -> (loop time of the deadline, future of the reply).
        self._deadlines: dict[int, tuple[float, asyncio.Future[events_pb2.Reply]]] = {}
        self._next_id = 1
        self._connected = asyncio.Event()
        self.streams_opened = 0  # how many times the stream was (re)established
        self.batches_sent = 0  # stream messages carrying events
        self.events_sent = 0  # events in them (resends included)
        metrics.watch_manager_link(
            node_id, self
        )  # outbox depth and stream state, read at scrape time

    @property
    def outbox_depth(self) -> int:
        """Events waiting in the outbox to be sent."""
        return self._outbox.qsize()

    @property
    def connected(self) -> bool:
        """Whether the event stream is open right now."""
        return self._connected.is_set()

    async def wait_connected(self) -> None:
        """Return once the event stream is open (at once if it is)."""
        await self._connected.wait()

    def next_event_id(self) -> int:
        """A new event id, unique for the life of this process."""
        event_id = self._next_id
        self._next_id += 1
        return event_id

    async def submit(self, event: events_pb2.Event) -> asyncio.Future[events_pb2.Reply]:
        """Queue `event` (waiting while the outbox is full) and return the future of its reply."""
        future: asyncio.Future[events_pb2.Reply] = asyncio.get_running_loop().create_future()
        await self._outbox.put((event, future))
        return future

    def ask_nowait(self, event: events_pb2.Event) -> asyncio.Future[events_pb2.Reply]:
        """Queue `event` and return the future of the manager's reply, failed with
        TimeoutError once ``reply_timeout`` has passed (the event is then forgotten:
        never resent) or ManagerUnavailable at shutdown. Raises asyncio.QueueFull,
        queueing nothing, when the outbox is full: then ``ask`` waits for room."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[events_pb2.Reply] = loop.create_future()
        self._outbox.put_nowait((event, future))
        self._deadlines[event.id] = (loop.time() + self._settings.reply_timeout, future)
        return future

    async def ask(self, event: events_pb2.Event) -> events_pb2.Reply:
        """The manager's reply to `event`, waiting for room in the outbox if need be;
        TimeoutError once ``reply_timeout`` has passed, ManagerUnavailable at shutdown."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[events_pb2.Reply] = loop.create_future()
        deadline = loop.time() + self._settings.reply_timeout
        self._deadlines[event.id] = (deadline, future)
        try:
            self._outbox.put_nowait((event, future))
        except asyncio.QueueFull:  # the stream is down or slow: wait, within the deadline
            try:
                async with asyncio.timeout_at(deadline):
                    await self._outbox.put((event, future))
            except TimeoutError:
                self._deadlines.pop(event.id, None)
                raise
        return await future

    def _expire_overdue(self, now: float) -> None:
        """Fail the calls whose deadline has passed (the front of ``_deadlines``)."""
        overdue = []
        for event_id, (deadline, _) in self._deadlines.items():
            if deadline > now:
                break
            overdue.append(event_id)
        for event_id in overdue:
            _, future = self._deadlines.pop(event_id)
            self._inflight.pop(event_id, None)
            if not future.done():
                future.set_exception(TimeoutError())

    async def _sweep(self) -> None:
        loop = asyncio.get_running_loop()
        interval = self._settings.sweep_interval
        while True:
            await asyncio.sleep(interval)
            self._expire_overdue(loop.time())

    async def admit(self, request: events_pb2.AdmitRequest) -> events_pb2.AdmitResponse:
        """Ask the manager whether a charger may connect."""
        try:
            response: events_pb2.AdmitResponse = await self._stub.Admit(
                request, timeout=self._settings.admit_timeout, metadata=self._metadata
            )
        except grpc.aio.AioRpcError as exc:
            raise ManagerUnavailable(f"{exc.code().name}: {exc.details()}") from exc
        return response

    async def run(self) -> None:
        """Keep the stream open until cancelled, reconnecting with jittered backoff;
        meanwhile fail overdue calls."""
        sweeper = asyncio.create_task(self._sweep(), name="manager-link-deadlines")
        try:
            await self._keep_stream()
        finally:
            sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweeper

    async def _keep_stream(self) -> None:
        delay = self._settings.backoff_min
        while True:
            try:
                await self._run_stream()
                delay = self._settings.backoff_min
            except grpc.aio.AioRpcError as exc:
                if self.connected:
                    delay = self._settings.backoff_min
                if exc.code() == grpc.StatusCode.UNAUTHENTICATED:
                    log.error(
                        "the manager refused this node's MESH_SECRET and with it the event "
                        "stream (UNAUTHENTICATED: %s): no charger can connect to this node "
                        "until it has the same MESH_SECRET as the manager; set it and restart "
                        "the node. Retrying in %.2f s",
                        exc.details(),
                        delay,
                    )
                else:
                    log.warning(
                        "event stream to the manager broke (%s: %s); %d events await replies; "
                        "reconnecting in %.2f s",
                        exc.code().name,
                        exc.details(),
                        len(self._inflight),
                        delay,
                    )
            except Exception:
                # A bug in the stream code must not silently stop all of this node's
                # traffic: log it loudly and open a new stream, like after any break.
                log.exception("event stream to the manager failed unexpectedly; reconnecting")
            finally:
                self._connected.clear()
            await asyncio.sleep(delay * random.uniform(0.5, 1.0))
            delay = min(delay * 2, self._settings.backoff_max)

    async def _run_stream(self) -> None:
        call = self._stub.Stream(metadata=self._metadata)
        try:
            # The manager answers the stream's opening (an empty ReplyBatch) before the node
            # writes anything, so a refusal (a MESH_SECRET the manager does not share) is
            # read here as the manager's status. A write racing the refusal would fail with
            # gRPC's INTERNAL instead, and the manager's reason would be lost.
            opening = await call.read()
            if opening is grpc.aio.EOF:
                raise _closed_by_manager()
            await call.write(
                events_pb2.NodeMessage(
                    hello=events_pb2.NodeHello(node_id=self._node_id, address=self._address)
                )
            )
            self._connected.set()
            self.streams_opened += 1
            if self.streams_opened > 1:
                log.info("event stream to the manager re-established")
            async with asyncio.TaskGroup() as group:
                writer = group.create_task(self._write(call))
                await self._read(call)
                writer.cancel()
        except* grpc.aio.AioRpcError as group_error:
            raise group_error.exceptions[0] from None
        finally:
            call.cancel()

    async def _write(self, call: _Call) -> None:
        # First whatever was sent on a previous stream and never answered.
        pending = [ev for ev, fut in self._inflight.values() if not fut.done()]
        if pending:
            log.info("resending %d unanswered events to the manager", len(pending))
            for start in range(0, len(pending), self._settings.max_batch):
                chunk = pending[start : start + self._settings.max_batch]
                await call.write(events_pb2.NodeMessage(batch=events_pb2.EventBatch(events=chunk)))
        outbox = self._outbox
        max_batch = self._settings.max_batch
        inflight = self._inflight
        while True:
            event, future = await outbox.get()
            batch: list[events_pb2.Event] = []
            while True:
                if not future.done():
                    inflight[event.id] = (event, future)
                    batch.append(event)
                if len(batch) >= max_batch or outbox.empty():
                    break
                event, future = outbox.get_nowait()
            if batch:
                await call.write(events_pb2.NodeMessage(batch=events_pb2.EventBatch(events=batch)))
                self.batches_sent += 1
                self.events_sent += len(batch)
                metrics.event_batch_sent(len(batch))

    async def _read(self, call: _Call) -> None:
        inflight = self._inflight
        deadlines = self._deadlines
        step = EVENTS_PER_STEP
        async for batch in _replies(call):
            left = step
            for reply in batch.replies:
                left -= 1
                if not left:  # the command lane: let waiting callbacks (a Node.Send) run
                    left = step
                    await asyncio.sleep(0)
                entry = inflight.pop(reply.event_id, None)
                if entry is not None:
                    deadlines.pop(reply.event_id, None)
                    if not entry[1].done():
                        entry[1].set_result(reply)
        # The manager closed the stream without an error (e.g. graceful shutdown).
        raise _closed_by_manager()

    def fail_all(self, reason: str) -> None:
        """Fail every waiting event (shutdown)."""
        while not self._outbox.empty():
            _, future = self._outbox.get_nowait()
            if not future.done():
                future.set_exception(ManagerUnavailable(reason))
        for _, future in self._inflight.values():
            if not future.done():
                future.set_exception(ManagerUnavailable(reason))
        self._inflight.clear()
        for _, future in self._deadlines.values():
            if not future.done():
                future.set_exception(ManagerUnavailable(reason))
        self._deadlines.clear()


def _closed_by_manager() -> grpc.aio.AioRpcError:
    return grpc.aio.AioRpcError(
        grpc.StatusCode.UNAVAILABLE,
        grpc.aio.Metadata(),
        grpc.aio.Metadata(),
        details="the manager closed the event stream",
    )


async def _replies(call: _Call) -> AsyncIterator[events_pb2.ReplyBatch]:
    while True:
        message = await call.read()
        if message is grpc.aio.EOF:
            return
        assert isinstance(message, events_pb2.ReplyBatch)
        yield message


def manager_channel(address: str) -> grpc.aio.Channel:
    """An insecure gRPC channel to the manager at `address`, for the event stream and
    admission (`ManagerLink` adds the mesh secret to each call): keepalive, large
    messages, and a reconnect back-off capped to 50 ms..2 s (gRPC's default grows to
    120 s, leaving the node cut off long after the manager is back)."""
    return grpc.aio.insecure_channel(
        address,
        options=[
            ("grpc.keepalive_time_ms", 10_000),
            ("grpc.keepalive_timeout_ms", 5_000),
            ("grpc.keepalive_permit_without_calls", 1),
            ("grpc.max_receive_message_length", 64 * 1024 * 1024),
            ("grpc.max_send_message_length", 64 * 1024 * 1024),
            *reconnect_backoff_options(),
        ],
    )


@contextlib.asynccontextmanager
async def open_channel(address: str) -> AsyncIterator[grpc.aio.Channel]:
    """`manager_channel` to `address`, closed on exit."""
    channel = manager_channel(address)
    try:
        yield channel
    finally:
        await channel.close()
