"""What became of a charger's certificate signing request.

``certificate_requests`` gains ``status`` (Pending, Refused, Signed, Accepted, Rejected,
Failed; existing rows stay Pending, which is what they were: kept for an operator), the
``status_reason`` (why: a CA's refusal, a delivery error), the ``certificate_chain`` sent
with CertificateSigned, and ``updated_at``. No CHECK constraint: SQLite could add one only
by rebuilding the table; the store checks the status.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | None = None
depends_on: str | None = None

_COLUMNS = ("updated_at", "certificate_chain", "status_reason", "status")


def upgrade() -> None:
    for column in (
        sa.Column("status", sa.String(16), nullable=False, server_default="Pending"),
        sa.Column("status_reason", sa.Text(), nullable=False, server_default=""),
        sa.Column("certificate_chain", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
    ):
        op.add_column("certificate_requests", column)


def downgrade() -> None:
    for name in _COLUMNS:
        # SQLite (3.35+) drops a column in place (see revision 0011).
        if op.get_bind().dialect.name == "sqlite":
            op.execute(f"ALTER TABLE certificate_requests DROP COLUMN {name}")
        else:
            op.drop_column("certificate_requests", name)
