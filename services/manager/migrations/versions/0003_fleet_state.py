"""Fleet state: charger status columns, locations, charging profiles, configuration, security.

SQLite cannot add a table-level foreign key to an existing table, and the batch
"copy-and-move" that would do it drops ``chargers``: with ``foreign_keys=ON`` (always on
our engines; it cannot be switched off inside the migration's transaction) that drop
first deletes every charger, cascading to ``connectors``. So on SQLite
``chargers.location_id`` is added with an inline ``REFERENCES`` clause, which SQLite
allows for a nullable column; PostgreSQL gets the named constraint. The key has no
``ON DELETE`` action because SQLAlchemy reflects inline keys without one (the models
would no longer match): ``LocationStore.delete`` unassigns the chargers itself.

Revision ID: 0003
Revises: 0002
Create Date: 2026-01-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


#: Bytewise order on PostgreSQL (SQLite's default is already bytewise).
CHARGER_ID = sa.String(48).with_variant(sa.String(48, collation="C"), "postgresql")
LOCATION_ID = sa.String(64).with_variant(sa.String(64, collation="C"), "postgresql")
#: 64-bit ids that autoincrement on SQLite too (only INTEGER PRIMARY KEY aliases rowid).
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "locations",
        sa.Column("id", LOCATION_ID, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("address", sa.Text(), nullable=False, server_default=""),
        sa.Column("city", sa.Text(), nullable=False, server_default=""),
        sa.Column("postal_code", sa.Text(), nullable=False, server_default=""),
        sa.Column("country", sa.String(2), nullable=False, server_default=""),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_locations")),
    )

    for name in ("firmware_status", "diagnostics_status", "log_status"):
        op.add_column("chargers", sa.Column(name, sa.String(32), nullable=False, server_default=""))
    op.add_column("chargers", sa.Column("status_updated_at", TIMESTAMP, nullable=True))
    op.add_column(
        "chargers",
        sa.Column("local_list_version", sa.Integer(), nullable=False, server_default="-1"),
    )
    if op.get_bind().dialect.name == "sqlite":
        op.add_column(
            "chargers",
            sa.Column(
                "location_id",
                LOCATION_ID,
                sa.ForeignKey("locations.id"),
                nullable=True,
            ),
            inline_references=True,
        )
    else:
        op.add_column("chargers", sa.Column("location_id", LOCATION_ID, nullable=True))
        op.create_foreign_key(
            op.f("fk_chargers_location_id_locations"),
            "chargers",
            "locations",
            ["location_id"],
            ["id"],
        )
    op.create_index(op.f("ix_chargers_location_id_id"), "chargers", ["location_id", "id"])

    op.create_table(
        "charging_profiles",
        sa.Column("charger_id", CHARGER_ID, nullable=False),
        sa.Column("charging_profile_id", sa.Integer(), nullable=False),
        sa.Column("connector_id", sa.Integer(), nullable=False),
        sa.Column("stack_level", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("transaction_id", sa.BigInteger(), nullable=True),
        sa.Column("profile", sa.Text(), nullable=False),
        sa.Column("installed_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint(
            "charger_id", "charging_profile_id", name=op.f("pk_charging_profiles")
        ),
        sa.ForeignKeyConstraint(
            ["charger_id"],
            ["chargers.id"],
            name=op.f("fk_charging_profiles_charger_id_chargers"),
            ondelete="CASCADE",
        ),
        sa.CheckConstraint(
            "purpose IN ('ChargePointMaxProfile', 'TxDefaultProfile', 'TxProfile')",
            name=op.f("ck_charging_profiles_purpose"),
        ),
        sa.UniqueConstraint(
            "charger_id",
            "connector_id",
            "purpose",
            "stack_level",
            name=op.f("uq_charging_profiles_charger_id_connector_id_purpose_stack_level"),
        ),
    )
    op.create_table(
        "configuration_keys",
        sa.Column("charger_id", CHARGER_ID, nullable=False),
        sa.Column("key", sa.String(50), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("readonly", sa.Boolean(), nullable=False),
        sa.Column("read_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("charger_id", "key", name=op.f("pk_configuration_keys")),
        sa.ForeignKeyConstraint(
            ["charger_id"],
            ["chargers.id"],
            name=op.f("fk_configuration_keys_charger_id_chargers"),
            ondelete="CASCADE",
        ),
    )
    op.create_table(
        "security_events",
        sa.Column("id", BIG_ID, nullable=False, autoincrement=True),
        sa.Column("charger_id", CHARGER_ID, nullable=False),
        sa.Column("type", sa.String(50), nullable=False),
        sa.Column("timestamp", TIMESTAMP, nullable=False),
        sa.Column("tech_info", sa.Text(), nullable=False, server_default=""),
        sa.Column("received_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_events")),
        sa.ForeignKeyConstraint(
            ["charger_id"],
            ["chargers.id"],
            name=op.f("fk_security_events_charger_id_chargers"),
            ondelete="CASCADE",
        ),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_security_events_charger_id_timestamp_id"),
        "security_events",
        ["charger_id", "timestamp", "id"],
    )
    op.create_table(
        "certificate_requests",
        sa.Column("id", BIG_ID, nullable=False, autoincrement=True),
        sa.Column("charger_id", CHARGER_ID, nullable=False),
        sa.Column("csr", sa.Text(), nullable=False),
        sa.Column("certificate_type", sa.String(40), nullable=False, server_default=""),
        sa.Column("received_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate_requests")),
        sa.ForeignKeyConstraint(
            ["charger_id"],
            ["chargers.id"],
            name=op.f("fk_certificate_requests_charger_id_chargers"),
            ondelete="CASCADE",
        ),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_certificate_requests_charger_id_id"), "certificate_requests", ["charger_id", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_certificate_requests_charger_id_id", table_name="certificate_requests")
    op.drop_table("certificate_requests")
    op.drop_index("ix_security_events_charger_id_timestamp_id", table_name="security_events")
    op.drop_table("security_events")
    op.drop_table("configuration_keys")
    op.drop_table("charging_profiles")
    op.drop_index("ix_chargers_location_id_id", table_name="chargers")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint("fk_chargers_location_id_locations", "chargers", type_="foreignkey")
    # SQLite drops a column with an inline REFERENCES clause without a table rebuild.
    for name in (
        "location_id",
        "local_list_version",
        "status_updated_at",
        "log_status",
        "diagnostics_status",
        "firmware_status",
    ):
        op.drop_column("chargers", name)
    op.drop_table("locations")
