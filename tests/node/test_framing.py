"""OCPP-J framing and schema validation at the node (services/common/_framing.py), no network."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ocpp
import orjson
import pytest

from services.common import OcppVersion
from services.common._framing import (
    CHARGER_ACTIONS,
    CSMS_ACTIONS,
    SUBPROTOCOLS,
    SUPPORTED_SUBPROTOCOLS,
    Framer,
    FrameRejected,
    InboundCall,
    InboundError,
    InboundResult,
    call_frame,
    error_frame,
    result_frame,
)

SN16 = {"connectorId": 1, "errorCode": "NoError", "status": "Available"}
SN201 = {
    "timestamp": "2024-01-01T00:00:00Z",
    "connectorStatus": "Available",
    "evseId": 1,
    "connectorId": 1,
}
BOOT201 = {"reason": "PowerUp", "chargingStation": {"model": "M1", "vendorName": "Acme"}}
LONG_ID = "x" * 37


def frame(*parts: Any) -> str:
    """A frame text from its elements."""
    return orjson.dumps(list(parts)).decode()


def with_(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A copy of ``base`` with fields changed; a value of ``...`` removes the field."""
    out = {**base, **changes}
    return {key: value for key, value in out.items() if value is not ...}


def rejected(framer: Framer, text: str | bytes) -> FrameRejected:
    """The FrameRejected that parsing ``text`` raises."""
    with pytest.raises(FrameRejected) as info:
        framer.parse(text)
    return info.value


# (frame, expected code, expected CallError id); every frame must be rejected by a 1.6 framer.
MALFORMED_16: list[tuple[str, str, str]] = [
    ("not json", "FormationViolation", "-1"),
    ("", "FormationViolation", "-1"),
    ('[2,"a1","Heartbeat",{}] trailing', "FormationViolation", "-1"),
    ('[2,"a1","Heartbeat",{"x":NaN}]', "FormationViolation", "-1"),
    ('{"a":1}', "FormationViolation", "-1"),
    ('"2"', "FormationViolation", "-1"),
    ("[]", "FormationViolation", "-1"),
    ("[2]", "FormationViolation", "-1"),
    (frame(2, 17, "Heartbeat", {}), "FormationViolation", "-1"),
    (frame(2, "", "Heartbeat", {}), "FormationViolation", "-1"),
    (frame(2, LONG_ID, "Heartbeat", {}), "FormationViolation", "-1"),
    (frame(2, None, "Heartbeat", {}), "FormationViolation", "-1"),
    (frame("2", "a1", "Heartbeat", {}), "FormationViolation", "a1"),
    (frame(7, "a1", "Heartbeat", {}), "FormationViolation", "a1"),
    (frame(2.0, "a1", "Heartbeat", {}), "FormationViolation", "a1"),
    (frame(2, "a1", "Heartbeat"), "FormationViolation", "a1"),
    (frame(2, "a1", "Heartbeat", {}, {}), "FormationViolation", "a1"),
    (frame(2, "a1", 42, {}), "FormationViolation", "a1"),
    (frame(2, "a1", "Heartbeat", []), "FormationViolation", "a1"),
    (frame(2, "a1", "Heartbeat", None), "FormationViolation", "a1"),
    (frame(2, "a1", "FooBar", {}), "NotImplemented", "a1"),
    (frame(2, "a1", "heartbeat", {}), "NotImplemented", "a1"),
    (frame(2, "a1", "TransactionEvent", {}), "NotImplemented", "a1"),
    (frame(2, "a1", "Reset", {"type": "Hard"}), "NotSupported", "a1"),
    (frame(2, "a1", "RemoteStartTransaction", {"idTag": "t"}), "NotSupported", "a1"),
    (frame(2, "a1", "Heartbeat", {"extra": 1}), "FormationViolation", "a1"),
    (
        frame(2, "a2", "StatusNotification", with_(SN16, connectorId="1")),
        "TypeConstraintViolation",
        "a2",
    ),
    (
        frame(2, "a2", "StatusNotification", with_(SN16, connectorId=True)),
        "TypeConstraintViolation",
        "a2",
    ),
    (
        frame(2, "a2", "StatusNotification", with_(SN16, status=...)),
        "OccurenceConstraintViolation",
        "a2",
    ),
    (
        frame(2, "a2", "StatusNotification", with_(SN16, status="Broken")),
        "PropertyConstraintViolation",
        "a2",
    ),
    (
        frame(2, "a2", "StatusNotification", with_(SN16, timestamp="yesterday")),
        "PropertyConstraintViolation",
        "a2",
    ),
    (
        frame(2, "a2", "StatusNotification", with_(SN16, info="i" * 51)),
        "TypeConstraintViolation",
        "a2",
    ),
    (frame(2, "a2", "StatusNotification", with_(SN16, colour="red")), "FormationViolation", "a2"),
    (
        frame(
            2, "a3", "BootNotification", {"chargePointVendor": "v" * 21, "chargePointModel": "m"}
        ),
        "TypeConstraintViolation",
        "a3",
    ),
    (
        frame(2, "a3", "BootNotification", {"chargePointVendor": "v"}),
        "OccurenceConstraintViolation",
        "a3",
    ),
    (frame(2, "a4", "Authorize", {"idTag": 12345}), "TypeConstraintViolation", "a4"),
]

