"""OCPP 2.0.1 station messages: requests the charger reports on by id (firmware, logs,
customer information, display message reports) and the display messages it shows.

Certificate signing requests keep using ``certificate_requests`` (revision 0003), whose
``certificate_type`` now holds the 2.0.1 certificateType.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None

#: Bytewise order on PostgreSQL (SQLite's default is already bytewise).
CHARGER_ID = sa.String(48).with_variant(sa.String(48, collation="C"), "postgresql")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "charger_requests",
        sa.Column("charger_id", CHARGER_ID, nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(40), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("seq_no", sa.Integer(), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint(
            "charger_id", "kind", "request_id", name=op.f("pk_charger_requests")
        ),
        sa.ForeignKeyConstraint(
            ["charger_id"],
            ["chargers.id"],
            name=op.f("fk_charger_requests_charger_id_chargers"),
            ondelete="CASCADE",
        ),
        sa.CheckConstraint(
            "kind IN ('Firmware', 'Log', 'CustomerInformation', 'DisplayMessages')",
            name=op.f("ck_charger_requests_kind"),
        ),
    )
    op.create_index(
        op.f("ix_charger_requests_charger_id_created_at"),
        "charger_requests",
        ["charger_id", "created_at"],
    )
    op.create_table(
        "display_messages",
        sa.Column("charger_id", CHARGER_ID, nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("source", sa.String(8), nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("charger_id", "message_id", name=op.f("pk_display_messages")),
        sa.ForeignKeyConstraint(
            ["charger_id"],
            ["chargers.id"],
            name=op.f("fk_display_messages_charger_id_chargers"),
            ondelete="CASCADE",
        ),
        sa.CheckConstraint(
            "source IN ('csms', 'charger')", name=op.f("ck_display_messages_source")
        ),
    )


def downgrade() -> None:
    op.drop_table("display_messages")
    op.drop_index("ix_charger_requests_charger_id_created_at", table_name="charger_requests")
    op.drop_table("charger_requests")
