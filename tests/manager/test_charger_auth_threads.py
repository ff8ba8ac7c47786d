"""ChargerAuthenticator's argon2 threads: a verification whose handshake was abandoned (the
charger gave up, or the manager is stopping and cancelled the Admit call) keeps running in
its thread, and the authenticator's `aclose` waits for it, so no verification outlives the
manager (nor runs on while the test's event loop is torn down)."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime
from typing import cast

import pytest

from services.manager import _charger_auth
from services.manager._audit import DiscardAudit
from services.manager._charger_auth import ChargerAuthenticator
from services.manager.store import CredentialStore, SecurityStore
from tests.harness import UNIT

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


async def test_aclose_waits_for_the_verification_of_an_abandoned_handshake(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started, release = threading.Event(), threading.Event()
    finished: list[str] = []  # names of the threads whose verification ended

    def held_verification(stored_hash: str, password: str) -> bool:
        started.set()
        release.wait(20 * UNIT)
        time.sleep(0.2)  # still verifying when aclose starts: aclose must wait for it
        finished.append(threading.current_thread().name)
        return False

    monkeypatch.setattr(_charger_auth, "verify_password", held_verification)
    # The stores are not asked: only the verification path runs here.
    auth = ChargerAuthenticator(
        cast(CredentialStore, None),
        cast(SecurityStore, None),
        DiscardAudit(),
        lambda: NOW,
        allow_unsecured=False,
    )
    handshake = asyncio.create_task(auth._argon2("$argon2id$stored", "a-password-of-17c"))
    assert await asyncio.to_thread(started.wait, 20 * UNIT)
    handshake.cancel()  # abandoned: the verification goes on in its thread
    with pytest.raises(asyncio.CancelledError):
        await handshake
    assert finished == []
    release.set()
    await auth.aclose()
    assert len(finished) == 1
    assert finished[0].startswith("argon2-verify")
