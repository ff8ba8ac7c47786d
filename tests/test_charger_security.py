"""OCPP security profiles enforced at the handshake (issue 11, acceptance 1 and 6).

Chargers are the `ocpp` library's ChargePoint over real websockets (Basic auth through
``additional_headers``, TLS through ``ssl=``) against a real node (ws:// and wss:// ports)
and manager. The tests give chargers their profile and password hash through the
manager's credential store directly (tests/secured.py).
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from ocpp.v16 import call as call16
from websockets.exceptions import InvalidMessage

from services.manager import Manager
from services.manager._charger_auth import CSMS_EVENT_PREFIX, FailureLimiter, source_ip
from services.node import Node
from services.registry import RedisRegistry
from tests.harness import (
    UNIT,
    Charger16,
    charger_url,
    connected,
    running_node,
)
from tests.pki import ChargerPki, make_pki
from tests.secured import (
    RecordingAudit,
    add_charger,
    basic,
    boots,
    refused,
    secured_manager,
    wss_url,
)

PASSWORD = "correct-horse-battery"  # 21 characters
OTHER_PASSWORD = "wrong-horse-battery-x"


@pytest.fixture
def pki(tmp_path: Path) -> ChargerPki:
    return make_pki(tmp_path, ("CP-1", "CP-2", "CP-3"))


@pytest.fixture
def audit() -> RecordingAudit:
    return RecordingAudit()


@pytest.fixture
async def manager(
    registry: RedisRegistry, postgres_url: str, audit: RecordingAudit
) -> AsyncIterator[Manager]:
    async with secured_manager(registry, postgres_url, audit) as manager:
        yield manager


@pytest.fixture
def node_tls(pki: ChargerPki) -> tuple[str, str, str]:
    """The shared ``node`` fixture opens its wss:// port with the test PKI."""
    return pki.node_tls


async def test_profile_1_right_password_boots(manager: Manager, node: Node) -> None:
    """Profile 1: HTTP Basic with the charger id and its password is admitted and boots."""
    await add_charger(manager, "CP-1", 1, PASSWORD)
    await boots(charger_url(node, "CP-1"), "CP-1", additional_headers=basic("CP-1", PASSWORD))


async def test_profile_1_wrong_or_missing_password_is_401(
    manager: Manager, node: Node, registry: RedisRegistry, audit: RecordingAudit
) -> None:
    """Profile 1: a wrong password, none, or another username is refused with 401 and a Basic
    challenge; nothing is registered; each refusal is audited and recorded as a CSMS-side
    security event that never contains the password."""
    await add_charger(manager, "CP-1", 1, PASSWORD)
    url = charger_url(node, "CP-1")
    for options in (
        {"additional_headers": basic("CP-1", OTHER_PASSWORD)},
        {},
        {"additional_headers": basic("CP-2", PASSWORD)},
        {"additional_headers": {"Authorization": "Bearer abc"}},
    ):
        error = await refused(url, "CP-1", **options)
        assert error.response.status_code == 401, options
        assert error.response.headers["WWW-Authenticate"] == 'Basic realm="OCPP", charset="UTF-8"'
        assert PASSWORD.encode() not in error.response.body
        assert OTHER_PASSWORD.encode() not in error.response.body
    assert await registry.lookup("CP-1") is None
    assert "CP-1" not in node.connections
    # The manager judged two of them (the node refuses a malformed header or a wrong user).
    logins = [r for r in audit.records if r.action == "charger.login"]
    assert [r.outcome for r in logins] == ["UNAUTHENTICATED", "UNAUTHENTICATED"]
    assert logins[0].actor == "charger:CP-1"
    assert logins[0].source == "127.0.0.1"
    assert "wrong password" in logins[0].detail
    assert "no HTTP Basic credentials" in logins[1].detail
    events, _ = await manager.stores.security.list_events("CP-1", page_size=10)
    assert sorted(e.type for e in events) == ["InvalidChargerCredentials"] * 2
    assert all(e.tech_info.startswith(CSMS_EVENT_PREFIX) for e in events)
    assert not any(OTHER_PASSWORD in e.tech_info or PASSWORD in e.tech_info for e in events)


async def test_profile_0_refused_unless_allowed(manager: Manager, node: Node) -> None:
    """A profile 0 charger (no credentials) is refused where unsecured chargers are not
    allowed, and the refusal names the setting."""
    await add_charger(manager, "CP-0", 0)
    error = await refused(charger_url(node, "CP-0"), "CP-0")
    assert error.response.status_code == 401
    assert b"ALLOW_UNSECURED_CHARGERS" in error.response.body


