"""ChargerAuthenticator's rules without a network: SQLite stores, a fake clock."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from csms.v1 import events_pb2

from services.common import OcppVersion
from services.common._passwords import hash_password
from services.manager._audit import DiscardAudit
from services.manager._charger_auth import AuthDecision, ChargerAuthenticator, VerificationBusy
from services.manager._policy import ChargerPolicy
from services.manager._stores import Stores
from services.manager.store import ChargerAdmission, ChargerCredentials, StoreUnavailable

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
PASSWORD = "a-password-of-17c"
NEW_PASSWORD = "the-new-password-18"


def request(
    charger_id: str = "CP-1", password: str | None = PASSWORD, **fields: object
) -> events_pb2.AdmitRequest:
    return events_pb2.AdmitRequest(
        charger_id=charger_id,
        remote_address="192.0.2.1:4000",
        basic_auth=password is not None,
        password=password or "",
        **fields,  # type: ignore[arg-type]
    )


class Handshake:
    """Admission as ``Events.Admit`` runs it: the policy reads the charger's row, and the
    authenticator checks the credentials against that row."""

    def __init__(self, stores: Stores, auth: ChargerAuthenticator) -> None:
        self.policy = ChargerPolicy(stores.chargers, auto_register=False, allow_unsecured=False)
        self.auth = auth

    async def check(self, request: events_pb2.AdmitRequest) -> AuthDecision:
        decision = await self.policy.admit(request.charger_id, OcppVersion.V16, NOW)
        assert decision.admitted, decision.reason
        assert isinstance(decision.charger, ChargerAdmission)
        return await self.auth.check(request, decision.charger)


async def authenticator(stores: Stores, profile: int = 1, **options: object) -> Handshake:
    await stores.chargers.register("CP-1", "1.6", NOW)
    await stores.credentials.set_security_profile("CP-1", profile)
    await stores.credentials.set_password_hash("CP-1", hash_password(PASSWORD))
    auth = ChargerAuthenticator(
        stores.credentials,
        stores.security,
        DiscardAudit(),
        lambda: NOW,
        allow_unsecured=False,
        **options,  # type: ignore[arg-type]
    )
    return Handshake(stores, auth)


async def test_pending_password_is_promoted_on_first_use(stores: Stores) -> None:
    """Both passwords pass while a rotation is pending; the new one's first use promotes it
    and from then on the old one fails (even though it was cached as verified)."""
    auth = await authenticator(stores)
    assert (await auth.check(request())).admitted
    await stores.credentials.set_new_password_hash("CP-1", hash_password(NEW_PASSWORD))
    assert (await auth.check(request())).admitted
    assert (await auth.check(request(password=NEW_PASSWORD))).admitted
    credentials = await stores.credentials.credentials("CP-1")
    assert credentials is not None
    assert credentials.new_password_hash is None
    old = await auth.check(request())
    assert not old.admitted
    assert old.refusal == events_pb2.AdmitResponse.REFUSAL_UNAUTHORIZED


async def test_last_known_credentials_serve_during_an_outage(stores: Stores) -> None:
    """A charger checked once is still checked (right password in, wrong out) while the
    database is unavailable; one never read before gets UNAVAILABLE."""
    auth = await authenticator(stores)
    assert (await auth.check(request())).admitted

    async def unavailable(charger_id: str) -> ChargerAdmission | None:
        raise StoreUnavailable("database unavailable while reading a charger")

    stores.chargers.admission = unavailable  # type: ignore[method-assign]
    assert (await auth.check(request())).admitted
    assert not (await auth.check(request(password=NEW_PASSWORD))).admitted
    with pytest.raises(StoreUnavailable):
        await auth.check(request("CP-2"))


async def test_a_handshake_reads_the_charger_once(stores: Stores) -> None:
    """The credentials come from the row the policy read to admit the charger: the
    authenticator does not read the charger's credentials again."""
    auth = await authenticator(stores)

    async def second_read(charger_id: str) -> ChargerCredentials | None:
        raise AssertionError(f"charger {charger_id} read a second time")

    stores.credentials.credentials = second_read  # type: ignore[method-assign]
    assert (await auth.check(request())).admitted
    assert not (await auth.check(request(password=NEW_PASSWORD))).admitted


async def test_verifications_beyond_capacity_are_told_to_retry(stores: Stores) -> None:
    """When every verification slot stays busy past the wait, the handshake is refused as
    UNAVAILABLE (the node answers 503, the charger retries) instead of queueing for ever."""
    auth = await authenticator(stores, max_verifications=1, verification_wait=0.05)
    await auth.auth._verification_slots.acquire()  # a verification that does not finish
    with pytest.raises(VerificationBusy):
        await auth.check(request())
    auth.auth._verification_slots.release()
    assert (await auth.check(request())).admitted


async def test_profile_rules_without_tls(stores: Stores) -> None:
    """Profile 2 and 3 need TLS; profile 3 needs the charger's own certificate, which
    satisfies any profile."""
    auth = await authenticator(stores, profile=2)
    assert not (await auth.check(request())).admitted
    assert (await auth.check(request(tls=True))).admitted
    await stores.credentials.set_security_profile("CP-1", 3)
    assert not (await auth.check(request(tls=True))).admitted
    assert not (await auth.check(request(tls=True, client_certificate_cn="CP-2"))).admitted
    assert (
        await auth.check(request("CP-1", None, tls=True, client_certificate_cn="CP-1"))
    ).admitted
