"""How the node turns what it holds into journal records (services/node/_journaling.py),
without a network: the writer is a real JournalWriter whose queue is read back."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from csms.v1 import events_pb2

from services.common import OcppVersion
from services.common._framing import Framer, FrameRejected, InboundError, InboundResult
from services.journal import Direction, Exchange, JournalWriter, Outcome, Query, Stored
from services.node._journaling import CONNECTION_CLOSED, SUPERSEDED, TIMEOUT, NodeJournal


class Unused:
    """A journal nobody writes to here: the writer is never started."""

    async def open(self) -> None: ...
    async def write(self, exchanges: Sequence[Exchange]) -> None: ...
    async def query(self, query: Query) -> list[Stored]:
        return []

    async def expire(self, older_than_ms: int) -> int:
        return 0

    async def aclose(self) -> None: ...


def journal(limit: int = 65_536) -> NodeJournal:
    journal = Unused()
    return NodeJournal(journal, JournalWriter(journal), node_id="node-a", max_frame_bytes=limit)


def records(node_journal: NodeJournal) -> list[Exchange]:
    return list(node_journal.writer._queue)


def event(action: str, payload: dict[str, Any], message_id: str = "c1") -> events_pb2.Event:
    return events_pb2.Event(
        id=1,
        kind=events_pb2.Event.KIND_CALL,
        charger_id="CP-1",
        epoch=7,
        received_at_ms=1_000,
        message_id=message_id,
        action=action,
        payload=orjson.dumps(payload),
    )


def test_a_call_and_its_answer() -> None:
    """A charger's call answered by the manager: both frames as they were, timed."""
    nj = journal()
    call = '[2, "c1", "Heartbeat", {}]'  # the charger's own spacing is kept
    answer = b'[3,"c1",{"currentTime":"2026-12-03T10:00:00Z"}]'
    nj.call(event("Heartbeat", {}), call, 0.0, answer)
    (exchange,) = records(nj)
    assert exchange.call == call
    assert exchange.answer == answer.decode()
    assert (exchange.charger_id, exchange.epoch, exchange.node_id) == ("CP-1", 7, "node-a")
    assert (exchange.direction, exchange.outcome) == (Direction.CHARGER, Outcome.RESULT)
    assert (exchange.at_ms, exchange.action, exchange.message_id) == (1_000, "Heartbeat", "c1")
    assert exchange.latency_ms is not None
    assert exchange.latency_ms > 0
    assert exchange.answered_at_ms is not None


def test_a_call_answered_with_an_error_or_not_at_all() -> None:
    """A CallError answer is ERROR with its code; a call not answered (superseded) is
    NO_ANSWER with the reason and no answer time."""
    nj = journal()
    nj.call(
        event("Heartbeat", {}), "[2]", 0.0, b'[4,"c1","InternalError","late",{}]', "InternalError"
    )
    nj.call(event("Heartbeat", {}), "[2]", 0.0, None, SUPERSEDED)
    error, unanswered = records(nj)
    assert (error.outcome, error.error_code) == (Outcome.ERROR, "InternalError")
    assert (unanswered.outcome, unanswered.error_code) == (Outcome.NO_ANSWER, SUPERSEDED)
    assert unanswered.answer is None
    assert unanswered.latency_ms is None
    assert unanswered.answered_at_ms is None


def test_a_secret_in_a_charger_call_is_redacted() -> None:
    """A NotifyReport reporting a secret variable's value is journaled with ***."""
    nj = journal()
    report = {
        "requestId": 1,
        "generatedAt": "2026-12-03T10:00:00Z",
        "seqNo": 0,
        "reportData": [
            {
                "component": {"name": "SecurityCtrlr"},
                "variable": {"name": "BasicAuthPassword"},
                "variableAttribute": [{"value": "leaked-password"}],
            }
        ],
    }
    raw = orjson.dumps([2, "c1", "NotifyReport", report]).decode()
    nj.call(event("NotifyReport", report), raw, 0.0, b'[3,"c1",{}]')
    (exchange,) = records(nj)
    assert exchange.call is not None
    assert "leaked-password" not in exchange.call
    assert orjson.loads(exchange.call)[3]["reportData"][0]["variableAttribute"][0]["value"] == "***"


def test_long_frames_are_cut() -> None:
    """Frames over max_frame_bytes are cut to it."""
    nj = journal(limit=256)
    payload = {"vendorId": "v", "data": "x" * 1000}
    raw = orjson.dumps([2, "c1", "DataTransfer", payload]).decode()
    nj.call(event("DataTransfer", payload), raw, 0.0, b'[3,"c1",{"data":"' + b"y" * 1000 + b'"}]')
    (exchange,) = records(nj)
    assert exchange.call == raw[:256]
    assert exchange.answer is not None
    assert len(exchange.answer) == 256


def _rejected(framer: Framer, frame: str | bytes) -> FrameRejected:
    try:
        framer.parse(frame)
    except FrameRejected as rejected:
        return rejected
    raise AssertionError(f"{frame!r} was accepted")


