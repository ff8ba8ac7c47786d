"""Properties of the node's framing over generated OCPP-J frames (hypothesis; no network).

Whatever a charger sends, the framer either hands on a clean Call or names the CallError
the node answers with: it never raises anything else, and nothing it accepts can poison
a database column or an API field (issue 10).
"""

from __future__ import annotations

import re
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.common import parse_ocpp_time
from services.common._framing import (
    INT32_MAX,
    INT32_MIN,
    MAX_DESCRIPTION_LENGTH,
    MAX_MESSAGE_ID_LENGTH,
    Framer,
    FrameRejected,
    InboundCall,
    InboundError,
    InboundResult,
)
from tests.ocpp_strategies import CALL_ERROR_CODES, action_calls, frames

VERSIONS = ("1.6", "2.0.1", "2.1")
PROPERTIES = settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

#: Keys whose values reach integer columns and unsigned API fields.
NON_NEGATIVE_IDS = frozenset({"connectorId", "evseId", "seqNo"})
INTEGER_KEYS = NON_NEGATIVE_IDS | {
    "transactionId",
    "meterStart",
    "meterStop",
    "remoteStartId",
    "reservationId",
    "requestId",
}
DATE_TIME = re.compile(r"^\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d")


def assert_clean(value: Any, key: str = "", parent: str = "") -> None:
    """Nothing in an accepted payload can break a column or an API field."""
    if isinstance(value, str):
        assert "\x00" not in value, key
        if DATE_TIME.match(value):
            parse_ocpp_time(value).timestamp()  # exists, and is representable in UTC
    elif isinstance(value, dict):
        for child_key, child in value.items():
            assert "\x00" not in child_key
            assert_clean(child, child_key, key)
    elif isinstance(value, list):
        for item in value:
            assert_clean(item, key, parent)
    elif (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and (key in INTEGER_KEYS or (key == "id" and parent == "evse"))
    ):
        assert type(value) is int, (key, value)
        assert INT32_MIN <= value <= INT32_MAX, (key, value)
        if key in NON_NEGATIVE_IDS or key == "id":
            assert value >= 0, (key, value)


def parse(version: str, frame: str) -> InboundCall | InboundResult | InboundError | FrameRejected:
    """What the framer makes of ``frame``: the message, or the rejection it raised."""
    try:
        return Framer(version).parse(frame)
    except FrameRejected as rejected:
        return rejected


def check_rejection(version: str, frame: str, rejected: FrameRejected) -> None:
    assert rejected.code in CALL_ERROR_CODES[version], rejected.code
    assert rejected.code != "InternalError"
    assert 0 < len(rejected.description) <= MAX_DESCRIPTION_LENGTH
    answer = orjson.loads(rejected.to_frame())
    assert answer[0] == 4
    assert answer[1] == rejected.message_id
    assert rejected.message_id == "-1" or 0 < len(rejected.message_id) <= MAX_MESSAGE_ID_LENGTH


@pytest.mark.parametrize("version", VERSIONS)
@PROPERTIES
@given(data=st.data())
def test_any_frame_is_accepted_clean_or_refused_with_a_valid_call_error(
    version: str, data: st.DataObject
) -> None:
    """Any text frame is either a clean Call/CallResult/CallError or a FrameRejected carrying a
    CallError code of the frame's OCPP version, never another exception."""
    frame = data.draw(frames(version))
    outcome = parse(version, frame)
    if isinstance(outcome, FrameRejected):
        check_rejection(version, frame, outcome)
    elif isinstance(outcome, InboundCall):
        assert_clean(outcome.payload)
        assert orjson.loads(outcome.payload_json) == outcome.payload


@pytest.mark.parametrize("version", VERSIONS)
@PROPERTIES
@given(data=st.data())
def test_schema_valid_calls_reach_the_manager_only_when_clean(
    version: str, data: st.DataObject
) -> None:
    """A Call valid under the official schema (which sets almost no ranges) is forwarded only
    if every value fits the CSMS (int32, ids >= 0, no NUL, real dates); otherwise the
    CallError names the field."""
    action, payload = data.draw(action_calls(version))
    frame = orjson.dumps([2, "fuzz", action, payload]).decode()
    outcome = parse(version, frame)
    if isinstance(outcome, FrameRejected):
        check_rejection(version, frame, outcome)
        assert outcome.message_id == "fuzz"
        assert outcome.code in {
            "PropertyConstraintViolation",
            "TypeConstraintViolation",
            "OccurenceConstraintViolation",
            "OccurrenceConstraintViolation",
            "FormationViolation",
            "FormatViolation",
        }
        assert outcome.details.get("field"), outcome
        return
    assert isinstance(outcome, InboundCall)
    assert_clean(outcome.payload)
