"""What the manager knows of the nodes that stream to it: node loss and stale epochs.

`NodeMonitor` keeps, from the connection events of this manager's node streams:

- per node, the chargers connected there now (epoch and OCPP version), so that when a
  node dies the manager can announce each of its chargers as DISCONNECTED on the live
  event stream (issue 10, item 7);
- per charger, the newest connection epoch seen (``newest``), so that events from a
  connection that was superseded are refused without asking the registry on the hot
  path (item 9).

A node is *lost* when its lease is gone from the registry (it crashed, hung longer
than a lease, or shut down). A stream that ends alone is not a loss: a node that only
lost its link to this manager keeps its lease and its chargers, and streams again. A
background check (`run`, every ``interval``) asks the registry for the live nodes
(one round trip), and for each lost node, or node whose stream ended or started since
the last check, looks up its chargers (one more round trip) and for each:

- still owned by the node with the same epoch: kept;
- owned by a newer connection (another node, or the same one again): dropped without
  an event (that connection's CONNECTED was or will be announced);
- owned by nobody: announced DISCONNECTED, with ``node_id`` the lost node. The read
  API derives ``connected`` from the same registry lookup, so it reads offline from
  that moment, not only after the registry sweep.

The same check closes the task channels to nodes whose lease is gone (item 11).

Epochs are one counter for all chargers in the registry (ADR 0003), so every epoch
here was handed out by a claim and a lower one is always an older connection: a
refusal is never wrong. The cache only knows the epochs of this manager's streams
(plus what the registry said when it looked): with several managers, a stale
connection on a node streaming to another manager is not refused here; the registry's
eviction and the node's own ownership check close it (ADR 0002).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from csms.v1 import common_pb2, events_pb2, watch_pb2

from services.common import to_proto_version
from services.manager._context import Clock
from services.manager._tasks import TaskSender
from services.manager._watch import EventBus
from services.registry import ChargerLocation, Registry, RegistryError

log = logging.getLogger(__name__)

_PAGE = 1_000  # chargers per registry page when reading a node's chargers
_CONNECTED = events_pb2.Event.KIND_CONNECTED
_DISCONNECTED = events_pb2.Event.KIND_DISCONNECTED


@dataclass(slots=True)
class _NodeState:
    #: charger id -> (epoch, OCPP version) of its connection on this node
    chargers: dict[str, tuple[int, common_pb2.OcppVersion]] = field(default_factory=dict)
    streams: int = 0  # event streams of this node open now (one, or briefly two)
    check: bool = False  # look its chargers up at the next check (stream ended/started)
    listed: bool = False  # its chargers were read from the registry since its stream started


class NodeMonitor:
    """See the module docstring. The hot-path methods are synchronous and never await."""

    def __init__(
        self,
        registry: Registry,
        bus: EventBus,
        tasks: TaskSender,
        clock: Clock,
        *,
        interval: float = 1.0,
    ) -> None:
        self._registry = registry
        self._bus = bus
        self._tasks = tasks
        self._clock = clock
        self.interval = interval  # seconds between two checks of the node leases
        #: charger id -> newest connection epoch seen; read inline on every event
        self.newest: dict[str, int] = {}
        self._nodes: dict[str, _NodeState] = {}
        #: charger id -> node id holding it in `_nodes`; read inline on every call event
        self.holders: dict[str, str] = {}
        self.announced = 0  # disconnections announced for lost nodes (tests, metrics)

    # -- the event stream (hot path) ---------------------------------------------

    def superseded_by(self, event: events_pb2.Event) -> int:
        """The newer epoch when `event` comes from a superseded connection, else 0."""
        newest = self.newest.get(event.charger_id, 0)
        return newest if event.epoch < newest else 0

    def holds(self, node_id: str, event: events_pb2.Event) -> bool:
        """Whether `node_id` holds the connection `event` names, as far as this manager
        knows (no I/O): the newest epoch seen, filed under that node."""
        charger_id = event.charger_id
        return (
            self.holders.get(charger_id) == node_id
            and self.newest.get(charger_id, 0) == event.epoch
        )

    def learn(self, location: ChargerLocation, *, trust: bool = False) -> None:
        """File a connection the registry confirmed (a call before its CONNECTED event
        reached this manager, e.g. after a manager restart); with `trust`, even when a
        higher epoch was announced (the registry is the truth, an announcement can be
        forged)."""
        charger_id = location.charger_id
        if trust or location.epoch >= self.newest.get(charger_id, 0):
            self.newest[charger_id] = location.epoch
            self._file(
                charger_id,
                location.node_id,
                location.epoch,
                to_proto_version(location.ocpp_version),
            )

    def connection_event(self, node_id: str, event: events_pb2.Event) -> bool:
        """Record a CONNECTED / DISCONNECTED event; False when it is about a connection
        already superseded (then watchers must not see it)."""
        charger_id, epoch = event.charger_id, event.epoch
        newest = self.newest.get(charger_id, 0)
        if event.kind == _CONNECTED:
            if epoch < newest:
                return False
            self.newest[charger_id] = epoch
            self._file(charger_id, node_id, epoch, event.ocpp_version)
            return True
        if event.kind == _DISCONNECTED:
            state = self._nodes.get(node_id)
            if state is not None:
                held = state.chargers.get(charger_id)
                if held is not None and held[0] <= epoch:
                    del state.chargers[charger_id]
                    if self.holders.get(charger_id) == node_id:
                        del self.holders[charger_id]
            return epoch >= newest
        return True

    def _file(
        self, charger_id: str, node_id: str, epoch: int, version: common_pb2.OcppVersion
    ) -> None:
        """File the charger's connection under `node_id` (and nowhere else)."""
        previous = self.holders.get(charger_id)
        if previous is not None and previous != node_id:
            other = self._nodes.get(previous)
            if other is not None:
                other.chargers.pop(charger_id, None)
        self.holders[charger_id] = node_id
        self._nodes.setdefault(node_id, _NodeState()).chargers[charger_id] = (epoch, version)

    # -- stream lifecycle ---------------------------------------------------------

    def stream_started(self, node_id: str) -> None:
        """A node opened its event stream: read its chargers at the next check (after a
        manager restart this is how the manager learns them)."""
        state = self._nodes.setdefault(node_id, _NodeState())
        state.streams += 1
        state.check = True
        state.listed = False

    def stream_ended(self, node_id: str) -> None:
        """A node's event stream ended: check its chargers at the next check (graceful
        shutdown has deregistered it by now; a crash shows once its lease is gone)."""
        state = self._nodes.get(node_id)
        if state is not None:
            state.streams -= 1
            state.check = True

    # -- the periodic check ----------------------------------------------------------

    async def run(self) -> None:
        """Check the node leases every ``interval`` until cancelled."""
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.check()
            except RegistryError as exc:
                log.warning("node lease check failed (%s); retrying in %.1f s", exc, self.interval)

    async def check(self) -> None:
        """One round: find lost nodes, settle their chargers, close their task channels."""
        if not self._nodes and not self._tasks.node_addresses:
            return
        live = await self._registry.list_nodes()
        await self._tasks.close_channels_except({n.address for n in live})
        live_ids = {n.node_id for n in live}
        for node_id, state in list(self._nodes.items()):
            lost = node_id not in live_ids
            if lost or state.check:
                state.check = False  # set again meanwhile by a stream starting or ending
                try:
                    if not lost and not state.listed and state.streams:
                        await self._list(node_id, state)
                    await self._settle(node_id, state, lost)
                except BaseException:
                    state.check = True  # the next round tries again
                    raise
            if not state.streams and not state.chargers and self._nodes.get(node_id) is state:
                del self._nodes[node_id]

    async def _list(self, node_id: str, state: _NodeState) -> None:
        """Learn the node's chargers from the registry (all pages)."""
        token = ""
        while True:
            page, token = await self._registry.list_chargers(node_id, _PAGE, token)
            for location in page:
                charger_id = location.charger_id
                if location.epoch >= self.newest.get(charger_id, 0):
                    self.newest[charger_id] = location.epoch
                    self._file(
                        charger_id,
                        node_id,
                        location.epoch,
                        to_proto_version(location.ocpp_version),
                    )
            if not token:
                break
        state.listed = True

    async def _settle(self, node_id: str, state: _NodeState, lost: bool) -> None:
        """Drop the node's chargers the registry no longer files under it, announcing
        those that nobody holds now."""
        held = dict(state.chargers)
        if not held:
            return
        owners = await self._registry.lookup_many(list(held))
        gone: list[tuple[str, common_pb2.OcppVersion]] = []
        for charger_id, (epoch, version) in held.items():
            if state.chargers.get(charger_id, (0, 0))[0] != epoch:
                continue  # a connection event changed it while we looked
            owner = owners.get(charger_id)
            if owner is not None and (owner.node_id, owner.epoch) == (node_id, epoch):
                continue  # still there
            del state.chargers[charger_id]
            if self.holders.get(charger_id) == node_id:
                del self.holders[charger_id]
            if owner is not None:  # a newer connection holds it: not a disconnection
                if owner.epoch > self.newest.get(charger_id, 0):
                    self.newest[charger_id] = owner.epoch
                continue
            if epoch >= self.newest.get(charger_id, 0):
                gone.append((charger_id, version))
        if not gone:
            return
        why = (
            f"node {node_id} was lost (its lease expired)"
            if lost
            else f"no longer connected to node {node_id}"
        )
        log.warning("%s: announcing %d chargers disconnected", why, len(gone))
        at = self._clock()
        for charger_id, version in gone:
            self._bus.publish(
                watch_pb2.ChargerEvent(
                    at=at,
                    kind=watch_pb2.EVENT_KIND_DISCONNECTED,
                    charger_id=charger_id,
                    ocpp_version=version,
                    node_id=node_id,
                    message=why,
                )
            )
        self.announced += len(gone)
