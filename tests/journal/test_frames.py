"""Secrets never enter the journal; long frames are cut (services/journal/_frames.py)."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from services.journal import REDACTED, cut, redact_malformed, redact_request, redact_response


def _secret_variable(component: str, variable: str, value: str) -> dict[str, Any]:
    return {
        "attributeValue": value,
        "component": {"name": component},
        "variable": {"name": variable},
    }


def test_authorization_key_of_change_configuration() -> None:
    """1.6 ChangeConfiguration of AuthorizationKey (any case): its value becomes ***; the
    caller's payload is left as it was."""
    payload = {"key": "AuthorizationKey", "value": "0123456789abcdef0123"}
    redacted = redact_request("ChangeConfiguration", payload)
    assert redacted is not None
    assert orjson.loads(redacted) == {"key": "AuthorizationKey", "value": REDACTED}
    assert payload["value"] == "0123456789abcdef0123"
    lower = redact_request("ChangeConfiguration", {"key": "authorizationkey", "value": "s"})
    assert lower is not None
    assert b's"' not in lower


def test_other_configuration_keys_are_kept() -> None:
    """ChangeConfiguration of any other key has nothing to redact (journaled as sent)."""
    assert (
        redact_request("ChangeConfiguration", {"key": "HeartbeatInterval", "value": "60"}) is None
    )


def test_authorization_key_in_a_get_configuration_answer() -> None:
    """A charger that answers GetConfiguration with its (write-only) AuthorizationKey
    value has it redacted; the other keys are kept."""
    payload = {
        "configurationKey": [
            {"key": "HeartbeatInterval", "readonly": False, "value": "300"},
            {"key": "AuthorizationKey", "readonly": False, "value": "topsecret"},
        ]
    }
    redacted = redact_response("GetConfiguration", payload)
    assert redacted is not None
    keys = orjson.loads(redacted)["configurationKey"]
    assert [k["value"] for k in keys] == ["300", REDACTED]
    assert redact_response("GetConfiguration", {"configurationKey": keys[:1]}) is None


@pytest.mark.parametrize(
    ("component", "variable"),
    [
        ("SecurityCtrlr", "BasicAuthPassword"),
        ("NetworkConfiguration", "BasicAuthPassword"),
        ("NetworkConfiguration", "ApnPassword"),
        ("NetworkConfiguration", "SimPin"),
        ("NetworkConfiguration", "VpnPassword"),
        ("NetworkConfiguration", "VpnKey"),
    ],
)
def test_secret_variables_of_set_variables(component: str, variable: str) -> None:
    """2.x SetVariables of a secret variable: its attributeValue becomes ***; the other
    variables of the same request are kept."""
    payload = {
        "setVariableData": [
            _secret_variable(component, variable, "hunter2hunter2"),
            _secret_variable("OCPPCommCtrlr", "HeartbeatInterval", "60"),
        ]
    }
    redacted = redact_request("SetVariables", payload)
    assert redacted is not None
    data = orjson.loads(redacted)["setVariableData"]
    assert [d["attributeValue"] for d in data] == [REDACTED, "60"]
    assert b"hunter2" not in redacted


def test_set_variables_without_secrets_is_kept() -> None:
    """SetVariables of ordinary variables has nothing to redact."""
    payload = {"setVariableData": [_secret_variable("OCPPCommCtrlr", "HeartbeatInterval", "60")]}
    assert redact_request("SetVariables", payload) is None


def test_secret_variables_in_answers_and_reports() -> None:
    """A GetVariables answer or a NotifyReport carrying a secret variable's value has it
    redacted."""
    answer = {
        "getVariableResult": [
            {
                "attributeStatus": "Accepted",
                **_secret_variable("SecurityCtrlr", "BasicAuthPassword", "pw"),
            }
        ]
    }
    redacted = redact_response("GetVariables", answer)
    assert redacted is not None
    assert orjson.loads(redacted)["getVariableResult"][0]["attributeValue"] == REDACTED
    report = {
        "requestId": 1,
        "generatedAt": "2026-01-01T00:00:00Z",
        "seqNo": 0,
        "reportData": [
            {
                "component": {"name": "SecurityCtrlr"},
                "variable": {"name": "BasicAuthPassword"},
                "variableAttribute": [{"type": "Actual", "value": "pw"}],
            },
            {
                "component": {"name": "SecurityCtrlr"},
                "variable": {"name": "SecurityProfile"},
                "variableAttribute": [{"type": "Actual", "value": "2"}],
            },
        ],
    }
    redacted = redact_request("NotifyReport", report)
    assert redacted is not None
    values = [d["variableAttribute"][0]["value"] for d in orjson.loads(redacted)["reportData"]]
    assert values == [REDACTED, "2"]


def test_set_network_profile_passwords() -> None:
    """SetNetworkProfile: the APN password and SIM PIN, the VPN password and key, and
    2.1's basicAuthPassword become ***; the rest of the profile is kept."""
    payload: dict[str, Any] = {
        "configurationSlot": 1,
        "connectionData": {
            "ocppVersion": "OCPP20",
            "ocppTransport": "JSON",
            "ocppCsmsUrl": "wss://csms.example/ocpp",
            "messageTimeout": 30,
            "securityProfile": 2,
            "ocppInterface": "Wireless0",
            "basicAuthPassword": "b-secret",
            "apn": {
                "apn": "internet",
                "apnUserName": "user",
                "apnPassword": "a-secret",
                "simPin": 1234,
                "apnAuthentication": "AUTO",
            },
            "vpn": {
                "server": "vpn.example",
                "user": "u",
                "password": "v-secret",
                "key": "k-secret",
                "type": "IPSec",
            },
        },
    }
    redacted = redact_request("SetNetworkProfile", payload)
    assert redacted is not None
    data = orjson.loads(redacted)["connectionData"]
    assert data["basicAuthPassword"] == REDACTED
    assert data["apn"] == {
        **payload["connectionData"]["apn"],
        "apnPassword": REDACTED,
        "simPin": REDACTED,
    }
    assert data["vpn"]["password"] == REDACTED
    assert data["vpn"]["key"] == REDACTED
    assert data["vpn"]["server"] == "vpn.example"
    assert b"secret" not in redacted


def test_other_actions_are_not_touched() -> None:
    """Actions that carry no secret are never parsed for one."""
    assert redact_request("Heartbeat", {}) is None
    assert redact_request("Reset", {"type": "Hard"}) is None
    assert redact_response("ChangeConfiguration", {"status": "Accepted"}) is None
    assert redact_request("ChangeConfiguration", ["not", "an", "object"]) is None


def test_malformed_frames_naming_a_secret_are_hidden_whole() -> None:
    """A malformed frame that names a secret field is journaled as ***; others as sent."""
    assert redact_malformed('[2,"1","ChangeConfiguration",{"key":"AuthorizationKey",') == REDACTED
    assert redact_malformed('[3,"1",{"apnPassword":"x"},') == REDACTED
    assert redact_malformed('[2,"1","Heartbeat",{}') == '[2,"1","Heartbeat",{}'


def test_cut() -> None:
    """A frame over the limit is cut to at most `limit` UTF-8 bytes on a character
    boundary; shorter frames are kept; bytes become text."""
    assert cut("short", 256) == "short"
    assert cut(b'[2,"1"]', 256) == '[2,"1"]'
    long = "é" * 300  # 600 bytes
    kept = cut(long, 256)
    assert kept == "é" * 128
    assert len(cut(long + "x", 255).encode()) <= 255
    assert cut(b"x" * 1000, 256) == "x" * 256
    assert cut(b"\xff\xfe", 256) == "\ufffd\ufffd"
