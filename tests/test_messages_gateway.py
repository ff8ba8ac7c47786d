"""A charger's timeline end to end (issue 13, acceptance 1): a 1.6 and a 2.0.1 session
played by the `ocpp` library's ChargePoint, a command sent through the JSON API and a
malformed raw frame, journaled by a real node into a SQLite journal, read back as JSON
through a real Envoy, exported as JSON Lines, and shown by `csmsctl messages`."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import websockets
from ocpp.v16 import call as call16
from ocpp.v201 import call as call201
from websockets.typing import Subprotocol

from services import csmsctl
from services.gateway import Envoy
from services.journal import JournalSettings
from services.registry import MemoryRegistry
from tests.harness import (
    ADMIN_TOKEN,
    UNIT,
    Charger16,
    Charger201,
    charger_url,
    connected,
    eventually,
    running_manager,
    running_node,
)
from tests.test_gateway import _settings, http

CHARGER_CALLS_16 = {
    "BootNotification",
    "Heartbeat",
    "StatusNotification",
    "StartTransaction",
    "StopTransaction",
}
CHARGER_CALLS_201 = {"BootNotification", "Heartbeat", "StatusNotification", "TransactionEvent"}


@dataclass
class Stack:
    base: str
    manager_port: int
    node: Any


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    """Manager and node sharing a SQLite journal (the node writes it, the manager reads it),
    Envoy in front."""
    registry = MemoryRegistry(lease_seconds=4 * UNIT)
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'csms.sqlite3'}"
    journal_url = f"sqlite+aiosqlite:///{tmp_path / 'journal.sqlite'}"
    try:
        async with (
            running_manager(registry, database_url, journal_url=journal_url) as manager,
            running_node(
                registry,
                manager.port,
                "node-j",
                journal=JournalSettings(url=journal_url, flush_interval=0.05),
            ) as node,
            Envoy(_settings(manager, node), start_timeout=20 * UNIT) as envoy,
        ):
            yield Stack(f"http://127.0.0.1:{envoy.settings.listen_port}", manager.port, node)
    finally:
        await registry.aclose()


async def timeline(stack: Stack, charger_id: str, **query: Any) -> dict[str, Any]:
    path = f"/v1/chargers/{charger_id}/messages"
    if query:
        path += "?" + urlencode(query, doseq=True)
    answer = await http("GET", stack.base + path)
    assert answer.status == 200, answer.body
    data: dict[str, Any] = answer.json()
    return data


async def shows(stack: Stack, charger_id: str, want: int) -> list[dict[str, Any]]:
    """The charger's timeline once it holds `want` exchanges (the node writes in batches)."""

    async def ready() -> list[dict[str, Any]] | None:
        messages: list[dict[str, Any]] = (await timeline(stack, charger_id, pageSize=100))[
            "messages"
        ]
        return messages if len(messages) >= want else None

    found = await eventually(ready, timeout=20 * UNIT)
    assert found is not None
    return found


def assert_correlated(message: dict[str, Any]) -> None:
    """A CALL with its CALLRESULT: same message id in both frames, times and latency."""
    call = json.loads(message["callFrame"])
    answer = json.loads(message["answerFrame"])
    assert call[0] == 2, message
    assert answer[0] == 3, message
    assert call[1] == answer[1] == message["messageId"], message
    assert call[2] == message["action"], message
    assert message["outcome"] == "MESSAGE_OUTCOME_RESULT", message
    assert message["latencyMs"] >= 0, message
    assert _at(message["answeredAt"]) >= _at(message["at"]), message


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


async def session16(cp: Charger16) -> None:
    await cp.boot()
    await cp.heartbeat()
    await cp.status(1, "Available")
    started = await cp.call(
        call16.StartTransaction(
            connector_id=1, id_tag="CARD-1", meter_start=1000, timestamp=_iso(datetime.now(UTC))
        )
    )
    await cp.call(
        call16.StopTransaction(
            meter_stop=2500,
            timestamp=_iso(datetime.now(UTC)),
            transaction_id=started.transaction_id,
        )
    )


