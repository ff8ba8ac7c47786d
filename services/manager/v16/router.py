"""OCPP 1.6J router: action -> handler, for the Core, Firmware Management, Reservation
(StartTransaction's reservationId), Smart Charging and Remote Trigger profiles and the
security extension. Actions not listed are answered NotSupported."""

from __future__ import annotations

from collections.abc import Mapping

from services.manager._authorization import Authorizer
from services.manager._connector_states import ConnectorStates
from services.manager._context import Clock, Router
from services.manager._data_transfer import DataTransfer, VendorHandler
from services.manager._policy import ChargerPolicy
from services.manager._provisioning import BootBacklog
from services.manager._signing import CertificateSigner
from services.manager._stores import Stores
from services.manager._watch import EventBus
from services.manager.v16.authorization import Authorization
from services.manager.v16.availability import Availability
from services.manager.v16.firmware import Firmware
from services.manager.v16.provisioning import Provisioning
from services.manager.v16.security import Security
from services.manager.v16.transactions import Transactions


def build_router(
    stores: Stores,
    policy: ChargerPolicy,
    clock: Clock,
    authorizer: Authorizer,
    vendor_handlers: Mapping[str, VendorHandler],
    bus: EventBus,
    *,
    boots: BootBacklog,
    states: ConnectorStates,
    signer: CertificateSigner | None = None,
) -> Router:
    """`boots` keeps boots accepted while the database is unavailable; `signer` (a CA is
    configured) signs SignCertificate's CSRs and sends them back."""
    provisioning = Provisioning(stores.chargers, policy, clock, bus, boots)
    availability = Availability(stores.chargers, bus, states)
    authorization = Authorization(authorizer)
    transactions = Transactions(stores.transactions, stores.profiles, authorizer, bus)
    firmware = Firmware(stores.chargers, stores.station)
    security = Security(stores.security, signer)
    data_transfer = DataTransfer(vendor_handlers)
    return {
        # Core
        "BootNotification": provisioning.boot_notification,
        "Heartbeat": provisioning.heartbeat,
        "StatusNotification": availability.status_notification,
        "Authorize": authorization.authorize,
        "StartTransaction": transactions.start_transaction,
        "StopTransaction": transactions.stop_transaction,
        "MeterValues": transactions.meter_values,
        "DataTransfer": data_transfer.data_transfer,
        # Firmware Management
        "DiagnosticsStatusNotification": firmware.diagnostics_status_notification,
        "FirmwareStatusNotification": firmware.firmware_status_notification,
        # Security extension
        "SecurityEventNotification": security.security_event_notification,
        "SignCertificate": security.sign_certificate,
        "LogStatusNotification": firmware.log_status_notification,
        "SignedFirmwareStatusNotification": firmware.signed_firmware_status_notification,
    }
