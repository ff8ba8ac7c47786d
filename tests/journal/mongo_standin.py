"""A MongoDB stand-in for the journal's tests: NOT a MongoDB, a small strict imitation.

No MongoDB server can be installed on these machines, so when MONGO_URL is not set the
Mongo journal's tests run against this. It answers PyMongo over the real wire protocol
(OP_MSG, through `mockupdb`'s server), so the driver's whole path runs: the handshake,
BSON encoding and decoding, command building, sessions, cursors and getMore, and the
driver's error handling of server replies. Behind the wire it keeps documents in memory
and implements only what `services.journal._mongo` sends, and only in the shapes it
sends them:

    hello / ismaster, ping, endSessions      handshake and monitoring (a standalone)
    insert                                   appends (duplicate _id -> error 11000)
    findAndModify                            {_id: x} with {$inc: ...}, upsert, new: the
                                             journal's sequence counter
    find (hint required), getMore, killCursors
        filters: equality, $in, $gt, $gte, $lt, $lte, $or, $and on top-level fields;
        the sort (if any) must be one the hinted index serves (its keys after the fields the
        filter fixes by equality, forwards or backwards); first batch 101 or batchSize
    createIndexes, listIndexes, collMod (an index's expireAfterSeconds)
    dropDatabase                             the tests' clean-up

Anything else, a field of a command it does not know, an operator it does not implement
or a comparison between values of different types is recorded in `unexpected` and
answered with an error, and the tests fail on any entry there: the stand-in cannot
quietly accept a request a real server would treat differently. What it cannot check
(the query planner, the TTL monitor deleting documents, MongoDB's full comparison
rules, authentication, replica sets) only a real MongoDB checks: set MONGO_URL
(docs/journal-mongodb.md).
"""

from __future__ import annotations

import datetime
import itertools
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bson import Int64
from mockupdb import MockupDB, OpMsg

#: Fields the driver adds to any command (session, read preference, the operation's
#: remaining time from timeoutMS); everything else must be known per command.
_ENVELOPE = frozenset({"$db", "lsid", "$readPreference", "maxTimeMS", "$clusterTime"})
#: The first batch of a find without batchSize, as MongoDB sends it.
DEFAULT_FIRST_BATCH = 101
#: MongoDB 8.0 (pymongo 4.20 needs at least 9: MongoDB 4.4).
MAX_WIRE_VERSION = 25

# MongoDB's error codes (error_codes.yml) the stand-in answers with.
NAMESPACE_NOT_FOUND = 26
INDEX_NOT_FOUND = 27
CURSOR_NOT_FOUND = 43
INDEX_OPTIONS_CONFLICT = 85
DUPLICATE_KEY = 11000
_UNSUPPORTED = 115  # CommandNotSupported: what the stand-in answers a shape it does not know


class Unsupported(Exception):
    """A request the stand-in does not implement (recorded, and the test fails)."""


@dataclass
class Collection:
    """One collection: its documents in insertion order and its indexes by name."""

    documents: list[dict[str, Any]] = field(default_factory=list)
    indexes: dict[str, dict[str, Any]] = field(  # name -> spec; MongoDB makes _id_ with it
        default_factory=lambda: {"_id_": {"v": 2, "key": {"_id": 1}, "name": "_id_"}}
    )


@dataclass
class _Cursor:
    namespace: str
    remaining: list[dict[str, Any]]


def _known(doc: Mapping[str, Any], allowed: Iterable[str]) -> None:
    extra = set(doc) - _ENVELOPE - set(allowed)
    if extra:
        raise Unsupported(f"fields {sorted(extra)}")


def _comparable(a: Any, b: Any) -> bool:
    numbers = (int, float)
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b)
    if isinstance(a, numbers) and isinstance(b, numbers):
        return True
    return type(a) is type(b)


