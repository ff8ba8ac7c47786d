"""OCPP 2.0.1 / 2.1 router: action -> handler. Actions not listed are answered NotSupported."""

from __future__ import annotations

from collections.abc import Mapping

from services.manager._authorization import Authorizer
from services.manager._connector_states import ConnectorStates
from services.manager._context import Clock, Router
from services.manager._data_transfer import VendorHandler
from services.manager._policy import ChargerPolicy
from services.manager._provisioning import BootBacklog
from services.manager._signing import CertificateSigner
from services.manager._stores import Stores
from services.manager._watch import EventBus
from services.manager.v201.authorization import Authorization
from services.manager.v201.availability import Availability
from services.manager.v201.data_transfer import DataTransfer
from services.manager.v201.display import Reports
from services.manager.v201.firmware import Firmware
from services.manager.v201.provisioning import Provisioning
from services.manager.v201.reports import DeviceModelReports
from services.manager.v201.reservation import Reservation
from services.manager.v201.security import Security
from services.manager.v201.smart_charging import SmartCharging
from services.manager.v201.transactions import Transactions


def build_router(
    stores: Stores,
    policy: ChargerPolicy,
    clock: Clock,
    bus: EventBus,
    *,
    boots: BootBacklog,
    states: ConnectorStates,
    vendor_handlers: Mapping[str, VendorHandler] | None = None,
    authorizer: Authorizer | None = None,
    signer: CertificateSigner | None = None,
) -> Router:
    """`authorizer` answers id tokens (default: the id tags, unknown ones Invalid/Unknown);
    `boots` keeps boots accepted while the database is unavailable; `signer` (a CA is
    configured) signs SignCertificate's CSRs and sends them back."""
    authorizer = authorizer or Authorizer(stores.id_tags, stores.transactions, clock)
    authorization = Authorization(authorizer)
    transactions = Transactions(stores.transactions, stores.profiles, authorizer, bus)
    reservation = Reservation(stores.reservations)
    provisioning = Provisioning(stores.chargers, policy, clock, bus, boots)
    availability = Availability(stores.chargers, bus, states)
    smart_charging = SmartCharging(stores.smart_charging)
    firmware = Firmware(stores.chargers, stores.station)
    security = Security(stores.security, signer)
    reports = Reports(stores.station)
    data_transfer = DataTransfer(vendor_handlers or {})
    device_model = DeviceModelReports(stores.device_model, bus)
    return {
        "BootNotification": provisioning.boot_notification,
        "Heartbeat": provisioning.heartbeat,
        "StatusNotification": availability.status_notification,
        # Smart charging: external limits, EV charging needs, reported profiles
        "NotifyChargingLimit": smart_charging.notify_charging_limit,
        "ClearedChargingLimit": smart_charging.cleared_charging_limit,
        "NotifyEVChargingNeeds": smart_charging.notify_ev_charging_needs,
        "ReportChargingProfiles": smart_charging.report_charging_profiles,
        # Authorization, transactions, reservations
        "Authorize": authorization.authorize,
        "TransactionEvent": transactions.transaction_event,
        "MeterValues": transactions.meter_values,
        "ReservationStatusUpdate": reservation.reservation_status_update,
        # Station messages: firmware, logs, security, display, customer information
        "FirmwareStatusNotification": firmware.firmware_status_notification,
        "LogStatusNotification": firmware.log_status_notification,
        "SecurityEventNotification": security.security_event_notification,
        "SignCertificate": security.sign_certificate,
        "Get15118EVCertificate": security.get_15118_ev_certificate,
        "GetCertificateStatus": security.get_certificate_status,
        "NotifyDisplayMessages": reports.notify_display_messages,
        "NotifyCustomerInformation": reports.notify_customer_information,
        "DataTransfer": data_transfer.data_transfer,
        # Device model: reports, monitors, events
        "NotifyReport": device_model.notify_report,
        "NotifyMonitoringReport": device_model.notify_monitoring_report,
        "NotifyEvent": device_model.notify_event,
    }