async def test_auto_registration_adds_nobody_when_profile_0_is_refused(
    registry: RedisRegistry, postgres_url: str, audit: RecordingAudit
) -> None:
    """Auto-registration registers chargers with profile 0; where profile 0 is refused it
    must not create a row for every id a stranger tries: the unknown charger is refused
    (403) and nothing is stored."""
    async with (
        secured_manager(registry, postgres_url, audit, auto_register=True) as manager,
        running_node(registry, manager.port, "node-auto") as node,
    ):
        error = await refused(charger_url(node, "CP-STRANGER"), "CP-STRANGER")
        assert error.response.status_code == 403
        assert b"an admin must add it first" in error.response.body
        assert await manager.stores.chargers.get("CP-STRANGER") is None


async def test_profile_2_needs_tls_and_password(
    manager: Manager, node: Node, pki: ChargerPki
) -> None:
    """Profile 2: wss:// + the password boots; the right password over plain ws:// (a
    downgrade) or wss:// without a password is refused with 401."""
    await add_charger(manager, "CP-2", 2, PASSWORD)
    await boots(
        wss_url(node, "CP-2"),
        "CP-2",
        additional_headers=basic("CP-2", PASSWORD),
        ssl=pki.client_context(),
    )
    error = await refused(
        charger_url(node, "CP-2"), "CP-2", additional_headers=basic("CP-2", PASSWORD)
    )
    assert error.response.status_code == 401
    assert b"requires TLS" in error.response.body
    error = await refused(wss_url(node, "CP-2"), "CP-2", ssl=pki.client_context())
    assert error.response.status_code == 401


async def test_profile_3_needs_own_client_certificate(
    manager: Manager, node: Node, pki: ChargerPki, registry: RedisRegistry
) -> None:
    """Profile 3: wss:// with a client certificate for the charger id boots; another
    charger's valid certificate, no certificate, or plain ws:// are refused with 401."""
    await add_charger(manager, "CP-1", 3)
    await boots(wss_url(node, "CP-1"), "CP-1", ssl=pki.client_context("CP-1"))
    error = await refused(wss_url(node, "CP-1"), "CP-1", ssl=pki.client_context("CP-2"))
    assert error.response.status_code == 401
    assert b"issued to 'CP-2'" in error.response.body
    error = await refused(wss_url(node, "CP-1"), "CP-1", ssl=pki.client_context())
    assert error.response.status_code == 401
    error = await refused(charger_url(node, "CP-1"), "CP-1")
    assert error.response.status_code == 401
    events, _ = await manager.stores.security.list_events("CP-1", page_size=10)
    assert sorted(e.type for e in events) == [
        "InvalidClientCertificate",
        "InvalidClientCertificate",
        "UnsecuredConnectionRefused",
    ]


async def test_certificate_from_another_ca_fails_the_tls_handshake(
    node: Node, pki: ChargerPki, tmp_path: Path
) -> None:
    """A client certificate the node's client CA did not issue never gets past TLS."""
    (tmp_path / "other").mkdir()
    other = make_pki(tmp_path / "other", ("CP-1",))
    context = ssl.create_default_context(cafile=str(pki.ca.path))
    cert, key = other.clients["CP-1"]
    context.load_cert_chain(str(cert), str(key))
    # TLS 1.3 reports the refused certificate after the client's handshake: the HTTP
    # response never comes (InvalidMessage), never an HTTP status from the node.
    with pytest.raises((ssl.SSLError, ConnectionError, InvalidMessage)):
        async with connected(Charger16, wss_url(node, "CP-1"), "CP-1", ssl=context) as cp:
            await cp.boot()


async def test_failed_logins_are_rate_limited_per_charger(
    manager: Manager, node: Node, audit: RecordingAudit
) -> None:
    """After 5 failed logins in a minute the charger id gets 429 with Retry-After, even with
    the right password, and the block is audited once."""
    await add_charger(manager, "CP-1", 1, PASSWORD)
    url = charger_url(node, "CP-1")
    for _ in range(5):
        error = await refused(url, "CP-1", additional_headers=basic("CP-1", OTHER_PASSWORD))
        assert error.response.status_code == 401
    for _ in range(2):
        error = await refused(url, "CP-1", additional_headers=basic("CP-1", PASSWORD))
        assert error.response.status_code == 429
        assert 1 <= int(error.response.headers["Retry-After"]) <= 60
    limited = [r for r in audit.records if r.outcome == "RESOURCE_EXHAUSTED"]
    assert len(limited) == 1
    assert "charger id 'CP-1'" in limited[0].detail


async def test_failed_logins_are_rate_limited_per_address(
    registry: RedisRegistry, postgres_url: str, pki: ChargerPki
) -> None:
    """Failures across many charger ids from one address block that address (429) for
    every id, including one that has not failed yet."""
    audit = RecordingAudit()
    async with (
        secured_manager(
            registry, postgres_url, audit, failures_per_charger=5, failures_per_address=4
        ) as manager,
        running_node(registry, manager.port, "node-sec") as node,
    ):
        for n in range(5):
            await add_charger(manager, f"CP-{n}", 1, PASSWORD)
        for n in range(4):
            error = await refused(
                charger_url(node, f"CP-{n}"),
                f"CP-{n}",
                additional_headers=basic(f"CP-{n}", OTHER_PASSWORD),
            )
            assert error.response.status_code == 401
        error = await refused(
            charger_url(node, "CP-4"), "CP-4", additional_headers=basic("CP-4", PASSWORD)
        )
        assert error.response.status_code == 429
        assert b"address 127.0.0.1" in error.response.body


