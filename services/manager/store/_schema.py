"""Tables of the manager's database, shared by PostgreSQL and SQLite.

The Alembic revisions in ``services/manager/migrations/versions`` create exactly these
tables; a test compares them. Constraint and index names follow ``NAMING_CONVENTION`` so
that later migrations (batch mode on SQLite included) can refer to them by name.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Dialect,
    Float,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)

__all__ = [
    "CHARGER_ID",
    "ID_TAG",
    "LOCATION_ID",
    "NAMING_CONVENTION",
    "SAMPLE_KEY",
    "UtcDateTime",
    "certificate_requests",
    "chargers",
    "charging_profiles",
    "configuration_keys",
    "connectors",
    "id_tags",
    "locations",
    "metadata",
    "meter_values",
    "reservations",
    "security_events",
    "transaction_anomalies",
    "transaction_events",
    "transactions",
]

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
#: keyset pages come in the same order on both.
CHARGER_ID = String(48).with_variant(String(48, collation="C"), "postgresql")
#: Location ids ([a-z0-9-]{1,64}, chosen by the operator) sort bytewise too.
LOCATION_ID = String(64).with_variant(String(64, collation="C"), "postgresql")

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
    # Progress last reported by 1.6 Firmware/DiagnosticsStatusNotification and
    # LogStatusNotification ("" before the first), and when one of them last changed.
    Column("firmware_status", String(32), nullable=False, server_default=""),
    Column("diagnostics_status", String(32), nullable=False, server_default=""),
    Column("log_status", String(32), nullable=False, server_default=""),
    Column("status_updated_at", UtcDateTime, nullable=True),
    # The local authorization list version as last set or read by the CSMS; -1 unknown.
    Column("local_list_version", Integer, nullable=False, server_default="-1"),
    # The location the charger is assigned to; NULL when none (revision 0003).
    Column("location_id", LOCATION_ID, nullable=True),
    # What the operator configures (revision 0011). The OCPP security profile (0 to 3)
    # the charger must connect with; its Basic auth password as an argon2id hash, and a
    # rotated one the charger accepted but has not connected with yet (both work until
    # it does); the registration status answered at BootNotification; retired_at is set
    # while the charger is retired (refused, history kept). No CHECK constraints: see 0011.
    Column("security_profile", SmallInteger, nullable=False, server_default="0"),
    Column("password_hash", Text, nullable=True),
    Column("new_password_hash", Text, nullable=True),
    Column("registration_status", String(16), nullable=False, server_default="Accepted"),
    Column("description", Text, nullable=False, server_default=""),
    Column("retired_at", UtcDateTime, nullable=True),
    PrimaryKeyConstraint("id"),
    # No ON DELETE action: SQLite can only add this key inline (ALTER TABLE ADD COLUMN, see
    # migration 0003), which SQLAlchemy reflects without actions; deleting a location
    # clears ``location_id`` of its chargers in the same transaction instead.
    ForeignKeyConstraint(["location_id"], ["locations.id"]),
    # The chargers of a location, and the list filter by location.
    Index(None, "location_id", "id"),
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

# -- authorization, transactions, meter values, reservations (revision 0002) ----------

#: An id tag (1.6 IdToken, 20 characters; 2.0.1/2.1 idToken, 36/255), case-sensitive and
#: ordered bytewise on both databases. PostgreSQL's is widened to 255 by revision 0008;
#: SQLite keeps revision 0002's declaration (it does not enforce lengths; the stores check).
ID_TAG = String(20).with_variant(String(255, collation="C"), "postgresql")
#: OCPP 2.0.1/2.1 IdToken (36/255 characters) as transactions record it. SQLite does not
#: enforce declared lengths, so there the column keeps revision 0002's declaration (the
#: stores check lengths); PostgreSQL's is widened by revision 0004.
ID_TOKEN = String(20).with_variant(String(255, collation="C"), "postgresql")
#: 64-bit ids that autoincrement on SQLite too (only ``INTEGER PRIMARY KEY`` aliases rowid).
BIG_ID = BigInteger().with_variant(Integer(), "sqlite")

id_tags = Table(
    "id_tags",
    metadata,
    Column("id_tag", ID_TAG, nullable=False),
    Column("status", String(16), nullable=False),
    Column("expiry_date", UtcDateTime, nullable=True),
    # The group (1.6 parentIdTag) this tag belongs to; NULL when none.
    Column("parent_id_tag", ID_TAG, nullable=True),
    # Concurrent transactions the tag may have; 0 = unlimited.
    Column("max_active_transactions", Integer, nullable=False, server_default="0"),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("id_tag"),
    ForeignKeyConstraint(["parent_id_tag"], ["id_tags.id_tag"], ondelete="RESTRICT"),
    CheckConstraint("status IN ('Accepted', 'Blocked', 'Expired', 'Invalid')", name="status"),
    # List filtered by status, keyset by id_tag.
    Index(None, "status", "id_tag"),
    # List filtered by parent, and the "is it still a parent?" probe of delete.
    Index(None, "parent_id_tag", "id_tag"),
)

transactions = Table(
    "transactions",
    metadata,
    # The OCPP transactionId the CSMS issues; never reused (AUTOINCREMENT on SQLite).
    Column("id", BIG_ID, nullable=False, autoincrement=True),
    Column("charger_id", CHARGER_ID, nullable=False),
    Column("connector_id", Integer, nullable=False),
    # Not a foreign key: transactions of unknown tags are recorded too. An OCPP 2.0.1
    # idToken (36 characters; 255 in 2.1); "" while a 2.0.1 transaction is unauthorized.
    Column("id_tag", ID_TOKEN, nullable=False),
    # The idTagInfo.status answered to the StartTransaction.
    Column("id_tag_status", String(16), nullable=False),
    Column("stop_id_tag", ID_TOKEN, nullable=True),
    Column("meter_start", BigInteger, nullable=False),
    Column("meter_stop", BigInteger, nullable=True),
    Column("started_at", UtcDateTime, nullable=False),
    Column("stopped_at", UtcDateTime, nullable=True),
    Column("stop_reason", String(32), nullable=False, server_default=""),
    Column("reservation_id", Integer, nullable=True),
    # Latest Energy.Active.Import.Register reading in Wh while the transaction is active.
    Column("last_energy_wh", Float, nullable=True),
    # When last_energy_wh was read: a later reading replaces it, an earlier one does not.
    Column("last_energy_at", UtcDateTime, nullable=True),
    # Idempotency: charger|connector|id_tag|started_at|meter_start of the StartTransaction
    # (1.6); "#2|charger|transactionId" for 2.0.1.
    Column("start_key", String(200), nullable=False),
    # -- OCPP 2.0.1 TransactionEvent (revision 0004); NULL / defaults for 1.6 -------------
    # The charger's transactionId, unique per charger.
    Column("charger_transaction_id", String(36), nullable=True),
    # The remoteStartId of the RequestStartTransaction that started it.
    Column("remote_start_id", Integer, nullable=True),
    # Whether any of its events happened while the charger was offline.
    Column("offline", Boolean, nullable=False, server_default=text("false")),
    # The idToken's type (ISO14443, Central, NoAuthorization, ...).
    Column("id_token_type", String(20), nullable=False, server_default=""),
    # The latest transactionInfo.chargingState.
    Column("charging_state", String(16), nullable=False, server_default=""),
    # The highest seqNo received.
    Column("last_seq_no", BigInteger, nullable=True),
    # The OCPP version the charger reported it over: 1.6, 2.0.1 or 2.1.
    Column("ocpp_version", String(8), nullable=False, server_default="1.6"),
    # When the meter_start reading was taken: the earliest energy reading wins.
    Column("meter_start_at", UtcDateTime, nullable=True),
    PrimaryKeyConstraint("id"),
    ForeignKeyConstraint(["charger_id"], ["chargers.id"]),
    UniqueConstraint("start_key"),
    # A unique index, not a constraint: SQLite can add an index to an existing table.
    Index(None, "charger_id", "charger_transaction_id", unique=True),
    # StartCharging's answer names the remoteStartId: find its transaction.
    Index(None, "charger_id", "remote_start_id"),
    # Newest first (scanned backwards), keyset (started_at, id).
    Index(None, "started_at", "id"),
    Index(None, "charger_id", "started_at", "id"),
    Index(None, "id_tag", "started_at", "id"),
    # The transaction active on a connector.
    Index(None, "charger_id", "connector_id", "stopped_at"),
    # Active transactions of a tag (max_active_transactions).
    Index(None, "id_tag", "stopped_at"),
    # "Active only" newest first, however old the oldest active transaction is.
    Index(
        "ix_transactions_active_started_at_id",
        "started_at",
        "id",
        postgresql_where=text("stopped_at IS NULL"),
        sqlite_where=text("stopped_at IS NULL"),
    ),
    sqlite_autoincrement=True,
)

#: The ``meter_values`` columns that make a sample the same sample.
SAMPLE_KEY = (
    "charger_id",
    "timestamp",
    "connector_id",
    "transaction_id",
    "measurand",
    "phase",
    "context",
    "location",
)

meter_values = Table(
    "meter_values",
    metadata,
    Column("id", BIG_ID, nullable=False, autoincrement=True),
    Column("charger_id", CHARGER_ID, nullable=False),
    Column("connector_id", Integer, nullable=False),
    # NULL when the charger named no transaction, or one that is not its own.
    Column("transaction_id", BigInteger, nullable=True),
    Column("timestamp", UtcDateTime, nullable=False),
    Column("value", Text, nullable=False),
    Column("measurand", String(64), nullable=False, server_default="Energy.Active.Import.Register"),
    Column("phase", String(8), nullable=False, server_default=""),
    # 2.0.1 units are up to 20 characters: widened on PostgreSQL by revision 0004 (SQLite
    # does not enforce declared lengths).
    Column(
        "unit",
        String(16).with_variant(String(20), "postgresql"),
        nullable=False,
        server_default="Wh",
    ),
    Column("context", String(32), nullable=False, server_default="Sample.Periodic"),
    Column("location", String(16), nullable=False, server_default="Outlet"),
    Column("format", String(16), nullable=False, server_default="Raw"),
    # OCPP 2.0.1 signedMeterValue as JSON (revision 0004); NULL when none.
    Column("signed_data", Text, nullable=True),
    PrimaryKeyConstraint("id"),
    ForeignKeyConstraint(["transaction_id"], ["transactions.id"], ondelete="CASCADE"),
    # The values of one transaction, oldest first, keyset (timestamp, id).
    Index(None, "transaction_id", "timestamp", "id"),
    # What makes a sample the same sample (revision 0009): a retried MeterValues (or its
    # original, applied late) stores nothing twice (INSERT .. ON CONFLICT DO NOTHING).
    # Two partial indexes, as NULL transaction ids are never equal in a unique index;
    # both also serve (charger_id, timestamp).
    Index(
        "uq_meter_values_sample",
        *SAMPLE_KEY,
        unique=True,
        postgresql_where=text("transaction_id IS NOT NULL"),
        sqlite_where=text("transaction_id IS NOT NULL"),
    ),
    Index(
        "uq_meter_values_unlinked_sample",
        *(column for column in SAMPLE_KEY if column != "transaction_id"),
        unique=True,
        postgresql_where=text("transaction_id IS NULL"),
        sqlite_where=text("transaction_id IS NULL"),
    ),
)

#: The OCPP 2.0.1 TransactionEvents received (revision 0004), one row per (transaction,
#: seqNo, digest): the same seqNo with the same content is a duplicate, with other content
#: another event (some chargers send every event with seqNo 0; revision 0009).
transaction_events = Table(
    "transaction_events",
    metadata,
    Column("transaction_id", BigInteger, nullable=False),
    Column("seq_no", BigInteger, nullable=False),
    # A hash of the event's payload (``event_digest``); "" for events stored before 0009.
    Column("digest", String(32), nullable=False, server_default=""),
    # Started, Updated, Ended
    Column("event_type", String(8), nullable=False),
    Column("trigger_reason", String(32), nullable=False),
    Column("offline", Boolean, nullable=False),
    Column("timestamp", UtcDateTime, nullable=False),
    # The idTokenInfo.status answered ("" when the event had no idToken): a duplicate gets it again.
    Column("id_token_status", String(16), nullable=False, server_default=""),
    PrimaryKeyConstraint("transaction_id", "seq_no", "digest"),
    ForeignKeyConstraint(["transaction_id"], ["transactions.id"], ondelete="CASCADE"),
)

transaction_anomalies = Table(
    "transaction_anomalies",
    metadata,
    Column("id", BIG_ID, nullable=False, autoincrement=True),
    Column("charger_id", CHARGER_ID, nullable=False),
    # unknown-transaction-stop, foreign-transaction-stop, meter-values-unknown-transaction,
    # repeated-seq-no, superseded-transaction (``ANOMALY_KINDS``)
    Column("kind", String(40), nullable=False),
    Column("transaction_id", BigInteger, nullable=True),
    # The call's JSON payload as received.
    Column("payload", Text, nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("id"),
    Index(None, "charger_id", "id"),
)

reservations = Table(
    "reservations",
    metadata,
    # The OCPP reservationId the CSMS issues; never reused (AUTOINCREMENT on SQLite).
    Column("id", Integer, nullable=False, autoincrement=True),
    Column("charger_id", CHARGER_ID, nullable=False),
    Column("connector_id", Integer, nullable=False),
    Column("id_tag", ID_TAG, nullable=False),
    Column("parent_id_tag", ID_TAG, nullable=False, server_default=""),
    Column("expiry_date", UtcDateTime, nullable=False),
    Column("state", String(16), nullable=False),
    # The charger's ReserveNow answer (Accepted, Faulted, Occupied, Rejected, Unavailable).
    Column("charger_status", String(16), nullable=False, server_default=""),
    # The transaction that used the reservation.
    Column("transaction_id", BigInteger, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("id"),
    ForeignKeyConstraint(["charger_id"], ["chargers.id"], ondelete="CASCADE"),
    CheckConstraint(
        "state IN ('Pending', 'Accepted', 'Rejected', 'Cancelled', 'Used', 'Expired')",
        name="state",
    ),
    Index(None, "charger_id", "id"),
    Index(None, "state", "expiry_date"),
    sqlite_autoincrement=True,
)

# -- fleet state: charging profiles, configuration, security, locations (revision 0003) --

locations = Table(
    "locations",
    metadata,
    Column("id", LOCATION_ID, nullable=False),
    Column("name", Text, nullable=False),
    Column("address", Text, nullable=False, server_default=""),
    Column("city", Text, nullable=False, server_default=""),
    Column("postal_code", Text, nullable=False, server_default=""),
    # ISO 3166-1 alpha-2, "" when not given.
    Column("country", String(2), nullable=False, server_default=""),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("id"),
)

charging_profiles = Table(
    "charging_profiles",
    metadata,
    Column("charger_id", CHARGER_ID, nullable=False),
    Column("charging_profile_id", Integer, nullable=False),
    # 0 = the charger as a whole (OCPP 1.6 connectorId).
    Column("connector_id", Integer, nullable=False),
    Column("stack_level", Integer, nullable=False),
    Column("purpose", String(32), nullable=False),
    # The transaction a TxProfile is for; NULL for the other purposes.
    Column("transaction_id", BigInteger, nullable=True),
    # The csChargingProfiles JSON the charger accepted.
    Column("profile", Text, nullable=False),
    Column("installed_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("charger_id", "charging_profile_id"),
    ForeignKeyConstraint(["charger_id"], ["chargers.id"], ondelete="CASCADE"),
    CheckConstraint(
        "purpose IN ('ChargePointMaxProfile', 'TxDefaultProfile', 'TxProfile')", name="purpose"
    ),
    # OCPP 1.6: one profile per connector, purpose and stack level (a new one replaces
    # it); also the order of ``list``.
    UniqueConstraint("charger_id", "connector_id", "purpose", "stack_level"),
)

configuration_keys = Table(
    "configuration_keys",
    metadata,
    Column("charger_id", CHARGER_ID, nullable=False),
    Column("key", String(50), nullable=False),
    # NULL when the charger reported the key without a value.
    Column("value", Text, nullable=True),
    Column("readonly", Boolean, nullable=False),
    # When the value was read from the charger (or last changed by the CSMS).
    Column("read_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("charger_id", "key"),
    ForeignKeyConstraint(["charger_id"], ["chargers.id"], ondelete="CASCADE"),
)

security_events = Table(
    "security_events",
    metadata,
    Column("id", BIG_ID, nullable=False, autoincrement=True),
    Column("charger_id", CHARGER_ID, nullable=False),
    Column("type", String(50), nullable=False),
    # When the charger says the event happened.
    Column("timestamp", UtcDateTime, nullable=False),
    Column("tech_info", Text, nullable=False, server_default=""),
    Column("received_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("id"),
    ForeignKeyConstraint(["charger_id"], ["chargers.id"], ondelete="CASCADE"),
    # A charger's events newest first, keyset (timestamp, id).
    Index(None, "charger_id", "timestamp", "id"),
    sqlite_autoincrement=True,
)

certificate_requests = Table(
    "certificate_requests",
    metadata,
    Column("id", BIG_ID, nullable=False, autoincrement=True),
    Column("charger_id", CHARGER_ID, nullable=False),
    # The PEM certificate signing request of a SignCertificate.
    Column("csr", Text, nullable=False),
    Column("certificate_type", String(40), nullable=False, server_default=""),
    Column("received_at", UtcDateTime, nullable=False),
    # What became of it (revision 0012): Pending (kept for an operator), Refused (the CA
    # would not sign it), Signed (signed, being sent), Accepted / Rejected (the charger's
    # answer to CertificateSigned), Failed (not delivered); ``status_reason`` says why.
    Column("status", String(16), nullable=False, server_default="Pending"),
    Column("status_reason", Text, nullable=False, server_default=""),
    # The PEM chain sent with CertificateSigned, once signed.
    Column("certificate_chain", Text, nullable=True),
    Column("updated_at", UtcDateTime, nullable=True),
    PrimaryKeyConstraint("id"),
    ForeignKeyConstraint(["charger_id"], ["chargers.id"], ondelete="CASCADE"),
    Index(None, "charger_id", "id"),
    sqlite_autoincrement=True,
)
