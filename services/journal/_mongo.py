"""The journal on MongoDB, through PyMongo's asyncio API (`pymongo.AsyncMongoClient`).

One document per exchange in the collection ``exchanges`` of the URL's database
(``csms`` when the URL names none)::

    _id             the exchange's sequence number (int64): its place in the timeline
    charger_id, node_id, epoch, direction, outcome, action, message_id,
    at_ms, call, answer, answered_at_ms, latency_ms, error_code   the Exchange's fields
    at              BSON date of at_ms: what the TTL index expires on

A timeline is ordered as exchanges were written, not as they began (ADR 0014: a poll
with ``after`` must not miss a long task that ended after the last exchange it saw). SQL
has an auto-increment id for that; MongoDB has none and ObjectIds made by several nodes'
drivers are not in write order, so each batch reserves a range of sequence numbers with
one atomic ``$inc`` on the counter document ``{_id: "exchanges", last: N}`` in
``journal_sequence``, then stores the batch with one unordered ``insert_many``: two round
trips per batch, none per exchange. The number is the ``_id``, so MongoDB's own unique
``_id`` index guards it; a range whose insert failed is a gap, which nothing minds.

Indexes (created by `open`, which is safe to run from every node at once):

    timeline        (charger_id 1, _id -1): a charger's timeline and its pages, either
                    way, time filters included (they read the charger's exchanges from
                    the newest on, as on SQL)
    retention       (at 1) with expireAfterSeconds = the retention; MongoDB deletes
                    expired exchanges itself, so `expire` has nothing to do. A changed
                    retention is applied to the existing index with ``collMod``.

A cursor is the sequence number, packed and base64url-encoded.

Every wait is bounded, by two named timeouts (the constructor's arguments): each
operation as a whole (the driver's client-side operation timeout, ``timeoutMS``: server
selection, waiting for a pooled connection, connecting and every round trip, getMores
included, share one deadline, and the server is told the rest as maxTimeMS), and each
new connection (``connectTimeoutMS``, also what the driver's background monitoring
waits). Options in the URL's query string (``?timeoutMS=...&connectTimeoutMS=...``) win
over them. Driver errors become `JournalError` (`BadCursor` for a foreign cursor).
"""

from __future__ import annotations

import base64
import binascii
import logging
import math
import struct
from collections.abc import Mapping, Sequence
from typing import Any, Final, Self
from urllib.parse import parse_qsl, urlsplit

from bson import Int64
from bson.datetime_ms import DatetimeMS
from bson.errors import BSONError
from pymongo import ASCENDING, DESCENDING, AsyncMongoClient, ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, ConfigurationError, OperationFailure, PyMongoError

from services.common._urls import without_password

from ._model import BadCursor, Direction, Exchange, JournalError, Outcome, Query, Stored

log = logging.getLogger(__name__)

COLLECTION: Final = "exchanges"
SEQUENCE_COLLECTION: Final = "journal_sequence"
DEFAULT_DATABASE: Final = "csms"
TIMELINE_INDEX: Final = "timeline"
TIMELINE_KEYS: Final = [("charger_id", ASCENDING), ("_id", DESCENDING)]
RETENTION_INDEX: Final = "retention"
RETENTION_KEYS: Final = [("at", ASCENDING)]

#: The whole of one operation (insert_many, find with its getMores, createIndexes...):
#: the driver's client-side operation timeout (timeoutMS). Server selection is part of
#: it (PyMongo then ignores serverSelectionTimeoutMS, which is set to the same value for
#: the driver's few waits outside an operation).
OPERATION_TIMEOUT: Final = 10.0
#: How long opening one connection (TCP, TLS, handshake) may take.
CONNECT_TIMEOUT: Final = 5.0

#: Server error codes `open` handles (MongoDB's error_codes.yml).
_INDEX_OPTIONS_CONFLICT: Final = 85
_INDEX_KEY_SPECS_CONFLICT: Final = 86

_CURSOR: Final = struct.Struct(">Bq")  # version, sequence number
_CURSOR_VERSION: Final = 0x6D  # "m": a MongoDB journal's


def encode_cursor(seq: int) -> str:
    """The opaque cursor of the exchange numbered `seq`."""
    return base64.urlsafe_b64encode(_CURSOR.pack(_CURSOR_VERSION, seq)).rstrip(b"=").decode()


def decode_cursor(cursor: str) -> int:
    """The sequence number of a cursor `encode_cursor` made; BadCursor for anything else."""
    try:
        version, seq = _CURSOR.unpack(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, struct.error):
        version, seq = None, 0
    if version != _CURSOR_VERSION or seq < 1 or encode_cursor(seq) != cursor:
        raise BadCursor(
            f"cursor {cursor[:40]!r} was not handed out by this journal: pass back a cursor "
            "from a page of this journal, or none for the newest exchanges"
        )
    return int(seq)


#: The longest expireAfterSeconds MongoDB takes (a 32-bit integer: about 68 years).
MAX_TTL_SECONDS: Final = 2**31 - 1


