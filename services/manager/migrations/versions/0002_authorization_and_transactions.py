"""Id tags, transactions, meter values, transaction anomalies and reservations.

Revision ID: 0002
Revises: 0001
Create Date: 2026-01-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


#: Bytewise order on PostgreSQL (SQLite's default is already bytewise).
CHARGER_ID = sa.String(48).with_variant(sa.String(48, collation="C"), "postgresql")
ID_TAG = sa.String(20).with_variant(sa.String(20, collation="C"), "postgresql")
#: 64-bit ids that autoincrement on SQLite too (only INTEGER PRIMARY KEY aliases rowid).
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "id_tags",
        sa.Column("id_tag", ID_TAG, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("expiry_date", TIMESTAMP, nullable=True),
        sa.Column("parent_id_tag", ID_TAG, nullable=True),
        sa.Column("max_active_transactions", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id_tag", name=op.f("pk_id_tags")),
        sa.ForeignKeyConstraint(
            ["parent_id_tag"],
            ["id_tags.id_tag"],
            name=op.f("fk_id_tags_parent_id_tag_id_tags"),
            ondelete="RESTRICT",
        ),
        sa.CheckConstraint(
            "status IN ('Accepted', 'Blocked', 'Expired', 'Invalid')",
            name=op.f("ck_id_tags_status"),
        ),
    )
    op.create_index(op.f("ix_id_tags_status_id_tag"), "id_tags", ["status", "id_tag"])
    op.create_index(op.f("ix_id_tags_parent_id_tag_id_tag"), "id_tags", ["parent_id_tag", "id_tag"])

    op.create_table(
        "transactions",
        sa.Column("id", BIG_ID, nullable=False, autoincrement=True),
        sa.Column("charger_id", CHARGER_ID, nullable=False),
        sa.Column("connector_id", sa.Integer(), nullable=False),
        sa.Column("id_tag", ID_TAG, nullable=False),
        sa.Column("id_tag_status", sa.String(16), nullable=False),
        sa.Column("stop_id_tag", ID_TAG, nullable=True),
        sa.Column("meter_start", sa.BigInteger(), nullable=False),
        sa.Column("meter_stop", sa.BigInteger(), nullable=True),
        sa.Column("started_at", TIMESTAMP, nullable=False),
        sa.Column("stopped_at", TIMESTAMP, nullable=True),
        sa.Column("stop_reason", sa.String(32), nullable=False, server_default=""),
        sa.Column("reservation_id", sa.Integer(), nullable=True),
        sa.Column("last_energy_wh", sa.Float(), nullable=True),
        sa.Column("last_energy_at", TIMESTAMP, nullable=True),
        sa.Column("start_key", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transactions")),
        sa.ForeignKeyConstraint(
            ["charger_id"], ["chargers.id"], name=op.f("fk_transactions_charger_id_chargers")
        ),
        sa.UniqueConstraint("start_key", name=op.f("uq_transactions_start_key")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_transactions_started_at_id"), "transactions", ["started_at", "id"])
    op.create_index(
        op.f("ix_transactions_charger_id_started_at_id"),
        "transactions",
        ["charger_id", "started_at", "id"],
    )
    op.create_index(
        op.f("ix_transactions_id_tag_started_at_id"), "transactions", ["id_tag", "started_at", "id"]
    )
    op.create_index(
        op.f("ix_transactions_charger_id_connector_id_stopped_at"),
        "transactions",
        ["charger_id", "connector_id", "stopped_at"],
    )
    op.create_index(
        op.f("ix_transactions_id_tag_stopped_at"), "transactions", ["id_tag", "stopped_at"]
    )
    op.create_index(
        "ix_transactions_active_started_at_id",
        "transactions",
        ["started_at", "id"],
        postgresql_where=sa.text("stopped_at IS NULL"),
        sqlite_where=sa.text("stopped_at IS NULL"),
    )

    op.create_table(
        "meter_values",
        sa.Column("id", BIG_ID, nullable=False, autoincrement=True),
        sa.Column("charger_id", CHARGER_ID, nullable=False),
        sa.Column("connector_id", sa.Integer(), nullable=False),
        sa.Column("transaction_id", sa.BigInteger(), nullable=True),
        sa.Column("timestamp", TIMESTAMP, nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column(
            "measurand",
            sa.String(64),
            nullable=False,
            server_default="Energy.Active.Import.Register",
        ),
        sa.Column("phase", sa.String(8), nullable=False, server_default=""),
        sa.Column("unit", sa.String(16), nullable=False, server_default="Wh"),
        sa.Column("context", sa.String(32), nullable=False, server_default="Sample.Periodic"),
        sa.Column("location", sa.String(16), nullable=False, server_default="Outlet"),
        sa.Column("format", sa.String(16), nullable=False, server_default="Raw"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meter_values")),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["transactions.id"],
            name=op.f("fk_meter_values_transaction_id_transactions"),
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        op.f("ix_meter_values_transaction_id_timestamp_id"),
        "meter_values",
        ["transaction_id", "timestamp", "id"],
    )
    op.create_index(
        op.f("ix_meter_values_charger_id_timestamp"), "meter_values", ["charger_id", "timestamp"]
    )

    op.create_table(
        "transaction_anomalies",
        sa.Column("id", BIG_ID, nullable=False, autoincrement=True),
        sa.Column("charger_id", CHARGER_ID, nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("transaction_id", sa.BigInteger(), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("received_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transaction_anomalies")),
    )
    op.create_index(
        op.f("ix_transaction_anomalies_charger_id_id"),
        "transaction_anomalies",
        ["charger_id", "id"],
    )

    op.create_table(
        "reservations",
        sa.Column("id", sa.Integer(), nullable=False, autoincrement=True),
        sa.Column("charger_id", CHARGER_ID, nullable=False),
        sa.Column("connector_id", sa.Integer(), nullable=False),
        sa.Column("id_tag", ID_TAG, nullable=False),
        sa.Column("parent_id_tag", ID_TAG, nullable=False, server_default=""),
        sa.Column("expiry_date", TIMESTAMP, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("charger_status", sa.String(16), nullable=False, server_default=""),
        sa.Column("transaction_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reservations")),
        sa.ForeignKeyConstraint(
            ["charger_id"],
            ["chargers.id"],
            name=op.f("fk_reservations_charger_id_chargers"),
            ondelete="CASCADE",
        ),
        sa.CheckConstraint(
            "state IN ('Pending', 'Accepted', 'Rejected', 'Cancelled', 'Used', 'Expired')",
            name=op.f("ck_reservations_state"),
        ),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_reservations_charger_id_id"), "reservations", ["charger_id", "id"])
    op.create_index(
        op.f("ix_reservations_state_expiry_date"), "reservations", ["state", "expiry_date"]
    )


def downgrade() -> None:
    op.drop_table("reservations")
    op.drop_table("transaction_anomalies")
    op.drop_table("meter_values")
    op.drop_table("transactions")
    op.drop_table("id_tags")
