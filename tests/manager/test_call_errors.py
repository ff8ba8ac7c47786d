"""CallErrors the manager answers a charger with: one class per OCPP-J code, spelled per version."""

from __future__ import annotations

import orjson
import pytest
from csms.v1 import common_pb2, events_pb2

from services.common import OcppVersion
from services.manager._context import CallContext, Payload
from services.manager._dispatch import Dispatcher
from services.manager._errors import (
    OcppCallError,
    OcppFormatViolation,
    OcppGenericError,
    OcppMessageTypeNotSupported,
    OcppOccurrenceConstraintViolation,
)
from services.manager._stores import Stores


def test_each_class_carries_its_code_in_each_versions_spelling() -> None:
    """1.6 says FormationViolation and OccurenceConstraintViolation (sic); 2.0.1 and 2.1 do not."""
    assert [OcppFormatViolation("x").code_for(v) for v in OcppVersion] == [
        "FormationViolation",
        "FormatViolation",
        "FormatViolation",
    ]
    assert OcppOccurrenceConstraintViolation("x").code_for(OcppVersion.V16) == (
        "OccurenceConstraintViolation"
    )
    assert OcppMessageTypeNotSupported("x").code_for(OcppVersion.V16) == "FormationViolation"
    assert OcppGenericError("x").code_for(OcppVersion.V201) == "GenericError"


def test_the_base_class_has_no_code_to_send() -> None:
    """Raising OcppCallError itself is a bug: the code would be a guess."""
    with pytest.raises(TypeError, match="subclass"):
        OcppCallError("what went wrong?")


@pytest.mark.parametrize(
    ("version", "proto", "code"),
    [
        (OcppVersion.V16, common_pb2.OCPP_VERSION_16, "FormationViolation"),
        (OcppVersion.V201, common_pb2.OCPP_VERSION_201, "FormatViolation"),
    ],
)
async def test_a_handlers_call_error_reaches_the_charger_in_its_versions_spelling(
    version: OcppVersion, proto: common_pb2.OcppVersion, code: str, stores: Stores
) -> None:
    """The dispatcher answers a handler's OcppFormatViolation with the code the charger's
    version spells, and the handler's description."""

    def handler(ctx: CallContext, req: Payload) -> Payload:
        raise OcppFormatViolation("timestamp 'yesterday' is not a date-time")

    dispatcher = Dispatcher({version: {"Heartbeat": handler}}, stores.chargers)
    reply = dispatcher.handle(
        events_pb2.Event(
            id=1,
            kind=events_pb2.Event.KIND_CALL,
            charger_id="CP-1",
            ocpp_version=proto,
            action="Heartbeat",
            message_id="m1",
            payload=orjson.dumps({}),
        )
    )
    assert isinstance(reply, events_pb2.Reply)
    assert (reply.error.code, reply.error.description) == (
        code,
        "timestamp 'yesterday' is not a date-time",
    )