def _compare(op: str, value: Any, operand: Any) -> bool:
    if value is None:
        return False  # a missing field matches no range (MongoDB's type bracketing)
    if not _comparable(value, operand):
        raise Unsupported(f"{op} between {type(value).__name__} and {type(operand).__name__}")
    if op == "$gt":
        return bool(value > operand)
    if op == "$gte":
        return bool(value >= operand)
    if op == "$lt":
        return bool(value < operand)
    return bool(value <= operand)


_RANGE = ("$gt", "$gte", "$lt", "$lte")


def check_filter(condition: Mapping[str, Any]) -> None:
    """Raise Unsupported unless the filter is in the subset this stand-in implements."""
    for key, expected in condition.items():
        if key in ("$or", "$and"):
            if not isinstance(expected, list) or not expected:
                raise Unsupported(f"{key} of {expected!r}")
            for part in expected:
                check_filter(part)
        elif key.startswith("$") or "." in key:
            raise Unsupported(f"filter key {key!r}")
        elif isinstance(expected, Mapping):
            if not expected:
                raise Unsupported(f"equality with an empty document on {key!r}")
            for op, operand in expected.items():
                if op == "$in" and isinstance(operand, list):
                    continue
                if op not in _RANGE or isinstance(operand, (Mapping, list)):
                    raise Unsupported(f"{op!r} on {key!r}")
        elif isinstance(expected, list):
            raise Unsupported(f"equality with an array on {key!r}")


def _equal(value: Any, expected: Any) -> bool:
    if value is not None and expected is not None and not _comparable(value, expected):
        raise Unsupported(f"{type(value).__name__} == {type(expected).__name__}")
    return bool(value == expected)


def matches(doc: Mapping[str, Any], condition: Mapping[str, Any]) -> bool:
    """Whether `doc` matches a filter `check_filter` accepted."""
    for key, expected in condition.items():
        if key == "$or":
            if not any(matches(doc, part) for part in expected):
                return False
        elif key == "$and":
            if not all(matches(doc, part) for part in expected):
                return False
        elif isinstance(expected, Mapping):
            value = doc.get(key)
            for op, operand in expected.items():
                if op == "$in":
                    if not any(_equal(value, one) for one in operand):
                        return False
                elif not _compare(op, value, operand):
                    return False
        elif not _equal(doc.get(key), expected):
            return False
    return True


def _equality_fields(condition: Mapping[str, Any]) -> set[str]:
    return {
        key
        for key, value in condition.items()
        if not key.startswith("$") and not isinstance(value, Mapping)
    }


def _check_sort_served(
    index: Mapping[str, Any], sort: list[tuple[str, int]], fixed: set[str]
) -> None:
    if not sort:
        return
    keys = list(index["key"].items())
    while keys and keys[0][0] in fixed:
        keys = keys[1:]
    backwards = [(name, -way) for name, way in keys]
    if sort not in (keys, backwards):
        raise Unsupported(f"sort {sort} is not served by index {index['name']!r} {keys}")


def _sort_key(sort: list[tuple[str, int]]) -> Callable[[dict[str, Any]], Any]:
    def key(doc: dict[str, Any]) -> Any:
        return tuple(doc.get(name) for name, _ in sort)

    return key


