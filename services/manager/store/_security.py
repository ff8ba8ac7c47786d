"""Security events chargers reported and their certificate signing requests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from ._common import utc
from ._keyset import check_length, decode_keyset, encode_keyset, from_iso, to_iso

__all__ = [
    "CERTIFICATE_REQUEST_STATUSES",
    "CertificateRequestRecord",
    "SecurityEventRecord",
    "SecurityStore",
    "check_certificate_request_status",
    "check_certificate_type",
    "check_event_type",
    "decode_event_token",
    "encode_event_token",
]


@dataclass(frozen=True, slots=True)
class SecurityEventRecord:
    """A SecurityEventNotification a charger sent."""

    event_id: int
    charger_id: str
    type: str
    #: When the charger says it happened.
    timestamp: datetime
    tech_info: str
    received_at: datetime


#: What became of a certificate request: Pending (kept for an operator to sign), Refused
#: (the CA would not sign it), Signed (signed, being sent to the charger), Accepted /
#: Rejected (the charger's answer to CertificateSigned), Failed (it could not be delivered).
CERTIFICATE_REQUEST_STATUSES = ("Pending", "Refused", "Signed", "Accepted", "Rejected", "Failed")


@dataclass(frozen=True, slots=True)
class CertificateRequestRecord:
    """A SignCertificate request (a CSR) a charger sent."""

    request_id: int
    charger_id: str
    #: The PEM certificate signing request.
    csr: str
    #: ChargingStationCertificate, V2GCertificate, or "" when not given.
    certificate_type: str
    received_at: datetime
    #: One of ``CERTIFICATE_REQUEST_STATUSES``: what became of the request.
    status: str = "Pending"
    #: Why it has that status (a refusal's reason, a delivery error); "" when nothing to say.
    status_reason: str = ""
    #: The PEM chain sent with CertificateSigned, once signed.
    certificate_chain: str | None = None
    #: When the status last changed; None while it is the first Pending.
    updated_at: datetime | None = None


class SecurityStore(Protocol):
    """Security events and certificate signing requests chargers sent."""

    async def add_event(
        self, *, charger_id: str, type: str, timestamp: datetime, tech_info: str, at: datetime
    ) -> None:
        """Record a SecurityEventNotification received at ``at``; NotFound if unknown."""
        ...

    async def list_events(
        self, charger_id: str, *, page_size: int, page_token: str = ""
    ) -> tuple[list[SecurityEventRecord], str]:
        """One page of the charger's events, newest first, and the next page's token."""
        ...

    async def add_certificate_request(
        self, *, charger_id: str, csr: str, certificate_type: str, at: datetime
    ) -> int:
        """Record a SignCertificate request; its id. NotFound for an unknown charger."""
        ...

    async def certificate_requests(self, charger_id: str) -> list[CertificateRequestRecord]:
        """The charger's certificate requests, oldest first."""
        ...

    async def update_certificate_request(
        self,
        request_id: int,
        *,
        status: str,
        reason: str = "",
        certificate_chain: str | None = None,
        at: datetime,
    ) -> None:
        """Record what became of a certificate request (status one of
        CERTIFICATE_REQUEST_STATUSES, and why); a chain given is kept, None keeps the one
        recorded. NotFound if there is no such request."""
        ...


def check_event_type(type_: str) -> str:
    """A security event type: 1..50 characters, else ValueError."""
    return check_length("security event type", type_, 50, empty=False)


def check_certificate_type(certificate_type: str) -> str:
    """A certificate type: 0..40 characters, else ValueError."""
    return check_length("certificate type", certificate_type, 40)


def check_certificate_request_status(status: str) -> str:
    """One of CERTIFICATE_REQUEST_STATUSES, else ValueError."""
    if status not in CERTIFICATE_REQUEST_STATUSES:
        raise ValueError(
            f"certificate request status {status!r} is not one of "
            f"{', '.join(CERTIFICATE_REQUEST_STATUSES)}"
        )
    return status


def encode_event_token(charger_id: str, timestamp: datetime, event_id: int) -> str:
    """The token of ``charger_id``'s events before (``timestamp``, ``event_id``)."""
    return encode_keyset(
        "security-events", [to_iso(timestamp), event_id], {"charger_id": charger_id}
    )


def decode_event_token(token: str, charger_id: str) -> tuple[datetime, int]:
    """The (timestamp, id) a page of events starts before; InvalidPageToken if foreign."""
    at, event_id = decode_keyset(token, "security-events", {"charger_id": charger_id}, (str, int))
    return utc(from_iso(at)), int(event_id)