MALFORMED_201: list[tuple[str, str, str]] = [
    ("not json", "RpcFrameworkError", "-1"),
    ("", "RpcFrameworkError", "-1"),
    ('[2,"a1","Heartbeat",{}] trailing', "RpcFrameworkError", "-1"),
    ('{"a":1}', "RpcFrameworkError", "-1"),
    ("42", "RpcFrameworkError", "-1"),
    ("[]", "RpcFrameworkError", "-1"),
    ("[2]", "RpcFrameworkError", "-1"),
    (frame(2, 17, "Heartbeat", {}), "RpcFrameworkError", "-1"),
    (frame(2, "", "Heartbeat", {}), "RpcFrameworkError", "-1"),
    (frame(2, LONG_ID, "Heartbeat", {}), "RpcFrameworkError", "-1"),
    (frame("2", "a1", "Heartbeat", {}), "RpcFrameworkError", "a1"),
    (frame(7, "a1", "Heartbeat", {}), "MessageTypeNotSupported", "a1"),
    (frame(6, "a1", "NotifyPeriodicEventStream", {}), "MessageTypeNotSupported", "a1"),
    (frame(0, LONG_ID), "MessageTypeNotSupported", "-1"),
    (frame(2, "a1", "Heartbeat"), "RpcFrameworkError", "a1"),
    (frame(2, "a1", "Heartbeat", {}, {}), "RpcFrameworkError", "a1"),
    (frame(2, "a1", ["Heartbeat"], {}), "RpcFrameworkError", "a1"),
    (frame(2, "a1", "Heartbeat", "{}"), "FormatViolation", "a1"),
    (frame(2, "a1", "Heartbeat", [1]), "FormatViolation", "a1"),
    (frame(2, "a1", "FooBar", {}), "NotImplemented", "a1"),
    (frame(2, "a1", "StartTransaction", {}), "NotImplemented", "a1"),
    (frame(2, "a1", "Reset", {"type": "Immediate"}), "NotSupported", "a1"),
    (frame(2, "a1", "RequestStartTransaction", {}), "NotSupported", "a1"),
    (frame(2, "a1", "Heartbeat", {"extra": 1}), "FormatViolation", "a1"),
    (
        frame(2, "a2", "StatusNotification", with_(SN201, evseId="1")),
        "TypeConstraintViolation",
        "a2",
    ),
    (
        frame(2, "a2", "StatusNotification", with_(SN201, connectorId=1.5)),
        "TypeConstraintViolation",
        "a2",
    ),
    (
        frame(2, "a2", "StatusNotification", with_(SN201, timestamp=...)),
        "OccurrenceConstraintViolation",
        "a2",
    ),
    (
        frame(2, "a2", "StatusNotification", with_(SN201, connectorStatus="On")),
        "PropertyConstraintViolation",
        "a2",
    ),
    (
        frame(2, "a2", "StatusNotification", with_(SN201, timestamp="01/01/2024")),
        "PropertyConstraintViolation",
        "a2",
    ),
    (
        frame(2, "a3", "BootNotification", with_(BOOT201, chargingStation={"model": "M1"})),
        "OccurrenceConstraintViolation",
        "a3",
    ),
    (
        frame(
            2,
            "a3",
            "BootNotification",
            with_(BOOT201, chargingStation={"model": "m" * 21, "vendorName": "v"}),
        ),
        "TypeConstraintViolation",
        "a3",
    ),
    (
        frame(2, "a3", "BootNotification", with_(BOOT201, reason="Bored")),
        "PropertyConstraintViolation",
        "a3",
    ),
    (
        frame(2, "a4", "MeterValues", {"evseId": 1, "meterValue": []}),
        "OccurrenceConstraintViolation",
        "a4",
    ),
]


