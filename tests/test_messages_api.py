"""MessageService over real gRPC against a real manager (SQLite business store), reading
a small in-test journal: the request checks, tokens and paging rules of the timeline API.
The journal a node really writes is read in tests/test_messages_gateway.py."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from pathlib import Path

import grpc
import pytest
from csms.v1 import auth_pb2, auth_pb2_grpc, messages_pb2_grpc
from csms.v1 import messages_pb2 as m
from google.protobuf.timestamp_pb2 import Timestamp

from services import csmsctl
from services.journal import (
    BadCursor,
    Direction,
    Exchange,
    Journal,
    JournalError,
    Outcome,
    Query,
    Stored,
    open_journal,
)
from services.manager import Manager
from services.manager._message_records import charger_message, export_line, json_line
from services.manager._messages_api import MAX_PAGE_BYTES
from services.registry import MemoryRegistry
from tests.harness import ADMIN_TOKEN, UNIT, api_channel, eventually, running_manager

T0 = 1_780_000_000_000  # Unix ms


class ListJournal:
    """The Journal Protocol over a list (a stand-in for the SQL/Mongo backends, whose own
    contract suite is tests/journal/test_contract.py); cursors are the row numbers."""

    def __init__(self) -> None:
        self.rows: list[Exchange] = []
        self.opened = 0

    async def open(self) -> None:
        self.opened += 1

    async def write(self, exchanges: Sequence[Exchange]) -> None:
        self.rows.extend(exchanges)

    async def query(self, query: Query) -> list[Stored]:
        def cursor(text: str | None) -> int | None:
            if text is None:
                return None
            if not text.startswith("row-"):
                raise BadCursor(text)
            return int(text[4:])

        before, after = cursor(query.before), cursor(query.after)
        found = [
            Stored(f"row-{i}", x)
            for i, x in enumerate(self.rows)
            if x.charger_id == query.charger_id
            and (not query.actions or x.action in query.actions)
            and (query.direction is None or x.direction == query.direction)
            and (query.since_ms is None or x.at_ms >= query.since_ms)
            and (query.until_ms is None or x.at_ms < query.until_ms)
            and (before is None or i < before)
            and (after is None or i > after)
        ]
        if after is None:
            found.reverse()
        return found[: query.limit]

    async def expire(self, older_than_ms: int) -> int:
        return 0

    async def aclose(self) -> None:
        pass


def heartbeat(charger: str, n: int) -> Exchange:
    return Exchange(
        charger_id=charger,
        node_id="node-1",
        epoch=1,
        direction=Direction.CHARGER,
        outcome=Outcome.RESULT,
        action="Heartbeat",
        message_id=f"hb-{n}",
        at_ms=T0 + n * 1000,
        call=f'[2,"hb-{n}","Heartbeat",{{}}]',
        answer=f'[3,"hb-{n}",{{"currentTime":"2026-06-01T00:00:00Z"}}]',
        answered_at_ms=T0 + n * 1000 + 3,
        latency_ms=2.5,
    )


def reset(charger: str, n: int) -> Exchange:
    return replace(
        heartbeat(charger, n),
        direction=Direction.CSMS,
        action="Reset",
        message_id=f"reset-{n}",
        call=f'[2,"reset-{n}","Reset",{{"type":"Soft"}}]',
        answer=f'[3,"reset-{n}",{{"status":"Accepted"}}]',
    )


@contextlib.asynccontextmanager
async def _api(
    sqlite_url: str, journal: Journal | None
) -> AsyncIterator[tuple[Manager, messages_pb2_grpc.MessageServiceAsyncStub]]:
    registry = MemoryRegistry(lease_seconds=4 * UNIT)
    try:
        async with (
            running_manager(registry, sqlite_url, journal=journal) as manager,
            api_channel(f"127.0.0.1:{manager.port}") as channel,
        ):
            yield manager, messages_pb2_grpc.MessageServiceStub(channel)
    finally:
        await registry.aclose()


@pytest.fixture(params=["list", "sqlite"])
async def journal(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Journal]:
    """The in-test ListJournal, and the real SQL journal on a SQLite file."""
    if request.param == "list":
        yield ListJournal()
        return
    sql = open_journal(f"sqlite+aiosqlite:///{tmp_path / 'journal.sqlite'}", retention_s=86_400)
    await sql.open()
    try:
        yield sql
    finally:
        await sql.aclose()


@pytest.fixture
async def stub(
    sqlite_url: str, journal: Journal
) -> AsyncIterator[messages_pb2_grpc.MessageServiceAsyncStub]:
    async with _api(sqlite_url, journal) as (_, stub):
        yield stub


async def _fails(call: object, code: grpc.StatusCode) -> str:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call  # type: ignore[misc]
    assert caught.value.code() == code, caught.value.details()
    return caught.value.details() or ""


async def test_pages_newest_first_and_polls_newer_oldest_first(
    stub: messages_pb2_grpc.MessageServiceAsyncStub, journal: Journal
) -> None:
    """Pages go from the newest exchange to older ones; after_token then returns only what
    was recorded since, oldest first, and the same token again when nothing is new."""
    await journal.write([heartbeat("CP-1", n) for n in range(5)] + [heartbeat("CP-2", 9)])
    first = await stub.ListChargerMessages(
        m.ListChargerMessagesRequest(charger_id="CP-1", page_size=2)
    )
    assert [x.message_id for x in first.messages] == ["hb-4", "hb-3"]
    second = await stub.ListChargerMessages(
        m.ListChargerMessagesRequest(
            charger_id="CP-1", page_size=2, page_token=first.next_page_token
        )
    )
    third = await stub.ListChargerMessages(
        m.ListChargerMessagesRequest(
            charger_id="CP-1", page_size=2, page_token=second.next_page_token
        )
    )
    assert [x.message_id for x in [*second.messages, *third.messages]] == ["hb-2", "hb-1", "hb-0"]
    assert third.next_page_token == ""

    await journal.write([heartbeat("CP-1", n) for n in (5, 6, 7)])
    newer = await stub.ListChargerMessages(
        m.ListChargerMessagesRequest(charger_id="CP-1", page_size=2, after_token=first.after_token)
    )
    assert [x.message_id for x in newer.messages] == ["hb-5", "hb-6"]
    rest = await stub.ListChargerMessages(
        m.ListChargerMessagesRequest(charger_id="CP-1", page_size=2, after_token=newer.after_token)
    )
    assert [x.message_id for x in rest.messages] == ["hb-7"]
    idle = await stub.ListChargerMessages(
        m.ListChargerMessagesRequest(charger_id="CP-1", page_size=2, after_token=rest.after_token)
    )
    assert list(idle.messages) == []
    assert idle.after_token == rest.after_token


async def test_a_message_shows_both_frames_outcome_and_latency(
    stub: messages_pb2_grpc.MessageServiceAsyncStub, journal: Journal
) -> None:
    """Each exchange carries its CALL and answer frames, times, latency and outcome; an
    unanswered one has no latency (unset, not 0)."""
    lost = replace(
        reset("CP-1", 2),
        outcome=Outcome.NO_ANSWER,
        answer=None,
        answered_at_ms=None,
        latency_ms=None,
        error_code="Timeout",
    )
    await journal.write([heartbeat("CP-1", 1), lost])
    page = await stub.ListChargerMessages(m.ListChargerMessagesRequest(charger_id="CP-1"))
    unanswered, answered = page.messages
    assert answered.direction == m.MESSAGE_DIRECTION_CHARGER_TO_CSMS
    assert answered.outcome == m.MESSAGE_OUTCOME_RESULT
    assert json.loads(answered.call_frame) == [2, "hb-1", "Heartbeat", {}]
    assert json.loads(answered.answer_frame)[0] == 3
    assert answered.at.ToMilliseconds() == T0 + 1000
    assert answered.answered_at.ToMilliseconds() == T0 + 1003
    assert answered.HasField("latency_ms")
    assert answered.latency_ms == 2.5
    assert unanswered.direction == m.MESSAGE_DIRECTION_CSMS_TO_CHARGER
    assert unanswered.outcome == m.MESSAGE_OUTCOME_NO_ANSWER
    assert unanswered.error_code == "Timeout"
    assert unanswered.answer_frame == ""
    assert not unanswered.HasField("latency_ms")
    assert not unanswered.HasField("answered_at")


async def test_filters_by_action_direction_and_time(
    stub: messages_pb2_grpc.MessageServiceAsyncStub, journal: Journal
) -> None:
    """actions, direction and since/until narrow the timeline, and combine."""
    await journal.write([heartbeat("CP-1", 1), reset("CP-1", 2), heartbeat("CP-1", 3)])

    async def ids(**filters: object) -> list[str]:
        page = await stub.ListChargerMessages(
            m.ListChargerMessagesRequest(charger_id="CP-1", **filters)  # type: ignore[arg-type]
        )
        return [x.message_id for x in page.messages]

    since = Timestamp()
    since.FromMilliseconds(T0 + 2000)
    assert await ids(actions=["Reset"]) == ["reset-2"]
    assert await ids(direction=m.MESSAGE_DIRECTION_CHARGER_TO_CSMS) == ["hb-3", "hb-1"]
    assert await ids(since=since) == ["hb-3", "reset-2"]
    assert await ids(since=since, actions=["Heartbeat", "Reset"], until=_ts(T0 + 3000)) == [
        "reset-2"
    ]


def _ts(ms: int) -> Timestamp:
    ts = Timestamp()
    ts.FromMilliseconds(ms)
    return ts


async def test_bad_requests_name_the_field(
    stub: messages_pb2_grpc.MessageServiceAsyncStub, journal: Journal
) -> None:
    """A bad page size, action, direction, time range or token is INVALID_ARGUMENT naming
    the field; a token issued for other filters, or for the other field, is refused."""
    await journal.write([heartbeat("CP-1", n) for n in range(3)])
    req = m.ListChargerMessagesRequest
    page = await stub.ListChargerMessages(req(charger_id="CP-1", page_size=1))
    bad = {
        "page_size": req(charger_id="CP-1", page_size=1001),
        "actions": req(charger_id="CP-1", actions=["Boot Notification"]),
        "direction": req(charger_id="CP-1", direction=7),  # type: ignore[arg-type]
        "until": req(charger_id="CP-1", since=_ts(T0 + 5000), until=_ts(T0)),
        "charger_id": req(charger_id=""),
    }
    bad_tokens = {
        "page_token": req(charger_id="CP-1", page_token="not-a-token"),
        "after_token": req(charger_id="CP-1", after_token=page.next_page_token),
    }
    for field, request in {**bad, **bad_tokens}.items():
        details = await _fails(stub.ListChargerMessages(request), grpc.StatusCode.INVALID_ARGUMENT)
        assert details.startswith(f"{field}:"), details
    other_filters = req(charger_id="CP-1", actions=["Reset"], page_token=page.next_page_token)
    details = await _fails(
        stub.ListChargerMessages(other_filters), grpc.StatusCode.INVALID_ARGUMENT
    )
    assert details.startswith("page_token:")
    assert "filters" in details
    both = req(charger_id="CP-1", page_token=page.next_page_token, after_token=page.after_token)
    details = await _fails(stub.ListChargerMessages(both), grpc.StatusCode.INVALID_ARGUMENT)
    assert details.startswith("after_token:")


async def test_unknown_charger_is_not_found_but_a_journaled_one_is_listed(
    stub: messages_pb2_grpc.MessageServiceAsyncStub, journal: Journal
) -> None:
    """A charger neither stored nor journaled is NOT_FOUND; one the journal saw (e.g. its
    boot was refused and it was never stored) shows its frames."""
    details = await _fails(
        stub.ListChargerMessages(m.ListChargerMessagesRequest(charger_id="NOPE")),
        grpc.StatusCode.NOT_FOUND,
    )
    assert "NOPE" in details
    await journal.write([heartbeat("ONLY-IN-JOURNAL", 1)])
    page = await stub.ListChargerMessages(
        m.ListChargerMessagesRequest(charger_id="ONLY-IN-JOURNAL")
    )
    assert [x.message_id for x in page.messages] == ["hb-1"]


async def test_export_streams_json_lines_newest_first(
    stub: messages_pb2_grpc.MessageServiceAsyncStub, journal: Journal
) -> None:
    """The export is application/x-ndjson: one JSON object per line, as the list shows
    them, across chunks, at most `limit` lines."""
    await journal.write([heartbeat("CP-1", n) for n in range(1203)])
    chunks = [
        c
        async for c in stub.ExportChargerMessages(m.ExportChargerMessagesRequest(charger_id="CP-1"))
    ]
    assert chunks[0].content_type == "application/x-ndjson"
    lines = b"".join(c.data for c in chunks).decode().splitlines()
    assert len(lines) == 1203
    first = json.loads(lines[0])
    assert first["messageId"] == "hb-1202"
    assert first["direction"] == "MESSAGE_DIRECTION_CHARGER_TO_CSMS"
    assert first["latencyMs"] == 2.5
    assert json.loads(lines[-1])["messageId"] == "hb-0"
    limited = [
        c
        async for c in stub.ExportChargerMessages(
            m.ExportChargerMessagesRequest(charger_id="CP-1", limit=501)
        )
    ]
    assert len(b"".join(c.data for c in limited).splitlines()) == 501
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        async for _ in stub.ExportChargerMessages(
            m.ExportChargerMessagesRequest(charger_id="CP-1", limit=100_001)
        ):
            pass
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert (caught.value.details() or "").startswith("limit:")


async def test_without_a_journal_every_call_is_failed_precondition(sqlite_url: str) -> None:
    """A manager without JOURNAL_URL says how to turn the journal on."""
    async with _api(sqlite_url, None) as (_, stub):
        details = await _fails(
            stub.ListChargerMessages(m.ListChargerMessagesRequest(charger_id="CP-1")),
            grpc.StatusCode.FAILED_PRECONDITION,
        )
        assert "JOURNAL_URL" in details
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            async for _ in stub.ExportChargerMessages(
                m.ExportChargerMessagesRequest(charger_id="CP-1")
            ):
                pass
        assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION


async def test_roles_viewer_lists_operator_exports(sqlite_url: str, journal: Journal) -> None:
    """No token is UNAUTHENTICATED; a viewer reads the timeline but may not export it."""
    await journal.write([heartbeat("CP-1", 1)])
    async with _api(sqlite_url, journal) as (manager, _):
        target = f"127.0.0.1:{manager.port}"
        async with grpc.aio.insecure_channel(target) as anonymous:
            details = await _fails(
                messages_pb2_grpc.MessageServiceStub(anonymous).ListChargerMessages(
                    m.ListChargerMessagesRequest(charger_id="CP-1")
                ),
                grpc.StatusCode.UNAUTHENTICATED,
            )
            assert "token" in details
        viewer = await _token(target, "viewer")
        async with api_channel(target, viewer) as channel:
            stub = messages_pb2_grpc.MessageServiceStub(channel)
            page = await stub.ListChargerMessages(m.ListChargerMessagesRequest(charger_id="CP-1"))
            assert len(page.messages) == 1
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                async for _ in stub.ExportChargerMessages(
                    m.ExportChargerMessagesRequest(charger_id="CP-1")
                ):
                    pass
            assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED
        operator = await _token(target, "operator")
        async with api_channel(target, operator) as channel:
            stub = messages_pb2_grpc.MessageServiceStub(channel)
            chunks = [
                c
                async for c in stub.ExportChargerMessages(
                    m.ExportChargerMessagesRequest(charger_id="CP-1")
                )
            ]
            assert b"".join(c.data for c in chunks).count(b"\n") == 1
        async with api_channel(target) as channel:
            audit = auth_pb2_grpc.AuditServiceStub(channel)

            async def recorded() -> list[tuple[str, str, str]]:
                entries = await audit.ListAuditEntries(
                    auth_pb2.ListAuditEntriesRequest(action="MessageService/ExportChargerMessages")
                )
                found = sorted((e.actor, e.outcome, e.charger_id) for e in entries.entries)
                return found if len(found) == 2 else []

            # The export and the viewer's refused try are audited; reading is not.
            assert await eventually(recorded) == [
                ("operator-1", "OK", "CP-1"),
                ("viewer-1", "PERMISSION_DENIED", "CP-1"),
            ]
            listed = await audit.ListAuditEntries(
                auth_pb2.ListAuditEntriesRequest(action="MessageService/ListChargerMessages")
            )
            assert [e.outcome for e in listed.entries] == ["UNAUTHENTICATED"]


async def _token(target: str, role: str) -> str:
    roles = {"viewer": auth_pb2.ROLE_VIEWER, "operator": auth_pb2.ROLE_OPERATOR}
    async with api_channel(target, ADMIN_TOKEN) as channel:
        created = await auth_pb2_grpc.AuthServiceStub(channel).CreateToken(
            auth_pb2.CreateTokenRequest(name=f"{role}-1", role=roles[role])
        )
    return created.secret


async def _ctl(
    manager: Manager, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    """Run csmsctl in a thread against `manager`; returns (exit, stdout, stderr)."""
    argv = ["--manager", f"127.0.0.1:{manager.port}", "--timeout", str(8 * UNIT), *args]
    code = await asyncio.to_thread(csmsctl.main, ["--token", ADMIN_TOKEN, *argv])
    out, err = capsys.readouterr()
    return code, out, err


async def test_csmsctl_messages_prints_the_newest_oldest_at_the_bottom(
    sqlite_url: str, journal: Journal, capsys: pytest.CaptureFixture[str]
) -> None:
    """`csmsctl messages ID` shows the newest --limit exchanges as a log (oldest first),
    each with direction, action, outcome and latency; filters go to the API."""
    await journal.write([heartbeat("CP-1", n) for n in range(250)] + [reset("CP-1", 300)])
    async with _api(sqlite_url, journal) as (manager, _):
        code, out, err = await _ctl(manager, capsys, "messages", "CP-1", "--limit", "220")
        assert code == 0, err
        lines = out.splitlines()
        assert lines[0].split() == [
            "AT",
            "DIRECTION",
            "ACTION",
            "MESSAGE",
            "ID",
            "OUTCOME",
            "LATENCY",
        ]
        assert len(lines) == 1 + 220
        assert "hb-31 " in lines[1]
        assert lines[-1].split()[2:] == [
            "csms→charger",
            "Reset",
            "reset-300",
            "result",
            "2.5",
            "ms",
        ]
        assert "older ones" in err

        code, out, _ = await _ctl(
            manager, capsys, "messages", "CP-1", "--direction", "csms", "--json"
        )
        assert code == 0
        shown = json.loads(out)
        assert [x["messageId"] for x in shown["messages"]] == ["reset-300"]
        assert shown["afterToken"]

        # The journal's exchanges are from May 2026: none in the last hour.
        code, out, _ = await _ctl(manager, capsys, "messages", "CP-1", "--since", "1h")
        assert code == 0
        assert len(out.splitlines()) == 1
        code, out, _ = await _ctl(
            manager, capsys, "messages", "CP-1", "--since", "2026-05-28T00:00:00Z", "--limit", "500"
        )
        assert len(out.splitlines()) == 1 + 251

        code, _, err = await _ctl(manager, capsys, "messages", "CP-1", "--direction", "up")
        assert code == 2
        assert "charger" in err


async def test_csmsctl_messages_follow_prints_what_is_recorded_since(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """--follow prints the newest exchanges, then polls with after_token and prints each
    new exchange once, oldest first (--json: one object per line)."""

    class Growing(ListJournal):
        async def query(self, query: Query) -> list[Stored]:
            if query.after is not None and len(self.rows) < 4:
                self.rows.extend([heartbeat("CP-1", 10), heartbeat("CP-1", 11)])
            return await super().query(query)

    journal = Growing()
    await journal.write([heartbeat("CP-1", 1), heartbeat("CP-1", 2)])
    async with _api(sqlite_url, journal) as (manager, _):
        code, out, err = await _ctl(
            manager, capsys, "messages", "CP-1", "-f", "--json", "--interval", "0.1", "--polls", "3"
        )
    assert code == 0, err
    assert [json.loads(line)["messageId"] for line in out.splitlines()] == [
        "hb-1",
        "hb-2",
        "hb-10",
        "hb-11",
    ]


async def test_a_token_naming_a_point_the_journal_never_handed_out_is_refused(
    stub: messages_pb2_grpc.MessageServiceAsyncStub, journal: Journal
) -> None:
    """A well-formed token whose cursor the journal does not know is INVALID_ARGUMENT
    naming the field, for both kinds of token."""
    from services.manager._messages_api import encode_token

    await journal.write([heartbeat("CP-1", 1)])
    filters = Query(charger_id="CP-1")
    for field, kind in (("page_token", "before"), ("after_token", "after")):
        request = m.ListChargerMessagesRequest(charger_id="CP-1")
        setattr(request, field, encode_token(kind, "bm90LWEtY3Vyc29y", filters))
        details = await _fails(stub.ListChargerMessages(request), grpc.StatusCode.INVALID_ARGUMENT)
        assert details.startswith(f"{field}:"), details


async def test_the_manager_opens_the_journal_journal_url_names(
    sqlite_url: str, tmp_path: Path
) -> None:
    """With JOURNAL_URL set the manager opens that journal itself and reads what a node
    wrote to it."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'journal.sqlite'}"
    writer = open_journal(url, retention_s=86_400)
    await writer.open()
    try:
        await writer.write([heartbeat("CP-1", 1), reset("CP-1", 2)])
        registry = MemoryRegistry(lease_seconds=4 * UNIT)
        try:
            async with (
                running_manager(registry, sqlite_url, journal_url=url) as manager,
                api_channel(f"127.0.0.1:{manager.port}") as channel,
            ):
                page = await messages_pb2_grpc.MessageServiceStub(channel).ListChargerMessages(
                    m.ListChargerMessagesRequest(charger_id="CP-1")
                )
        finally:
            await registry.aclose()
    finally:
        await writer.aclose()
    assert [x.action for x in page.messages] == ["Reset", "Heartbeat"]


