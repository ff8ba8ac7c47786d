"""What only the MongoDB journal does: its indexes and retention TTL, its documents, its
cursors over getMore, its timeouts and how driver errors surface (the shared behaviour
is the contract suite's).

Run against a real MongoDB when MONGO_URL is set, else against the wire-level stand-in
(tests/journal/mongo_standin.py): test ids say which ("mongo" / "mongo-standin").
"""

from __future__ import annotations

import datetime
import socket
from typing import Any

import pytest
from bson import Int64
from pymongo import AsyncMongoClient
from pymongo.errors import OperationFailure

from services.journal import (
    BadCursor,
    Direction,
    Exchange,
    Journal,
    JournalError,
    Outcome,
    Query,
    _mongo,
    open_journal,
)
from services.journal._mongo import (
    COLLECTION,
    RETENTION_INDEX,
    SEQUENCE_COLLECTION,
    TIMELINE_INDEX,
    MongoJournal,
    client_options,
    decode_cursor,
    encode_cursor,
    ttl_seconds,
)
from tests.journal.mongo_fixtures import MONGO_KIND, MongoTarget
from tests.journal.mongo_standin import MongoStandIn

pytestmark = pytest.mark.parametrize("kind", [MONGO_KIND])

DAY = 86_400.0
T0 = 1_760_000_000_000  # Unix ms


def exchange(i: int, *, charger: str = "CP-1", at_ms: int | None = None, **kw: Any) -> Exchange:
    fields: dict[str, Any] = {
        "charger_id": charger,
        "node_id": "node-a",
        "epoch": 7,
        "direction": Direction.CHARGER,
        "outcome": Outcome.RESULT,
        "action": "Heartbeat",
        "message_id": f"m{i}",
        "at_ms": T0 + i * 1000 if at_ms is None else at_ms,
        "call": f'[2,"m{i}","Heartbeat",{{}}]',
        "answer": f'[3,"m{i}",{{"currentTime":"2025-10-09T08:53:20Z"}}]',
        "answered_at_ms": (T0 + i * 1000 if at_ms is None else at_ms) + 4,
        "latency_ms": 3.5,
    }
    fields.update(kw)
    return Exchange(**fields)


async def indexes(target: MongoTarget) -> dict[str, dict[str, Any]]:
    client = target.client()
    try:
        coll = client.get_default_database()[COLLECTION]
        return {index["name"]: dict(index) async for index in await coll.list_indexes()}
    finally:
        await client.close()


async def stored_documents(target: MongoTarget) -> list[dict[str, Any]]:
    client = target.client()
    try:
        return await client.get_default_database()[COLLECTION].find({}, hint="_id_").to_list()
    finally:
        await client.close()


def sent(target: MongoTarget, command: str) -> list[dict[str, Any]]:
    """The `command`s the stand-in received for this test's database."""
    assert target.standin is not None
    return [
        doc
        for db, name, doc in target.standin.commands
        if db == target.database and name == command
    ]


def standin_only(target: MongoTarget) -> None:
    if target.standin is None:
        pytest.skip("looks at the commands the stand-in received (no stand-in: MONGO_URL is set)")


async def test_open_creates_the_timeline_and_retention_indexes(
    kind: str, mongo_target: MongoTarget
) -> None:
    """open() creates the timeline index (charger, newest first) and a TTL index on `at`
    that expires after the retention."""
    async with MongoJournal(mongo_target.url, retention_s=12 * 3600):
        found = await indexes(mongo_target)
    assert list(found[TIMELINE_INDEX]["key"].items()) == [("charger_id", 1), ("_id", -1)]
    assert list(found[RETENTION_INDEX]["key"].items()) == [("at", 1)]
    assert found[RETENTION_INDEX]["expireAfterSeconds"] == 12 * 3600
    assert "expireAfterSeconds" not in found[TIMELINE_INDEX]


async def test_a_changed_retention_changes_the_ttl_index(
    kind: str, mongo_target: MongoTarget
) -> None:
    """Opening with another retention changes the existing TTL index (collMod), and
    opening again with the same one changes nothing."""
    async with MongoJournal(mongo_target.url, retention_s=30 * DAY):
        pass
    async with MongoJournal(mongo_target.url, retention_s=7 * DAY):
        pass
    async with MongoJournal(mongo_target.url, retention_s=7 * DAY):
        pass
    found = await indexes(mongo_target)
    assert found[RETENTION_INDEX]["expireAfterSeconds"] == 7 * 86_400
    assert len(found) == 3  # _id_, timeline, retention: no second TTL index
    if mongo_target.standin is not None:
        assert [c["index"] for c in sent(mongo_target, "collMod")] == [
            {"name": RETENTION_INDEX, "expireAfterSeconds": 7 * 86_400}
        ]