@pytest.mark.parametrize(("text", "code", "message_id"), MALFORMED_16)
def test_malformed_16_frame_gets_the_exact_call_error(
    text: str, code: str, message_id: str
) -> None:
    """A malformed OCPP 1.6 frame is answered with the 1.6 code of ADR 0004 and the right id."""
    error = rejected(Framer("1.6"), text)
    assert (error.code, error.message_id, error.reply) == (code, message_id, True)
    assert orjson.loads(error.to_frame())[:3] == [4, message_id, code]


@pytest.mark.parametrize(("text", "code", "message_id"), MALFORMED_201)
def test_malformed_201_frame_gets_the_exact_call_error(
    text: str, code: str, message_id: str
) -> None:
    """A malformed OCPP 2.0.1 frame is answered with the 2.x code of ADR 0004 and the right id."""
    error = rejected(Framer("2.0.1"), text)
    assert (error.code, error.message_id, error.reply) == (code, message_id, True)
    assert orjson.loads(error.to_frame())[:3] == [4, message_id, code]


def test_schema_error_names_the_field_and_rule_16() -> None:
    """A schema failure's description names the action, the field and what is wrong."""
    error = rejected(Framer("1.6"), frame(2, "a", "StatusNotification", with_(SN16, status=...)))
    assert error.description == "StatusNotification: status: required field missing"
    assert error.details == {"field": "status", "rule": "required"}


def test_schema_error_names_a_nested_field_201() -> None:
    """A nested field is named by its path from the payload root, without fastjsonschema's 'data.'."""
    payload = with_(BOOT201, chargingStation={"model": "m" * 21, "vendorName": "v"})
    error = rejected(Framer("2.0.1"), frame(2, "a", "BootNotification", payload))
    assert error.details == {"field": "chargingStation.model", "rule": "maxLength"}
    assert error.description == (
        "BootNotification: chargingStation.model: 21 characters, at most 20 allowed"
    )


def test_extra_field_is_named() -> None:
    """An additional property is named in the description."""
    error = rejected(Framer("1.6"), frame(2, "a", "StatusNotification", with_(SN16, colour="red")))
    assert error.details == {"field": "colour", "rule": "additionalProperties"}
    assert "colour" in error.description


def test_wrong_direction_description_is_clear() -> None:
    """A charger sending a CSMS-only action is told which side sends it."""
    error = rejected(Framer("1.6"), frame(2, "a", "Reset", {"type": "Hard"}))
    assert error.description == "Reset is sent by a CSMS in OCPP 1.6, never by a charger"


@pytest.mark.parametrize(
    ("version", "action", "payload"),
    [
        ("1.6", "Heartbeat", {}),
        ("1.6", "BootNotification", {"chargePointVendor": "Acme", "chargePointModel": "M1"}),
        ("1.6", "StatusNotification", with_(SN16, timestamp="2024-01-01T00:00:00.123Z")),
        ("1.6", "StatusNotification", with_(SN16, timestamp="2024-01-01T00:00:00")),
        ("1.6", "StatusNotification", with_(SN16, timestamp="2024-01-01T00:00:00+01:00")),
        ("2.0.1", "Heartbeat", {}),
        ("2.0.1", "BootNotification", BOOT201),
        ("2.0.1", "StatusNotification", SN201),
        ("2.0.1", "StatusNotification", with_(SN201, customData={"vendorId": "acme", "x": 1})),
        ("2.1", "BootNotification", BOOT201),
        (
            "2.1",
            "NotifySettlement",
            {
                "pspRef": "p1",
                "status": "Settled",
                "settlementAmount": 12.5,
                "settlementTime": "2024-01-01T00:00:00Z",
            },
        ),
    ],
)
def test_valid_call_is_returned_with_its_payload_json(
    version: str, action: str, payload: dict[str, Any]
) -> None:
    """A valid Call comes back as an InboundCall whose payload_json is the orjson payload."""
    parsed = Framer(version).parse(frame(2, "id-1", action, payload))
    assert parsed == InboundCall("id-1", action, payload, orjson.dumps(payload))


