"""Charger authentication at the handshake: the charger's OCPP security profile enforced.

The node reports what the charger proved (``AdmitRequest``: TLS or not, the HTTP Basic
password, the CN of a client certificate the node verified); `ChargerAuthenticator`
decides, after the policy's existence check, by the profile configured for the charger:

==========  ============================================================================
profile 0   no credentials; admitted only where the deployment allows it
            (``ALLOW_UNSECURED_CHARGERS``; on in ``make run``)
profile 1   HTTP Basic, username = charger id, password checked against its argon2id hash
profile 2   TLS + HTTP Basic
profile 3   TLS + a client certificate whose subject CN is the charger id
==========  ============================================================================

A charger may prove more than its profile asks (a verified certificate for its own id
satisfies every profile; TLS + password satisfies profile 1), never less: a profile 2/3
charger on plain ws is refused, so there is no downgrade. A password matching the
pending rotated one (``new_password_hash``) is promoted: from then on the old one fails.

Argon2id verification is slow on purpose (argon2-cffi's defaults, 64 MiB, t=3, p=4:
measured 145-170 ms per verification on the 2-core development machine, under load; see
docs/adr/0012-charger-tls.md) and runs in the authenticator's own threads (named
``argon2-verify``), which `aclose` waits for: no verification outlives the manager. A verified password is remembered per charger as an HMAC of it under a key that
lives only in this process, together with the hash it verified against, so a reconnect
storm costs one hash lookup per handshake, not one argon2 verification; a changed hash
(rotation promoted, password set by an operator) misses the cache.

Failed attempts are limited per charger id and per source address, in memory (per
manager process): past the limit the answer is RATE_LIMITED with a Retry-After, before
any password is checked. Every refusal is audited (actor ``charger:<id>``, action
``charger.login``) and, for a known charger, recorded as a security event next to the
ones chargers send, marked CSMS-side by its ``tech_info`` starting with ``CSMS:``.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import math
import os
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import grpc
from csms.v1 import events_pb2

from services.common._passwords import verify_password
from services.manager._audit import AuditRecord, AuditSink
from services.manager._context import Clock
from services.manager._errors import ManagerError
from services.manager.store import (
    ChargerAdmission,
    ChargerCredentials,
    CredentialStore,
    SecurityStore,
    StoreError,
)

log = logging.getLogger(__name__)

UNAUTHORIZED = events_pb2.AdmitResponse.REFUSAL_UNAUTHORIZED
RATE_LIMITED = events_pb2.AdmitResponse.REFUSAL_RATE_LIMITED

#: Prefix of ``tech_info`` of the security events the CSMS records itself (a charger's
#: SecurityEventNotification is stored as the charger sent it).
CSMS_EVENT_PREFIX = "CSMS: "
#: Security event types the CSMS records for a refused handshake.
EVENT_INVALID_CREDENTIALS = "InvalidChargerCredentials"
EVENT_INVALID_CERTIFICATE = "InvalidClientCertificate"
EVENT_UNSECURED_CONNECTION = "UnsecuredConnectionRefused"
EVENT_RATE_LIMITED = "ChargerLoginRateLimited"


class VerificationBusy(ManagerError):
    """More password verifications are waiting than can run soon (a reconnect storm right
    after a restart, before the cache is warm): the handshake gets 503 and is retried."""

    status = grpc.StatusCode.UNAVAILABLE


@dataclass(frozen=True, slots=True)
class AuthDecision:
    admitted: bool
    reason: str = ""
    refusal: events_pb2.AdmitResponse.Refusal = events_pb2.AdmitResponse.REFUSAL_UNSPECIFIED
    retry_after_s: int = 0

    def response(self) -> events_pb2.AdmitResponse:
        return events_pb2.AdmitResponse(
            admitted=self.admitted,
            reason=self.reason,
            refusal=self.refusal,
            retry_after_s=self.retry_after_s,
        )


ADMITTED = AuthDecision(True)


def source_ip(remote_address: str) -> str:
    """The address without its port: ``1.2.3.4:5678`` -> ``1.2.3.4``; ``[::1]:5678`` and
    ``::1:5678`` (the node's form for IPv6) -> ``::1``."""
    if not remote_address:
        return ""
    if remote_address.startswith("["):
        return remote_address[1:].split("]", 1)[0]
    host, sep, port = remote_address.rpartition(":")
    return host if sep and port.isdigit() else remote_address


class FailureLimiter:
    """At most `limit` failures per key within `window` seconds, in memory.

    Keys are charger ids or source addresses; at most `max_keys` are tracked (the
    least recently failed are forgotten first), so a flood of made-up ids cannot grow
    memory without bound.
    """

    def __init__(
        self,
        limit: int,
        window: float,
        *,
        max_keys: int = 100_000,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window = window
        self._max_keys = max_keys
        self._now = now
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        #: Keys whose current block was already reported (one security event per block).
        self._reported: set[str] = set()

    def _recent(self, key: str, now: float) -> deque[float] | None:
        failures = self._failures.get(key)
        if failures is None:
            return None
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        if not failures:
            del self._failures[key]
            self._reported.discard(key)
            return None
        return failures

    def retry_after(self, key: str) -> float:
        """Seconds until `key` may try again; 0 when it may now."""
        now = self._now()
        failures = self._recent(key, now)
        if failures is None or len(failures) < self.limit:
            return 0.0
        return max(failures[-self.limit] + self.window - now, 0.001)

    def first_report(self, key: str) -> bool:
        """Whether this is the first refusal of `key`'s current block (then it is now)."""
        if key in self._reported:
            return False
        self._reported.add(key)
        return True

    def fail(self, key: str) -> None:
        now = self._now()
        failures = self._recent(key, now)
        if failures is None:
            failures = self._failures[key] = deque(maxlen=self.limit)
            while len(self._failures) > self._max_keys:
                forgotten, _ = self._failures.popitem(last=False)
                self._reported.discard(forgotten)
        else:
            self._failures.move_to_end(key)
        failures.append(now)

    def clear(self, key: str) -> None:
        self._failures.pop(key, None)
        self._reported.discard(key)


@dataclass(frozen=True, slots=True)
class _Refused:
    """A refusal before it is reported: the reason and the security event's type."""

    reason: str
    event_type: str


class ChargerAuthenticator:
    """Decides whether a charger's handshake proves what its security profile asks."""

    def __init__(
        self,
        credentials: CredentialStore,
        security: SecurityStore,
        audit: AuditSink,
        clock: Clock,
        *,
        allow_unsecured: bool,
        failures_per_charger: int = 5,
        failures_per_address: int = 20,
        failure_window: float = 60.0,
        max_verifications: int = max(os.cpu_count() or 1, 1),
        verification_wait: float = 3.0,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self._credentials = credentials
        self._security = security
        self._audit = audit
        self._clock = clock
        self.allow_unsecured = allow_unsecured
        self._by_charger = FailureLimiter(failures_per_charger, failure_window, now=now)
        self._by_address = FailureLimiter(failures_per_address, failure_window, now=now)
        #: charger id -> (hash it verified against, HMAC of the password that verified)
        self._verified: dict[str, tuple[str, bytes]] = {}
        self._cache_key = os.urandom(32)  # the cache's HMACs mean nothing outside this process
        self.verifications = 0  # argon2 verifications run (the cache saves the rest)
        # Argon2 is CPU- and memory-heavy (64 MiB each): at most this many at once, and a
        # handshake waits at most `verification_wait` s for its turn (under the node's
        # 5 s admission timeout) before it is told to retry (503).
        self._verification_slots = asyncio.Semaphore(max_verifications)
        self._verification_wait = verification_wait
        # Its own threads, not the event loop's default executor: a handshake abandoned
        # mid-verification (the charger gave up, the manager is stopping) leaves its
        # verification running, and `aclose` must be able to wait for exactly these.
        self._verifier = ThreadPoolExecutor(max_verifications, thread_name_prefix="argon2-verify")

    async def check(
        self, request: events_pb2.AdmitRequest, charger: ChargerAdmission
    ) -> AuthDecision:
        """Whether the handshake proves what `charger`'s profile asks: `charger` is the row
        the policy read to admit it (``ChargerPolicy.admit``; the last one read while the
        database is unavailable), so a handshake reads the charger once."""
        charger_id = request.charger_id
        ip = source_ip(request.remote_address)
        wait = max(
            self._by_charger.retry_after(charger_id),
            self._by_address.retry_after(ip) if ip else 0.0,
        )
        if wait > 0:
            return await self._rate_limited(charger_id, ip, wait)
        credentials = ChargerCredentials(
            charger_id, charger.security_profile, charger.password_hash, charger.new_password_hash
        )
        refused = await self._verify(credentials, request)
        if refused is None:
            self._by_charger.clear(charger_id)
            return ADMITTED
        self._by_charger.fail(charger_id)
        if ip:
            self._by_address.fail(ip)
        await self._report(charger_id, ip, refused, "UNAUTHENTICATED", event=True)
        return AuthDecision(False, refused.reason, UNAUTHORIZED)

    async def _verify(
        self, credentials: ChargerCredentials, request: events_pb2.AdmitRequest
    ) -> _Refused | None:
        """None when the handshake proves what the charger's profile asks; else why not."""
        charger_id = credentials.charger_id
        profile = credentials.security_profile
        cn = request.client_certificate_cn
        if request.tls and cn == charger_id:
            return None  # mutual TLS for its own id: the strongest proof, enough for any profile
        if profile == 0:
            if self.allow_unsecured:
                return None
            return _Refused(
                f"charger {charger_id!r} has security profile 0 (no credentials), which this "
                "CSMS does not admit (ALLOW_UNSECURED_CHARGERS is off); an operator must give "
                "it security profile 1, 2 or 3 and a password or client certificate",
                EVENT_UNSECURED_CONNECTION,
            )
        if profile >= 2 and not request.tls:
            return _Refused(
                f"charger {charger_id!r} has security profile {profile}, which requires TLS; it "
                "connected over plain ws:// and must use wss:// on the TLS port (no downgrade)",
                EVENT_UNSECURED_CONNECTION,
            )
        if profile == 3:
            if cn:
                return _Refused(
                    f"charger {charger_id!r} presented a client certificate issued to {cn!r}; "
                    "security profile 3 requires one whose subject CN is the charger id",
                    EVENT_INVALID_CERTIFICATE,
                )
            return _Refused(
                f"charger {charger_id!r} has security profile 3 and presented no client "
                "certificate; it must connect with mutual TLS",
                EVENT_INVALID_CERTIFICATE,
            )
        if not request.basic_auth:
            return _Refused(
                f"charger {charger_id!r} has security profile {profile} and sent no HTTP Basic "
                "credentials (username = charger id, password = its Basic auth password)",
                EVENT_INVALID_CREDENTIALS,
            )
        if credentials.password_hash is None and credentials.new_password_hash is None:
            return _Refused(
                f"charger {charger_id!r} has security profile {profile} but no password is set "
                "for it in the CSMS; an operator must set one",
                EVENT_INVALID_CREDENTIALS,
            )
        if await self._password_matches(credentials, request.password):
            return None
        return _Refused(
            f"charger {charger_id!r} sent a wrong password (HTTP Basic)", EVENT_INVALID_CREDENTIALS
        )

    async def _password_matches(self, credentials: ChargerCredentials, password: str) -> bool:
        charger_id = credentials.charger_id
        digest = hmac.new(self._cache_key, password.encode(), hashlib.sha256).digest()
        cached = self._verified.get(charger_id)
        current, pending = credentials.password_hash, credentials.new_password_hash
        if cached is not None and hmac.compare_digest(cached[1], digest):
            if cached[0] == current:
                return True
            if cached[0] == pending:  # verified as the new one before; promotion pending
                return await self._promote(charger_id, pending, digest)
        if current is not None and await self._argon2(current, password):
            self._verified[charger_id] = (current, digest)
            return True
        if pending is not None and await self._argon2(pending, password):
            self._verified[charger_id] = (pending, digest)
            return await self._promote(charger_id, pending, digest)
        return False

    async def _promote(self, charger_id: str, pending: str, digest: bytes) -> bool:
        """The charger connected with its rotated password: it becomes THE password (if
        the database is unavailable now, at its next connection)."""
        try:
            if await self._credentials.promote_new_password(charger_id, pending):
                log.info(
                    "charger %s connected with its new password; the old one is retired",
                    charger_id,
                )
        except StoreError as exc:
            log.warning("could not retire the old password of charger %s: %s", charger_id, exc)
        self._verified[charger_id] = (pending, digest)
        return True

    async def _argon2(self, stored_hash: str, password: str) -> bool:
        try:
            async with asyncio.timeout(self._verification_wait):
                await self._verification_slots.acquire()
        except TimeoutError:
            raise VerificationBusy(
                f"more chargers are logging in than the CSMS can check passwords for within "
                f"{self._verification_wait:g} s; the charger should retry shortly"
            ) from None
        try:
            self.verifications += 1
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(
                self._verifier, verify_password, stored_hash, password
            )
        finally:
            self._verification_slots.release()

    async def aclose(self) -> None:
        """Wait for the verifications still running (tens of ms each, abandoned ones
        included) and end their threads; call after the server stopped taking handshakes."""
        await asyncio.to_thread(self._verifier.shutdown, wait=True, cancel_futures=True)

    async def _rate_limited(self, charger_id: str, ip: str, wait: float) -> AuthDecision:
        retry_after = math.ceil(wait)
        limiter, key, what = (
            (self._by_charger, charger_id, f"charger id {charger_id!r}")
            if self._by_charger.retry_after(charger_id) > 0
            else (self._by_address, ip, f"address {ip}")
        )
        reason = (
            f"too many failed logins for {what} (at most {limiter.limit} per "
            f"{limiter.window:g} s); retry after {retry_after} s"
        )
        first = limiter.first_report(key)
        await self._report(
            charger_id,
            ip,
            _Refused(reason, EVENT_RATE_LIMITED),
            "RESOURCE_EXHAUSTED",
            event=first,
            audit=first,
        )
        return AuthDecision(False, reason, RATE_LIMITED, retry_after)

    async def _report(
        self,
        charger_id: str,
        ip: str,
        refused: _Refused,
        outcome: str,
        *,
        event: bool,
        audit: bool = True,
    ) -> None:
        """Log, audit and (for a known charger) record a security event for a refusal."""
        log.info("charger %s refused at the handshake from %s: %s", charger_id, ip, refused.reason)
        now = self._clock()
        if audit:
            self._audit.record(
                AuditRecord(
                    actor=f"charger:{charger_id}",
                    action="charger.login",
                    outcome=outcome,
                    charger_id=charger_id,
                    detail=refused.reason,
                    source=ip,
                    at=now,
                )
            )
        if not event:
            return
        tech_info = f"{CSMS_EVENT_PREFIX}{refused.reason}" + (f" (from {ip})" if ip else "")
        try:
            await self._security.add_event(
                charger_id=charger_id,
                type=refused.event_type,
                timestamp=now,
                tech_info=tech_info,
                at=now,
            )
        except StoreError as exc:  # the refusal stands; the log line above has it
            log.warning("could not record the refusal of charger %s: %s", charger_id, exc)
