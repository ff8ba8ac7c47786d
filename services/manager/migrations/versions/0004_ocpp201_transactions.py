"""OCPP 2.0.1 transactions (TransactionEvent): charger transaction ids, EVSE, sequence numbers.

2.0.1 transactions live in ``transactions`` beside 1.6 ones (the CSMS-issued id stays the
key): the charger's transactionId (unique per charger, as a unique index, which SQLite can
add to an existing table), remoteStartId, offline flag, idToken type, charging state,
highest seqNo, the time of the meter_start reading and the OCPP version (existing rows:
1.6). ``transaction_events`` keeps one
row per (transaction, seqNo) so a repeated event is recognised. ``id_tag``/``stop_id_tag``
widen to 255 characters (2.1 idToken) on PostgreSQL; SQLite does not enforce declared
lengths and a table rebuild would cascade-delete the meter values, so there they stay.
``meter_values`` gains ``signed_data`` (2.0.1 signedMeterValue) and, on PostgreSQL, a
20-character ``unit`` (2.0.1 UnitOfMeasure.unit).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

TIMESTAMP = sa.DateTime(timezone=True)
ID_TAG = sa.String(20).with_variant(sa.String(20, collation="C"), "postgresql")
ID_TOKEN = sa.String(255).with_variant(sa.String(255, collation="C"), "postgresql")


def upgrade() -> None:
    columns: list[sa.Column[Any]] = [
        sa.Column("charger_transaction_id", sa.String(36), nullable=True),
        sa.Column("remote_start_id", sa.Integer(), nullable=True),
        sa.Column("offline", sa.Boolean(), nullable=False, server_default=sa.text("false")),
        sa.Column("id_token_type", sa.String(20), nullable=False, server_default=""),
        sa.Column("charging_state", sa.String(16), nullable=False, server_default=""),
        sa.Column("last_seq_no", sa.BigInteger(), nullable=True),
        sa.Column("ocpp_version", sa.String(8), nullable=False, server_default="1.6"),
        sa.Column("meter_start_at", TIMESTAMP, nullable=True),
    ]
    for column in columns:
        op.add_column("transactions", column)
    if op.get_bind().dialect.name == "postgresql":
        for name in ("id_tag", "stop_id_tag"):
            op.alter_column("transactions", name, type_=ID_TOKEN, existing_type=ID_TAG)
    op.create_index(
        op.f("ix_transactions_charger_id_charger_transaction_id"),
        "transactions",
        ["charger_id", "charger_transaction_id"],
        unique=True,
    )
    op.create_index(
        op.f("ix_transactions_charger_id_remote_start_id"),
        "transactions",
        ["charger_id", "remote_start_id"],
    )
    op.add_column("meter_values", sa.Column("signed_data", sa.Text(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("meter_values", "unit", type_=sa.String(20), existing_type=sa.String(16))
    op.create_table(
        "transaction_events",
        sa.Column("transaction_id", sa.BigInteger(), nullable=False),
        sa.Column("seq_no", sa.BigInteger(), nullable=False),
        sa.Column("event_type", sa.String(8), nullable=False),
        sa.Column("trigger_reason", sa.String(32), nullable=False),
        sa.Column("offline", sa.Boolean(), nullable=False),
        sa.Column("timestamp", TIMESTAMP, nullable=False),
        sa.Column("id_token_status", sa.String(16), nullable=False, server_default=""),
        sa.PrimaryKeyConstraint("transaction_id", "seq_no", name=op.f("pk_transaction_events")),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["transactions.id"],
            name=op.f("fk_transaction_events_transaction_id_transactions"),
            ondelete="CASCADE",
        ),
    )


def downgrade() -> None:
    op.drop_table("transaction_events")
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("meter_values", "unit", type_=sa.String(16), existing_type=sa.String(20))
    op.drop_column("meter_values", "signed_data")
    op.drop_index(op.f("ix_transactions_charger_id_remote_start_id"), "transactions")
    op.drop_index(op.f("ix_transactions_charger_id_charger_transaction_id"), "transactions")
    if op.get_bind().dialect.name == "postgresql":
        for name in ("id_tag", "stop_id_tag"):
            op.alter_column("transactions", name, type_=ID_TAG, existing_type=ID_TOKEN)
    for name in (
        "meter_start_at",
        "ocpp_version",
        "last_seq_no",
        "charging_state",
        "id_token_type",
        "offline",
        "remote_start_id",
        "charger_transaction_id",
    ):
        op.drop_column("transactions", name)
