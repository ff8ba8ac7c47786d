"""Tables of the manager's database, shared by PostgreSQL and SQLite.

The Alembic revisions in ``services/manager/migrations/versions`` create exactly these
tables; a test compares them. Constraint and index names follow ``NAMING_CONVENTION`` so
that later migrations (batch mode on SQLite included) can refer to them by name.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    Dialect,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    TypeDecorator,
)

__all__ = ["CHARGER_ID", "NAMING_CONVENTION", "UtcDateTime", "chargers", "connectors", "metadata"]

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UtcDateTime(TypeDecorator[datetime]):
    """``timestamp with time zone`` that only takes aware datetimes and returns UTC ones.

    SQLite has no time zones: values are stored as naive UTC text, which sorts and
    compares correctly, and come back tagged as UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the store only takes UTC-aware ones")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


#: Charger ids sort bytewise ("C" collation on PostgreSQL, SQLite's BINARY default), so
#: keyset pages come in the same order on both and in the in-memory store.
CHARGER_ID = String(48).with_variant(String(48, collation="C"), "postgresql")

chargers = Table(
    "chargers",
    metadata,
    # The OCPP charger id (1.6 chargeBoxIdentity, 2.0.1 station identity).
    Column("id", CHARGER_ID, nullable=False),
    Column("vendor", Text, nullable=False, server_default=""),
    Column("model", Text, nullable=False, server_default=""),
    Column("serial_number", Text, nullable=False, server_default=""),
    Column("firmware_version", Text, nullable=False, server_default=""),
    Column("ocpp_version", String(8), nullable=False),
    # Registration status last answered to a BootNotification; "" before the first boot.
    Column("boot_status", String(16), nullable=False, server_default=""),
    Column("registered_at", UtcDateTime, nullable=True),
    Column("last_boot_at", UtcDateTime, nullable=True),
    Column("last_seen_at", UtcDateTime, nullable=True),
    PrimaryKeyConstraint("id"),
    CheckConstraint("ocpp_version IN ('1.6', '2.0.1', '2.1')", name="ocpp_version"),
)

connectors = Table(
    "connectors",
    metadata,
    Column("charger_id", CHARGER_ID, nullable=False),
    # OCPP 1.6 connectorId N > 0 is (evse_id=N, connector_id=1); connectorId 0 is (0, 0).
    Column("evse_id", Integer, nullable=False),
    Column("connector_id", Integer, nullable=False),
    Column("status", String(32), nullable=False),
    Column("error_code", Text, nullable=False, server_default=""),
    Column("info", Text, nullable=False, server_default=""),
    Column("vendor_error_code", Text, nullable=False, server_default=""),
    Column("updated_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("charger_id", "evse_id", "connector_id"),
    ForeignKeyConstraint(["charger_id"], ["chargers.id"], ondelete="CASCADE"),
    # "chargers with a connector in status S": the list filter's EXISTS probe.
    Index(None, "status", "charger_id"),
)