def ttl_seconds(retention_s: float) -> int:
    """The TTL index's expireAfterSeconds for a retention (whole seconds, at least 1)."""
    if not math.isfinite(retention_s) or retention_s <= 0 or retention_s > MAX_TTL_SECONDS:
        raise ValueError(
            f"the journal's retention must be a positive duration of at most "
            f"{MAX_TTL_SECONDS} s (MongoDB's TTL limit), got {retention_s}"
        )
    return max(1, math.ceil(retention_s))


def client_options(url: str, *, operation_timeout: float, connect_timeout: float) -> dict[str, Any]:
    """The AsyncMongoClient options this journal sets, less those the URL sets itself.

    PyMongo lets keyword options override the URL's; the URL is the operator's, so it
    wins: ours are only defaults.
    """
    given = {key.lower() for key, _ in parse_qsl(urlsplit(url).query)}
    ours = {
        "timeoutMS": round(operation_timeout * 1000),
        "serverSelectionTimeoutMS": round(operation_timeout * 1000),
        "connectTimeoutMS": round(connect_timeout * 1000),
        "appname": "csms-journal",
    }
    return {key: value for key, value in ours.items() if key.lower() not in given}


def _document(seq: int, exchange: Exchange) -> dict[str, Any]:
    return {
        "_id": Int64(seq),
        "charger_id": exchange.charger_id,
        "node_id": exchange.node_id,
        "epoch": exchange.epoch,
        "direction": exchange.direction.value,
        "outcome": exchange.outcome.value,
        "action": exchange.action,
        "message_id": exchange.message_id,
        "at_ms": exchange.at_ms,
        "at": DatetimeMS(exchange.at_ms),
        "call": exchange.call,
        "answer": exchange.answer,
        "answered_at_ms": exchange.answered_at_ms,
        "latency_ms": exchange.latency_ms,
        "error_code": exchange.error_code,
    }


def _stored(doc: Mapping[str, Any]) -> Stored:
    """The document as read back; KeyError/TypeError/ValueError if it is not one of ours."""
    seq = doc["_id"]
    at_ms = doc["at_ms"]
    if not isinstance(seq, int) or not isinstance(at_ms, int):
        raise TypeError("_id or at_ms is not an integer")
    latency = doc.get("latency_ms")
    exchange = Exchange(
        charger_id=str(doc["charger_id"]),
        node_id=str(doc["node_id"]),
        epoch=int(doc["epoch"]),
        direction=Direction(doc["direction"]),
        outcome=Outcome(doc["outcome"]),
        action=str(doc["action"]),
        message_id=str(doc["message_id"]),
        at_ms=at_ms,
        call=doc.get("call"),
        answer=doc.get("answer"),
        answered_at_ms=doc.get("answered_at_ms"),
        latency_ms=None if latency is None else float(latency),
        error_code=str(doc.get("error_code") or ""),
    )
    return Stored(encode_cursor(seq), exchange)


def timeline_filter(query: Query) -> tuple[dict[str, Any], list[tuple[str, int]]]:
    """The find filter and sort of one page (BadCursor for a foreign cursor)."""
    conditions: dict[str, Any] = {"charger_id": query.charger_id}
    if query.actions:
        conditions["action"] = {"$in": list(query.actions)}
    if query.direction is not None:
        conditions["direction"] = query.direction.value
    at_range: dict[str, int] = {}
    if query.since_ms is not None:
        at_range["$gte"] = query.since_ms
    if query.until_ms is not None:
        at_range["$lt"] = query.until_ms
    if at_range:
        conditions["at_ms"] = at_range
    seq_range: dict[str, Int64] = {}
    if query.after is not None:
        seq_range["$gt"] = Int64(decode_cursor(query.after))
    if query.before is not None:
        seq_range["$lt"] = Int64(decode_cursor(query.before))
    if seq_range:
        conditions["_id"] = seq_range
    return conditions, [("_id", ASCENDING if query.after is not None else DESCENDING)]


