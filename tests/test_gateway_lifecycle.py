"""Acceptance 4 of issue 11 through the JSON API: a real Envoy in front of a manager (auto-
registration off, as in a deployment) and a node; the charger connects through Envoy too.

Create → connect and boot → retire (DELETE: its socket closes) → refused (403) → restore →
connects again. Audit entries for these calls come from the operator interceptor and the
audit writer (other parts of issue 11), not from this test.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
import websockets

from services.gateway import Envoy
from services.registry import MemoryRegistry
from tests.harness import (
    ADMIN_TOKEN,
    UNIT,
    Charger16,
    connected,
    eventually,
    running_manager,
    running_node,
)
from tests.test_gateway import Response, Stack, _settings
from tests.test_gateway import http as _http

AUTH = {"authorization": f"Bearer {ADMIN_TOKEN}"}
PASSWORD = "correct-horse-battery-1"


async def http(method: str, url: str, body: Any = None) -> Response:
    """An API request carrying the admin token (the API needs one once issue 11 is in)."""
    return await _http(method, url, body, AUTH)


@pytest.fixture
async def stack(sqlite_url: str) -> AsyncIterator[Stack]:
    """Manager (auto-registration off), one node and Envoy, on free loopback ports."""
    registry = MemoryRegistry(lease_seconds=4 * UNIT)
    try:
        async with (
            running_manager(registry, sqlite_url, auto_register=False) as manager,
            running_node(registry, manager.port, "gw-node") as node,
            Envoy(_settings(manager, node), start_timeout=20 * UNIT) as envoy,
        ):
            yield Stack(manager, node, envoy)
    finally:
        await registry.aclose()


async def test_create_connect_retire_refuse_restore_through_the_json_api(stack: Stack) -> None:
    """An operator adds a charger with POST, it connects through the gateway and boots;
    DELETE retires it and closes its socket within two seconds; its reconnect is refused
    with 403; it is listed only as retired; POST :restore lets it connect and boot again."""
    base, ws = stack.base, stack.ws
    refused_before = await _refusal(f"{ws}/ACC-4")
    assert refused_before.status_code == 403
    assert b"an admin must add it first" in refused_before.body

    created = await http(
        "POST",
        f"{base}/v1/chargers",
        {"chargerId": "ACC-4", "securityProfile": 0, "description": "depot bay 4"},
    )
    assert created.status == 200, created.body
    assert created.json()["chargerId"] == "ACC-4"
    assert created.json()["registrationStatus"] == "REGISTRATION_STATUS_ACCEPTED"
    assert created.json()["hasPassword"] is False

    edited = await http(
        "PATCH",
        f"{base}/v1/chargers/ACC-4",
        {"description": "depot bay 5", "updateMask": "description"},
    )
    assert edited.status == 200, edited.body
    assert edited.json()["description"] == "depot bay 5"

    async with connected(Charger16, f"{ws}/ACC-4", "ACC-4") as cp:
        assert (await cp.boot()).status == "Accepted"
        started = asyncio.get_running_loop().time()
        retired = await http("DELETE", f"{base}/v1/chargers/ACC-4")
        assert retired.status == 200, retired.body
        assert retired.json()["retiredAt"]
        async with asyncio.timeout(4 * UNIT):
            await cp._connection.wait_closed()
        assert asyncio.get_running_loop().time() - started < 2.0

    refusal = await _refusal(f"{ws}/ACC-4")
    assert refusal.status_code == 403
    assert b"charger ACC-4 is retired; an admin can restore it" in refusal.body

    listed = await http("GET", f"{base}/v1/chargers")
    assert [c["chargerId"] for c in listed.json().get("chargers", [])] == []
    listed = await http("GET", f"{base}/v1/chargers?retired=true")
    assert [c["chargerId"] for c in listed.json()["chargers"]] == ["ACC-4"]
    got = await http("GET", f"{base}/v1/chargers/ACC-4")
    assert got.json()["retiredAt"]
    again = await http("POST", f"{base}/v1/chargers", {"chargerId": "ACC-4"})
    assert again.status == 409, again.body
    assert "restore" in again.json()["message"]

    restored = await http("POST", f"{base}/v1/chargers/ACC-4:restore", {})
    assert restored.status == 200, restored.body
    assert "retiredAt" not in restored.json()
    async with connected(Charger16, f"{ws}/ACC-4", "ACC-4") as cp:
        assert (await cp.boot()).status == "Accepted"
        await eventually(lambda: _connected(base, "ACC-4"))

    # Each change is in the audit log, newest first, with who made it and the outcome
    # (written in batches off the request path: wait for them).
    async def audited() -> bool:
        page = await http("GET", f"{base}/v1/audit?chargerId=ACC-4")
        return len(page.json().get("entries", [])) >= 5

    await eventually(audited)
    entries = (await http("GET", f"{base}/v1/audit?chargerId=ACC-4")).json()["entries"]
    assert [(e["action"], e["outcome"]) for e in entries] == [
        ("ChargerService/RestoreCharger", "OK"),
        ("ChargerService/CreateCharger", "ALREADY_EXISTS"),
        ("ChargerService/DeleteCharger", "OK"),
        ("ChargerService/UpdateCharger", "OK"),
        ("ChargerService/CreateCharger", "OK"),
    ]
    assert {e["actor"] for e in entries} == {"bootstrap"}


async def test_invalid_charger_is_400_and_the_password_never_comes_back(stack: Stack) -> None:
    """A short password is 400 naming the field; a valid one is stored, never returned."""
    short = await http(
        "POST",
        f"{stack.base}/v1/chargers",
        {"chargerId": "P-1", "securityProfile": 1, "password": "x"},
    )
    assert short.status == 400
    assert short.json()["message"].startswith("password:")
    made = await http(
        "POST",
        f"{stack.base}/v1/chargers",
        {"chargerId": "P-1", "securityProfile": 1, "password": PASSWORD},
    )
    assert made.status == 200, made.body
    assert made.json()["hasPassword"] is True
    assert PASSWORD.encode() not in made.body
    got = await http("GET", f"{stack.base}/v1/chargers/P-1")
    assert PASSWORD.encode() not in got.body


async def _refusal(url: str) -> Any:
    """The HTTP response refusing a charger's websocket handshake at `url`."""
    with pytest.raises(websockets.InvalidStatus) as refused:
        async with connected(Charger16, url, url.rsplit("/", 1)[-1]):
            pass
    return refused.value.response


async def _connected(base: str, charger_id: str) -> bool:
    got = await http("GET", f"{base}/v1/chargers/{charger_id}")
    return bool(got.json().get("connected"))
