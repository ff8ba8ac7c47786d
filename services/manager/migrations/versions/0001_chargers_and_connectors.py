"""Chargers and their connectors.

Revision ID: 0001
Revises:
Create Date: 2026-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


#: Bytewise order for charger ids on PostgreSQL (SQLite's default is already bytewise).
CHARGER_ID = sa.String(48).with_variant(sa.String(48, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "chargers",
        sa.Column("id", CHARGER_ID, nullable=False),
        sa.Column("vendor", sa.Text(), nullable=False, server_default=""),
        sa.Column("model", sa.Text(), nullable=False, server_default=""),
        sa.Column("serial_number", sa.Text(), nullable=False, server_default=""),
        sa.Column("firmware_version", sa.Text(), nullable=False, server_default=""),
        sa.Column("ocpp_version", sa.String(8), nullable=False),
        sa.Column("boot_status", sa.String(16), nullable=False, server_default=""),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_boot_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chargers")),
        sa.CheckConstraint(
            "ocpp_version IN ('1.6', '2.0.1', '2.1')", name=op.f("ck_chargers_ocpp_version")
        ),
    )
    op.create_table(
        "connectors",
        sa.Column("charger_id", CHARGER_ID, nullable=False),
        sa.Column("evse_id", sa.Integer(), nullable=False),
        sa.Column("connector_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("error_code", sa.Text(), nullable=False, server_default=""),
        sa.Column("info", sa.Text(), nullable=False, server_default=""),
        sa.Column("vendor_error_code", sa.Text(), nullable=False, server_default=""),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "charger_id", "evse_id", "connector_id", name=op.f("pk_connectors")
        ),
        sa.ForeignKeyConstraint(
            ["charger_id"],
            ["chargers.id"],
            name=op.f("fk_connectors_charger_id_chargers"),
            ondelete="CASCADE",
        ),
    )
    op.create_index(op.f("ix_connectors_status_charger_id"), "connectors", ["status", "charger_id"])


def downgrade() -> None:
    op.drop_index("ix_connectors_status_charger_id", table_name="connectors")
    op.drop_table("connectors")
    op.drop_table("chargers")