class MongoJournal:
    """The `Journal` on MongoDB (see the module docstring for the layout).

    `open` connects and creates the indexes; `aclose` closes the client (idempotent).
    """

    def __init__(
        self,
        url: str,
        *,
        retention_s: float,
        operation_timeout: float = OPERATION_TIMEOUT,
        connect_timeout: float = CONNECT_TIMEOUT,
    ) -> None:
        self._url = url
        self._ttl = ttl_seconds(retention_s)
        self._options = client_options(
            url, operation_timeout=operation_timeout, connect_timeout=connect_timeout
        )
        self._client: AsyncMongoClient[dict[str, Any]] | None = None
        self._exchanges: AsyncCollection[dict[str, Any]] | None = None
        self._sequence: AsyncCollection[dict[str, Any]] | None = None

    def __repr__(self) -> str:
        return f"MongoJournal({without_password(self._url)!r})"

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    @property
    def retention_ttl(self) -> int:
        """The expireAfterSeconds the retention index is given."""
        return self._ttl

    async def open(self) -> None:
        if self._client is not None:
            raise RuntimeError(f"{self!r} is already open")
        try:
            client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
                self._url, tz_aware=True, **self._options
            )
        except (ConfigurationError, ValueError, TypeError) as exc:
            raise JournalError(
                f"JOURNAL_URL {without_password(self._url)!r} is not a usable MongoDB URL: {exc}"
            ) from None
        self._client = client
        try:
            database = client.get_default_database(DEFAULT_DATABASE)
            self._exchanges = database[COLLECTION]
            self._sequence = database[SEQUENCE_COLLECTION]
            await self._ensure_indexes(self._exchanges)
        except BaseException:
            await self.aclose()
            raise
        log.info(
            "journal on MongoDB %s, database %s, retention %d s",
            without_password(self._url),
            database.name,
            self._ttl,
        )

    async def _ensure_indexes(self, exchanges: AsyncCollection[dict[str, Any]]) -> None:
        try:
            await exchanges.create_index(TIMELINE_KEYS, name=TIMELINE_INDEX)
            for attempt in (1, 2):
                ttl_index = await self._retention_index(exchanges)
                if ttl_index is None:
                    try:
                        await exchanges.create_index(
                            RETENTION_KEYS, name=RETENTION_INDEX, expireAfterSeconds=self._ttl
                        )
                    except OperationFailure as exc:
                        # Another node created it at the same moment with another
                        # retention: look again and change it.
                        conflict = (_INDEX_OPTIONS_CONFLICT, _INDEX_KEY_SPECS_CONFLICT)
                        if exc.code in conflict and attempt == 1:
                            continue
                        raise
                    return
                name, current = ttl_index
                if current != self._ttl:
                    await exchanges.database.command(
                        "collMod", COLLECTION, index={"name": name, "expireAfterSeconds": self._ttl}
                    )
                    log.warning(
                        "journal retention changed from %s s to %d s (TTL index %r)",
                        current,
                        self._ttl,
                        name,
                    )
                return
        except PyMongoError as exc:
            raise JournalError(
                f"could not create the journal's indexes on {without_password(self._url)}: {exc}"
            ) from exc

    @staticmethod
    async def _retention_index(
        exchanges: AsyncCollection[dict[str, Any]],
    ) -> tuple[str, object] | None:
        """(name, expireAfterSeconds) of the index on `at`, whatever its name, or None."""
        async for index in await exchanges.list_indexes():
            if list(index["key"].items()) == RETENTION_KEYS:
                return str(index["name"]), index.get("expireAfterSeconds")
        return None

    def _collection(self) -> AsyncCollection[dict[str, Any]]:
        if self._exchanges is None:
            raise RuntimeError(f"{self!r} is not open")
        return self._exchanges

    async def _reserve(self, count: int) -> int:
        """The first of `count` new sequence numbers, reserved for this batch alone."""
        assert self._sequence is not None
        counter = await self._sequence.find_one_and_update(
            {"_id": COLLECTION},
            {"$inc": {"last": Int64(count)}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        assert counter is not None  # upsert + AFTER always return the document
        return int(counter["last"]) - count + 1

    async def write(self, exchanges: Sequence[Exchange]) -> None:
        collection = self._collection()
        if not exchanges:
            return
        try:
            first = await self._reserve(len(exchanges))
            documents = [
                _document(seq, exchange) for seq, exchange in enumerate(exchanges, start=first)
            ]
            await collection.insert_many(documents, ordered=False)
        except BulkWriteError as exc:
            details = exc.details
            first = (details.get("writeErrors") or details.get("writeConcernErrors") or [{}])[0]
            raise JournalError(
                f"MongoDB stored {details.get('nInserted', 0)} of {len(exchanges)} exchanges: "
                f"error {first.get('code')} {first.get('errmsg', '')}"
            ) from None
        except (PyMongoError, BSONError) as exc:
            raise JournalError(f"MongoDB did not store {len(exchanges)} exchanges: {exc}") from exc

    async def query(self, query: Query) -> list[Stored]:
        collection = self._collection()
        conditions, sort = timeline_filter(query)
        try:
            cursor = collection.find(conditions, sort=sort, limit=query.limit, hint=TIMELINE_INDEX)
            documents = await cursor.to_list()
        except (PyMongoError, BSONError) as exc:
            raise JournalError(
                f"MongoDB could not read {query.charger_id}'s timeline: {exc}"
            ) from exc
        page = []
        for doc in documents:
            try:
                page.append(_stored(doc))
            except (KeyError, TypeError, ValueError) as exc:
                # One bad document does not break the timeline (ARCHITECTURE: read APIs
                # survive a bad stored row); it is skipped and said.
                log.warning("journal document %s skipped: %r", doc.get("_id"), exc)
        return page

    async def expire(self, older_than_ms: int) -> int:
        """Nothing to do: the TTL index expires exchanges (MongoDB's TTL monitor, once a
        minute), so this deletes nothing and says 0."""
        self._collection()
        return 0

    async def aclose(self) -> None:
        client, self._client = self._client, None
        self._exchanges = self._sequence = None
        if client is not None:
            await client.close()
