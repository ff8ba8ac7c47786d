"""OCPP 2.0.1 security: SecurityEventNotification, SignCertificate, and the ISO 15118
certificate messages (Get15118EVCertificate, GetCertificateStatus).

Security events and CSRs are recorded as for 1.6. The CSMS has no PKI backend yet (no
contract-certificate service, no OCSP responder), so the ISO 15118 requests are answered
Failed with a statusInfo saying so, never Accepted with made-up data.
"""

from __future__ import annotations

from services.manager._context import CallContext, Payload
from services.manager._security import SecurityRecords

NO_PKI = {
    "reasonCode": "UnsupportedRequest",
    "additionalInfo": (
        "this CSMS has no PKI backend (contract certificate service / OCSP responder) "
        "configured; install certificates through the CSMS operator"
    ),
}


class Security(SecurityRecords):
    async def sign_certificate(self, ctx: CallContext, req: Payload) -> Payload:
        """Record the CSR with its certificateType (ChargingStationCertificate when absent);
        with a CA configured a ChargingStationCertificate is then signed and sent back in
        the background (``_signing``; a V2GCertificate is left to an operator), else an
        operator signs it and sends the chain with ChargerService.CertificateSigned."""
        certificate_type = req.get("certificateType", "ChargingStationCertificate")
        await self.record_and_sign(ctx, req["csr"], certificate_type)
        return {"status": "Accepted"}

    def get_15118_ev_certificate(self, ctx: CallContext, req: Payload) -> Payload:
        """No contract certificate service: Failed, with an empty exiResponse."""
        return {"status": "Failed", "statusInfo": NO_PKI, "exiResponse": ""}

    def get_certificate_status(self, ctx: CallContext, req: Payload) -> Payload:
        """No OCSP responder: Failed."""
        return {"status": "Failed", "statusInfo": NO_PKI}
