"""OCPP 1.6 Core availability: StatusNotification."""

from __future__ import annotations

from csms.v1 import watch_pb2

from services.manager._connector_states import ConnectorStates
from services.manager._context import CallContext, parse_ocpp_time
from services.manager._watch import EventBus, charger_event
from services.manager.store import ChargerStore
from services.manager.v16.messages import StatusNotificationRequest, StatusNotificationResponse


class Availability:
    def __init__(self, store: ChargerStore, bus: EventBus, states: ConnectorStates) -> None:
        self._store = store
        self._bus = bus
        self._states = states

    def status_notification(
        self, ctx: CallContext, req: StatusNotificationRequest
    ) -> StatusNotificationResponse:
        """Record the connector's status (write-behind) and tell watchers if it changed
        (status, error code, info or vendor error code; the first one after a connect).

        1.6 connectorId N is stored as EVSE N, connector 1; connectorId 0 (the charger
        itself) as EVSE 0, connector 0.
        """
        connector = req["connectorId"]
        connector_on_evse = 1 if connector > 0 else 0
        at = parse_ocpp_time(req["timestamp"]) if "timestamp" in req else ctx.received_at
        status = req["status"]
        error_code = req["errorCode"]
        info = req.get("info", "")
        vendor_error_code = req.get("vendorErrorCode", "")
        self._store.set_connector_status(
            ctx.charger_id,
            connector,
            connector_on_evse,
            status,
            error_code,
            info,
            vendor_error_code,
            at,
        )
        changed = self._states.changed(
            ctx.charger_id,
            connector,
            connector_on_evse,
            status,
            error_code,
            info,
            vendor_error_code,
            at,
        )
        if changed and self._bus.has_watchers:
            fields: dict[str, str | int] = {
                "evse_id": connector,
                "connector_id": connector_on_evse,
                "status": status,
                "error_code": error_code,
            }
            self._bus.publish(
                charger_event(
                    watch_pb2.EVENT_KIND_STATUS_CHANGED,
                    ctx.charger_id,
                    ctx.ocpp_version,
                    at,
                    **fields,
                )
            )
            if error_code != "NoError" or status == "Faulted":
                message = " ".join(
                    part for part in (f"{status}: {error_code}", info, vendor_error_code) if part
                )
                self._bus.publish(
                    charger_event(
                        watch_pb2.EVENT_KIND_ERROR,
                        ctx.charger_id,
                        ctx.ocpp_version,
                        at,
                        message=message,
                        **fields,
                    )
                )
        return {}
