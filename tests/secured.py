"""Chargers as a secured deployment has them: a manager refusing profile 0, chargers given a
security profile and password hash, Basic auth headers, wss:// URLs (issue 11).

Chargers get their profile and password hash through the manager's credential store
directly (`add_charger`), so these tests do not depend on the lifecycle API, which
tests/test_charger_lifecycle.py and tests/test_gateway_lifecycle.py cover.
"""

from __future__ import annotations

import base64
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
import websockets
from websockets.exceptions import InvalidStatus
from websockets.typing import Subprotocol

from services.common._passwords import hash_password
from services.manager import Manager, ManagerSettings
from services.manager._audit import AuditRecord
from services.node import Node
from services.node._manager_link import LinkSettings
from services.registry import Registry
from tests.harness import ADMIN_TOKEN, MESH_SECRET, UNIT, Charger16, connected


class RecordingAudit:
    """An AuditSink that keeps what it is given."""

    def __init__(self) -> None:
        self.records: list[AuditRecord] = []

    def record(self, entry: AuditRecord) -> None:
        self.records.append(entry)


@contextlib.asynccontextmanager
async def secured_manager(
    registry: Registry,
    database_url: str,
    audit: RecordingAudit,
    *,
    failures_per_charger: int = 5,
    failures_per_address: int = 20,
    charger_tls: bool = False,
    auto_register: bool = False,
) -> AsyncIterator[Manager]:
    """A manager as deployed: profile 0 refused (ALLOW_UNSECURED_CHARGERS off)."""
    settings = ManagerSettings(
        host="127.0.0.1",
        port=0,
        database_url=database_url,
        auto_register=auto_register,
        task_timeout=4 * UNIT,
        flush_interval=0.05,
        sweep_interval=UNIT,
        shutdown_grace=UNIT,
        mesh_secret=MESH_SECRET,
        admin_token=ADMIN_TOKEN,
        allow_unsecured=False,
        login_failures_per_charger=failures_per_charger,
        login_failures_per_address=failures_per_address,
        charger_tls_available=charger_tls,
    )
    manager = Manager(settings, registry)
    manager.audit = audit
    async with manager:
        yield manager


async def add_charger(
    manager: Manager, charger_id: str, profile: int, password: str | None = None
) -> None:
    """A charger as an operator would configure it (until CreateCharger exists)."""
    await manager.stores.chargers.register(charger_id, "1.6", datetime.now(UTC))
    await manager.stores.credentials.set_security_profile(charger_id, profile)
    if password is not None:
        await manager.stores.credentials.set_password_hash(charger_id, hash_password(password))


def basic(username: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def wss_url(node: Node, charger_id: str) -> str:
    return f"wss://127.0.0.1:{node.tls_port}/ocpp/{charger_id}"


#: How long a refused handshake may take to be answered: the node answers every handshake
#: within its admission timeout (503 if the manager has not decided by then). A client
#: giving up sooner (`connected` gives up after 2 s) can fail with TimeoutError while a
#: refusal is still being decided, e.g. an argon2 verification on a loaded CI machine.
REFUSAL_WAIT = 2 * LinkSettings().admit_timeout


async def refused(url: str, charger_id: str, **options: Any) -> InvalidStatus:
    """The HTTP refusal of the handshake of charger `charger_id` (the last segment of
    `url`); `subprotocol` is the one offered (OCPP 1.6 unless given), the other `options`
    go to ``websockets.connect``."""
    assert url.endswith(f"/{charger_id}"), (url, charger_id)
    subprotocol = Subprotocol(options.pop("subprotocol", "ocpp1.6"))
    with pytest.raises(InvalidStatus) as caught:
        async with websockets.connect(
            url, subprotocols=[subprotocol], open_timeout=REFUSAL_WAIT, **options
        ):
            pass
    return caught.value


async def boots(url: str, charger_id: str, **options: Any) -> None:
    async with connected(Charger16, url, charger_id, **options) as cp:
        answer = await cp.boot()
        assert answer.status == "Accepted"
