"""Tables of the operators: API tokens (revision 0011) and the audit log; on the metadata of
``_schema``.
"""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    Index,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from ._schema import BIG_ID, CHARGER_ID, UtcDateTime, metadata

__all__ = ["api_tokens", "audit_log"]

#: Operator bearer tokens (revision 0011): the SHA-256 of the secret, never the secret.
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", String(32), nullable=False),  # public id ("tok_..."), for listing and revoking
    Column("name", String(64), nullable=False),
    Column("role", String(8), nullable=False),
    Column("token_hash", String(64), nullable=False),  # hex SHA-256 of the secret
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by", String(64), nullable=False, server_default=""),
    Column("revoked_at", UtcDateTime, nullable=True),
    Column("last_used_at", UtcDateTime, nullable=True),
    PrimaryKeyConstraint("id"),
    UniqueConstraint("token_hash"),
    CheckConstraint("role IN ('viewer', 'operator', 'admin')", name="role"),
)

#: Who did what, when, to which charger, and the outcome (revision 0011). Append-only.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BIG_ID, nullable=False, autoincrement=True),
    Column("at", UtcDateTime, nullable=False),
    Column("actor", String(80), nullable=False),  # token name, "charger:<id>" or "anonymous"
    Column("role", String(8), nullable=False, server_default=""),
    Column("action", String(80), nullable=False),  # "ChargerService/Reset", "charger.login"
    Column("charger_id", CHARGER_ID, nullable=False, server_default=""),
    Column("target", Text, nullable=False, server_default=""),
    Column("outcome", String(32), nullable=False),  # "OK" or a gRPC status code name
    Column("detail", Text, nullable=False, server_default=""),
    Column("source", String(80), nullable=False, server_default=""),
    PrimaryKeyConstraint("id"),
    # A charger's entries, an actor's entries, newest first; the time filter.
    Index(None, "charger_id", "id"),
    Index(None, "actor", "id"),
    Index(None, "at"),
    sqlite_autoincrement=True,
)