def test_call_result_and_error_are_returned_unvalidated() -> None:
    """CallResult and CallError frames are structure-checked and returned for the pending table."""
    framer = Framer("2.0.1")
    assert framer.parse(frame(3, "t1", {"status": "whatever"})) == InboundResult(
        "t1", {"status": "whatever"}
    )
    assert framer.parse(frame(4, "t2", "NotSupported", "no", {"k": 1})) == InboundError(
        "t2", "NotSupported", "no", {"k": 1}
    )


@pytest.mark.parametrize(
    ("text", "message_id"),
    [
        (frame(3, "t1"), "t1"),
        (frame(3, "t1", [], 1), "t1"),
        (frame(3, "t1", []), "t1"),
        (frame(3, 5, {}), "-1"),
        (frame(4, "t2", "GenericError", "d"), "t2"),
        (frame(4, "t2", 1, "d", {}), "t2"),
        (frame(4, "t2", "GenericError", None, {}), "t2"),
        (frame(4, "t2", "GenericError", "d", "details"), "t2"),
    ],
)
def test_malformed_response_is_never_answered(text: str, message_id: str) -> None:
    """A malformed CallResult/CallError raises with reply=False: a response is never answered."""
    error = rejected(Framer("1.6"), text)
    assert (error.reply, error.message_id) == (False, message_id)
    assert error.code == "FormationViolation"


def test_v21_send_frame_is_not_answered() -> None:
    """In 2.1 a SEND frame (type 6) is unsupported and, as the spec requires, not answered."""
    error = rejected(Framer("2.1"), frame(6, "s1", "NotifyPeriodicEventStream", {}))
    assert (error.code, error.message_id, error.reply) == ("MessageTypeNotSupported", "s1", False)


@pytest.mark.parametrize(
    ("version", "code"), [("1.6", "FormationViolation"), ("2.0.1", "RpcFrameworkError")]
)
def test_binary_frame_is_rejected(version: str, code: str) -> None:
    """A binary websocket frame is rejected with id -1: OCPP-J uses text frames only."""
    error = rejected(Framer(version), frame(2, "a1", "Heartbeat", {}).encode())
    assert (error.code, error.message_id, error.reply) == (code, "-1", True)
    assert "binary" in error.description


def test_oversize_frame_is_rejected_with_its_id_size_and_limit() -> None:
    """A frame over max_frame_bytes is rejected naming size and limit, with the frame's id."""
    text = frame(2, "big", "DataTransfer", {"vendorId": "v", "data": "d" * 200})
    error = rejected(Framer("2.0.1", max_frame_bytes=100), text)
    assert (error.code, error.message_id, error.reply) == ("FormatViolation", "big", True)
    assert error.description == f"frame is {len(text)} bytes, the limit is 100 bytes"
    assert error.details == {"size": len(text), "limit": 100}


def test_oversize_counts_utf8_bytes() -> None:
    """The limit is in UTF-8 bytes, not characters."""
    text = frame(2, "u", "DataTransfer", {"vendorId": "v", "data": "\u20ac" * 30})
    assert len(text) <= 100 < len(text.encode())
    error = rejected(Framer("1.6", max_frame_bytes=100), text)
    assert error.code == "FormationViolation"
    assert error.details == {"size": len(text.encode()), "limit": 100}
    assert Framer("1.6", max_frame_bytes=len(text.encode())).parse(text).message_id == "u"


def test_oversize_unreadable_and_response_frames() -> None:
    """An oversize non-JSON frame gets id -1; an oversize CallResult is not answered."""
    assert rejected(Framer("1.6", max_frame_bytes=10), "x" * 20).message_id == "-1"
    error = rejected(Framer("1.6", max_frame_bytes=10), frame(3, "r1", {"data": "x" * 20}))
    assert (error.message_id, error.reply) == ("r1", False)


MULTIPLE_OF_PROFILE: dict[str, Any] = {
    "connectorId": 1,
    "csChargingProfiles": {
        "chargingProfileId": 1,
        "stackLevel": 0,
        "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Absolute",
        "chargingSchedule": {
            "chargingRateUnit": "A",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16}],
        },
    },
}


