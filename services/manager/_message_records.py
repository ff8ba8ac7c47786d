"""A journal record (`services.journal.Stored`) as the API shows it: a
``csms.v1.ChargerMessage``, and the same as one JSON line of an export."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from csms.v1 import messages_pb2
from google.protobuf import json_format
from google.protobuf.timestamp_pb2 import Timestamp

from services.journal import Direction, Outcome, Stored

_DIRECTION_ENUMS: Mapping[Direction, messages_pb2.MessageDirection] = {
    Direction.CHARGER: messages_pb2.MESSAGE_DIRECTION_CHARGER_TO_CSMS,
    Direction.CSMS: messages_pb2.MESSAGE_DIRECTION_CSMS_TO_CHARGER,
}
DIRECTIONS: Mapping[int, Direction] = {value: key for key, value in _DIRECTION_ENUMS.items()}
_OUTCOME_ENUMS: Mapping[Outcome, messages_pb2.MessageOutcome] = {
    Outcome.RESULT: messages_pb2.MESSAGE_OUTCOME_RESULT,
    Outcome.ERROR: messages_pb2.MESSAGE_OUTCOME_ERROR,
    Outcome.NO_ANSWER: messages_pb2.MESSAGE_OUTCOME_NO_ANSWER,
    Outcome.MALFORMED: messages_pb2.MESSAGE_OUTCOME_MALFORMED,
    Outcome.UNSOLICITED: messages_pb2.MESSAGE_OUTCOME_UNSOLICITED,
}


def _timestamp(ms: int) -> Timestamp:
    ts = Timestamp()
    ts.FromMilliseconds(ms)
    return ts


def charger_message(stored: Stored) -> messages_pb2.ChargerMessage:
    x = stored.exchange
    message = messages_pb2.ChargerMessage(
        charger_id=x.charger_id,
        node_id=x.node_id,
        epoch=x.epoch,
        direction=_DIRECTION_ENUMS.get(x.direction, messages_pb2.MESSAGE_DIRECTION_UNSPECIFIED),
        outcome=_OUTCOME_ENUMS.get(x.outcome, messages_pb2.MESSAGE_OUTCOME_UNSPECIFIED),
        action=x.action,
        message_id=x.message_id,
        at=_timestamp(x.at_ms),
        call_frame=x.call or "",
        answer_frame=x.answer or "",
        error_code=x.error_code,
    )
    if x.answered_at_ms is not None:
        message.answered_at.CopyFrom(_timestamp(x.answered_at_ms))
    if x.latency_ms is not None:
        message.latency_ms = x.latency_ms
    return message


def json_line(message: messages_pb2.ChargerMessage) -> str:
    """One export line: the message as the JSON API shows it (lowerCamelCase, enums by
    name, every field printed), on one line. (`export_line` builds the same line from the
    record, without the protobuf round trip.)"""
    fields = json_format.MessageToDict(message, always_print_fields_with_no_presence=True)
    return json.dumps(fields, separators=(",", ":"), ensure_ascii=False) + "\n"


_DIRECTION_NAMES = {
    key: messages_pb2.MessageDirection.Name(value) for key, value in _DIRECTION_ENUMS.items()
}
_OUTCOME_NAMES = {
    key: messages_pb2.MessageOutcome.Name(value) for key, value in _OUTCOME_ENUMS.items()
}


def _rfc3339(ms: int) -> str:
    """Unix ms as protobuf's JSON writes a Timestamp: UTC, 3 fractional digits if any."""
    seconds, milli = divmod(ms, 1000)
    text = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{text}.{milli:03d}Z" if milli else f"{text}Z"


def export_line(stored: Stored) -> str:
    """`json_line(charger_message(stored))`, built straight from the record: the export
    writes up to 100,000 of them, and this is several times faster (the manager's event
    loop serves chargers meanwhile)."""
    x = stored.exchange
    fields: dict[str, Any] = {
        "chargerId": x.charger_id,
        "nodeId": x.node_id,
        "epoch": str(x.epoch),
        "direction": _DIRECTION_NAMES.get(x.direction, "MESSAGE_DIRECTION_UNSPECIFIED"),
        "outcome": _OUTCOME_NAMES.get(x.outcome, "MESSAGE_OUTCOME_UNSPECIFIED"),
        "action": x.action,
        "messageId": x.message_id,
        "at": _rfc3339(x.at_ms),
        "callFrame": x.call or "",
        "answerFrame": x.answer or "",
    }
    if x.answered_at_ms is not None:
        fields["answeredAt"] = _rfc3339(x.answered_at_ms)
    if x.latency_ms is not None:
        fields["latencyMs"] = float(x.latency_ms)
    fields["errorCode"] = x.error_code
    return json.dumps(fields, separators=(",", ":"), ensure_ascii=False) + "\n"
