"""OCPP 1.6 security extension: SecurityEventNotification and SignCertificate."""

from __future__ import annotations

from services.manager._context import CallContext, Payload, parse_ocpp_time
from services.manager.store import SecurityStore


class Security:
    def __init__(self, security: SecurityStore) -> None:
        self._security = security

    async def security_event_notification(self, ctx: CallContext, req: Payload) -> Payload:
        await self._security.add_event(
            charger_id=ctx.charger_id,
            type=req["type"],
            timestamp=parse_ocpp_time(req["timestamp"]),
            tech_info=req.get("techInfo", ""),
            at=ctx.received_at,
        )
        return {}

    async def sign_certificate(self, ctx: CallContext, req: Payload) -> Payload:
        """Record the CSR for an operator (or a future CA integration) to sign; the signed
        chain goes back with ChargerService.CertificateSigned."""
        await self._security.add_certificate_request(
            charger_id=ctx.charger_id, csr=req["csr"], certificate_type="", at=ctx.received_at
        )
        return {"status": "Accepted"}