async def test_an_operators_ttl_index_on_at_is_reused(kind: str, mongo_target: MongoTarget) -> None:
    """An index on `at` made by hand under another name is the one whose TTL is set: no
    second index on the same key (which MongoDB would refuse)."""
    client = mongo_target.client()
    try:
        coll = client.get_default_database()[COLLECTION]
        await coll.create_index([("at", 1)], name="by_hand", expireAfterSeconds=60)
    finally:
        await client.close()
    async with MongoJournal(mongo_target.url, retention_s=3600):
        pass
    found = await indexes(mongo_target)
    assert found["by_hand"]["expireAfterSeconds"] == 3600
    assert RETENTION_INDEX not in found


async def test_a_ttl_index_made_meanwhile_by_another_node_is_changed(
    kind: str, mongo_target: MongoTarget, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two nodes opening at once with different retentions: the one whose create meets
    the other's TTL index (IndexOptionsConflict) looks again and changes it."""
    client = mongo_target.client()
    try:
        coll = client.get_default_database()[COLLECTION]
        await coll.create_index([("at", 1)], name=RETENTION_INDEX, expireAfterSeconds=60)
    finally:
        await client.close()
    looked = []
    look = MongoJournal._retention_index

    async def first_look_misses_it(exchanges: Any) -> tuple[str, object] | None:
        looked.append(1)
        return None if len(looked) == 1 else await look(exchanges)

    monkeypatch.setattr(MongoJournal, "_retention_index", staticmethod(first_look_misses_it))
    async with MongoJournal(mongo_target.url, retention_s=3600):
        pass
    assert len(looked) == 2
    assert (await indexes(mongo_target))[RETENTION_INDEX]["expireAfterSeconds"] == 3600


async def test_a_batch_is_one_reservation_and_one_unordered_insert(
    kind: str, mongo_target: MongoTarget, mongo_journal: Journal
) -> None:
    """write() reserves the batch's sequence numbers with one $inc and stores it with one
    unordered insert; each document is numbered in batch order and carries the
    exchange's fields and `at`, a BSON date of at_ms, for the TTL."""
    batch = [
        exchange(1),
        exchange(2, outcome=Outcome.MALFORMED, action="", call=None, answer='[4,"",...]'),
    ]
    await mongo_journal.write(batch)
    docs = sorted(await stored_documents(mongo_target), key=lambda d: d["at_ms"])
    assert [d["message_id"] for d in docs] == ["m1", "m2"]
    assert docs[0]["at"] == datetime.datetime.fromtimestamp(
        (T0 + 1000) / 1000, datetime.UTC
    ).replace(tzinfo=None)
    assert docs[1]["call"] is None
    assert docs[1]["outcome"] == "malformed"
    assert [d["_id"] for d in docs] == [1, 2]
    assert all(isinstance(d["_id"], Int64) for d in docs)
    await mongo_journal.write([exchange(3)])
    client = mongo_target.client()
    try:
        counter = await client.get_default_database()[SEQUENCE_COLLECTION].find_one(
            {"_id": COLLECTION}, hint="_id_"
        )
    finally:
        await client.close()
    assert counter == {"_id": COLLECTION, "last": 3}
    if mongo_target.standin is not None:
        inserts = sent(mongo_target, "insert")
        assert [len(i["documents"]) for i in inserts] == [2, 1]
        assert all(i["ordered"] is False for i in inserts)
        reservations = sent(mongo_target, "findAndModify")
        assert [r["update"] for r in reservations] == [{"$inc": {"last": 2}}, {"$inc": {"last": 1}}]


async def test_an_empty_batch_sends_nothing(
    kind: str, mongo_target: MongoTarget, mongo_journal: Journal
) -> None:
    """write([]) sends nothing: no reservation, no insert (MongoDB refuses an insert of
    no documents)."""
    await mongo_journal.write([])
    assert await mongo_journal.query(Query("CP-1")) == []
    if mongo_target.standin is not None:
        assert sent(mongo_target, "insert") == []
        assert sent(mongo_target, "findAndModify") == []


async def test_nodes_writing_at_once_share_one_order(
    kind: str, mongo_target: MongoTarget, mongo_journal: Journal
) -> None:
    """Two journals on one database (two nodes) take disjoint ranges of one sequence: a
    charger handed over between them has one timeline, in the order written."""
    other = open_journal(mongo_target.url, retention_s=DAY)
    await other.open()
    try:
        await mongo_journal.write([exchange(1), exchange(2)])
        await other.write([exchange(3, node_id="node-b"), exchange(4, node_id="node-b")])
        await mongo_journal.write([exchange(5)])
        page = await other.query(Query("CP-1"))
    finally:
        await other.aclose()
    assert [s.exchange.message_id for s in page] == ["m5", "m4", "m3", "m2", "m1"]
    assert [decode_cursor(s.cursor) for s in page] == [5, 4, 3, 2, 1]


async def test_a_long_page_is_read_through_get_more(
    kind: str, mongo_target: MongoTarget, mongo_journal: Journal
) -> None:
    """A page longer than the server's first batch (101) is completed with getMore, in
    timeline order."""
    await mongo_journal.write([exchange(i) for i in range(150)])
    page = await mongo_journal.query(Query("CP-1", limit=140))
    assert [s.exchange.message_id for s in page] == [f"m{i}" for i in range(149, 9, -1)]
    if mongo_target.standin is not None:
        assert len(sent(mongo_target, "getMore")) >= 1
        assert all(f["hint"] == TIMELINE_INDEX for f in sent(mongo_target, "find"))


async def test_a_bad_stored_document_is_skipped(
    kind: str, mongo_target: MongoTarget, mongo_journal: Journal
) -> None:
    """A document that is not an exchange (hand-made, older layout) does not break the
    timeline: it is left out of the page."""
    await mongo_journal.write([exchange(1), exchange(3)])
    client = mongo_target.client()
    try:
        await client.get_default_database()[COLLECTION].insert_many(
            [
                {"_id": Int64(100), "charger_id": "CP-1", "at_ms": T0, "direction": "sideways"},
                {"_id": Int64(101), "charger_id": "CP-1", "at_ms": "yesterday"},
            ]
        )
    finally:
        await client.close()
    page = await mongo_journal.query(Query("CP-1"))
    assert [s.exchange.message_id for s in page] == ["m3", "m1"]
    await mongo_journal.write([exchange(4)])  # numbered after the counter, not after 100
    assert [s.exchange.message_id for s in await mongo_journal.query(Query("CP-1"))] == [
        "m4",
        "m3",
        "m1",
    ]


async def test_expire_leaves_it_to_the_ttl_index(kind: str, mongo_journal: Journal) -> None:
    """expire() deletes nothing and says 0: the TTL index expires exchanges."""
    await mongo_journal.write([exchange(1)])
    assert await mongo_journal.expire(T0 + 10_000) == 0
    assert len(await mongo_journal.query(Query("CP-1"))) == 1


async def test_a_refused_write_is_a_journal_error(
    kind: str, mongo_target: MongoTarget, mongo_journal: Journal
) -> None:
    """A server error on insert surfaces as JournalError naming the code."""
    standin_only(mongo_target)
    assert mongo_target.standin is not None
    mongo_target.standin.fail_next("insert", 13, "not authorized on csms to execute command")
    with pytest.raises(JournalError, match="not authorized"):
        await mongo_journal.write([exchange(1)])
    await mongo_journal.write([exchange(2)])  # the next batch goes through
    assert [s.exchange.message_id for s in await mongo_journal.query(Query("CP-1"))] == ["m2"]


async def test_a_refused_read_is_a_journal_error(
    kind: str, mongo_target: MongoTarget, mongo_journal: Journal
) -> None:
    """A server error on find surfaces as JournalError."""
    standin_only(mongo_target)
    assert mongo_target.standin is not None
    mongo_target.standin.fail_next("find", 96, "operation exceeded time limit")
    with pytest.raises(JournalError, match="CP-1"):
        await mongo_journal.query(Query("CP-1"))


async def test_a_batch_stored_in_part_says_how_much(
    kind: str, mongo_target: MongoTarget, mongo_journal: Journal, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch MongoDB stores only in part (here a duplicate _id) raises JournalError
    saying how much was stored; the unordered insert stored the rest."""
    await mongo_journal.write([exchange(1)])
    existing = (await stored_documents(mongo_target))[0]["_id"]
    document_of = _mongo._document

    def reusing_an_id(seq: int, item: Exchange) -> dict[str, Any]:
        document = document_of(seq, item)
        if item.message_id == "m2":
            document["_id"] = existing
        return document

    monkeypatch.setattr(_mongo, "_document", reusing_an_id)
    with pytest.raises(JournalError, match=r"stored 2 of 3 exchanges: error 11000"):
        await mongo_journal.write([exchange(2), exchange(3), exchange(4)])
    assert {s.exchange.message_id for s in await mongo_journal.query(Query("CP-1"))} == {
        "m1",
        "m3",
        "m4",
    }


async def test_a_silent_server_fails_open_within_its_timeout(kind: str) -> None:
    """A server that takes connections but never answers: open() raises JournalError
    once its operation timeout has passed, instead of waiting on."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # the kernel accepts; nobody reads or answers
        port = silent.getsockname()[1]
        journal = MongoJournal(
            f"mongodb://127.0.0.1:{port}/csms",
            retention_s=DAY,
            operation_timeout=0.2,
            connect_timeout=0.2,
        )
        with pytest.raises(JournalError, match="indexes"):
            await journal.open()
        await journal.aclose()


@pytest.mark.parametrize(
    "url", ["mongodb://csms:s3cret@db:99999/csms", "mongodb://csms:s3cret@db/bad$name"]
)
async def test_a_bad_url_is_a_journal_error(kind: str, url: str) -> None:
    """A URL PyMongo cannot use (a bad port, a database name MongoDB refuses) fails
    open() with JournalError naming JOURNAL_URL, password hidden."""
    journal = MongoJournal(url, retention_s=DAY)
    with pytest.raises(JournalError, match="JOURNAL_URL") as raised:
        await journal.open()
    assert "s3cret" not in str(raised.value)
    await journal.aclose()


def test_cursors_are_exact_and_strict(kind: str) -> None:
    """A cursor reads back as its sequence number; any other spelling of it (padding,
    another journal's cursor, a zero) is BadCursor."""
    assert decode_cursor(encode_cursor(1)) == 1
    assert decode_cursor(encode_cursor(2**62)) == 2**62
    cursor = encode_cursor(42)
    for foreign in (cursor + "=", cursor + "A", encode_cursor(42).lower(), "c3FsOjQy"):
        with pytest.raises(BadCursor, match="not handed out"):
            decode_cursor(foreign)
    with pytest.raises(BadCursor):
        decode_cursor(encode_cursor(0))


def test_the_urls_timeouts_win_over_the_defaults(kind: str) -> None:
    """Timeouts set in the URL's query string are the operator's; ours only fill in."""
    options = client_options(
        "mongodb://db/csms?timeoutms=100&appName=ops", operation_timeout=9.5, connect_timeout=4
    )
    assert options == {"serverSelectionTimeoutMS": 9500, "connectTimeoutMS": 4000}


def test_the_retention_is_whole_positive_seconds(kind: str) -> None:
    """The TTL is the retention rounded up to whole seconds; no retention is refused."""
    assert ttl_seconds(30 * DAY) == 2_592_000
    assert ttl_seconds(0.5) == 1
    assert ttl_seconds(2**31 - 1) == 2**31 - 1
    for bad in (0.0, -1.0, float("inf"), float("nan"), 2.0**31):
        with pytest.raises(ValueError, match="retention"):
            ttl_seconds(bad)


async def test_the_standin_refuses_what_it_does_not_implement(
    kind: str, mongo_target: MongoTarget
) -> None:
    """The stand-in answers an unknown command or filter with an error and records it,
    so a backend change it does not cover fails the tests instead of passing quietly."""
    standin_only(mongo_target)
    standin = mongo_target.standin
    assert isinstance(standin, MongoStandIn)
    before = len(standin.unexpected)
    client: AsyncMongoClient[dict[str, Any]] = mongo_target.client()
    try:
        db = client.get_default_database()
        with pytest.raises(OperationFailure, match="stand-in"):
            await db.command("count", COLLECTION)
        await db[COLLECTION].create_index([("x", 1)], name="x")
        with pytest.raises(OperationFailure, match="stand-in"):
            await db[COLLECTION].find({"x": {"$regex": "a"}}, hint="x").to_list()
        with pytest.raises(OperationFailure, match="stand-in"):
            await db[COLLECTION].find({"x": 1}).to_list()  # no hint
    finally:
        await client.close()
    assert [name for name, _ in standin.unexpected[before:]] == ["count", "find", "find"]
    del standin.unexpected[before:]  # seen: do not fail this test's teardown


def test_open_journal_picks_mongo_by_scheme(kind: str) -> None:
    """JOURNAL_URL mongodb:// and mongodb+srv:// open the MongoDB journal, with the
    retention as its TTL; nothing connects before open()."""
    for url in ("mongodb://db:27017/csms", "mongodb+srv://csms:pw@cluster.example/csms"):
        journal = open_journal(url, retention_s=12 * 3600)
        assert isinstance(journal, MongoJournal)
        assert journal.retention_ttl == 12 * 3600
        assert "pw" not in repr(journal)
