"""Security records shared by every OCPP version's security handlers: security events and
certificate signing requests (recorded, then signed by the configured CA, ``_signing``)."""

from __future__ import annotations

from services.manager._context import CallContext, Payload, parse_ocpp_time
from services.manager._signing import CertificateSigner, SigningJob
from services.manager.store import SecurityStore


class SecurityRecords:
    """SecurityEventNotification, and the recording of a CSR; `signer`, when a CA is
    configured, signs recorded CSRs and sends them back."""

    def __init__(self, security: SecurityStore, signer: CertificateSigner | None = None) -> None:
        self._security = security
        self._signer = signer

    async def security_event_notification(self, ctx: CallContext, req: Payload) -> Payload:
        await self._security.add_event(
            charger_id=ctx.charger_id,
            type=req["type"],
            timestamp=parse_ocpp_time(req["timestamp"]),
            tech_info=req.get("techInfo", ""),
            at=ctx.received_at,
        )
        return {}

    async def record_and_sign(self, ctx: CallContext, csr: str, certificate_type: str) -> None:
        """Record the CSR; with a CA configured it is then signed and sent back in the
        background, else an operator signs it (ChargerService.CertificateSigned)."""
        request_id = await self._security.add_certificate_request(
            charger_id=ctx.charger_id,
            csr=csr,
            certificate_type=certificate_type,
            at=ctx.received_at,
        )
        if self._signer is not None:
            self._signer.submit(
                SigningJob(request_id, ctx.charger_id, ctx.ocpp_version, csr, certificate_type)
            )
