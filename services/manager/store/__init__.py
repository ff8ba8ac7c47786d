"""The manager's persistence: chargers and their connectors.

``ChargerStore`` is the interface handlers and the API depend on; ``SqlChargerStore``
implements it on PostgreSQL (asyncpg) or SQLite (aiosqlite) with the same tables and the
same Alembic migrations, and ``MemoryChargerStore`` in memory for unit tests. Heartbeats
and connector statuses are written behind (buffered, flushed in bulk); see
docs/adr/0005-persistence-and-write-behind.md.

Errors::

    StoreError                 base of every domain error of the store
    ├── InvalidPageToken       a page token that no list call issued  → INVALID_ARGUMENT
    └── StoreUnavailable       the database is unreachable or too slow → UNAVAILABLE
"""

from __future__ import annotations

from ._engine import create_engine, migrate
from ._errors import InvalidPageToken, StoreError, StoreUnavailable
from ._memory import MemoryChargerStore
from ._protocol import ChargerStore
from ._records import OCPP_VERSIONS, BootInfo, ChargerRecord, ConnectorRecord
from ._sql import SqlChargerStore

__all__ = [
    "OCPP_VERSIONS",
    "BootInfo",
    "ChargerRecord",
    "ChargerStore",
    "ConnectorRecord",
    "InvalidPageToken",
    "MemoryChargerStore",
    "SqlChargerStore",
    "StoreError",
    "StoreUnavailable",
    "create_engine",
    "migrate",
]
