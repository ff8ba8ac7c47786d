"""OCPP 2.0.1 availability: StatusNotification."""

from __future__ import annotations

from services.manager._context import CallContext, Payload, parse_ocpp_time
from services.manager.store import ChargerStore


class Availability:
    def __init__(self, store: ChargerStore) -> None:
        self._store = store

    def status_notification(self, ctx: CallContext, req: Payload) -> Payload:
        """Record the connector's status (write-behind); 2.0.1 has no error code here."""
        self._store.set_connector_status(
            ctx.charger_id,
            req["evseId"],
            req["connectorId"],
            req["connectorStatus"],
            "",
            "",
            "",
            parse_ocpp_time(req["timestamp"]),
        )
        return {}
