"""Idempotent events: a retried MeterValues or TransactionEvent stores nothing twice.

- ``meter_values`` gets UNIQUE indexes on what makes a sample the same sample:
  (charger_id, timestamp, connector_id, transaction_id, measurand, phase, context,
  location), partial on ``transaction_id IS NOT NULL``, and the same without
  transaction_id for the unlinked values (NULLs are never equal in a unique index; an
  expression index on COALESCE is not reflected on SQLite). Inserts use ``ON CONFLICT DO
  NOTHING``, so the charger's retry and the original a stalled manager applies late store
  one row. Both start with (charger_id, timestamp), so
  ``ix_meter_values_charger_id_timestamp`` goes. Duplicates stored before are deleted
  first (the oldest row of each is kept).
- ``transaction_events`` is keyed by (transaction_id, seq_no, digest): ``digest`` hashes
  the event's payload, so an event repeating an earlier seqNo with other content (some
  chargers number every event 0) is another event, not a duplicate. Rows stored before
  have digest "". On SQLite the table is rebuilt (nothing references it, so nothing
  cascades).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None

#: What makes a sample the same sample (``_schema.SAMPLE_KEY``, frozen here).
SAMPLE = (
    "charger_id",
    "timestamp",
    "connector_id",
    "transaction_id",
    "measurand",
    "phase",
    "context",
    "location",
)
UNLINKED = tuple(column for column in SAMPLE if column != "transaction_id")


def upgrade() -> None:
    # Duplicates stored before: keep the oldest row of each sample. (A GROUP BY puts NULL
    # transaction ids in one group, as the unlinked index will.)
    op.execute(
        "DELETE FROM meter_values WHERE id NOT IN"
        f" (SELECT MIN(id) FROM meter_values GROUP BY {', '.join(SAMPLE)})"
    )
    for name, columns, where in (
        ("uq_meter_values_sample", SAMPLE, "transaction_id IS NOT NULL"),
        ("uq_meter_values_unlinked_sample", UNLINKED, "transaction_id IS NULL"),
    ):
        op.create_index(
            name,
            "meter_values",
            list(columns),
            unique=True,
            postgresql_where=sa.text(where),
            sqlite_where=sa.text(where),
        )
    op.drop_index("ix_meter_values_charger_id_timestamp", table_name="meter_values")
    with op.batch_alter_table("transaction_events") as batch:
        batch.add_column(sa.Column("digest", sa.String(32), nullable=False, server_default=""))
        batch.drop_constraint("pk_transaction_events", type_="primary")
        batch.create_primary_key("pk_transaction_events", ["transaction_id", "seq_no", "digest"])


def downgrade() -> None:
    # Keeps one event per seqNo (the others were applied and stay applied).
    op.execute(
        "DELETE FROM transaction_events WHERE digest <> '' AND EXISTS (SELECT 1 FROM"
        " transaction_events AS e WHERE e.transaction_id = transaction_events.transaction_id"
        " AND e.seq_no = transaction_events.seq_no AND e.digest < transaction_events.digest)"
    )
    with op.batch_alter_table("transaction_events") as batch:
        batch.drop_constraint("pk_transaction_events", type_="primary")
        batch.create_primary_key("pk_transaction_events", ["transaction_id", "seq_no"])
        batch.drop_column("digest")
    op.create_index(
        "ix_meter_values_charger_id_timestamp", "meter_values", ["charger_id", "timestamp"]
    )
    op.drop_index("uq_meter_values_unlinked_sample", table_name="meter_values")
    op.drop_index("uq_meter_values_sample", table_name="meter_values")
