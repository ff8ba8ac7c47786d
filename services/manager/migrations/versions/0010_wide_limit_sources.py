"""Charging limit sources as wide as OCPP 2.1's: ``source`` columns to 20 characters.

2.0.1's ChargingLimitSourceEnumType has values of at most 5 characters (EMS, Other, SO,
CSO), so ``charging_limits.source`` and ``reported_profiles.source`` were declared 8 wide.
OCPP 2.1 makes chargingLimitSource a string of up to 20 characters (ISO 15118-20 and
local EMS sources), so a valid 2.1 NotifyChargingLimit or ReportChargingProfiles with a
longer source was refused by PostgreSQL. Both widen to 20 on PostgreSQL and SQLite: no
table references either, so SQLite's table rebuild (batch mode) cascades nothing.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | None = None
depends_on: str | None = None

NARROW = sa.String(8)
WIDE = sa.String(20)

#: The tables whose ``source`` column holds a chargingLimitSource.
TABLES = ("charging_limits", "reported_profiles")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.alter_column("source", type_=WIDE, existing_type=NARROW, existing_nullable=False)


def downgrade() -> None:
    # Fails on PostgreSQL while a stored source is longer than 8 characters: delete those
    # rows first (truncating would merge sources that differ only after the 8th).
    for table in reversed(TABLES):
        with op.batch_alter_table(table) as batch:
            batch.alter_column("source", type_=NARROW, existing_type=WIDE, existing_nullable=False)
