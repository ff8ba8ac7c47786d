"""What a charger proves at the handshake, read by the node and judged by the manager.

Sans-I/O helpers: the HTTP Basic ``Authorization`` header (RFC 7617; OCPP: username =
charger id), the subject CN of a client certificate the TLS layer verified, and the TLS
server context of the node's wss:// port (docs/adr/0012-charger-tls.md). Nothing here
logs; the password and the header never leave `BasicCredentials` except to the manager.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import logging
import ssl
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "BadCredentials",
    "BasicCredentials",
    "RedactCredentials",
    "client_address",
    "client_certificate_cn",
    "parse_basic_auth",
    "tls_server_context",
]

#: The challenge a 401 carries (RFC 7617; UTF-8 usernames and passwords).
WWW_AUTHENTICATE = 'Basic realm="OCPP", charset="UTF-8"'


class BadCredentials(ValueError):
    """An Authorization header the node refuses outright (401); the message says why and
    never contains the header's value."""


@dataclass(frozen=True, slots=True)
class BasicCredentials:
    username: str
    password: str = field(repr=False)  # never in a repr, so never in a log by accident


def parse_basic_auth(value: str | None, charger_id: str) -> BasicCredentials | None:
    """The Basic credentials of an ``Authorization`` header value (None when absent).

    BadCredentials for another scheme, a malformed value, or a username other than
    the charger id (OCPP: the username is the charger's identity).
    """
    if value is None:
        return None
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "basic":
        raise BadCredentials("the Authorization header must use HTTP Basic authentication")
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise BadCredentials(
            "the Authorization header is not valid HTTP Basic (base64 of username:password)"
        ) from None
    username, colon, password = decoded.partition(":")
    if not colon:
        raise BadCredentials("the Basic credentials lack the ':' between username and password")
    if username != charger_id:
        raise BadCredentials(
            "the Basic auth username must be the charger id (the last part of the URL path)"
        )
    return BasicCredentials(username, password)


def client_certificate_cn(peer_certificate: dict[str, Any] | None) -> str:
    """The subject CN of a verified peer certificate (``SSLObject.getpeercert()``); "" when
    there is none. A subject with several CNs names no single charger: ""."""
    if not peer_certificate:
        return ""
    names = [
        value
        for rdn in peer_certificate.get("subject", ())
        for key, value in rdn
        if key == "commonName"
    ]
    return names[0] if len(names) == 1 else ""


def tls_server_context(cert: str, key: str, client_ca: str = "") -> ssl.SSLContext:
    """The context of the node's wss:// port: TLS 1.2 or later, the server certificate
    chain; with `client_ca`, client certificates are asked for and verified against it
    but optional (profile 2 chargers have none; profile 3 is checked by the manager)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key)
    if client_ca:
        context.load_verify_locations(cafile=client_ca)
        context.verify_mode = ssl.CERT_OPTIONAL
    else:
        context.verify_mode = ssl.CERT_NONE
    return context


class TrustedProxies:
    """The proxies whose ``X-Forwarded-For`` the node believes (NODE_TRUSTED_PROXIES):
    addresses and networks (CIDR: the gateway's pod or container network, whose addresses
    change on every restart). A bad entry is a ValueError naming it."""

    __slots__ = ("_addresses", "_networks")

    def __init__(self, entries: Iterable[str]) -> None:
        self._addresses: set[str] = set()
        self._networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        for entry in entries:
            try:
                network = ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(
                    f"NODE_TRUSTED_PROXIES: {entry!r} is neither an IP address nor a network; "
                    "give addresses or CIDR networks (10.0.0.0/8, fd00::/8), comma-separated"
                ) from None
            if network.num_addresses == 1:
                self._addresses.add(str(network.network_address))
            else:
                self._networks.append(network)

    def __contains__(self, host: object) -> bool:
        if host in self._addresses:
            return True
        if not self._networks or not isinstance(host, str):
            return False
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        return any(address in network for network in self._networks)


def client_address(
    peer: tuple[str, int] | None,
    forwarded_for: str | None,
    trusted_proxies: TrustedProxies | Collection[str],
) -> str:
    """The charger's ``address:port`` as the manager's rate limit sees it.

    A peer that is a trusted proxy (the gateway; NODE_TRUSTED_PROXIES) stands for the
    charger: its address is the last ``X-Forwarded-For`` entry (the one the proxy appended;
    port 0), or unknown ("") when the proxy passed TLS through at TCP level and could add
    no header; the manager then limits by charger id only. Anyone else's header is ignored.
    """
    if not peer:
        return ""
    host, port = peer[0], peer[1]
    if host not in trusted_proxies:
        return f"{host}:{port}"
    if not forwarded_for:
        return ""
    last = forwarded_for.rsplit(",", 1)[-1].strip()
    try:
        return f"{ipaddress.ip_address(last)}:0"
    except ValueError:
        return ""


_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization"})


class RedactCredentials(logging.Filter):
    """Blanks the value of credential headers in websockets' debug log of the handshake
    (``< Authorization: Basic ...`` at LOG_LEVEL=DEBUG) on the logger the node gives it."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 2 and str(args[0]).lower() in _SECRET_HEADERS:
            record.args = (args[0], "[redacted]")
        return True