async def test_a_page_of_large_frames_stops_early_and_continues_with_its_token(
    stub: messages_pb2_grpc.MessageServiceAsyncStub, journal: Journal
) -> None:
    """A page stops before its frames pass MAX_PAGE_BYTES; its next_page_token (and an
    after_token poll) go on from the last exchange sent, so nothing is skipped."""
    big = "x" * (MAX_PAGE_BYTES // 2)
    await journal.write([replace(heartbeat("CP-1", n), answer=big) for n in range(5)])
    seen: list[str] = []
    token = ""
    while True:
        page = await stub.ListChargerMessages(
            m.ListChargerMessagesRequest(charger_id="CP-1", page_size=5, page_token=token)
        )
        assert 1 <= len(page.messages) <= 2
        seen.extend(x.message_id for x in page.messages)
        token = page.next_page_token
        if not token:
            break
    assert seen == [f"hb-{n}" for n in (4, 3, 2, 1, 0)]


async def test_a_journal_that_cannot_be_opened_is_unavailable_until_it_can(
    sqlite_url: str,
) -> None:
    """The manager starts even when the journal cannot be opened; the timeline is then
    UNAVAILABLE (saying so), and served once the journal opens."""

    class Down(ListJournal):
        down = True

        async def open(self) -> None:
            if self.down:
                raise JournalError("connection refused")
            await super().open()

    journal = Down()
    await journal.write([heartbeat("CP-1", 1)])
    async with _api(sqlite_url, journal) as (_, stub):
        request = m.ListChargerMessagesRequest(charger_id="CP-1")
        details = await _fails(stub.ListChargerMessages(request), grpc.StatusCode.UNAVAILABLE)
        assert "journal" in details
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            async for _ in stub.ExportChargerMessages(
                m.ExportChargerMessagesRequest(charger_id="CP-1")
            ):
                pass
        assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
        journal.down = False
        page = await stub.ListChargerMessages(request)
        assert [x.message_id for x in page.messages] == ["hb-1"]
        assert journal.opened == 1


@pytest.mark.parametrize(
    "exchange",
    [
        heartbeat("CP-1", 1),
        replace(heartbeat("CP-1", 2), at_ms=T0, answered_at_ms=T0 + 1000, latency_ms=1000.0),
        replace(
            reset("CP-1", 3),
            outcome=Outcome.NO_ANSWER,
            answer=None,
            answered_at_ms=None,
            latency_ms=None,
            error_code="Timeout",
        ),
        replace(
            heartbeat("CP-1", 4),
            outcome=Outcome.MALFORMED,
            action="",
            message_id="",
            call='[2, "ü", {',
            epoch=2**40,
        ),
    ],
)
def test_an_export_line_is_the_list_message_as_json(exchange: Exchange) -> None:
    """The export's fast line holds exactly the JSON the API gives for the same message
    (fields in the proto's order), on one line."""
    stored = Stored("c", exchange)
    line = export_line(stored)
    assert line.endswith("\n")
    assert "\n" not in line[:-1]
    assert json.loads(line) == json.loads(json_line(charger_message(stored)))
