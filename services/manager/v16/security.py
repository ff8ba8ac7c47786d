"""OCPP 1.6 security extension: SecurityEventNotification and SignCertificate."""

from __future__ import annotations

from services.manager._context import CallContext, Payload
from services.manager._security import SecurityRecords


class Security(SecurityRecords):
    """Security events and CSRs, recorded as 2.0.1's are (``services/manager/_security``)."""

    async def sign_certificate(self, ctx: CallContext, req: Payload) -> Payload:
        """Record the CSR; with a CA configured it is then signed and sent back in the
        background (``_signing``), else an operator signs it and sends the chain with
        ChargerService.CertificateSigned."""
        await self.record_and_sign(ctx, req["csr"], "")
        return {"status": "Accepted"}
