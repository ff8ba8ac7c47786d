"""Draining a node: its chargers move to other nodes, and no call it took is lost.

A drain (``Node.drain``, the ``Node.Drain`` RPC) runs in three steps:

1. *Notice* (``NODE_DRAIN_NOTICE``): the node answers its ``/health`` with 503 and
   refuses new handshakes (503 + Retry-After) from the start; the drain waits this long
   before closing anything, so the gateway's active health check sees the 503 and a
   charger closed next reconnects to another node instead of being refused here.
2. *Closing* in waves: `Waves` lets ``rate`` chargers a second go (one wave each
   `TICK`). Before closing a charger the drain waits until no call it sent is still
   waiting for its answer and no task waits for the charger's answer (at most
   ``NODE_DRAIN_IDLE_TIMEOUT``: an answer comes within ``NODE_CALL_TIMEOUT`` anyway, a
   task may wait longer and is then aborted). The check and the close frame happen in
   one step of the event loop, so no answer is cut off; a call the charger sends after
   the close frame left is not taken (the node cannot answer it on a closing socket) and
   the charger sends it again on its next connection, as OCPP chargers do.
3. *Drained* when no charger is left, or *timed out* after ``NODE_DRAIN_DEADLINE``.

The node stays registered (and renews its lease) while it drains and once drained: the
chargers not closed yet must stay reachable for tasks, each closed charger releases its
own registry entry (the next node claims it with a higher epoch), and the manager must
not announce chargers as lost that are only moving. A drained node holds no charger and
takes none, so leaving it registered costs nothing; it deregisters when it stops.

The drain belongs to the node, not to whoever asked for it: asking again joins it, and a
caller that goes away does not stop it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections import deque
from collections.abc import AsyncIterator, Callable, Mapping
from typing import TYPE_CHECKING, Final

from csms.v1 import node_pb2
from websockets.exceptions import ConnectionClosed
from websockets.frames import CloseCode

if TYPE_CHECKING:
    from services.node._node import ChargerConnection

log = logging.getLogger(__name__)

TICK: Final = 0.1  # seconds between two waves
#: How often an idle check is repeated while a charger has a call or task in flight.
IDLE_POLL: Final = 0.01
#: Progress watchers look for changes this often (a stream sends only changes).
PROGRESS_INTERVAL: Final = 0.25
CLOSE_REASON: Final = "the node is draining; reconnect"
#: The largest rate accepted (chargers per second); more is a typo, not a plan.
MAX_RATE: Final = 100_000.0

DRAIN_STATE_NOTICE = node_pb2.DRAIN_STATE_NOTICE
DRAIN_STATE_CLOSING = node_pb2.DRAIN_STATE_CLOSING
DRAIN_STATE_DRAINED = node_pb2.DRAIN_STATE_DRAINED
DRAIN_STATE_TIMED_OUT = node_pb2.DRAIN_STATE_TIMED_OUT
FINAL_STATES = frozenset({DRAIN_STATE_DRAINED, DRAIN_STATE_TIMED_OUT})


class InvalidRate(ValueError):
    """A drain rate that is negative, not finite or absurdly high."""


def check_rate(rate: float) -> float:
    """`rate` (chargers per second) if usable; InvalidRate naming what is wrong."""
    if not math.isfinite(rate) or rate <= 0:
        raise InvalidRate(
            f"rate must be a positive number of chargers per second (or 0 for the node's "
            f"NODE_DRAIN_RATE), not {rate!r}"
        )
    if rate > MAX_RATE:
        raise InvalidRate(f"rate {rate:g} is above the most accepted, {MAX_RATE:g} per second")
    return rate


class Waves:
    """How many chargers may be closed at each tick to hold `rate` per second (sans I/O).

    Each tick earns ``rate * elapsed`` closings; what is not used carries over, but never
    beyond one wave (``rate * tick``, at least one charger), so a stalled loop does not
    make up for lost time with a burst of reconnections."""

    def __init__(self, rate: float, tick: float = TICK) -> None:
        self.rate = rate
        self.cap = max(1.0, rate * tick)  # the largest wave
        self._credit = 0.0

    def due(self, elapsed: float) -> int:
        """Chargers to close now, `elapsed` seconds after the previous call."""
        self._credit = min(self._credit + self.rate * elapsed, self.cap)
        count = int(self._credit + 1e-9)  # 0.1 * 10 is 0.9999999999999999
        self._credit -= count
        return count


def is_busy(conn: ChargerConnection) -> bool:
    """Whether the charger has a call the node has not answered yet, or a task waiting
    for its answer."""
    return bool(conn.unanswered or conn.pending)


class Drain:
    """One node's drain (see the module docstring); `run` is its task, `watch` its progress."""

    def __init__(
        self,
        node_id: str,
        connections: Mapping[str, ChargerConnection],
        unanswered_calls: Callable[[], int],
        *,
        rate: float,
        notice: float,
        idle_timeout: float,
        deadline: float,
    ) -> None:
        self.node_id = node_id
        self._connections = connections  # the node's live table
        self._unanswered_calls = unanswered_calls
        self.rate = rate
        self.notice = notice  # seconds given to the gateway's health check
        self.idle_timeout = idle_timeout  # longest wait for a charger's calls and tasks
        self.deadline = deadline  # the whole drain ends by then
        self.state: node_pb2.DrainState = DRAIN_STATE_NOTICE
        self.closed = 0  # chargers this drain closed
        self.refused = 0  # handshakes refused since the drain began (counted by the node)
        self.busy_closed = 0  # chargers closed with a call or task still open (idle wait over)
        self.waiting = 0  # chargers whose close waits for their open call or task now
        self._loop = asyncio.get_running_loop()
        self._started = self._loop.time()
        self._finished: float | None = None
        self.done = asyncio.Event()

    # -- progress ----------------------------------------------------------------

    def progress(self) -> node_pb2.DrainProgress:
        end = self._finished if self._finished is not None else self._loop.time()
        return node_pb2.DrainProgress(
            node_id=self.node_id,
            state=self.state,
            closed=self.closed,
            remaining=len(self._connections),
            rate=self.rate,
            elapsed_s=round(end - self._started, 3),
            refused=self.refused,
            unanswered_calls=self._unanswered_calls(),
        )

    async def watch(self) -> AsyncIterator[node_pb2.DrainProgress]:
        """The progress now, then each change, until the drain's final state."""
        last: tuple[int, ...] | None = None
        while True:
            final = self.done.is_set()
            progress = self.progress()
            key = (
                progress.state,
                progress.closed,
                progress.remaining,
                progress.refused,
                progress.unanswered_calls,
            )
            if key != last:
                last = key
                yield progress
            if final:
                return
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(PROGRESS_INTERVAL):
                    await self.done.wait()

    # -- the drain -----------------------------------------------------------------

    async def run(self) -> None:
        log.info(
            "node %s draining: %d chargers, %g a second, closing in %g s",
            self.node_id,
            len(self._connections),
            self.rate,
            self.notice,
        )
        try:
            async with asyncio.timeout(self.deadline):
                await self._give_notice()
                self.state = DRAIN_STATE_CLOSING
                await self._close_all()
            self.state = DRAIN_STATE_DRAINED
            log.info(
                "node %s drained: %d chargers closed in %.1f s, %d calls unanswered",
                self.node_id,
                self.closed,
                self._loop.time() - self._started,
                self._unanswered_calls(),
            )
        except TimeoutError:
            self.state = DRAIN_STATE_TIMED_OUT
            log.warning(
                "node %s drain timed out after %g s (NODE_DRAIN_DEADLINE): %d chargers closed, "
                "%d still connected",
                self.node_id,
                self.deadline,
                self.closed,
                len(self._connections),
            )
        finally:
            self._finished = self._loop.time()
            self.done.set()

    async def _give_notice(self) -> None:
        """Wait `notice` seconds, unless there is no charger to move."""
        if self._connections:
            await asyncio.sleep(self.notice)

    async def _close_all(self) -> None:
        waves = Waves(self.rate)
        queue: deque[ChargerConnection] = deque()
        taken: set[ChargerConnection] = set()  # handed to a closing task
        last = self._loop.time() - TICK  # the first wave goes at once
        async with asyncio.TaskGroup() as group:
            while self._connections:
                if not queue:  # handshakes under way when the drain began add chargers
                    queue.extend(c for c in self._connections.values() if c not in taken)
                now = self._loop.time()
                due, last = waves.due(now - last), now
                while due and queue:
                    conn = queue.popleft()
                    if self._connections.get(conn.charger_id) is not conn:
                        continue  # gone meanwhile (left, or superseded)
                    taken.add(conn)
                    group.create_task(self._close(conn))
                    due -= 1
                await asyncio.sleep(TICK)

    async def _close(self, conn: ChargerConnection) -> None:
        """Close one charger with 1001 once nothing it exchanges with the node is open."""
        if is_busy(conn):
            self.waiting += 1
            try:
                await self._until_idle(conn)
            finally:
                self.waiting -= 1
            if is_busy(conn):
                self.busy_closed += 1
                log.warning(
                    "closing charger %s with %d calls unanswered and %d tasks waiting: still "
                    "busy after %g s (NODE_DRAIN_IDLE_TIMEOUT)",
                    conn.charger_id,
                    conn.unanswered,
                    len(conn.pending),
                    self.idle_timeout,
                )
        # No await between the check above and the close frame: close() sends it before
        # its first suspension.
        with contextlib.suppress(ConnectionClosed):
            await conn.ws.close(CloseCode.GOING_AWAY, CLOSE_REASON)
        self.closed += 1

    async def _until_idle(self, conn: ChargerConnection) -> None:
        """Wait until `conn` is not busy, at most `idle_timeout`."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.idle_timeout):
                # Polled: an event per connection would cost every call on the hot path,
                # and most chargers are idle at once (answers take milliseconds).
                while is_busy(conn):  # noqa: ASYNC110
                    await asyncio.sleep(IDLE_POLL)


_STATE_WORDS: Final = {
    node_pb2.DRAIN_STATE_UNSPECIFIED: "unknown",
    DRAIN_STATE_NOTICE: "notice",
    DRAIN_STATE_CLOSING: "closing",
    DRAIN_STATE_DRAINED: "drained",
    DRAIN_STATE_TIMED_OUT: "timed out",
}


def describe(progress: node_pb2.DrainProgress) -> str:
    """One line for people: where a drain stands (csmsctl, ``python -m services.node drain``)."""
    return (
        f"node {progress.node_id}: {_STATE_WORDS.get(progress.state, 'unknown')}, "
        f"{progress.closed} closed, {progress.remaining} remaining, "
        f"{progress.refused} handshakes refused, {progress.unanswered_calls} calls unanswered "
        f"({progress.elapsed_s:.1f} s, {progress.rate:g}/s)"
    )