def profile_with_limit(limit: float) -> dict[str, Any]:
    """The SetChargingProfile payload with a second period of ``limit``."""
    payload = orjson.loads(orjson.dumps(MULTIPLE_OF_PROFILE))
    assert isinstance(payload, dict)
    periods = payload["csChargingProfiles"]["chargingSchedule"]["chargingSchedulePeriod"]
    periods.append({"startPeriod": 60, "limit": limit})
    return payload


@pytest.mark.parametrize("limit", [21.4, 21.400000000000002, 0.1 + 0.2, 32, 6.0])
def test_multiple_of_tolerates_float_error(limit: float) -> None:
    """OCPP 1.6 multipleOf 0.1 accepts values that are multiples up to float rounding."""
    Framer("1.6").validate_request("SetChargingProfile", profile_with_limit(limit))


def test_multiple_of_rejects_a_real_violation() -> None:
    """A 1.6 charging limit with two decimals breaks multipleOf 0.1: PropertyConstraintViolation."""
    with pytest.raises(FrameRejected) as info:
        Framer("1.6").validate_request("SetChargingProfile", profile_with_limit(21.45))
    field = "csChargingProfiles.chargingSchedule.chargingSchedulePeriod[1].limit"
    assert info.value.code == "PropertyConstraintViolation"
    assert info.value.details == {"field": field, "rule": "multipleOf"}
    assert info.value.description == f"SetChargingProfile: {field}: 21.45 is not a multiple of 0.1"


def test_multiple_of_in_a_charger_response() -> None:
    """GetCompositeSchedule responses get the same tolerant multipleOf check."""
    framer = Framer("1.6")
    schedule = {
        "chargingRateUnit": "W",
        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 7.1 * 3}],
        "minChargingRate": 1.1,
    }
    framer.validate_response(
        "GetCompositeSchedule", {"status": "Accepted", "chargingSchedule": schedule}
    )
    schedule["minChargingRate"] = 1.15
    with pytest.raises(FrameRejected) as info:
        framer.validate_response(
            "GetCompositeSchedule", {"status": "Accepted", "chargingSchedule": schedule}
        )
    assert info.value.details == {"field": "chargingSchedule.minChargingRate", "rule": "multipleOf"}
    assert info.value.reply is False


def test_validate_response_good_and_bad() -> None:
    """A charger's CallResult is checked against the task's response schema, never answered."""
    Framer("1.6").validate_response("Reset", {"status": "Accepted"})
    Framer("2.0.1").validate_response(
        "GetVariables",
        {
            "getVariableResult": [
                {
                    "attributeStatus": "Accepted",
                    "attributeValue": "60",
                    "component": {"name": "OCPPCommCtrlr"},
                    "variable": {"name": "HeartbeatInterval"},
                }
            ]
        },
    )
    with pytest.raises(FrameRejected) as info:
        Framer("1.6").validate_response("Reset", {"status": "Maybe"}, message_id="t9")
    error = info.value
    assert (error.code, error.message_id, error.reply) == (
        "PropertyConstraintViolation",
        "t9",
        False,
    )
    with pytest.raises(FrameRejected) as info:
        Framer("2.0.1").validate_response("Heartbeat", {"currentTime": "2024-01-01T00:00:00Z"})
    assert info.value.code == "NotImplemented"


def test_validate_request_good_and_bad() -> None:
    """A task is checked before sending; wrong action or payload raises with a clear code."""
    Framer("1.6").validate_request("RemoteStartTransaction", {"idTag": "TAG1", "connectorId": 1})
    Framer("2.0.1").validate_request("Reset", {"type": "Immediate"})
    cases: list[tuple[str, str, dict[str, Any], str, str]] = [
        ("1.6", "RemoteStartTransaction", {}, "OccurenceConstraintViolation", "idTag"),
        (
            "2.0.1",
            "RequestStartTransaction",
            {"idToken": {"idToken": "t", "type": "Central"}},
            "OccurrenceConstraintViolation",
            "remoteStartId",
        ),
        ("2.0.1", "Reset", {"type": "Later"}, "PropertyConstraintViolation", "type"),
        ("1.6", "Heartbeat", {}, "NotSupported", "charger"),
        ("2.0.1", "BootNotification", BOOT201, "NotSupported", "charger"),
        ("1.6", "RequestStartTransaction", {}, "NotImplemented", "not an OCPP 1.6 action"),
    ]
    for version, action, payload, code, mentioned in cases:
        with pytest.raises(FrameRejected) as info:
            Framer(version).validate_request(action, payload)
        assert info.value.code == code, (version, action)
        assert mentioned in info.value.description, info.value.description
        assert info.value.reply is False


