"""The frame journal: every OCPP-J frame a node exchanges with its chargers, as exchanges
(a CALL with its answer and latency), on MongoDB in a deployment or SQL (docs/adr/0014).

The node builds one `Exchange` when an exchange ends and hands it to a `JournalWriter`,
which writes batches to the `Journal` that `open_journal` picks by JOURNAL_URL; the
manager reads a charger's timeline with `Journal.query`.
"""

from services.journal._frames import (
    REDACTED,
    cut,
    redact_malformed,
    redact_request,
    redact_response,
)
from services.journal._model import (
    MAX_QUERY_LIMIT,
    BadCursor,
    Direction,
    Exchange,
    Journal,
    JournalError,
    Outcome,
    Query,
    Stored,
)
from services.journal._open import (
    DEFAULT_RETENTION_S,
    JOURNAL_OFF,
    JournalSettings,
    env_duration,
    open_journal,
    parse_duration,
)
from services.journal._writer import JournalWriter

__all__ = [
    "DEFAULT_RETENTION_S",
    "JOURNAL_OFF",
    "MAX_QUERY_LIMIT",
    "REDACTED",
    "BadCursor",
    "Direction",
    "Exchange",
    "Journal",
    "JournalError",
    "JournalSettings",
    "JournalWriter",
    "Outcome",
    "Query",
    "Stored",
    "cut",
    "env_duration",
    "open_journal",
    "parse_duration",
    "redact_malformed",
    "redact_request",
    "redact_response",
]
