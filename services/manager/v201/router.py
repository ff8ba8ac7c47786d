"""OCPP 2.0.1 / 2.1 router: action -> handler. Actions not listed are answered NotSupported."""

from __future__ import annotations

from services.manager._context import Clock, Router
from services.manager._policy import ChargerPolicy
from services.manager._stores import Stores
from services.manager._watch import EventBus
from services.manager.v201.availability import Availability
from services.manager.v201.provisioning import Provisioning


def build_router(stores: Stores, policy: ChargerPolicy, clock: Clock, bus: EventBus) -> Router:
    provisioning = Provisioning(stores.chargers, policy, clock, bus)
    availability = Availability(stores.chargers, bus)
    return {
        "BootNotification": provisioning.boot_notification,
        "Heartbeat": provisioning.heartbeat,
        "StatusNotification": availability.status_notification,
    }
