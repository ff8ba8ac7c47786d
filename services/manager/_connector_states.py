"""The last status of each connector of the connected chargers, in memory: STATUS_CHANGED
is published once per change, not once per StatusNotification.

Chargers repeat statuses (on a timer, after a TriggerMessage, after every reconnect), and
the write-behind buffer forgets a status once it is flushed, so the StatusNotification
handlers ask :meth:`ConnectorStates.changed` (a dict lookup, no I/O) before publishing.
A charger's connectors are forgotten at each of its connection events (the Dispatcher
tells it, as a ``ConnectionWatcher``): watchers show an offline charger's connectors as
unknown, so the first status after a reconnect is always published. Memory is bounded by
the connectors of the chargers seen since they last connected or disconnected.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from csms.v1 import events_pb2

__all__ = ["ConnectorStates"]


class _State(NamedTuple):
    status: str
    error_code: str
    info: str
    vendor_error_code: str
    at: datetime


class ConnectorStates:
    """What each connector of a connected charger last reported; see the module docstring."""

    def __init__(self) -> None:
        #: charger id -> (evse id, connector id) -> its last status.
        self._chargers: dict[str, dict[tuple[int, int], _State]] = {}

    def changed(
        self,
        charger_id: str,
        evse_id: int,
        connector_id: int,
        status: str,
        error_code: str,
        info: str,
        vendor_error_code: str,
        at: datetime,
    ) -> bool:
        """Remember this status; whether it changed the connector's (the first one since the
        charger connected always does). A status older than the one held changes nothing,
        as the store keeps the newer one too."""
        connectors = self._chargers.get(charger_id)
        if connectors is None:
            connectors = self._chargers[charger_id] = {}
        key = (evse_id, connector_id)
        held = connectors.get(key)
        if held is not None:
            if at < held.at:
                return False
            if (held.status, held.error_code, held.info, held.vendor_error_code) == (
                status,
                error_code,
                info,
                vendor_error_code,
            ):
                connectors[key] = held._replace(at=at)
                return False
        connectors[key] = _State(status, error_code, info, vendor_error_code, at)
        return True

    def connection_changed(self, event: events_pb2.Event) -> None:
        """A CONNECTED or DISCONNECTED event: the charger's connectors are unknown now."""
        self._chargers.pop(event.charger_id, None)

    def booted(self, charger_id: str) -> None:
        """A BootNotification changes no connector status by itself."""

    def __len__(self) -> int:
        """How many chargers' connectors are held."""
        return len(self._chargers)
