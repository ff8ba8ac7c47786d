"""The manager's persistence: chargers and their connectors.

``ChargerStore`` is the interface handlers and the API depend on; ``SqlChargerStore``
implements it on PostgreSQL (asyncpg) or SQLite (aiosqlite) with the same tables and the
same Alembic migrations, and ``MemoryChargerStore`` in memory for unit tests. Heartbeats
and connector statuses are written behind (buffered, flushed in bulk); see
docs/adr/0005-persistence-and-write-behind.md.

Errors::

    StoreError                 base of every domain error of the store
    ├── NotFound               the thing named does not exist            → NOT_FOUND
    ├── AlreadyExists          creating something that exists already    → ALREADY_EXISTS
    ├── Conflict               the change contradicts other data         → FAILED_PRECONDITION
    ├── InvalidPageToken       a page token that no list call issued  → INVALID_ARGUMENT
    └── StoreUnavailable       the database is unreachable or too slow → UNAVAILABLE
"""

from __future__ import annotations

from ._audit import (
    AuditEntryRecord,
    AuditFilters,
    AuditStore,
    MemoryAuditStore,
    SqlAuditStore,
)
from ._authorization import SqlIdTagStore
from ._credentials import (
    ChargerCredentials,
    CredentialStore,
    MemoryCredentialStore,
    SqlCredentialStore,
    check_security_profile,
)
from ._device_model import (
    DeviceEventRecord,
    DeviceModelStore,
    MemoryDeviceModelStore,
    MonitorRecord,
    ReportRecord,
    SqlDeviceModelStore,
    VariableKey,
    VariableRecord,
)
from ._domain_records import (
    IdTagRecord,
    MeterValueRecord,
    MeterValuesOutcome,
    ReservationRecord,
    StopOutcome,
    TransactionEvent,
    TransactionEventOutcome,
    TransactionRecord,
)
from ._engine import create_engine, migrate
from ._errors import (
    AlreadyExists,
    Conflict,
    InvalidPageToken,
    NotFound,
    StoreDataError,
    StoreError,
    StoreUnavailable,
)
from ._fleet import (
    SqlChargingProfileStore,
    SqlConfigurationStore,
    SqlLocationStore,
    SqlSecurityStore,
)
from ._fleet_memory import (
    MemoryChargingProfileStore,
    MemoryConfigurationStore,
    MemoryLocationStore,
    MemorySecurityStore,
)
from ._fleet_records import (
    CERTIFICATE_REQUEST_STATUSES,
    CHARGING_PROFILE_PURPOSES,
    CertificateRequestRecord,
    ChargingProfileRecord,
    ConfigurationKeyRecord,
    LocationRecord,
    SecurityEventRecord,
)
from ._memory import MemoryChargerStore
from ._memory_domain import MemoryIdTagStore, MemoryReservationStore, MemoryTransactionStore
from ._protocol import (
    ChargerStore,
    ChargingProfileStore,
    ConfigurationStore,
    IdTagStore,
    LocationStore,
    ReservationStore,
    SecurityStore,
    TransactionStore,
)
from ._records import (
    OCPP_VERSIONS,
    REGISTRATION_STATUSES,
    BootInfo,
    ChargerAdmission,
    ChargerRecord,
    ConnectorRecord,
)
from ._reservations import SqlReservationStore
from ._smart_charging import (
    ChargingLimitRecord,
    ChargingProfileReportRecord,
    EVChargingNeedsRecord,
    MemorySmartChargingStore,
    ReportedProfileRecord,
    SmartChargingStore,
    SqlSmartChargingStore,
)
from ._sql import SqlChargerStore
from ._station import (
    ChargerRequestRecord,
    DisplayMessageRecord,
    MemoryStationStore,
    SqlStationStore,
    StationStore,
)
from ._tasks_store import SqlTaskStore
from ._tokens import ROLES, MemoryTokenStore, SqlTokenStore, TokenRecord, TokenStore
from ._transaction_events import event_digest
from ._transactions import SUPERSEDED_PREFIX, SqlTransactionStore

__all__ = [
    "CERTIFICATE_REQUEST_STATUSES",
    "CHARGING_PROFILE_PURPOSES",
    "OCPP_VERSIONS",
    "REGISTRATION_STATUSES",
    "ROLES",
    "SUPERSEDED_PREFIX",
    "AlreadyExists",
    "AuditEntryRecord",
    "AuditFilters",
    "AuditStore",
    "BootInfo",
    "CertificateRequestRecord",
    "ChargerAdmission",
    "ChargerCredentials",
    "ChargerRecord",
    "ChargerRequestRecord",
    "ChargerStore",
    "ChargingLimitRecord",
    "ChargingProfileRecord",
    "ChargingProfileReportRecord",
    "ChargingProfileStore",
    "ConfigurationKeyRecord",
    "ConfigurationStore",
    "Conflict",
    "ConnectorRecord",
    "CredentialStore",
    "DeviceEventRecord",
    "DeviceModelStore",
    "DisplayMessageRecord",
    "EVChargingNeedsRecord",
    "IdTagRecord",
    "IdTagStore",
    "InvalidPageToken",
    "LocationRecord",
    "LocationStore",
    "MemoryAuditStore",
    "MemoryChargerStore",
    "MemoryChargingProfileStore",
    "MemoryConfigurationStore",
    "MemoryCredentialStore",
    "MemoryDeviceModelStore",
    "MemoryIdTagStore",
    "MemoryLocationStore",
    "MemoryReservationStore",
    "MemorySecurityStore",
    "MemorySmartChargingStore",
    "MemoryStationStore",
    "MemoryTokenStore",
    "MemoryTransactionStore",
    "MeterValueRecord",
    "MeterValuesOutcome",
    "MonitorRecord",
    "NotFound",
    "ReportRecord",
    "ReportedProfileRecord",
    "ReservationRecord",
    "ReservationStore",
    "SecurityEventRecord",
    "SecurityStore",
    "SmartChargingStore",
    "SqlAuditStore",
    "SqlChargerStore",
    "SqlChargingProfileStore",
    "SqlConfigurationStore",
    "SqlCredentialStore",
    "SqlDeviceModelStore",
    "SqlIdTagStore",
    "SqlLocationStore",
    "SqlReservationStore",
    "SqlSecurityStore",
    "SqlSmartChargingStore",
    "SqlStationStore",
    "SqlTaskStore",
    "SqlTokenStore",
    "SqlTransactionStore",
    "StationStore",
    "StopOutcome",
    "StoreDataError",
    "StoreError",
    "StoreUnavailable",
    "TokenRecord",
    "TokenStore",
    "TransactionEvent",
    "TransactionEventOutcome",
    "TransactionRecord",
    "TransactionStore",
    "VariableKey",
    "VariableRecord",
    "check_security_profile",
    "create_engine",
    "event_digest",
    "migrate",
]
