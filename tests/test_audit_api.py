"""The audit log through the JSON gateway (issue 11): a charger's lifecycle and a refused
command are listed by `GET /v1/audit`, newest first, filtered and paged, without secrets."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.harness import eventually
from tests.test_gateway import Stack, gateway_stack, http

PASSWORD = "audit-test-password-0001"


@pytest.fixture
async def stack(sqlite_url: str) -> AsyncIterator[Stack]:
    """Manager, one node and Envoy in front of them, on free loopback ports."""
    async with gateway_stack(sqlite_url) as s:
        yield s


def changes(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`entries` without those recording reads of the audit log itself (this test's own
    queries, which carry the charger filter)."""
    return [e for e in entries if e["action"] != "AuditService/ListAuditEntries"]


async def audit(stack: Stack, **query: str) -> dict[str, Any]:
    """GET /v1/audit with `query`; the decoded answer (asserting HTTP 200)."""
    params = "&".join(f"{k}={v}" for k, v in query.items())
    reply = await http("GET", f"{stack.base}/v1/audit?{params}")
    assert reply.status == 200, reply.body
    answer: dict[str, Any] = reply.json()
    return answer


async def test_a_chargers_lifecycle_and_a_refusal_are_listed_newest_first(stack: Stack) -> None:
    """Create, retire and restore by the admin and a viewer's refused Reset are listed for the
    charger, newest first, with role and outcome, in pages, and never with the password."""
    base = stack.base
    created = await http(
        "POST",
        f"{base}/v1/chargers",
        {"chargerId": "CP-AUD", "securityProfile": 1, "password": PASSWORD},
    )
    assert created.status == 200, created.body
    assert (await http("DELETE", f"{base}/v1/chargers/CP-AUD")).status == 200
    assert (await http("POST", f"{base}/v1/chargers/CP-AUD:restore", {})).status == 200
    token = await http("POST", f"{base}/v1/tokens", {"name": "aud-viewer", "role": "ROLE_VIEWER"})
    assert token.status == 200, token.body
    viewer = token.json()["secret"]
    refused = await http("POST", f"{base}/v1/chargers/CP-AUD:reset", {}, token=viewer)
    assert refused.status == 403, refused.body

    async def four() -> list[dict[str, Any]]:
        entries = changes((await audit(stack, chargerId="CP-AUD")).get("entries", []))
        return entries if len(entries) == 4 else []

    entries = await eventually(four)
    assert [(e["action"], e["outcome"], e["actor"], e["role"]) for e in entries] == [
        ("ChargerService/Reset", "PERMISSION_DENIED", "aud-viewer", "ROLE_VIEWER"),
        ("ChargerService/RestoreCharger", "OK", "bootstrap", "ROLE_ADMIN"),
        ("ChargerService/DeleteCharger", "OK", "bootstrap", "ROLE_ADMIN"),
        ("ChargerService/CreateCharger", "OK", "bootstrap", "ROLE_ADMIN"),
    ]
    assert "needs role operator" in entries[0]["detail"]
    assert all(PASSWORD not in e["detail"] for e in entries)
    assert all(e["source"] for e in entries)  # the peer (Envoy's side of the connection)

    paged: list[dict[str, Any]] = []
    pages = 0
    query = {"chargerId": "CP-AUD", "pageSize": "3"}
    while True:
        page = await audit(stack, **query)
        assert len(page["entries"]) <= 3
        paged += page["entries"]
        pages += 1
        if not page.get("nextPageToken"):
            break
        query["pageToken"] = page["nextPageToken"]
    assert pages >= 2
    assert [e["id"] for e in paged] == sorted((e["id"] for e in paged), key=int, reverse=True)
    assert changes(paged) == entries

    denied = await audit(stack, outcome="PERMISSION_DENIED", actor="aud-viewer")
    assert [e["action"] for e in denied["entries"]] == ["ChargerService/Reset"]


async def test_the_audit_log_is_an_admins(stack: Stack) -> None:
    """An operator asking for the audit log is refused with 403 naming the role; no token is 401."""
    token = await http(
        "POST", f"{stack.base}/v1/tokens", {"name": "aud-op", "role": "ROLE_OPERATOR"}
    )
    operator = token.json()["secret"]
    reply = await http("GET", f"{stack.base}/v1/audit", token=operator)
    assert reply.status == 403, reply.body
    assert "needs role admin" in reply.json()["message"]
    assert (await http("GET", f"{stack.base}/v1/audit", token=None)).status == 401


async def test_bad_audit_queries_are_400_naming_the_field(stack: Stack) -> None:
    """A page size beyond 1000, a foreign page token or since after until is 400 naming the field."""
    for query, field in (
        ("pageSize=1001", "page_size"),
        ("pageToken=bogus", "page_token"),
        ("since=2026-12-03T12:00:00Z&until=2026-12-03T11:00:00Z", "until"),
    ):
        reply = await http("GET", f"{stack.base}/v1/audit?{query}")
        assert reply.status == 400, (query, reply.body)
        assert reply.json()["message"].startswith(f"{field}:"), (query, reply.body)
