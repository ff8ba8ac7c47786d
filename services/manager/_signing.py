"""Signing chargers' CSRs with the configured CA and sending them back, off the call path.

A charger's SignCertificate is answered Accepted and its CSR recorded as before (the
handlers in ``v16/security.py`` and ``v201/security.py``, through ``_security.py``). When a
CA is configured (CA_CERT_FILE / CA_KEY_FILE, or ``make run``'s local CA) the handler then hands the request
to `CertificateSigner.submit`, which returns at once; a background task, kept and
cancelled at shutdown, signs the CSR (`services.manager._ca`) and sends the chain with
CertificateSigned through the owning node, like ChargerService.CertificateSigned does.
Each step is recorded on the request (``ListCertificateRequests``):

    Pending ──▶ Refused              the CA would not sign it (another charger's CN, a
       │                              weak key, ...): nothing is sent, the reason is kept
       └─────▶ Signed ──▶ Accepted   the charger took the certificate
                      ├─▶ Rejected   the charger refused it (its statusInfo is kept)
                      └─▶ Failed     not delivered: not connected, no answer, CallError

A 2.0.1 request for a V2GCertificate (any type but the charger's own certificate) stays
Pending, with a reason: an ISO 15118 (V2G) certificate must chain to the V2G root, so it
comes from the V2G PKI (e.g. a CPO sub-CA), not from this CSMS's CA; an operator gets it
signed there and sends it with ChargerService.CertificateSigned.

Nothing here fails the charger's call: `submit` only creates a task, and errors of the
task (a refused CSR, a charger that is gone, a database that does not answer) are recorded
when possible and logged.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from csms.v1 import chargers_pb2

from services.common import OcppVersion
from services.common._tasks import cancel_and_wait
from services.manager import commands
from services.manager._audit import AuditRecord, AuditSink, DiscardAudit
from services.manager._ca import CertificateAuthority, CsrRefused
from services.manager._context import Clock
from services.manager._errors import ManagerError
from services.manager._tasks import TaskSender
from services.manager.store import SecurityStore, StoreError
from services.registry import RegistryError

log = logging.getLogger(__name__)

#: The certificate types this CA signs: the charger's own (2.0.1 ChargingStationCertificate,
#: and 1.6's SignCertificate, which has no type). 2.0.1 V2GCertificate (and 2.1's
#: V2G20Certificate, ...) are ISO 15118 certificates, left to an operator.
SIGNED_TYPES = frozenset({"", "ChargingStationCertificate"})
#: Why a V2G CSR is left for the operator.
V2G_LEFT_TO_OPERATOR = (
    "an ISO 15118 (V2G) certificate must chain to the V2G root, so it is signed by the V2G "
    "PKI, not by this CSMS's CA: get it signed there and send it with "
    "ChargerService.CertificateSigned (certificate_type CERTIFICATE_SIGNING_USE_V2G)"
)


@dataclass(frozen=True, slots=True)
class SigningJob:
    """A recorded certificate request to sign and send back."""

    request_id: int
    charger_id: str
    ocpp_version: OcppVersion
    csr: str
    #: ChargingStationCertificate or V2GCertificate (2.0.1); "" (1.6).
    certificate_type: str


class CertificateSigner:
    """Signs recorded CSRs with `ca` and sends the chains, in background tasks.

    At most `max_in_flight` requests are handled at once; beyond that a request stays
    Pending (the charger asks again when it has no certificate after its wait)."""

    def __init__(
        self,
        ca: CertificateAuthority,
        security: SecurityStore,
        tasks: TaskSender,
        clock: Clock,
        *,
        max_in_flight: int = 64,
        audit: AuditSink | None = None,
    ) -> None:
        self.ca = ca
        self._security = security
        self._tasks = tasks
        self._clock = clock
        self._max_in_flight = max_in_flight
        self._audit: AuditSink = audit or DiscardAudit()
        self._running: set[asyncio.Task[None]] = set()
        self._closed = False

    def submit(self, job: SigningJob) -> bool:
        """Start signing and sending `job`; False (and the request stays Pending) when
        closing or already handling `max_in_flight` requests. Never raises."""
        if self._closed:
            return False
        if len(self._running) >= self._max_in_flight:
            log.warning(
                "certificate request %d of charger %r left Pending: %d requests are being "
                "signed already",
                job.request_id,
                job.charger_id,
                len(self._running),
            )
            return False
        task = asyncio.create_task(self._handle(job), name=f"sign-csr-{job.request_id}")
        self._running.add(task)
        task.add_done_callback(self._done)
        return True

    async def wait_idle(self) -> None:
        """Return when no request is being handled (tests, shutdown)."""
        while self._running:
            await asyncio.wait(set(self._running))

    async def aclose(self) -> None:
        """Cancel the requests being handled (they stay as last recorded)."""
        self._closed = True
        running, self._running = set(self._running), set()
        for task in running:
            task.cancel()
        for task in running:  # cancelled again if it lost that (a Redis lookup on 3.11)
            await cancel_and_wait(task)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.error("signing a certificate request failed", exc_info=exc)

    async def _handle(self, job: SigningJob) -> None:
        if job.certificate_type not in SIGNED_TYPES:
            log.info(
                "certificate request %d of charger %r is for a %s: left for an operator "
                "(the V2G PKI signs those)",
                job.request_id,
                job.charger_id,
                job.certificate_type,
            )
            await self._record(job, "Pending", V2G_LEFT_TO_OPERATOR)
            return
        try:
            signed = self.ca.sign(job.charger_id, job.csr, now=self._clock())
        except CsrRefused as refused:
            log.warning(
                "certificate request %d of charger %r refused, nothing sent: %s",
                job.request_id,
                job.charger_id,
                refused.reason,
            )
            await self._record(job, "Refused", refused.reason)
            self._audit_entry(job, "REFUSED", refused.reason)
            return
        await self._record(job, "Signed", chain=signed.chain_pem)
        try:
            answer = await self._send(job, signed.chain_pem)
        except (ManagerError, RegistryError, StoreError) as exc:
            log.warning(
                "certificate for request %d of charger %r signed but not delivered: %s",
                job.request_id,
                job.charger_id,
                exc,
            )
            await self._record(job, "Failed", f"not delivered: {exc}")
            self._audit_entry(job, type(exc).__name__, str(exc))
            return
        status = "Accepted" if answer.get("status") == "Accepted" else "Rejected"
        reason = _status_info(answer)
        log.info(
            "certificate for request %d of charger %r (serial %x, until %s): %s by the charger",
            job.request_id,
            job.charger_id,
            signed.serial_number,
            f"{signed.not_after:%Y-%m-%d}",
            status,
        )
        await self._record(job, status, reason)
        self._audit_entry(job, "OK", f"{status} serial {signed.serial_number:x} {reason}".strip())

    async def _send(self, job: SigningJob, chain: str) -> dict[str, Any]:
        """CertificateSigned to the charger, built as ChargerService.CertificateSigned builds
        it (1.6: certificateChain; 2.0.1: + certificateType ChargingStationCertificate)."""
        location = await self._tasks.locate(job.charger_id)
        request = chargers_pb2.CertificateSignedRequest(
            charger_id=job.charger_id, certificate_chain=chain
        )
        if not location.ocpp_version.is_16:
            request.certificate_type = chargers_pb2.CERTIFICATE_SIGNING_USE_CHARGING_STATION
        action, payload = commands.certificate_signed(
            job.charger_id, location.ocpp_version, request
        )
        payload = commands.in_schema_order(location.ocpp_version, action, payload)
        return (await self._tasks.send(location, action, payload)).payload

    async def _record(
        self, job: SigningJob, status: str, reason: str = "", *, chain: str | None = None
    ) -> None:
        try:
            await self._security.update_certificate_request(
                job.request_id,
                status=status,
                reason=reason,
                certificate_chain=chain,
                at=self._clock(),
            )
        except StoreError as exc:
            log.warning(
                "certificate request %d of charger %r: could not record status %s: %s",
                job.request_id,
                job.charger_id,
                status,
                exc,
            )

    def _audit_entry(self, job: SigningJob, outcome: str, detail: str) -> None:
        self._audit.record(
            AuditRecord(
                actor="csms:ca",
                action="CertificateSigned",
                outcome=outcome,
                charger_id=job.charger_id,
                target=f"certificate request {job.request_id}",
                detail=detail,
            )
        )


def _status_info(answer: dict[str, Any]) -> str:
    """A 2.0.1 answer's statusInfo as text ("" without one)."""
    info = answer.get("statusInfo")
    if not isinstance(info, dict):
        return ""
    return " ".join(str(info[k]) for k in ("reasonCode", "additionalInfo") if info.get(k))