def test_malformed_frames() -> None:
    """A malformed call is journaled with what could be read of it and the CallError; a
    binary frame as replaced text; a bad answer to a task names the task's action and is
    CSMS-initiated; a malformed frame naming a secret field is *** whole."""
    framer = Framer(OcppVersion.V16, 65_536)
    nj = journal()
    bad_call = '[2, "m7", "BootNotification", {"chargePointVendor": "Acme"}]'
    rejected = _rejected(framer, bad_call)
    nj.malformed("CP-1", 7, bad_call, rejected, rejected.to_frame(), 0.0, {})
    binary = b"\xff\x00binary"
    rejected = _rejected(framer, binary)
    nj.malformed("CP-1", 7, binary, rejected, rejected.to_frame(), 0.0, {})
    bad_answer = '[3, "t1", {"status": "Accepted"}, "extra"]'
    rejected = _rejected(framer, bad_answer)
    nj.malformed("CP-1", 7, bad_answer, rejected, None, 0.0, {"t1": ("Reset", None)})
    secret = '[3, "t2", {"configurationKey": [{"key": "AuthorizationKey", "value": "s"}]}, 1]'
    rejected = _rejected(framer, secret)
    nj.malformed("CP-1", 7, secret, rejected, None, 0.0, {})

    call, blob, answer, hidden = records(nj)
    assert all(e.outcome is Outcome.MALFORMED for e in records(nj))
    assert (call.action, call.message_id, call.direction) == (
        "BootNotification",
        "m7",
        Direction.CHARGER,
    )
    assert call.error_code == "OccurenceConstraintViolation"
    assert call.answer is not None
    assert orjson.loads(call.answer)[:3] == [4, "m7", "OccurenceConstraintViolation"]
    assert call.latency_ms is not None
    assert blob.call == "\ufffd\x00binary"
    assert (blob.message_id, blob.action) == ("", "")
    assert (answer.action, answer.direction, answer.message_id) == ("Reset", Direction.CSMS, "t1")
    assert answer.answer is None
    assert answer.latency_ms is None
    assert hidden.call == "***"


def test_a_task_answered() -> None:
    """A task's CALL (redacted when it carries a secret) and the charger's answer
    (redacted likewise), journaled once."""
    nj = journal()
    payload = {"key": "AuthorizationKey", "value": "00112233445566778899"}
    frame = orjson.dumps([2, "t1", "ChangeConfiguration", payload])
    nj.task_sent("CP-1", 7, "t1", "ChangeConfiguration", payload, frame)
    answer = '[3, "t1", {"status": "Accepted"}]'
    nj.task_answered(InboundResult("t1", {"status": "Accepted"}), "ChangeConfiguration", answer)
    nj.task_ended("t1", "ChangeConfiguration", None, Outcome.NO_ANSWER, TIMEOUT)  # already ended
    (exchange,) = records(nj)
    assert exchange.direction is Direction.CSMS
    assert exchange.outcome is Outcome.RESULT
    assert exchange.call is not None
    assert "00112233445566778899" not in exchange.call
    assert orjson.loads(exchange.call)[3] == {"key": "AuthorizationKey", "value": "***"}
    assert exchange.answer == answer
    assert exchange.latency_ms is not None

    got = {"configurationKey": [{"key": "AuthorizationKey", "readonly": False, "value": "k"}]}
    nj.task_sent("CP-1", 7, "t2", "GetConfiguration", {}, b'[2,"t2","GetConfiguration",{}]')
    raw = orjson.dumps([3, "t2", got]).decode()
    nj.task_answered(InboundResult("t2", got), "GetConfiguration", raw)
    second = records(nj)[1]
    assert second.answer is not None
    assert orjson.loads(second.answer)[2]["configurationKey"][0]["value"] == "***"


def test_a_task_refused_or_unanswered() -> None:
    """A CallError to a task is ERROR with its code; a task that ended without an answer
    is NO_ANSWER with why; one never sent is not journaled."""
    nj = journal()
    nj.task_sent("CP-1", 7, "t1", "Reset", {"type": "Hard"}, b'[2,"t1","Reset",{"type":"Hard"}]')
    error = '[4, "t1", "NotSupported", "", {}]'
    nj.task_answered(InboundError("t1", "NotSupported", "", {}), "Reset", error)
    nj.task_sent("CP-1", 7, "t2", "Reset", {"type": "Hard"}, b'[2,"t2","Reset",{"type":"Hard"}]')
    nj.task_ended("t2", "Reset", None, Outcome.NO_ANSWER, CONNECTION_CLOSED)
    nj.task_sent("CP-1", 7, "t3", "Reset", {"type": "Hard"}, b'[2,"t3","Reset",{"type":"Hard"}]')
    nj.task_dropped("t3")  # the socket closed before it was written
    nj.task_ended("t3", "Reset", None, Outcome.NO_ANSWER, TIMEOUT)
    refused, unanswered = records(nj)
    assert (refused.outcome, refused.error_code, refused.answer) == (
        Outcome.ERROR,
        "NotSupported",
        error,
    )
    assert (unanswered.outcome, unanswered.error_code) == (Outcome.NO_ANSWER, CONNECTION_CLOSED)
    assert unanswered.answer is None


def test_an_unsolicited_answer() -> None:
    """An answer to no task waiting is UNSOLICITED, its action unknown; one naming a
    secret field is *** whole."""
    nj = journal()
    nj.unsolicited("CP-1", 7, InboundResult("x", {}), '[3, "x", {}]')
    nj.unsolicited(
        "CP-1", 7, InboundError("y", "GenericError", "", {}), b'[4,"y","GenericError","",{}]'
    )
    leaked = '[3, "z", {"configurationKey": [{"key": "AuthorizationKey", "value": "k"}]}]'
    nj.unsolicited("CP-1", 7, InboundResult("z", {}), leaked)
    result, error, hidden = records(nj)
    assert (result.outcome, result.action, result.call, result.answer) == (
        Outcome.UNSOLICITED,
        "",
        None,
        '[3, "x", {}]',
    )
    assert error.error_code == "GenericError"
    assert hidden.answer == "***"
