"""Metrics read from live objects when Prometheus scrapes, not moved on every change.

A queue's depth or a writer's totals already exist as attributes; copying them into a
Gauge on every change would put a call on hot paths for nothing. Instead the objects
are registered here (by weak reference: a closed node or store drops out by itself)
and one custom collector reads their attributes at scrape time, on the listener's
thread (reading an int attribute is safe there).

Duck-typed, so this module imports none of the services:

- a node's manager link: ``outbox_depth`` (int), ``connected`` (bool);
- the manager's write-behind store: ``pending`` (int), ``dropped`` (int);
- a journal writer (``services.journal.JournalWriter``): ``depth``, ``dropped``,
  ``written``, ``failed_batches`` (ints), ``last_flush_seconds`` (float).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable, Iterator
from typing import Any, Final

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from ._defs import REGISTRY

#: The attributes `register_journal_writer` reads.
JOURNAL_ATTRIBUTES: Final = ("depth", "dropped", "written", "failed_batches", "last_flush_seconds")


class _Objects:
    """Objects held weakly (strongly if they cannot be: slotted classes), thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._weak: weakref.WeakValueDictionary[Any, Any] = weakref.WeakValueDictionary()
        self._strong: dict[Any, Any] = {}

    def add(self, key: Any, obj: Any) -> None:
        with self._lock:
            try:
                self._weak[key] = obj
            except TypeError:  # not weak-referenceable
                self._strong[key] = obj

    def remove(self, key: Any) -> None:
        with self._lock:
            self._weak.pop(key, None)
            self._strong.pop(key, None)

    def items(self) -> list[tuple[Any, Any]]:
        with self._lock:
            return [*self._weak.items(), *self._strong.items()]


class SampledCollector(Collector):
    """Reads the registered objects' attributes at each scrape."""

    def __init__(self) -> None:
        self.links = _Objects()  # node id -> manager link
        self.write_behind = _Objects()  # id(store) -> store
        self.journals = _Objects()  # id(writer) -> writer

    def describe(self) -> Iterable[Metric]:
        return []  # families appear only while something is registered

    def collect(self) -> Iterator[Metric]:
        links = self.links.items()
        if links:
            depth = GaugeMetricFamily(
                "csms_node_outbox_depth",
                "Events waiting in a node's outbox to be sent to the manager.",
                labels=("node",),
            )
            up = GaugeMetricFamily(
                "csms_node_event_stream_up",
                "1 while a node's event stream to the manager is open, else 0.",
                labels=("node",),
            )
            for node_id, link in links:
                depth.add_metric((node_id,), link.outbox_depth)
                up.add_metric((node_id,), 1.0 if link.connected else 0.0)
            yield depth
            yield up
        stores = [store for _, store in self.write_behind.items()]
        if stores:
            yield GaugeMetricFamily(
                "csms_manager_write_behind_pending",
                "Heartbeat and connector-status keys buffered, not yet written.",
                value=sum(store.pending for store in stores),
            )
            yield CounterMetricFamily(
                "csms_manager_write_behind_dropped",
                "Buffered writes dropped because the database stayed unavailable.",
                value=sum(store.dropped for store in stores),
            )
        writers = [writer for _, writer in self.journals.items()]
        if writers:
            yield GaugeMetricFamily(
                "csms_journal_queue_depth",
                "Exchanges recorded and not yet written to the journal.",
                value=sum(writer.depth for writer in writers),
            )
            yield CounterMetricFamily(
                "csms_journal_dropped",
                "Exchanges dropped (queue full, a batch given up, or left at close).",
                value=sum(writer.dropped for writer in writers),
            )
            yield CounterMetricFamily(
                "csms_journal_written",
                "Exchanges the journal took.",
                value=sum(writer.written for writer in writers),
            )
            yield CounterMetricFamily(
                "csms_journal_failed_batches",
                "Journal batches given up after their retries.",
                value=sum(writer.failed_batches for writer in writers),
            )
            yield GaugeMetricFamily(
                "csms_journal_last_flush_seconds",
                "How long the last successful journal write took.",
                value=max(writer.last_flush_seconds for writer in writers),
            )


SAMPLED: Final = SampledCollector()
REGISTRY.register(SAMPLED)


def watch_manager_link(node_id: str, link: Any) -> None:
    """Expose a node's outbox depth and event stream state (``outbox_depth``, ``connected``)."""
    SAMPLED.links.add(node_id, link)


def forget_manager_link(node_id: str, link: Any) -> None:
    """Stop exposing `link` (a node closed); a newer link of the same node id is kept."""
    if dict(SAMPLED.links.items()).get(node_id) is link:
        SAMPLED.links.remove(node_id)


def watch_write_behind(store: Any) -> None:
    """Expose the write-behind store's ``pending`` and ``dropped``."""
    SAMPLED.write_behind.add(id(store), store)


def forget_write_behind(store: Any) -> None:
    SAMPLED.write_behind.remove(id(store))


def register_journal_writer(writer: Any) -> None:
    """Expose a journal writer's ``depth``, ``dropped``, ``written``, ``failed_batches``
    and ``last_flush_seconds`` as csms_journal_* (call once the writer exists; it is held
    weakly and drops out when it is garbage; `unregister_journal_writer` at close is tidier).
    TypeError when `writer` lacks one of those attributes."""
    missing = [name for name in JOURNAL_ATTRIBUTES if not hasattr(writer, name)]
    if missing:
        raise TypeError(
            f"{type(writer).__name__} is not a journal writer: it has no {', '.join(missing)}"
        )
    SAMPLED.journals.add(id(writer), writer)


def unregister_journal_writer(writer: Any) -> None:
    SAMPLED.journals.remove(id(writer))