class MongoStandIn:
    """The stand-in server: `run()` it once, give `uri` to the client, `stop()` it."""

    def __init__(self) -> None:
        self._server = MockupDB(auto_ismaster=None)
        self._lock = threading.Lock()
        self._databases: dict[str, dict[str, Collection]] = {}
        self._cursors: dict[int, _Cursor] = {}
        self._cursor_ids = itertools.count(7_000_000_001)
        self._connection_ids = itertools.count(1)
        self._failures: dict[str, list[tuple[int, str]]] = {}
        #: (command, request) of every request the stand-in did not implement.
        self.unexpected: list[tuple[str, dict[str, Any]]] = []
        #: (database, command name, request) of every command past the handshake.
        self.commands: list[tuple[str, str, dict[str, Any]]] = []

    def run(self) -> None:
        self._server.autoresponds(self._handle)
        self._server.run()

    def stop(self) -> None:
        self._server.stop()

    @property
    def uri(self) -> str:
        return f"mongodb://{self._server.address_string}"

    def fail_next(self, command: str, code: int, errmsg: str) -> None:
        """Answer the next `command` (e.g. "insert") with this server error."""
        with self._lock:
            self._failures.setdefault(command, []).append((code, errmsg))

    # -- the wire --------------------------------------------------------------------

    def _handle(self, request: OpMsg) -> bool:
        doc = dict(request.doc)
        name = str(request.command_name)
        try:
            with self._lock:
                reply = self._dispatch(name, doc)
        except Unsupported as exc:
            self.unexpected.append((name, doc))
            return bool(request.command_err(_UNSUPPORTED, f"stand-in: unsupported {name}: {exc}"))
        except _ServerError as exc:
            return bool(request.command_err(exc.code, exc.errmsg))
        except Exception as exc:  # a request shape the code above did not foresee
            self.unexpected.append((name, doc))
            return bool(request.command_err(_UNSUPPORTED, f"stand-in: {name} failed: {exc!r}"))
        return bool(request.ok(reply))

    def _dispatch(self, name: str, doc: dict[str, Any]) -> dict[str, Any]:
        if name.lower() in ("hello", "ismaster"):
            return self._hello(name)
        database = str(doc.get("$db"))
        if name == "endSessions":
            return {}
        self.commands.append((database, name, doc))
        failures = self._failures.get(name)
        if failures:
            code, errmsg = failures.pop(0)
            raise _ServerError(code, errmsg)
        handler = _COMMANDS.get(name)
        if handler is None:
            raise Unsupported("command")
        return handler(self, database, doc)

    def _hello(self, name: str) -> dict[str, Any]:
        return {
            "ismaster" if name.lower() == "ismaster" else "isWritablePrimary": True,
            "helloOk": True,
            "minWireVersion": 0,
            "maxWireVersion": MAX_WIRE_VERSION,
            "maxBsonObjectSize": 16 * 1024 * 1024,
            "maxMessageSizeBytes": 48_000_000,
            "maxWriteBatchSize": 100_000,
            "localTime": datetime.datetime.now(datetime.UTC),
            "logicalSessionTimeoutMinutes": 30,
            "connectionId": next(self._connection_ids),
            "readOnly": False,
        }

    # -- commands (called with the lock held) ----------------------------------------

    def _ping(self, database: str, doc: dict[str, Any]) -> dict[str, Any]:
        _known(doc, ["ping"])
        return {}

    def _insert(self, database: str, doc: dict[str, Any]) -> dict[str, Any]:
        _known(doc, ["insert", "ordered", "documents", "writeConcern"])
        coll = self._databases.setdefault(database, {}).setdefault(doc["insert"], Collection())
        ids = {d["_id"] for d in coll.documents}
        errors = []
        inserted = 0
        for i, document in enumerate(doc["documents"]):
            if "_id" not in document or any(key.startswith("$") for key in document):
                raise Unsupported("a document without _id or with a $ field")
            if document["_id"] in ids:
                errors.append(
                    {
                        "index": i,
                        "code": DUPLICATE_KEY,
                        "errmsg": f"E11000 duplicate key {document['_id']}",
                    }
                )
                if doc.get("ordered", True):
                    break
                continue
            ids.add(document["_id"])
            coll.documents.append(dict(document))
            inserted += 1
        reply: dict[str, Any] = {"n": inserted}
        if errors:
            reply["writeErrors"] = errors
        return reply

    def _find_and_modify(self, database: str, doc: dict[str, Any]) -> dict[str, Any]:
        _known(doc, ["findAndModify", "query", "update", "new", "upsert", "writeConcern"])
        query, update = doc["query"], doc["update"]
        if list(query) != ["_id"] or isinstance(query["_id"], Mapping):
            raise Unsupported("a query other than {_id: value}")
        if list(update) != ["$inc"] or not all(
            isinstance(n, int) and not isinstance(n, bool) for n in update["$inc"].values()
        ):
            raise Unsupported("an update other than {$inc: {field: integer}}")
        if doc.get("new") is not True or doc.get("upsert") is not True:
            raise Unsupported("findAndModify without new and upsert")
        coll = self._databases.setdefault(database, {}).setdefault(
            doc["findAndModify"], Collection()
        )
        found = next((d for d in coll.documents if d["_id"] == query["_id"]), None)
        upserted = found is None
        if found is None:
            found = {"_id": query["_id"]}
            coll.documents.append(found)
        for name, step in update["$inc"].items():
            found[name] = Int64(found.get(name, 0) + step)
        status: dict[str, Any] = {"n": 1, "updatedExisting": not upserted}
        if upserted:
            status["upserted"] = query["_id"]
        return {"lastErrorObject": status, "value": dict(found)}

    def _find(self, database: str, doc: dict[str, Any]) -> dict[str, Any]:
        _known(doc, ["find", "filter", "sort", "limit", "batchSize", "hint", "singleBatch"])
        coll = self._databases.get(database, {}).get(doc["find"])
        namespace = f"{database}.{doc['find']}"
        condition = doc.get("filter", {})
        sort = [(str(k), int(v)) for k, v in doc.get("sort", {}).items()]
        hint = doc.get("hint")
        if not isinstance(hint, str):
            raise Unsupported("find without the name of an index to use (hint)")
        check_filter(condition)
        if coll is None:
            return self._first_batch(namespace, [], doc)
        if hint not in coll.indexes:
            raise _ServerError(
                2,
                f"error processing query: planner returned error :: hint provided does not correspond to an existing index ({hint})",
            )
        _check_sort_served(coll.indexes[hint], sort, _equality_fields(condition))
        check_filter(condition)
        found = [d for d in coll.documents if matches(d, condition)]
        for name, way in reversed(sort):
            found.sort(key=_sort_key([(name, way)]), reverse=way < 0)
        limit = int(doc.get("limit", 0))
        if limit < 0:
            raise Unsupported("negative limit")
        if limit:
            found = found[:limit]
        if doc.get("singleBatch"):
            found = found[: int(doc.get("batchSize", DEFAULT_FIRST_BATCH))]
        return self._first_batch(namespace, found, doc)

    def _first_batch(
        self, namespace: str, found: list[dict[str, Any]], doc: dict[str, Any]
    ) -> dict[str, Any]:
        size = int(doc.get("batchSize", DEFAULT_FIRST_BATCH))
        batch, rest = found[:size], found[size:]
        cursor_id = 0
        if rest:
            cursor_id = next(self._cursor_ids)
            self._cursors[cursor_id] = _Cursor(namespace, rest)
        return {"cursor": {"id": Int64(cursor_id), "ns": namespace, "firstBatch": batch}}

    def _get_more(self, database: str, doc: dict[str, Any]) -> dict[str, Any]:
        _known(doc, ["getMore", "collection", "batchSize"])
        cursor_id = int(doc["getMore"])
        cursor = self._cursors.pop(cursor_id, None)
        if cursor is None or cursor.namespace != f"{database}.{doc['collection']}":
            raise _ServerError(CURSOR_NOT_FOUND, f"cursor id {cursor_id} not found")
        size = int(doc.get("batchSize", len(cursor.remaining))) or len(cursor.remaining)
        batch, cursor.remaining = cursor.remaining[:size], cursor.remaining[size:]
        if cursor.remaining:
            self._cursors[cursor_id] = cursor
        else:
            cursor_id = 0
        return {"cursor": {"id": Int64(cursor_id), "ns": cursor.namespace, "nextBatch": batch}}

    def _kill_cursors(self, database: str, doc: dict[str, Any]) -> dict[str, Any]:
        _known(doc, ["killCursors", "cursors"])
        killed = [c for c in doc["cursors"] if self._cursors.pop(int(c), None) is not None]
        return {
            "cursorsKilled": killed,
            "cursorsNotFound": [c for c in doc["cursors"] if c not in killed],
        }

    def _create_indexes(self, database: str, doc: dict[str, Any]) -> dict[str, Any]:
        _known(doc, ["createIndexes", "indexes", "writeConcern", "commitQuorum"])
        collections = self._databases.setdefault(database, {})
        created = doc["createIndexes"] not in collections
        coll = collections.setdefault(doc["createIndexes"], Collection())
        before = len(coll.indexes)
        for spec in doc["indexes"]:
            _known(spec, ["key", "name", "expireAfterSeconds"])
            spec = {"v": 2, **spec, "key": dict(spec["key"])}
            same_name = coll.indexes.get(spec["name"])
            same_key = next(
                (
                    i
                    for i in coll.indexes.values()
                    if list(i["key"].items()) == list(spec["key"].items())
                ),
                None,
            )
            if same_name is not None and same_name == spec:
                continue
            if same_name is not None or same_key is not None:
                other = same_name or same_key
                raise _ServerError(
                    INDEX_OPTIONS_CONFLICT,
                    f"An existing index has the same name or key as the requested index: {other}",
                )
            coll.indexes[spec["name"]] = spec
        return {
            "createdCollectionAutomatically": created,
            "numIndexesBefore": before,
            "numIndexesAfter": len(coll.indexes),
        }

    def _list_indexes(self, database: str, doc: dict[str, Any]) -> dict[str, Any]:
        _known(doc, ["listIndexes", "cursor"])
        coll = self._databases.get(database, {}).get(doc["listIndexes"])
        if coll is None:
            raise _ServerError(
                NAMESPACE_NOT_FOUND, f"ns does not exist: {database}.{doc['listIndexes']}"
            )
        namespace = f"{database}.$cmd.listIndexes.{doc['listIndexes']}"
        return self._first_batch(namespace, [dict(i) for i in coll.indexes.values()], doc["cursor"])

    def _coll_mod(self, database: str, doc: dict[str, Any]) -> dict[str, Any]:
        _known(doc, ["collMod", "index"])
        coll = self._databases.get(database, {}).get(doc["collMod"])
        if coll is None:
            raise _ServerError(
                NAMESPACE_NOT_FOUND, f"ns does not exist: {database}.{doc['collMod']}"
            )
        change = doc["index"]
        _known(change, ["name", "expireAfterSeconds"])
        index = coll.indexes.get(change["name"])
        if index is None:
            raise _ServerError(INDEX_NOT_FOUND, f"cannot find index {change['name']}")
        old = index.get("expireAfterSeconds")
        index["expireAfterSeconds"] = change["expireAfterSeconds"]
        return {
            "expireAfterSeconds_old": old,
            "expireAfterSeconds_new": change["expireAfterSeconds"],
        }

    def _drop_database(self, database: str, doc: dict[str, Any]) -> dict[str, Any]:
        _known(doc, ["dropDatabase", "writeConcern", "comment"])
        self._databases.pop(database, None)
        return {}


class _ServerError(Exception):
    """A server error the stand-in answers, as MongoDB would (code + message)."""

    def __init__(self, code: int, errmsg: str) -> None:
        super().__init__(errmsg)
        self.code = code
        self.errmsg = errmsg


_COMMANDS: dict[str, Callable[[MongoStandIn, str, dict[str, Any]], dict[str, Any]]] = {
    "ping": MongoStandIn._ping,
    "insert": MongoStandIn._insert,
    "findAndModify": MongoStandIn._find_and_modify,
    "find": MongoStandIn._find,
    "getMore": MongoStandIn._get_more,
    "killCursors": MongoStandIn._kill_cursors,
    "createIndexes": MongoStandIn._create_indexes,
    "listIndexes": MongoStandIn._list_indexes,
    "collMod": MongoStandIn._coll_mod,
    "dropDatabase": MongoStandIn._drop_database,
}
