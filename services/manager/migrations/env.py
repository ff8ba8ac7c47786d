"""Alembic environment: runs the revisions on the connection handed in by ``migrate``.

``services.manager.store.migrate`` opens an async engine and calls Alembic through
``AsyncConnection.run_sync``, putting the sync ``Connection`` in
``config.attributes["connection"]``. SQLite gets ``render_as_batch`` so ALTERs become
"copy to a new table" operations that SQLite can do.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from services.manager.store._schema import metadata


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("offline (--sql) migrations are not supported: run against a database")
_connection = context.config.attributes.get("connection")
if not isinstance(_connection, Connection):
    raise RuntimeError(
        "run migrations through services.manager.store.migrate or "
        "`python -m services.manager.migrate`, which hand Alembic a connection"
    )
run_migrations(_connection)