def test_frame_builders_round_trip_and_escape_ids() -> None:
    """Built frames are valid JSON that round-trips, with ids containing quotes escaped."""
    tricky = 'a"b\\c</'
    payload = {"currentTime": "2024-01-01T00:00:00Z"}
    assert orjson.loads(call_frame(tricky, "Reset", b'{"type":"Hard"}')) == [
        2,
        tricky,
        "Reset",
        {"type": "Hard"},
    ]
    assert orjson.loads(result_frame(tricky, orjson.dumps(payload))) == [3, tricky, payload]
    assert orjson.loads(error_frame(tricky, "GenericError", 'say "no"')) == [
        4,
        tricky,
        "GenericError",
        'say "no"',
        {},
    ]
    assert result_frame("1", b"{}") == b'[3,"1",{}]'


def test_frame_builders_give_utf8_text() -> None:
    """Built frames are UTF-8 bytes (sent as websocket text frames as they are), non-ASCII kept."""
    frame = error_frame("id\u00e9", "GenericError", "d\u00e9j\u00e0 vu")
    assert isinstance(frame, bytes)
    assert frame.decode("utf-8") == '[4,"id\u00e9","GenericError","d\u00e9j\u00e0 vu",{}]'


def test_built_call_parses_back() -> None:
    """A Call built by call_frame parses back to the same InboundCall."""
    text = call_frame("id\u00e9", "Heartbeat", b"{}").decode()
    assert Framer("2.1").parse(text) == InboundCall("id\u00e9", "Heartbeat", {}, b"{}")


def test_rejection_to_frame_and_description_limit() -> None:
    """FrameRejected.to_frame builds the CallError; descriptions are cut to 255 characters."""
    error = FrameRejected("m1", "GenericError", "d" * 300, {"k": [1]})
    assert len(error.description) == 255
    assert orjson.loads(error.to_frame()) == [
        4,
        "m1",
        "GenericError",
        error.description,
        {"k": [1]},
    ]


def test_subprotocols() -> None:
    """The node offers 2.1, 2.0.1 and 1.6, newest first."""
    assert SUBPROTOCOLS == {"ocpp2.1": "2.1", "ocpp2.0.1": "2.0.1", "ocpp1.6": "1.6"}
    assert SUPPORTED_SUBPROTOCOLS == ("ocpp2.1", "ocpp2.0.1", "ocpp1.6")
    with pytest.raises(ValueError, match="unsupported OCPP version"):
        Framer("1.5")


@pytest.mark.parametrize("version", ["1.6", "2.0.1", "2.1"])
def test_action_tables_match_the_shipped_schemas(version: str) -> None:
    """Every action in the tables has request and response schemas, and every schema an action."""
    directory = (
        Path(ocpp.__file__).parent
        / {"1.6": "v16", "2.0.1": "v201", "2.1": "v21"}[version]
        / "schemas"
    )
    request_suffix = ".json" if version == "1.6" else "Request.json"
    actions = CHARGER_ACTIONS[OcppVersion(version)] | CSMS_ACTIONS[OcppVersion(version)]
    expected = {f"{a}{request_suffix}" for a in actions} | {f"{a}Response.json" for a in actions}
    shipped = {path.name for path in directory.glob("*.json")}
    send_only = {"NotifyPeriodicEventStream.json"} if version == "2.1" else set()
    assert shipped - send_only == expected
    assert CHARGER_ACTIONS[OcppVersion(version)] & CSMS_ACTIONS[OcppVersion(version)] == {
        "DataTransfer"
    }


@pytest.mark.parametrize("version", ["1.6", "2.0.1", "2.1"])
def test_every_schema_compiles(version: str) -> None:
    """Every request and response schema of the version compiles and accepts nothing absurd."""
    framer = Framer(version)
    for action in sorted(CSMS_ACTIONS[OcppVersion(version)]):
        with pytest.raises(FrameRejected):
            framer.validate_request(action, {"definitelyNotAField": 1})
        with pytest.raises(FrameRejected):
            framer.validate_response(action, {"definitelyNotAField": 1})
    for action in sorted(CHARGER_ACTIONS[OcppVersion(version)]):
        with pytest.raises(FrameRejected):
            framer.parse(frame(2, "x", action, {"definitelyNotAField": 1}))
