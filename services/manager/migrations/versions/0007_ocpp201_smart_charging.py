"""OCPP 2.0.1 smart charging reports: charging limits, EV charging needs, reported profiles.

``charging_limits`` holds the external limits a charger reported (NotifyChargingLimit)
per EVSE and source until it reports them cleared; ``ev_charging_needs`` the latest
NotifyEVChargingNeeds per EVSE; ``charging_profile_reports`` and
``reported_profiles`` the profiles a charger reported (ReportChargingProfiles)
per GetChargingProfiles request id. Profiles the CSMS installed stay in
``charging_profiles`` (revision 0003), for 1.6 and 2.0.1 alike.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None

#: Bytewise order on PostgreSQL (SQLite's default is already bytewise).
CHARGER_ID = sa.String(48).with_variant(sa.String(48, collation="C"), "postgresql")
TIMESTAMP = sa.DateTime(timezone=True)


def _charger_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["charger_id"],
        ["chargers.id"],
        name=op.f(f"fk_{table}_charger_id_chargers"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "charging_limits",
        sa.Column("charger_id", CHARGER_ID, nullable=False),
        sa.Column("evse_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(8), nullable=False),
        sa.Column("is_grid_critical", sa.Boolean(), nullable=True),
        sa.Column("schedules", sa.Text(), nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("charger_id", "evse_id", "source", name=op.f("pk_charging_limits")),
        _charger_fk("charging_limits"),
    )
    op.create_table(
        "ev_charging_needs",
        sa.Column("charger_id", CHARGER_ID, nullable=False),
        sa.Column("evse_id", sa.Integer(), nullable=False),
        sa.Column("requested_energy_transfer", sa.String(16), nullable=False),
        sa.Column("departure_time", TIMESTAMP, nullable=True),
        sa.Column("max_schedule_tuples", sa.Integer(), nullable=True),
        sa.Column("needs", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("received_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("charger_id", "evse_id", name=op.f("pk_ev_charging_needs")),
        _charger_fk("ev_charging_needs"),
    )
    op.create_table(
        "charging_profile_reports",
        sa.Column("charger_id", CHARGER_ID, nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint(
            "charger_id", "request_id", name=op.f("pk_charging_profile_reports")
        ),
        _charger_fk("charging_profile_reports"),
    )
    op.create_index(
        op.f("ix_charging_profile_reports_charger_id_created_at"),
        "charging_profile_reports",
        ["charger_id", "created_at"],
    )
    op.create_table(
        "reported_profiles",
        sa.Column("charger_id", CHARGER_ID, nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("evse_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(8), nullable=False),
        sa.Column("charging_profile_id", sa.Integer(), nullable=False),
        sa.Column("profile", sa.Text(), nullable=False),
        sa.Column("received_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint(
            "charger_id",
            "request_id",
            "evse_id",
            "source",
            "charging_profile_id",
            name=op.f("pk_reported_profiles"),
        ),
        sa.ForeignKeyConstraint(
            ["charger_id", "request_id"],
            ["charging_profile_reports.charger_id", "charging_profile_reports.request_id"],
            name=op.f("fk_reported_profiles_charger_id_charging_profile_reports"),
            ondelete="CASCADE",
        ),
    )


def downgrade() -> None:
    op.drop_table("reported_profiles")
    op.drop_index(
        "ix_charging_profile_reports_charger_id_created_at",
        table_name="charging_profile_reports",
    )
    op.drop_table("charging_profile_reports")
    op.drop_table("ev_charging_needs")
    op.drop_table("charging_limits")
