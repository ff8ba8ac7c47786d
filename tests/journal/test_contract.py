"""The journal's contract: every backend (tests/journal/conftest.py ``BACKENDS``) passes
this one suite, on a real store.

A charger's timeline is newest first in pages linked by opaque cursors (``before``), or,
from a cursor on, oldest first (``after``: what a live view polls with). Exchanges are
ordered as they were written; a charger's timeline never shows another's exchanges.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import pytest

from services.journal import (
    MAX_QUERY_LIMIT,
    BadCursor,
    Direction,
    Exchange,
    Journal,
    Outcome,
    Query,
    Stored,
)
from tests.journal.conftest import SELF_EXPIRING

T0 = 1_780_000_000_000  # Unix ms; an arbitrary instant in 2026


def exchange(
    charger_id: str = "CP-1",
    n: int = 0,
    *,
    action: str = "Heartbeat",
    direction: Direction = Direction.CHARGER,
    outcome: Outcome = Outcome.RESULT,
    at_ms: int | None = None,
    call: str | None = None,
    answer: str | None = None,
) -> Exchange:
    """The n-th exchange of a charger: its message id says n, for telling them apart."""
    at = T0 + n * 1000 if at_ms is None else at_ms
    return Exchange(
        charger_id=charger_id,
        node_id="node-a",
        epoch=3,
        direction=direction,
        outcome=outcome,
        action=action,
        message_id=f"m{n}",
        at_ms=at,
        call=call if call is not None else f'[2,"m{n}","{action}",{{}}]',
        answer=answer if answer is not None else f'[3,"m{n}",{{"currentTime":"x"}}]',
        answered_at_ms=at + 7,
        latency_ms=6.5,
    )


def ids(page: Sequence[Stored]) -> list[str]:
    return [stored.exchange.message_id for stored in page]


async def test_an_exchange_reads_back_as_written(journal: Journal) -> None:
    """Every field of an exchange is read back unchanged, None fields included."""
    full = Exchange(
        charger_id="CP-1",
        node_id="node-a",
        epoch=12,
        direction=Direction.CSMS,
        outcome=Outcome.ERROR,
        action="Reset",
        message_id="6a1d",
        at_ms=T0,
        call='[2,"6a1d","Reset",{"type":"Hard"}]',
        answer='[4,"6a1d","NotSupported","no",{}]',
        answered_at_ms=T0 + 40,
        latency_ms=39.25,
        error_code="NotSupported",
    )
    bare = Exchange(
        charger_id="CP-1",
        node_id="node-b",
        epoch=2**40,
        direction=Direction.CHARGER,
        outcome=Outcome.MALFORMED,
        action="",
        message_id="",
        at_ms=T0 + 1,
    )
    await journal.write([full, bare])
    page = await journal.query(Query("CP-1"))
    assert [stored.exchange for stored in page] == [bare, full]
    assert all(isinstance(stored.cursor, str) and stored.cursor for stored in page)


async def test_newest_first_in_the_order_written(journal: Journal) -> None:
    """The timeline is newest first by when exchanges were written, over several batches,
    even where an exchange that ended later began earlier (a long task)."""
    await journal.write([exchange(n=1), exchange(n=2)])
    await journal.write([exchange(n=3)])
    # A task sent before exchange 3 began, answered after it ended: written after it.
    await journal.write([exchange(n=4, at_ms=T0 + 2500, direction=Direction.CSMS)])
    page = await journal.query(Query("CP-1"))
    assert ids(page) == ["m4", "m3", "m2", "m1"]


async def test_pages_before_a_cursor_cover_the_timeline_once(journal: Journal) -> None:
    """Pages of `limit` with ``before`` = the last cursor of the previous page walk the
    whole timeline, newest first, each exchange once, and end with an empty page."""
    await journal.write([exchange(n=n) for n in range(1, 8)])
    seen: list[str] = []
    sizes: list[int] = []
    before: str | None = None
    for _ in range(5):
        page = await journal.query(Query("CP-1", before=before, limit=3))
        sizes.append(len(page))
        if not page:
            break
        seen += ids(page)
        before = page[-1].cursor
    assert sizes == [3, 3, 1, 0]
    assert seen == [f"m{n}" for n in range(7, 0, -1)]


async def test_after_a_cursor_oldest_first(journal: Journal) -> None:
    """``after`` gives what was written after that exchange, oldest first, in pages; from
    the newest cursor nothing, until more is written (a live view's poll)."""
    await journal.write([exchange(n=n) for n in range(1, 6)])
    newest_first = await journal.query(Query("CP-1"))
    oldest = newest_first[-1]
    page = await journal.query(Query("CP-1", after=oldest.cursor, limit=2))
    assert ids(page) == ["m2", "m3"]
    page = await journal.query(Query("CP-1", after=page[-1].cursor, limit=2))
    assert ids(page) == ["m4", "m5"]
    assert await journal.query(Query("CP-1", after=page[-1].cursor)) == []

    await journal.write([exchange(n=6), exchange(n=7)])
    assert ids(await journal.query(Query("CP-1", after=page[-1].cursor))) == ["m6", "m7"]


async def test_cursors_are_the_same_in_both_directions(journal: Journal) -> None:
    """The cursor of an exchange is the same whichever way it was read, so a view can
    switch from paging back to following without gaps or repeats."""
    await journal.write([exchange(n=n) for n in range(1, 4)])
    newest_first = await journal.query(Query("CP-1"))
    oldest_first = await journal.query(Query("CP-1", after=newest_first[-1].cursor))
    assert [s.cursor for s in oldest_first] == [s.cursor for s in reversed(newest_first[:-1])]
    older = await journal.query(Query("CP-1", before=oldest_first[0].cursor))
    assert ids(older) == ["m1"]


async def test_filter_by_action(journal: Journal) -> None:
    """``actions`` keeps the exchanges of any of the given actions."""
    await journal.write(
        [
            exchange(n=1, action="BootNotification"),
            exchange(n=2, action="Heartbeat"),
            exchange(n=3, action="StatusNotification"),
            exchange(n=4, action="Heartbeat"),
        ]
    )
    assert ids(await journal.query(Query("CP-1", actions=("Heartbeat",)))) == ["m4", "m2"]
    both = Query("CP-1", actions=("BootNotification", "StatusNotification"))
    assert ids(await journal.query(both)) == ["m3", "m1"]
    assert await journal.query(Query("CP-1", actions=("Reset",))) == []


async def test_filter_by_direction(journal: Journal) -> None:
    """``direction`` keeps the charger's calls or the CSMS's tasks."""
    await journal.write(
        [
            exchange(n=1),
            exchange(n=2, action="Reset", direction=Direction.CSMS),
            exchange(n=3),
        ]
    )
    assert ids(await journal.query(Query("CP-1", direction=Direction.CSMS))) == ["m2"]
    assert ids(await journal.query(Query("CP-1", direction=Direction.CHARGER))) == ["m3", "m1"]


async def test_filter_by_time_is_half_open(journal: Journal) -> None:
    """``since_ms`` is inclusive and ``until_ms`` exclusive, on the exchange's at_ms."""
    await journal.write([exchange(n=n) for n in range(0, 6)])  # at T0, T0+1s, ... T0+5s
    window = Query("CP-1", since_ms=T0 + 1000, until_ms=T0 + 4000)
    assert ids(await journal.query(window)) == ["m3", "m2", "m1"]
    assert ids(await journal.query(Query("CP-1", since_ms=T0 + 4000))) == ["m5", "m4"]
    assert ids(await journal.query(Query("CP-1", until_ms=T0 + 1000))) == ["m0"]


async def test_filters_combine_and_page(journal: Journal) -> None:
    """Filters hold across pages, with either cursor."""
    batch = []
    for n in range(12):
        action = "Heartbeat" if n % 2 else "StatusNotification"
        direction = Direction.CSMS if n % 3 == 0 else Direction.CHARGER
        batch.append(exchange(n=n, action=action, direction=direction))
    await journal.write(batch)
    query = Query(
        "CP-1",
        actions=("Heartbeat",),
        direction=Direction.CHARGER,
        since_ms=T0 + 2000,
        limit=2,
    )
    first = await journal.query(query)
    assert ids(first) == ["m11", "m7"]
    second = await journal.query(dataclasses.replace(query, before=first[-1].cursor))
    assert ids(second) == ["m5"]
    forward = await journal.query(dataclasses.replace(query, after=second[0].cursor))
    assert ids(forward) == ["m7", "m11"]


@pytest.mark.parametrize(
    "cursor",
    ["", "not a cursor", "c3FsOg", "c3FsOi0x", "c3FsOjFlMw", "AAAA", "%%%", "x" * 500],
)
async def test_a_cursor_it_did_not_hand_out_is_refused(journal: Journal, cursor: str) -> None:
    """A made-up or damaged cursor is BadCursor, as ``before`` and as ``after``; a valid
    one is accepted by the same query."""
    await journal.write([exchange(n=1)])
    good = (await journal.query(Query("CP-1")))[0].cursor
    if cursor == good:
        pytest.skip("this backend happens to hand out that string")
    with pytest.raises(BadCursor):
        await journal.query(Query("CP-1", before=cursor))
    with pytest.raises(BadCursor):
        await journal.query(Query("CP-1", after=cursor))
    assert await journal.query(Query("CP-1", before=good)) == []


async def test_expire_deletes_what_is_older(journal: Journal, backend: str) -> None:
    """``expire`` deletes the exchanges that began before the cut-off and says how many;
    a store that expires them itself (a TTL index) answers 0 and leaves them to it."""
    await journal.write([exchange(n=n) for n in range(6)])
    await journal.write([exchange("CP-2", n=n) for n in range(3)])
    deleted = await journal.expire(T0 + 2000)
    if backend in SELF_EXPIRING:
        assert deleted == 0
        return
    assert deleted == 4  # CP-1's m0, m1 and CP-2's m0, m1
    assert ids(await journal.query(Query("CP-1"))) == ["m5", "m4", "m3", "m2"]
    assert ids(await journal.query(Query("CP-2"))) == ["m2"]
    assert await journal.expire(T0 + 2000) == 0


async def test_unicode_and_large_frames(journal: Journal) -> None:
    """Frames with any Unicode text, and frames of 64 KiB, are kept whole."""
    text = "Zürich ⚡ 充电站 🚗 \u2028 \\u0000 \"quoted\" 'single'"
    call = f'[2,"m1","DataTransfer",{{"vendorId":"v","data":{text!r}}}]'
    large = '[3,"m2",{"data":"' + "é" * 30_000 + "x" * 5_000 + '"}]'
    await journal.write(
        [
            exchange(n=1, action="DataTransfer", call=call),
            exchange(n=2, action="DataTransfer", answer=large),
            exchange("CP-ünï ⚡", n=3),
        ]
    )
    page = await journal.query(Query("CP-1"))
    assert page[0].exchange.answer == large
    assert page[1].exchange.call == call
    assert ids(await journal.query(Query("CP-ünï ⚡"))) == ["m3"]


async def test_a_nul_in_a_frame_does_not_fail_the_batch(journal: Journal) -> None:
    """A malformed frame holding a NUL character is stored with the rest of its batch
    (as is, or with the NUL as the JSON escape \\u0000: PostgreSQL's text has no NUL)."""
    raw = '[2,"m1","Heart\x00beat",{}]'
    bad = Exchange(
        charger_id="CP-1",
        node_id="node-a",
        epoch=1,
        direction=Direction.CHARGER,
        outcome=Outcome.MALFORMED,
        action="Heart\x00beat",
        message_id="m\x001",
        at_ms=T0,
        call=raw,
        error_code="Formation\x00Violation",
    )
    await journal.write([bad, exchange(n=2)])
    page = await journal.query(Query("CP-1"))
    assert ids(page)[0] == "m2"
    stored = page[1].exchange
    assert stored.call in (raw, raw.replace("\x00", "\\u0000"))
    assert stored.message_id in ("m\x001", "m\\u00001")


async def test_many_chargers_do_not_mix(journal: Journal) -> None:
    """Interleaved exchanges of many chargers: each timeline holds its own only, in order,
    however alike the ids (prefixes, case)."""
    chargers = ["CP-1", "CP-10", "CP-100", "cp-1", "CP-1 ", *(f"X{k}" for k in range(20))]
    batch = [exchange(c, n=n) for n in range(4) for c in chargers]
    await journal.write(batch[: len(batch) // 2])
    await journal.write(batch[len(batch) // 2 :])
    for charger_id in chargers:
        page = await journal.query(Query(charger_id))
        assert ids(page) == ["m3", "m2", "m1", "m0"], charger_id
        assert {stored.exchange.charger_id for stored in page} == {charger_id}
        older = await journal.query(Query(charger_id, before=page[1].cursor))
        assert ids(older) == ["m1", "m0"]
    assert await journal.query(Query("CP-2")) == []


async def test_a_cursor_from_another_charger_pages_this_one(journal: Journal) -> None:
    """A cursor is a position in the journal: with another charger's id it pages that
    charger's timeline from the same point, never showing the first charger's exchanges."""
    await journal.write([exchange("A", n=1), exchange("B", n=2), exchange("A", n=3)])
    b = (await journal.query(Query("B")))[0]
    assert ids(await journal.query(Query("A", before=b.cursor))) == ["m1"]
    assert ids(await journal.query(Query("A", after=b.cursor))) == ["m3"]


async def test_an_empty_batch_writes_nothing(journal: Journal) -> None:
    """Writing no exchanges is allowed and changes nothing."""
    await journal.write([])
    assert await journal.query(Query("CP-1")) == []


async def test_one_big_batch(journal: Journal) -> None:
    """A batch of 2,000 exchanges (twice JOURNAL_BATCH's default) is stored whole, in
    order."""
    await journal.write([exchange(n=n) for n in range(2000)])
    page = await journal.query(Query("CP-1", limit=1000))
    assert len(page) == 1000
    assert ids(page)[:2] == ["m1999", "m1998"]
    rest = await journal.query(Query("CP-1", before=page[-1].cursor, limit=1000))
    assert ids(rest)[-1] == "m0"
    assert len(rest) == 1000


@pytest.mark.parametrize("limit", [0, -1, MAX_QUERY_LIMIT + 1])
def test_a_page_size_out_of_range_is_refused(limit: int) -> None:
    """A page of fewer than 1 or more than MAX_QUERY_LIMIT exchanges is a ValueError
    before any backend sees it."""
    with pytest.raises(ValueError, match="a page holds 1 to"):
        Query("CP-1", limit=limit)
