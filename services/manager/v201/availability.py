"""OCPP 2.0.1 availability: StatusNotification."""

from __future__ import annotations

from csms.v1 import watch_pb2

from services.manager._context import CallContext, Payload, parse_ocpp_time
from services.manager._watch import EventBus, charger_event
from services.manager.store import ChargerStore


class Availability:
    def __init__(self, store: ChargerStore, bus: EventBus) -> None:
        self._store = store
        self._bus = bus

    def status_notification(self, ctx: CallContext, req: Payload) -> Payload:
        """Record the connector's status (write-behind) and tell watchers; 2.0.1 has no
        error code here, so only a Faulted connector is an ERROR event."""
        at = parse_ocpp_time(req["timestamp"])
        status = req["connectorStatus"]
        self._store.set_connector_status(
            ctx.charger_id, req["evseId"], req["connectorId"], status, "", "", "", at
        )
        if self._bus.has_watchers:
            kinds = [watch_pb2.EVENT_KIND_STATUS_CHANGED]
            if status == "Faulted":
                kinds.append(watch_pb2.EVENT_KIND_ERROR)
            for kind in kinds:
                self._bus.publish(
                    charger_event(
                        kind,
                        ctx.charger_id,
                        ctx.ocpp_version,
                        at,
                        evse_id=req["evseId"],
                        connector_id=req["connectorId"],
                        status=status,
                        message="connector Faulted" if kind == watch_pb2.EVENT_KIND_ERROR else "",
                    )
                )
        return {}
