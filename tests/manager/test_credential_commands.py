"""The messages that change a charger's credentials, per OCPP version (no network)."""

from __future__ import annotations

import pytest

from services.common import OcppVersion
from services.manager import commands
from services.manager._errors import InvalidArgument


def test_authorization_key_is_the_password_in_hexadecimal() -> None:
    """1.6 (security whitepaper): AuthorizationKey carries the password's octets as hex."""
    action, payload = commands.rotate_password(OcppVersion.V16, "dk2q0rfu2q0f-2f0rdg")
    assert action == "ChangeConfiguration"
    assert payload == {"key": "AuthorizationKey", "value": "646B327130726675327130662D326630726467"}


def test_basic_auth_password_is_sent_as_is_on_201() -> None:
    action, payload = commands.rotate_password(OcppVersion.V201, "new-password-2.0.1")
    assert action == "SetVariables"
    (item,) = payload["setVariableData"]
    assert item["attributeValue"] == "new-password-2.0.1"
    assert (item["component"]["name"], item["variable"]["name"]) == (
        "SecurityCtrlr",
        "BasicAuthPassword",
    )


def test_generated_passwords_fit_their_version() -> None:
    """20 characters on 1.6 (AuthorizationKey's 20 bytes), 32 on 2.0.1; never repeated."""
    for version, length in ((OcppVersion.V16, 20), (OcppVersion.V201, 32), (OcppVersion.V21, 32)):
        first, second = commands.generate_password(version), commands.generate_password(version)
        assert len(first) == length
        assert first != second
        assert commands.check_rotated_password(version, first) == first


@pytest.mark.parametrize(
    ("version", "password", "problem"),
    [
        ("1.6", "x" * 15, "16 to 40"),
        ("1.6", "x" * 21, "20 bytes"),
        ("2.0.1", "x" * 41, "16 to 40"),
        ("2.0.1", "sixteen-chars-ok!", "only a-z"),
    ],
)
def test_passwords_a_charger_cannot_hold_are_refused(
    version: str, password: str, problem: str
) -> None:
    with pytest.raises(InvalidArgument, match=problem) as caught:
        commands.check_rotated_password(OcppVersion(version), password)
    assert caught.value.field == "password"
