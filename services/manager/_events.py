"""The manager's side of the event stream (``csms.v1.Events``) and admission.

Per node stream: a reader takes EventBatches, answers inline what it can and
starts a task for each handler that awaits the database; a writer drains all
replies that are ready into ONE ReplyBatch per stream message. The number of
handler tasks per stream is bounded; when the bound is reached the reader stops
reading, and gRPC flow control pushes back on the node.

Connection events go through the `NodeMonitor` first: it files each charger under its
node (to announce its disconnection if the node is lost) and keeps the newest epoch
per charger. A call from a connection whose epoch is lower than that is not handled:
its Reply carries ``superseded_by`` and the node closes that socket (one dict lookup
per call; no registry round trip). Connection events of a superseded connection are
acknowledged but not shown to watchers.

A call is handled only for the node that holds the connection it names: a node whose
stream announced that connection (the dict lookups above), or else one the registry
names with that epoch (one lookup; after a manager restart, until the node's chargers
are listed). Anything else (epoch 0, a charger another node holds, an epoch nobody
handed out) is refused with a SecurityError CallError and changes nothing: a process
with the mesh secret still cannot act for chargers it does not hold.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any, cast

import grpc
from csms.v1 import common_pb2, events_pb2, events_pb2_grpc, watch_pb2

from services import metrics
from services.common import from_proto_version
from services.common._logging import bind, current_event
from services.manager._charger_auth import ChargerAuthenticator
from services.manager._context import Clock
from services.manager._dispatch import Dispatcher
from services.manager._errors import (
    OcppCallError,
    OcppInternalError,
    OcppSecurityError,
    grpc_errors,
)
from services.manager._nodes import NodeMonitor
from services.manager._policy import ChargerPolicy
from services.manager._watch import EventBus
from services.registry import Registry, RegistryError

log = logging.getLogger(__name__)

#: Events of one batch handled per event-loop step at most: between slices the loop runs
#: what else is ready, so a command's callbacks (its API call, Node.Send's answer) wait for
#: one slice of a 1,000-event batch instead of the whole batch (the command lane).
EVENTS_PER_STEP = 128

_Context = grpc.aio.ServicerContext[events_pb2.NodeMessage, events_pb2.ReplyBatch]


async def _next_message(context: _Context) -> events_pb2.NodeMessage | None:
    """The node's next message, or None once it has finished sending.

    ``context.read()`` returns ``grpc.aio.EOF`` at the end of the stream, which the
    grpc stubs leave out of its return type.
    """
    message: object = await context.read()
    if message is grpc.aio.EOF:
        return None
    return cast(events_pb2.NodeMessage, message)


#: The manager's first message on every event stream it accepts.
_OPENED = events_pb2.ReplyBatch()

_CONNECTION_KINDS = {
    events_pb2.Event.KIND_CONNECTED: watch_pb2.EVENT_KIND_CONNECTED,
    events_pb2.Event.KIND_DISCONNECTED: watch_pb2.EVENT_KIND_DISCONNECTED,
}


def _connection_event(event: events_pb2.Event, node_id: str) -> watch_pb2.ChargerEvent:
    """The watchers' view of a node's connection event."""
    watched = watch_pb2.ChargerEvent(
        kind=_CONNECTION_KINDS.get(event.kind, watch_pb2.EVENT_KIND_UNSPECIFIED),
        charger_id=event.charger_id,
        ocpp_version=event.ocpp_version,
        node_id=node_id,
    )
    watched.at.FromMilliseconds(event.received_at_ms)
    return watched


_KIND_CALL = events_pb2.Event.KIND_CALL


def _superseded(event: events_pb2.Event, newer: int) -> events_pb2.Reply:
    """The reply to a call from a connection superseded by epoch `newer`: not handled."""
    log.info(
        "refused %s %s from charger %s: its connection (epoch %d) was superseded by epoch %d",
        event.action,
        event.message_id,
        event.charger_id,
        event.epoch,
        newer,
    )
    return events_pb2.Reply(event_id=event.id, charger_id=event.charger_id, superseded_by=newer)


def _call_error(event: events_pb2.Event, error: OcppCallError) -> events_pb2.Reply:
    """The CallError answering `event`; its code in the event's version's spelling (2.x's
    for an unknown version: it is refused with NotImplemented before any code differs)."""
    try:
        code = error.code_for(from_proto_version(event.ocpp_version))
    except KeyError:
        code = error.code
    return events_pb2.Reply(
        event_id=event.id,
        charger_id=event.charger_id,
        error=common_pb2.CallError(code=code, description=error.description, details=b"{}"),
    )


class EventsServicer(events_pb2_grpc.EventsServicer):
    def __init__(
        self,
        dispatcher: Dispatcher,
        policy: ChargerPolicy,
        clock: Clock,
        bus: EventBus,
        monitor: NodeMonitor,
        registry: Registry,
        *,
        charger_auth: ChargerAuthenticator | None = None,
        max_concurrent_handlers: int = 1_000,
        reply_queue_size: int = 10_000,
    ) -> None:
        self.dispatcher = dispatcher
        self._policy = policy
        self._clock = clock
        self._bus = bus
        self._monitor = monitor
        self._charger_auth = charger_auth  # None: no credential check (unit tests)
        self._registry = registry
        self._max_concurrent = max_concurrent_handlers
        self._reply_queue_size = reply_queue_size
        self.nodes: dict[str, str] = {}  # node id -> Node.Send address, for connected streams

    @grpc_errors  # a store or registry outage reaches the node as UNAVAILABLE, named
    async def Admit(
        self, request: events_pb2.AdmitRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> events_pb2.AdmitResponse:
        bind(charger_id=request.charger_id, node_id=request.node_id)  # this RPC's log lines
        decision = await self._policy.admit(
            request.charger_id, from_proto_version(request.ocpp_version), self._clock()
        )
        if not decision.admitted:
            return events_pb2.AdmitResponse(
                admitted=False, reason=decision.reason, refusal=decision.refusal
            )
        if self._charger_auth is not None:
            # The credentials its security profile asks for, against the row just read.
            if decision.charger is None:  # never: the policy admits with the row it read
                raise RuntimeError(f"charger {request.charger_id!r} admitted without its row")
            return (await self._charger_auth.check(request, decision.charger)).response()
        return events_pb2.AdmitResponse(admitted=True)

    # The stubs type a stream-stream method as returning an iterator of replies;
    # this one is a coroutine that uses the context.read()/write() form instead.
    async def Stream(  # type: ignore[override]
        self,
        request_iterator: Any,
        context: _Context,
    ) -> None:
        # The stream is accepted (the mesh secret was checked): say so before reading, with
        # an empty ReplyBatch, so the node reads a refusal's status instead of having a
        # first write race it (which fails as gRPC's INTERNAL and loses the reason).
        await context.write(_OPENED)
        first = await _next_message(context)
        if first is None or not first.HasField("hello"):
            await context.abort(
                grpc.StatusCode.INVALID_ARGUMENT,
                "the first message of an event stream must be a NodeHello",
            )
        hello = first.hello
        log.info(
            "node %s connected its event stream (Node.Send at %s)", hello.node_id, hello.address
        )
        self.nodes[hello.node_id] = hello.address
        bind(node_id=hello.node_id)  # this stream's lines, its handlers' included
        replies: asyncio.Queue[events_pb2.Reply | None] = asyncio.Queue(self._reply_queue_size)
        self._monitor.stream_started(hello.node_id)
        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(self._write(context, replies))
                await self._read(context, replies, group, hello.node_id)
                await replies.put(None)  # the node finished sending: flush and end
        finally:
            self._monitor.stream_ended(hello.node_id)
            if self.nodes.get(hello.node_id) == hello.address:
                del self.nodes[hello.node_id]
            log.info("node %s event stream ended", hello.node_id)

    async def _read(
        self,
        context: _Context,
        replies: asyncio.Queue[events_pb2.Reply | None],
        group: asyncio.TaskGroup,
        node_id: str,
    ) -> None:
        handle = self.dispatcher.handle
        set_event = current_event.set
        bus = self._bus
        monitor = self._monitor
        newest_epoch = monitor.newest.get  # charger id -> newest epoch (NodeMonitor)
        holder = monitor.holders.get  # charger id -> node id holding it (NodeMonitor)
        slots = asyncio.Semaphore(self._max_concurrent)
        step = EVENTS_PER_STEP
        while True:
            message = await _next_message(context)
            if message is None:
                # Let running handlers finish, so their replies are sent.
                for _ in range(self._max_concurrent):
                    await slots.acquire()
                return
            left = step
            for event in message.batch.events:
                left -= 1
                if not left:  # the command lane: let waiting callbacks (a Node.Send) run
                    left = step
                    set_event(None)
                    await asyncio.sleep(0)
                set_event(event)  # log lines say which charger and message (no allocation)
                if event.kind == _KIND_CALL:
                    newer = newest_epoch(event.charger_id, 0)
                    outcome: events_pb2.Reply | Awaitable[events_pb2.Reply]
                    if event.epoch < newer:  # monitor.superseded_by, inline
                        # Rare (a takeover): confirmed with the registry, so a forged
                        # CONNECTED with a made-up epoch cannot cut off the real holder.
                        outcome = self._superseded_if_confirmed(event, node_id, newer)
                    elif event.epoch == newer and holder(event.charger_id) == node_id:
                        outcome = handle(event)  # monitor.holds, inline
                    else:
                        outcome = self._handle_if_held(event, node_id)
                else:
                    if monitor.connection_event(node_id, event) and bus.has_watchers:
                        bus.publish(_connection_event(event, node_id))
                    outcome = handle(event)
                if isinstance(outcome, events_pb2.Reply):
                    if replies.full():  # the writer is behind: wait (flow control)
                        await replies.put(outcome)
                    else:  # no coroutine per inline reply
                        replies.put_nowait(outcome)
                else:
                    await slots.acquire()
                    group.create_task(self._finish(outcome, replies, slots))
            metrics.event_batch_received(message.batch.events)
            set_event(None)

    async def _superseded_if_confirmed(
        self, event: events_pb2.Event, node_id: str, newer: int
    ) -> events_pb2.Reply:
        """`_superseded`, unless the registry says `node_id` holds this very connection:
        then the newer epoch this manager heard of was not the registry's (a forged
        connection event), the registry is believed and the call handled."""
        try:
            location = await self._registry.lookup(event.charger_id)
        except RegistryError:
            return _superseded(event, newer)
        if location is None or (location.node_id, location.epoch) != (node_id, event.epoch):
            return _superseded(event, max(newer, location.epoch if location else 0))
        log.warning(
            "charger %s: epoch %d was announced for it, but the registry says node %s holds "
            "it with epoch %d; believing the registry",
            event.charger_id,
            newer,
            node_id,
            event.epoch,
        )
        self._monitor.learn(location, trust=True)
        outcome = self.dispatcher.handle(event)
        return outcome if isinstance(outcome, events_pb2.Reply) else await outcome

    async def _handle_if_held(self, event: events_pb2.Event, node_id: str) -> events_pb2.Reply:
        """Handle `event` if the registry says `node_id` holds its connection; else refuse."""
        try:
            location = await self._registry.lookup(event.charger_id)
        except RegistryError as exc:
            log.warning("cannot check who holds charger %s: %s", event.charger_id, exc)
            return _call_error(
                event, OcppInternalError("the CSMS cannot check this connection now; retry later")
            )
        if location is not None and (location.node_id, location.epoch) == (node_id, event.epoch):
            self._monitor.learn(location)
            outcome = self.dispatcher.handle(event)
            return outcome if isinstance(outcome, events_pb2.Reply) else await outcome
        if location is not None and location.epoch > event.epoch:
            return _superseded(event, location.epoch)
        if location is None:
            # Nobody holds it: Redis lost its keys (a restart) or the node's lease lapsed
            # and its claims are being renewed. Not a forgery to refuse for good: the
            # charger is told to retry, and nothing is handled meanwhile.
            log.warning(
                "not handling %s from charger %s (node %s, epoch %d): the registry has no "
                "holder for it yet",
                event.action[:40],
                event.charger_id,
                node_id,
                event.epoch,
            )
            return _call_error(
                event, OcppInternalError("the CSMS cannot check this connection now; retry later")
            )
        log.warning(
            "refused %s from charger %s: node %s forwarded it for connection epoch %d, but %s",
            event.action[:40],
            event.charger_id,
            node_id,
            event.epoch,
            f"node {location.node_id} holds it with epoch {location.epoch}",
        )
        return _call_error(
            event,
            OcppSecurityError(
                f"node {node_id} does not hold charger {event.charger_id} with epoch {event.epoch}"
            ),
        )

    @staticmethod
    async def _finish(
        outcome: Awaitable[events_pb2.Reply],
        replies: asyncio.Queue[events_pb2.Reply | None],
        slots: asyncio.Semaphore,
    ) -> None:
        try:
            await replies.put(await outcome)
        finally:
            slots.release()

    @staticmethod
    async def _write(
        context: _Context,
        replies: asyncio.Queue[events_pb2.Reply | None],
    ) -> None:
        done = False
        while not done:
            first = await replies.get()
            if first is None:
                return
            batch = [first]
            while not replies.empty() and len(batch) < 1_000:
                reply = replies.get_nowait()
                if reply is None:
                    done = True
                    break
                batch.append(reply)
            await context.write(events_pb2.ReplyBatch(replies=batch))
