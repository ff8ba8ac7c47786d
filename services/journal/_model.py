"""What the journal stores and the interface every backend implements.

One record is one **exchange**: a CALL and the frame that answered it (CALLRESULT or
CALLERROR), correlated by the node, which sees both and times them. A frame that is not
part of a complete exchange is still a record of its own: a malformed frame (with the
CallError the node answered it with, if any), an answer to a call nobody is waiting for,
a call that got no answer (timed out, connection closed). See docs/adr/0014.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

#: The most exchanges one `Query` returns.
MAX_QUERY_LIMIT = 1000


class Direction(StrEnum):
    """Who sent the CALL of an exchange."""

    CHARGER = "charger"  # charger → CSMS (BootNotification, Heartbeat, ...)
    CSMS = "csms"  # CSMS → charger: a task (Reset, RemoteStart, ...)


class Outcome(StrEnum):
    """How an exchange ended."""

    RESULT = "result"  # answered with a CALLRESULT
    ERROR = "error"  # answered with a CALLERROR (`error_code` says which)
    NO_ANSWER = "no_answer"  # timed out or the connection closed first (`error_code` says)
    MALFORMED = "malformed"  # the charger's frame was not valid OCPP-J; `answer` is the
    #                          node's CallError if it sent one
    UNSOLICITED = "unsolicited"  # an answer to no call the CSMS was waiting for


@dataclass(slots=True)
class Exchange:
    """One CALL and its answer, or one frame that is not part of a complete exchange.

    Frames are the OCPP-J text exactly as it crossed the websocket (secrets redacted, a
    frame over the journal's size limit cut); `None` where there is no such frame.

    Treat as immutable. It is not a frozen dataclass only because the node builds one
    per exchange on the charger's path, and a frozen one costs 2.5 times as much to make
    (``object.__setattr__`` per field).
    """

    charger_id: str
    node_id: str
    epoch: int  # the connection's epoch (registry)
    direction: Direction
    outcome: Outcome
    action: str  # the CALL's action; "" when unknown (malformed, unsolicited)
    message_id: str  # "" when it could not be read from a malformed frame
    at_ms: int  # Unix ms of the first frame (the CALL; else the one frame)
    call: str | None = None  # the CALL frame
    answer: str | None = None  # the CALLRESULT / CALLERROR frame
    answered_at_ms: int | None = None
    latency_ms: float | None = None  # answer time - call time, as the node measured it
    error_code: str = ""  # CALLERROR code, or why there was no answer ("Timeout", ...)


@dataclass(slots=True, frozen=True)
class Stored:
    """An exchange as read back, with the opaque cursor that orders it in its charger's
    timeline (newer exchanges have greater cursors; compare only through the backend)."""

    cursor: str
    exchange: Exchange


@dataclass(slots=True, frozen=True)
class Query:
    """One page of one charger's timeline.

    Newest first, older than `before` when given. With `after`, the exchanges newer than
    that cursor, oldest first (what `--follow` and the UI's live view poll with).
    """

    charger_id: str
    actions: tuple[str, ...] = ()  # any of these actions; () = all
    direction: Direction | None = None
    since_ms: int | None = None  # at_ms >= since_ms
    until_ms: int | None = None  # at_ms < until_ms
    before: str | None = None
    after: str | None = None
    limit: int = 50

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= MAX_QUERY_LIMIT:
            raise ValueError(
                f"limit is {self.limit}: a page holds 1 to {MAX_QUERY_LIMIT} exchanges"
            )


class JournalError(Exception):
    """The journal's store failed (unreachable, refused a write, bad cursor...)."""


class BadCursor(JournalError, ValueError):
    """A cursor that this journal did not hand out."""


class Journal(Protocol):
    """A journal backend: MongoDB (`_mongo.py`) or SQL (`_sql.py`); `open_journal(url)`
    picks one by URL. Writes come in batches from the `JournalWriter`, never per frame."""

    async def open(self) -> None:
        """Connect and create what is missing (tables, indexes, the retention TTL)."""

    async def write(self, exchanges: Sequence[Exchange]) -> None:
        """Store a batch; raise JournalError if it was not stored."""

    async def query(self, query: Query) -> list[Stored]:
        """One page of a charger's timeline (see `Query`); BadCursor for a foreign cursor."""

    async def expire(self, older_than_ms: int) -> int:
        """Delete exchanges with at_ms < older_than_ms; how many (0 where the store
        expires them itself, as MongoDB's TTL index does)."""

    async def aclose(self) -> None: ...
