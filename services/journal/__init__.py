"""The frame journal: every OCPP-J frame a node exchanges with its chargers, as exchanges
(a CALL with its answer and latency), on MongoDB in a deployment or SQL (docs/adr/0014)."""

from services.journal._model import (
    BadCursor,
    Direction,
    Exchange,
    Journal,
    JournalError,
    Outcome,
    Query,
    Stored,
)

__all__ = [
    "BadCursor",
    "Direction",
    "Exchange",
    "Journal",
    "JournalError",
    "Outcome",
    "Query",
    "Stored",
]