async def test_reconnects_reuse_the_verified_password(manager: Manager, node: Node) -> None:
    """A reconnect storm costs one argon2 verification per charger, not one per handshake;
    a different (wrong) password is still verified and refused."""
    await add_charger(manager, "CP-1", 1, PASSWORD)
    url = charger_url(node, "CP-1")
    for _ in range(5):
        async with connected(Charger16, url, "CP-1", additional_headers=basic("CP-1", PASSWORD)):
            pass
    assert manager.charger_auth.verifications == 1
    error = await refused(url, "CP-1", additional_headers=basic("CP-1", OTHER_PASSWORD))
    assert error.response.status_code == 401


async def test_credentialless_second_connection_cannot_take_over(
    manager: Manager, node: Node, registry: RedisRegistry
) -> None:
    """A second connection for an authenticated charger without its credentials is refused
    at the handshake: the real charger stays connected and its transaction untouched."""
    await add_charger(manager, "CP-1", 1, PASSWORD)
    url = charger_url(node, "CP-1")
    async with connected(
        Charger16, url, "CP-1", additional_headers=basic("CP-1", PASSWORD)
    ) as real:
        await real.boot()
        start = await real.call(
            call16.StartTransaction(
                connector_id=1, id_tag="TAG-1", meter_start=100, timestamp="2026-12-03T10:00:00Z"
            )
        )
        before = await registry.lookup("CP-1")
        assert before is not None
        for options in ({}, {"additional_headers": basic("CP-1", OTHER_PASSWORD)}):
            error = await refused(url, "CP-1", **options)
            assert error.response.status_code == 401
        await asyncio.sleep(UNIT)  # a takeover would have closed the real socket by now
        assert (await real.heartbeat()).current_time
        after = await registry.lookup("CP-1")
        assert after is not None
        assert after.epoch == before.epoch
        transaction = await manager.stores.transactions.get(start.transaction_id)
        assert transaction is not None
        assert transaction.stopped_at is None


# --- sans-I/O pieces ------------------------------------------------------------------


def test_source_ip_drops_the_port() -> None:
    """Rate limits key on the address without its port, IPv4 and IPv6 alike."""
    assert source_ip("10.0.0.7:51234") == "10.0.0.7"
    assert source_ip("::1:51234") == "::1"
    assert source_ip("[2001:db8::1]:443") == "2001:db8::1"
    assert source_ip("") == ""


def test_failure_limiter_window() -> None:
    """A key is blocked once it has `limit` failures in the window and free again when the
    oldest leaves it; a success clears it."""
    clock = [0.0]
    limiter = FailureLimiter(3, 60.0, now=lambda: clock[0])
    for t in (0.0, 10.0, 20.0):
        clock[0] = t
        assert limiter.retry_after("CP") == 0
        limiter.fail("CP")
    assert limiter.retry_after("CP") == pytest.approx(40.0)
    clock[0] = 60.5
    assert limiter.retry_after("CP") == 0
    limiter.fail("CP")
    assert limiter.retry_after("CP") > 0
    limiter.clear("CP")
    assert limiter.retry_after("CP") == 0


async def test_passwords_never_reach_the_log(
    manager: Manager, node: Node, caplog: pytest.LogCaptureFixture
) -> None:
    """Neither the password nor the Authorization header appears in any log line, at DEBUG
    (where websockets lists the handshake's headers), admitted or refused."""
    caplog.set_level(logging.DEBUG)
    await add_charger(manager, "CP-1", 1, PASSWORD)
    url = charger_url(node, "CP-1")
    await boots(url, "CP-1", additional_headers=basic("CP-1", PASSWORD))
    await refused(url, "CP-1", additional_headers=basic("CP-1", OTHER_PASSWORD))
    await refused(url, "CP-1", additional_headers=basic("CP-9", OTHER_PASSWORD))
    # Every log line of the CSMS's side (the test's own websockets client logs what it sends).
    text = "\n".join(
        record.getMessage()
        for record in caplog.records
        if not record.name.startswith("websockets.client")
    )
    assert "Authorization: [redacted]" in text  # the header lines were logged, blanked
    for secret in (PASSWORD, OTHER_PASSWORD):
        assert secret not in text
    for headers in (basic("CP-1", PASSWORD), basic("CP-1", OTHER_PASSWORD)):
        assert headers["Authorization"].split()[1] not in text
