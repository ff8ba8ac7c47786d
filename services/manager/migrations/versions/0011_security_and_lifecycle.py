"""Security and the charger lifecycle: charger credentials and status, API tokens, audit log.

- ``chargers`` gains what an operator configures: the OCPP ``security_profile`` (0 to 3),
  the Basic auth ``password_hash`` (argon2id; never the password) and
  ``new_password_hash`` (a rotation the charger accepted but has not yet connected with:
  both passwords work until it does), the ``registration_status`` answered at
  BootNotification (Accepted, Pending, Rejected), a ``description`` and ``retired_at``
  (set while the charger is retired; its rows stay). Existing chargers keep working as
  they did: profile 0, Accepted. No CHECK constraints: SQLite could only add them by
  rebuilding ``chargers``, which cascades deletes (see revision 0003); the store checks.
- ``api_tokens``: operator bearer tokens, stored as the SHA-256 of the secret (the secret
  is 256 random bits, so a slow hash adds nothing), with a role and a revocation time.
- ``audit_log``: who did what, when, to which charger, and the outcome.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | None = None
depends_on: str | None = None

CHARGER_ID = sa.String(48).with_variant(sa.String(48, collation="C"), "postgresql")
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    for column in (
        sa.Column("security_profile", sa.SmallInteger(), nullable=False, server_default="0"),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("new_password_hash", sa.Text(), nullable=True),
        sa.Column("registration_status", sa.String(16), nullable=False, server_default="Accepted"),
        sa.Column("description", sa.Text(), nullable=False, server_default=""),
        sa.Column("retired_at", TIMESTAMP, nullable=True),
    ):
        op.add_column("chargers", column)

    op.create_table(
        "api_tokens",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("role", sa.String(8), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False, server_default=""),
        sa.Column("revoked_at", TIMESTAMP, nullable=True),
        sa.Column("last_used_at", TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
        sa.CheckConstraint(
            "role IN ('viewer', 'operator', 'admin')", name=op.f("ck_api_tokens_role")
        ),
    )

    op.create_table(
        "audit_log",
        sa.Column("id", BIG_ID, nullable=False, autoincrement=True),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("role", sa.String(8), nullable=False, server_default=""),
        sa.Column("action", sa.String(80), nullable=False),
        sa.Column("charger_id", CHARGER_ID, nullable=False, server_default=""),
        sa.Column("target", sa.Text(), nullable=False, server_default=""),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False, server_default=""),
        sa.Column("source", sa.String(80), nullable=False, server_default=""),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_audit_log_charger_id_id"), "audit_log", ["charger_id", "id"])
    op.create_index(op.f("ix_audit_log_actor_id"), "audit_log", ["actor", "id"])
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"])


def downgrade() -> None:
    op.drop_table("audit_log")
    op.drop_table("api_tokens")
    for name in (
        "retired_at",
        "description",
        "registration_status",
        "new_password_hash",
        "password_hash",
        "security_profile",
    ):
        # SQLite (3.35+) drops a column in place; batch mode would rebuild ``chargers``,
        # whose drop cascades to every table that references it.
        if op.get_bind().dialect.name == "sqlite":
            op.execute(f"ALTER TABLE chargers DROP COLUMN {name}")
        else:
            op.drop_column("chargers", name)
