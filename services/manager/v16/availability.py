"""OCPP 1.6 Core availability: StatusNotification."""

from __future__ import annotations

from services.manager._context import CallContext, Payload, parse_ocpp_time
from services.manager.store import ChargerStore


class Availability:
    def __init__(self, store: ChargerStore) -> None:
        self._store = store

    def status_notification(self, ctx: CallContext, req: Payload) -> Payload:
        """Record the connector's status (write-behind).

        1.6 connectorId N is stored as EVSE N, connector 1; connectorId 0 (the charger
        itself) as EVSE 0, connector 0.
        """
        connector = req["connectorId"]
        at = parse_ocpp_time(req["timestamp"]) if "timestamp" in req else ctx.received_at
        self._store.set_connector_status(
            ctx.charger_id,
            connector,
            1 if connector > 0 else 0,
            req["status"],
            req["errorCode"],
            req.get("info", ""),
            req.get("vendorErrorCode", ""),
            at,
        )
        return {}