async def session201(cp: Charger201) -> None:
    await cp.boot()
    await cp.heartbeat()
    await cp.status(1, 1, "Available")
    for seq, kind, trigger in ((0, "Started", "CablePluggedIn"), (1, "Ended", "EVDeparted")):
        await cp.call(
            call201.TransactionEvent(
                event_type=kind,
                timestamp=_iso(datetime.now(UTC)),
                trigger_reason=trigger,
                seq_no=seq,
                transaction_info={"transaction_id": "TX-1"},
                evse={"id": 1, "connector_id": 1},
            )
        )


async def test_both_versions_every_call_with_its_answer_through_the_gateway(
    stack: Stack,
) -> None:
    """A 1.6 and a 2.0.1 session, each with a Reset sent through the JSON API, appear in
    their timelines newest first, every CALL with its CALLRESULT and latency, in the
    right direction."""
    async with (
        connected(Charger16, charger_url(stack.node, "CP-16"), "CP-16") as cp16,
        connected(Charger201, charger_url(stack.node, "CS-201"), "CS-201") as cp201,
    ):
        await session16(cp16)
        await session201(cp201)
        for charger_id in ("CP-16", "CS-201"):
            reset = await http(
                "POST", f"{stack.base}/v1/chargers/{charger_id}:reset", {"kind": "RESET_KIND_SOFT"}
            )
            assert reset.status == 200, reset.body

        for charger_id, calls, count in (
            ("CP-16", CHARGER_CALLS_16, 6),
            ("CS-201", CHARGER_CALLS_201, 6),
        ):
            messages = await shows(stack, charger_id, count)
            assert len(messages) == count, [m["action"] for m in messages]
            for message in messages:
                assert_correlated(message)
                assert message["chargerId"] == charger_id
                assert message["nodeId"] == "node-j"
            by_direction = {
                d: {m["action"] for m in messages if m["direction"] == d}
                for d in ("MESSAGE_DIRECTION_CHARGER_TO_CSMS", "MESSAGE_DIRECTION_CSMS_TO_CHARGER")
            }
            assert by_direction["MESSAGE_DIRECTION_CHARGER_TO_CSMS"] == calls
            assert by_direction["MESSAGE_DIRECTION_CSMS_TO_CHARGER"] == {"Reset"}
            assert messages[0]["action"] == "Reset", "newest first"
            assert messages[-1]["action"] == "BootNotification"
            times = [_at(m["at"]) for m in messages]
            assert times == sorted(times, reverse=True)
        boot16 = next(
            m for m in await shows(stack, "CP-16", 6) if m["action"] == "BootNotification"
        )
        assert json.loads(boot16["callFrame"])[3]["chargePointVendor"] == "Acme"
        assert json.loads(boot16["answerFrame"])[2]["status"] == "Accepted"


async def test_a_malformed_frame_appears_with_its_call_error(stack: Stack) -> None:
    """A frame that is not OCPP-J and one that breaks the schema are in the timeline as
    MALFORMED, each with the CallError the node answered."""
    async with websockets.connect(
        charger_url(stack.node, "RAW-1"), subprotocols=[Subprotocol("ocpp1.6")]
    ) as ws:
        await ws.send(
            json.dumps(
                [
                    2,
                    "boot-1",
                    "BootNotification",
                    {"chargePointVendor": "X", "chargePointModel": "Y"},
                ]
            )
        )
        assert json.loads(await ws.recv())[0] == 3
        await ws.send('[2, "broken-1", "Heartbeat", {')
        not_json = json.loads(await ws.recv())
        await ws.send(json.dumps([2, "bad-2", "StatusNotification", {"connectorId": 1}]))
        schema = json.loads(await ws.recv())
    assert not_json[0] == 4
    assert schema[:2] == [4, "bad-2"]

    messages = await shows(stack, "RAW-1", 3)
    malformed = [m for m in messages if m["outcome"] == "MESSAGE_OUTCOME_MALFORMED"]
    assert len(malformed) == 2, messages
    for message in malformed:
        answer = json.loads(message["answerFrame"])
        assert answer[0] == 4, message
        assert message["errorCode"] == answer[2], message
        assert message["direction"] == "MESSAGE_DIRECTION_CHARGER_TO_CSMS"
    broken = next(m for m in malformed if m["callFrame"].startswith('[2, "broken-1"'))
    assert broken["errorCode"] == not_json[2]
    bad = next(m for m in malformed if m["messageId"] == "bad-2")
    assert bad["action"] == "StatusNotification"
    assert bad["errorCode"] == schema[2]


