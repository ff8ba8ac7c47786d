"""The node's reading of what a charger proves at the handshake (no network)."""

from __future__ import annotations

import base64

import pytest

from services.common._env import ConfigError
from services.node import NodeSettings
from services.node._credentials import (
    BadCredentials,
    BasicCredentials,
    TrustedProxies,
    client_address,
    client_certificate_cn,
    parse_basic_auth,
)


def header(raw: str) -> str:
    return "Basic " + base64.b64encode(raw.encode()).decode()


def test_basic_credentials_of_the_charger() -> None:
    """Username = charger id; the password may contain ':' (only the first one splits)."""
    assert parse_basic_auth(header("CP-1:pa:ss-word-0123"), "CP-1") == BasicCredentials(
        "CP-1", "pa:ss-word-0123"
    )
    assert parse_basic_auth(None, "CP-1") is None
    assert parse_basic_auth("basic " + header("CP-1:x")[6:], "CP-1") is not None


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (header("CP-2:secret-password"), "username must be the charger id"),
        ("Bearer abc", "must use HTTP Basic"),
        ("Basic !!!notbase64", "not valid HTTP Basic"),
        (header("CP-1"), "lack the ':'"),
    ],
)
def test_bad_authorization_headers_are_refused(value: str, problem: str) -> None:
    """Another username, another scheme, or a malformed value is refused, and the message
    never repeats the header."""
    with pytest.raises(BadCredentials, match=problem) as caught:
        parse_basic_auth(value, "CP-1")
    assert "secret-password" not in str(caught.value)


def test_password_is_not_in_the_repr() -> None:
    """A logged BasicCredentials never shows the password."""
    assert "hunter2-hunter2-x" not in repr(BasicCredentials("CP-1", "hunter2-hunter2-x"))


def test_client_certificate_cn() -> None:
    """The subject's single CN; none, or several (naming no single charger), give ""."""
    cert = {"subject": ((("countryName", "NL"),), (("commonName", "CP-1"),))}
    assert client_certificate_cn(cert) == "CP-1"
    assert client_certificate_cn(None) == ""
    assert client_certificate_cn({}) == ""
    two = {"subject": ((("commonName", "CP-1"),), (("commonName", "CP-2"),))}
    assert client_certificate_cn(two) == ""


def test_client_address_behind_a_trusted_proxy() -> None:
    """Only a trusted proxy's X-Forwarded-For counts (its last entry, which the proxy
    appended); a TCP pass-through from it has no header: address unknown."""
    trusted = ("10.0.0.1",)
    assert client_address(("192.0.2.7", 5000), "203.0.113.9", trusted) == "192.0.2.7:5000"
    assert client_address(("10.0.0.1", 5000), "1.1.1.1, 203.0.113.9", trusted) == ("203.0.113.9:0")
    assert client_address(("10.0.0.1", 5000), "2001:db8::7", trusted) == "2001:db8::7:0"
    assert client_address(("10.0.0.1", 5000), None, trusted) == ""
    assert client_address(("10.0.0.1", 5000), "not-an-ip", trusted) == ""
    assert client_address(None, None, trusted) == ""


def test_trusted_proxies_may_be_networks() -> None:
    """A gateway pod's or container's address changes with every restart: its network
    (CIDR) is trusted instead; IPv4-mapped IPv6 peers match IPv4 networks."""
    trusted = TrustedProxies(["10.42.0.0/16", "192.0.2.1", "fd00::/8"])
    assert client_address(("10.42.7.9", 5000), "203.0.113.9", trusted) == "203.0.113.9:0"
    assert client_address(("::ffff:10.42.7.9", 5000), "203.0.113.9", trusted) == "203.0.113.9:0"
    assert client_address(("fd12::1", 5000), "203.0.113.9", trusted) == "203.0.113.9:0"
    assert client_address(("192.0.2.1", 5000), "203.0.113.9", trusted) == "203.0.113.9:0"
    assert client_address(("10.43.0.1", 5000), "203.0.113.9", trusted) == "10.43.0.1:5000"
    assert client_address(("192.0.2.2", 5000), "203.0.113.9", trusted) == "192.0.2.2:5000"


def test_a_bad_trusted_proxy_entry_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NODE_TRUSTED_PROXIES", "10.0.0.1, gateway.internal")
    with pytest.raises(ConfigError, match=r"NODE_TRUSTED_PROXIES: 'gateway.internal'"):
        NodeSettings.from_env(mesh_secret="x" * 32)
    monkeypatch.setenv("NODE_TRUSTED_PROXIES", "10.0.0.1, 10.42.0.0/16")
    assert NodeSettings.from_env(mesh_secret="x" * 32).trusted_proxies == (
        "10.0.0.1",
        "10.42.0.0/16",
    )
