"""OCPP 2.0.1 device model: components, variables, attributes, characteristics, monitors.

``device_variables`` holds one row per attribute of a component's variable, with the
variable's characteristics; ``device_reports`` and ``device_report_parts`` stage the parts
of a NotifyReport until the report is complete; ``device_monitors`` and ``device_events``
hold the monitors and the recent NotifyEvent events.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

#: Bytewise order on PostgreSQL (SQLite's default is already bytewise).
CHARGER_ID = sa.String(48).with_variant(sa.String(48, collation="C"), "postgresql")
DEVICE_NAME = sa.String(50).with_variant(sa.String(50, collation="C"), "postgresql")
#: 64-bit ids that autoincrement on SQLite too (only INTEGER PRIMARY KEY aliases rowid).
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)
FALSE = sa.text("false")


def _charger_key(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["charger_id"],
        ["chargers.id"],
        name=op.f(f"fk_{table}_charger_id_chargers"),
        ondelete="CASCADE",
    )


def _component_variable() -> list[sa.Column[object]]:
    return [
        sa.Column("component", DEVICE_NAME, nullable=False),
        sa.Column("component_instance", DEVICE_NAME, nullable=False, server_default=""),
        sa.Column("evse_id", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("connector_id", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("variable", DEVICE_NAME, nullable=False),
        sa.Column("variable_instance", DEVICE_NAME, nullable=False, server_default=""),
    ]


def upgrade() -> None:
    op.create_table(
        "device_variables",
        sa.Column("charger_id", CHARGER_ID, nullable=False),
        *_component_variable(),
        sa.Column("attribute_type", sa.String(8), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("mutability", sa.String(10), nullable=False, server_default=""),
        sa.Column("persistent", sa.Boolean(), nullable=False, server_default=FALSE),
        sa.Column("constant", sa.Boolean(), nullable=False, server_default=FALSE),
        sa.Column("data_type", sa.String(16), nullable=False, server_default=""),
        sa.Column("unit", sa.String(16), nullable=False, server_default=""),
        sa.Column("min_limit", sa.Float(), nullable=True),
        sa.Column("max_limit", sa.Float(), nullable=True),
        sa.Column("values_list", sa.Text(), nullable=False, server_default=""),
        sa.Column("supports_monitoring", sa.Boolean(), nullable=False, server_default=FALSE),
        sa.Column("value_source", sa.String(8), nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint(
            "charger_id",
            "component",
            "component_instance",
            "evse_id",
            "connector_id",
            "variable",
            "variable_instance",
            "attribute_type",
            name=op.f("pk_device_variables"),
        ),
        _charger_key("device_variables"),
        sa.CheckConstraint(
            "attribute_type IN ('Actual', 'Target', 'MinSet', 'MaxSet')",
            name=op.f("ck_device_variables_attribute_type"),
        ),
    )
    op.create_table(
        "device_reports",
        sa.Column("charger_id", CHARGER_ID, nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("requested_at", TIMESTAMP, nullable=False),
        sa.Column("completed_at", TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("charger_id", "request_id", name=op.f("pk_device_reports")),
        _charger_key("device_reports"),
    )
    op.create_table(
        "device_report_parts",
        sa.Column("charger_id", CHARGER_ID, nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("seq_no", sa.Integer(), nullable=False),
        sa.Column("is_last", sa.Boolean(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("received_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint(
            "charger_id", "request_id", "seq_no", name=op.f("pk_device_report_parts")
        ),
        sa.ForeignKeyConstraint(
            ["charger_id", "request_id"],
            ["device_reports.charger_id", "device_reports.request_id"],
            name=op.f("fk_device_report_parts_charger_id_device_reports"),
            ondelete="CASCADE",
        ),
    )
    op.create_table(
        "device_monitors",
        sa.Column("charger_id", CHARGER_ID, nullable=False),
        sa.Column("monitor_id", sa.Integer(), nullable=False),
        *_component_variable(),
        sa.Column("type", sa.String(24), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("severity", sa.Integer(), nullable=False),
        sa.Column("transaction_only", sa.Boolean(), nullable=False, server_default=FALSE),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("charger_id", "monitor_id", name=op.f("pk_device_monitors")),
        _charger_key("device_monitors"),
    )
    op.create_table(
        "device_events",
        sa.Column("id", BIG_ID, nullable=False, autoincrement=True),
        sa.Column("charger_id", CHARGER_ID, nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("timestamp", TIMESTAMP, nullable=False),
        sa.Column("event_trigger", sa.String(16), nullable=False),
        sa.Column("cause", sa.Integer(), nullable=True),
        sa.Column("actual_value", sa.Text(), nullable=False, server_default=""),
        sa.Column("tech_code", sa.String(50), nullable=False, server_default=""),
        sa.Column("tech_info", sa.Text(), nullable=False, server_default=""),
        sa.Column("cleared", sa.Boolean(), nullable=False, server_default=FALSE),
        sa.Column("transaction_id", sa.String(36), nullable=False, server_default=""),
        *_component_variable(),
        sa.Column("variable_monitoring_id", sa.Integer(), nullable=True),
        sa.Column("notification_type", sa.String(24), nullable=False),
        sa.Column("received_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_device_events")),
        _charger_key("device_events"),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_device_events_charger_id_id"), "device_events", ["charger_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_device_events_charger_id_id", table_name="device_events")
    op.drop_table("device_events")
    op.drop_table("device_monitors")
    op.drop_table("device_report_parts")
    op.drop_table("device_reports")
    op.drop_table("device_variables")
