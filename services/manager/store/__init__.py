"""The manager's persistence: one store per concern, on PostgreSQL or SQLite.

Layout, the same for every concern (chargers, id tags, transactions, reservations,
charging profiles, configuration, security, locations, device model, station, smart
charging, credentials, tokens, audit):

- ``_<concern>.py``: the contract. Its records (frozen dataclasses), its ``Protocol`` (what
  handlers and the API depend on) and the checks of what may be written, once per
  concern. Rules that need no database live in ``services.manager.domain``.
- ``_<concern>_sql.py``: the implementation, SQLAlchemy Core on PostgreSQL (asyncpg) or
  SQLite (aiosqlite) with the same tables (``_schema*``) and Alembic migrations. A large
  one is split along its parts: the charger store's write-behind (``_write_behind``), the
  transaction store's meter values and 2.0.1 events (``_meter_values_sql``,
  ``_transaction_events_sql``).
- Shared: ``_sqlbase`` (the base class, ``unavailable``, ``require_charger``: the one
  "charger must exist" check), ``_engine``, ``_errors``, ``_group`` (group commit),
  ``_buffer``, ``_common`` and ``_keyset`` (argument checks, page tokens).

There is no in-memory twin: production runs these stores (embedded mode on SQLite), and
so do the tests (a migrated SQLite or PostgreSQL database copied per test, see
``tests/manager/conftest.py``). Heartbeats and connector statuses are written behind
(buffered, flushed in bulk); see docs/adr/0005-persistence-and-write-behind.md.

Errors::

    StoreError                 base of every domain error of the store
    ├── NotFound               the thing named does not exist            → NOT_FOUND
    ├── AlreadyExists          creating something that exists already    → ALREADY_EXISTS
    ├── Conflict               the change contradicts other data         → FAILED_PRECONDITION
    ├── InvalidPageToken       a page token that no list call issued  → INVALID_ARGUMENT
    └── StoreUnavailable       the database is unreachable or too slow → UNAVAILABLE
"""

from __future__ import annotations

from services.manager.domain import event_digest

# The tables of these modules join ``_schema.metadata`` (migrations and tests compare it).
from . import _schema_201, _schema_operators  # noqa: F401
from ._audit import AuditEntryRecord, AuditFilters, AuditStore
from ._audit_sql import SqlAuditStore
from ._chargers import (
    OCPP_VERSIONS,
    REGISTRATION_STATUSES,
    BootInfo,
    ChargerAdmission,
    ChargerRecord,
    ChargerStore,
    ConnectorRecord,
)
from ._chargers_sql import SqlChargerStore
from ._charging_profiles import (
    CHARGING_PROFILE_PURPOSES,
    ChargingProfileRecord,
    ChargingProfileStore,
)
from ._charging_profiles_sql import SqlChargingProfileStore
from ._configuration import ConfigurationKeyRecord, ConfigurationStore
from ._configuration_sql import SqlConfigurationStore
from ._credentials import ChargerCredentials, CredentialStore, check_security_profile
from ._credentials_sql import SqlCredentialStore
from ._device_model import (
    DeviceEventRecord,
    DeviceModelStore,
    MonitorRecord,
    ReportRecord,
    VariableKey,
    VariableRecord,
)
from ._device_model_sql import SqlDeviceModelStore
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
from ._id_tags import IdTagRecord, IdTagStore
from ._id_tags_sql import SqlIdTagStore
from ._locations import LocationRecord, LocationStore
from ._locations_sql import SqlLocationStore
from ._reservations import ReservationRecord, ReservationStore
from ._reservations_sql import SqlReservationStore
from ._security import (
    CERTIFICATE_REQUEST_STATUSES,
    CertificateRequestRecord,
    SecurityEventRecord,
    SecurityStore,
)
from ._security_sql import SqlSecurityStore
from ._smart_charging import (
    ChargingLimitRecord,
    ChargingProfileReportRecord,
    EVChargingNeedsRecord,
    ReportedProfileRecord,
    SmartChargingStore,
)
from ._smart_charging_sql import SqlSmartChargingStore
from ._station import ChargerRequestRecord, DisplayMessageRecord, StationStore
from ._station_sql import SqlStationStore
from ._tasks_store import SqlTaskStore
from ._tokens import ROLES, TokenRecord, TokenStore
from ._tokens_sql import SqlTokenStore
from ._transactions import (
    SUPERSEDED_PREFIX,
    MeterValueRecord,
    MeterValuesOutcome,
    StopOutcome,
    TransactionEvent,
    TransactionEventOutcome,
    TransactionRecord,
    TransactionStore,
)
from ._transactions_sql import SqlTransactionStore

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