async def test_paging_filters_live_polling_and_export(stack: Stack) -> None:
    """Pages of 2 add up to the whole timeline; actions and direction filter it; an
    after_token poll returns only what came since; the export is the same exchanges as
    JSON Lines (application/x-ndjson)."""
    async with connected(Charger16, charger_url(stack.node, "CP-P"), "CP-P") as cp:
        await session16(cp)
        whole = await shows(stack, "CP-P", 5)
        first = await timeline(stack, "CP-P")

        paged: list[dict[str, Any]] = []
        token = ""
        while True:
            page = await timeline(
                stack, "CP-P", pageSize=2, **({"pageToken": token} if token else {})
            )
            assert len(page["messages"]) <= 2
            paged.extend(page["messages"])
            token = page["nextPageToken"]
            if not token:
                break
        assert [m["messageId"] for m in paged] == [m["messageId"] for m in whole]

        beats = await timeline(stack, "CP-P", actions=["Heartbeat", "StatusNotification"])
        assert {m["action"] for m in beats["messages"]} == {"Heartbeat", "StatusNotification"}
        none = await timeline(stack, "CP-P", direction="MESSAGE_DIRECTION_CSMS_TO_CHARGER")
        assert none["messages"] == []

        await cp.heartbeat()

        async def newer() -> list[dict[str, Any]] | None:
            polled = await timeline(stack, "CP-P", afterToken=first["afterToken"])
            return polled["messages"] or None

        fresh = await eventually(newer, timeout=20 * UNIT)
        assert fresh is not None
        assert [m["action"] for m in fresh] == ["Heartbeat"]
        assert_correlated(fresh[0])

        export = await http("GET", f"{stack.base}/v1/chargers/CP-P/messages:export")
        assert export.status == 200, export.body
        assert export.headers["content-type"] == "application/x-ndjson"
        lines = [json.loads(line) for line in export.body.decode().splitlines()]
        assert [m["messageId"] for m in lines] == [fresh[0]["messageId"]] + [
            m["messageId"] for m in whole
        ]
        assert lines[0]["callFrame"] == fresh[0]["callFrame"]


async def test_the_timeline_needs_a_token_and_bad_input_is_named(stack: Stack) -> None:
    """Without a token both routes are 401 (UNAUTHENTICATED); a bad filter is 400 naming
    the field; an unknown charger is 404."""
    for path in ("/v1/chargers/CP-1/messages", "/v1/chargers/CP-1/messages:export"):
        refused = await http("GET", stack.base + path, token=None)
        assert refused.status == 401, refused.body
        assert refused.json()["code"] == 16
    bad = await http("GET", f"{stack.base}/v1/chargers/CP-1/messages?pageSize=5000")
    assert bad.status == 400
    assert bad.json()["message"].startswith("page_size:")
    bad = await http("GET", f"{stack.base}/v1/chargers/CP-1/messages?afterToken=nope")
    assert bad.status == 400
    assert bad.json()["message"].startswith("after_token:")
    unknown = await http("GET", f"{stack.base}/v1/chargers/NEVER-SEEN/messages")
    assert unknown.status == 404, unknown.body


async def test_csmsctl_messages_shows_a_session(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    """`csmsctl messages ID` prints the session as a log, the Reset sent to the charger
    last, with the direction and latency of each call."""
    async with connected(Charger16, charger_url(stack.node, "CP-CLI"), "CP-CLI") as cp:
        await session16(cp)
        reset = await http(
            "POST", f"{stack.base}/v1/chargers/CP-CLI:reset", {"kind": "RESET_KIND_HARD"}
        )
        assert reset.status == 200
        await shows(stack, "CP-CLI", 6)
    argv = ["--manager", f"127.0.0.1:{stack.manager_port}", "--token", ADMIN_TOKEN]
    code = await asyncio.to_thread(csmsctl.main, [*argv, "messages", "CP-CLI"])
    out, err = capsys.readouterr()
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == 1 + 6
    assert lines[1].split()[2:4] == ["charger→csms", "BootNotification"]
    assert lines[-1].split()[2:4] == ["csms→charger", "Reset"]
    assert all(line.rstrip().endswith("ms") for line in lines[1:])
