"""OCPP 2.0.1 availability: StatusNotification."""

from __future__ import annotations

from csms.v1 import watch_pb2

from services.manager._connector_states import ConnectorStates
from services.manager._context import CallContext, parse_ocpp_time
from services.manager._watch import EventBus, charger_event
from services.manager.store import ChargerStore
from services.manager.v201.messages import StatusNotificationRequest, StatusNotificationResponse


class Availability:
    def __init__(self, store: ChargerStore, bus: EventBus, states: ConnectorStates) -> None:
        self._store = store
        self._bus = bus
        self._states = states

    def status_notification(
        self, ctx: CallContext, req: StatusNotificationRequest
    ) -> StatusNotificationResponse:
        """Record the connector's status (write-behind) and tell watchers if it changed (or
        is the first after a connect); 2.0.1 has no error code here, so only a Faulted
        connector is an ERROR event."""
        at = parse_ocpp_time(req["timestamp"])
        status = req["connectorStatus"]
        evse_id, connector_id = req["evseId"], req["connectorId"]
        self._store.set_connector_status(
            ctx.charger_id, evse_id, connector_id, status, "", "", "", at
        )
        changed = self._states.changed(
            ctx.charger_id, evse_id, connector_id, status, "", "", "", at
        )
        if changed and self._bus.has_watchers:
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
                        evse_id=evse_id,
                        connector_id=connector_id,
                        status=status,
                        message="connector Faulted" if kind == watch_pb2.EVENT_KIND_ERROR else "",
                    )
                )
        return {}
