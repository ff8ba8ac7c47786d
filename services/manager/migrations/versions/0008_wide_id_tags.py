"""Id tags as wide as 2.0.1/2.1 idTokens: ``id_tags`` and ``reservations`` to 255 characters.

2.0.1 idTokens are up to 36 characters and 2.1 ones up to 255, but ``id_tags`` kept the
OCPP 1.6 IdToken's 20, so a 2.0.1 token longer than that could never be created and was
always answered Unknown. ``id_tags.id_tag``/``parent_id_tag`` and the copies a
reservation sends (``reservations.id_tag``/``parent_id_tag``) widen to 255 characters on
PostgreSQL, as revision 0004 did for ``transactions``. SQLite does not enforce declared
lengths and a table rebuild would cascade-delete rows, so there they stay (the stores
check lengths). What a 1.6 charger can carry (20) is checked where a command sends a tag.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None

ID_TAG = sa.String(20).with_variant(sa.String(20, collation="C"), "postgresql")
ID_TOKEN = sa.String(255).with_variant(sa.String(255, collation="C"), "postgresql")

#: The columns that hold an id tag, widened on PostgreSQL.
COLUMNS = (
    ("id_tags", "id_tag"),
    ("id_tags", "parent_id_tag"),
    ("reservations", "id_tag"),
    ("reservations", "parent_id_tag"),
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, name in COLUMNS:
            op.alter_column(table, name, type_=ID_TOKEN, existing_type=ID_TAG)


def downgrade() -> None:
    # Fails on PostgreSQL while any stored tag is longer than 20 characters: delete or
    # shorten those first (truncating would silently merge or corrupt tags).
    if op.get_bind().dialect.name == "postgresql":
        for table, name in reversed(COLUMNS):
            op.alter_column(table, name, type_=ID_TAG, existing_type=ID_TOKEN)
