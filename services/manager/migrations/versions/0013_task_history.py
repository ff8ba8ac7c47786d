"""The task history (the command outbox): every command sent to a charger.

- ``tasks``: one row per command (one OCPP call to one charger): who asked
  (``requested_by``, the API token's name) and their optional idempotency key
  (``request_id``, unique per caller: NULL when unset, and NULLs never collide on either
  database), the action, payload and the version it was built for, the ``state``
  (queued, sent, answered, call_error, timed_out, aborted, expired), the answer or error,
  and the timings. ``seq`` orders tasks (creation order: queued tasks are delivered in
  it; listings are newest first); ``id`` is the public id. Indexes: a charger's tasks by
  time, queued tasks of a charger, a bulk task's tasks, and tasks by state and deadline
  (the expiry and restart sweeps).
- ``bulk_tasks``: one command to many chargers: what, who, how many, and the chargers it
  was refused for before anything was sent (JSON object charger id → reason).

No CHECK on ``state``: the store checks it, as for the other status columns.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | None = None
depends_on: str | None = None

CHARGER_ID = sa.String(48).with_variant(sa.String(48, collation="C"), "postgresql")
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "tasks",
        sa.Column("seq", BIG_ID, nullable=False, autoincrement=True),
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("charger_id", CHARGER_ID, nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("ocpp_version", sa.String(8), nullable=False),
        sa.Column("payload_json", sa.Text(), nullable=False),
        sa.Column("answer_json", sa.Text(), nullable=True),
        sa.Column("error_code", sa.String(64), nullable=False, server_default=""),
        sa.Column("error_description", sa.Text(), nullable=False, server_default=""),
        sa.Column("requested_by", sa.String(80), nullable=False, server_default=""),
        sa.Column("request_id", sa.String(64), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("sent_at", TIMESTAMP, nullable=True),
        sa.Column("finished_at", TIMESTAMP, nullable=True),
        sa.Column("deliver_by", TIMESTAMP, nullable=True),
        sa.Column("bulk_id", sa.String(32), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_tasks")),
        sa.UniqueConstraint("id", name=op.f("uq_tasks_id")),
        sa.UniqueConstraint(
            "requested_by", "request_id", name=op.f("uq_tasks_requested_by_request_id")
        ),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_tasks_charger_id_seq"), "tasks", ["charger_id", "seq"])
    op.create_index(op.f("ix_tasks_charger_id_state_seq"), "tasks", ["charger_id", "state", "seq"])
    op.create_index(op.f("ix_tasks_bulk_id_seq"), "tasks", ["bulk_id", "seq"])
    op.create_index(op.f("ix_tasks_state_deliver_by"), "tasks", ["state", "deliver_by"])

    op.create_table(
        "bulk_tasks",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("requested_by", sa.String(80), nullable=False, server_default=""),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("refused_json", sa.Text(), nullable=False, server_default="{}"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bulk_tasks")),
    )


def downgrade() -> None:
    op.drop_table("bulk_tasks")
    op.drop_table("tasks")
