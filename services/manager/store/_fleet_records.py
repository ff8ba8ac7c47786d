"""Immutable values of the charging profile, configuration, security and location stores."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = [
    "CERTIFICATE_REQUEST_STATUSES",
    "CHARGING_PROFILE_PURPOSES",
    "CertificateRequestRecord",
    "ChargingProfileRecord",
    "ConfigurationKeyRecord",
    "LocationRecord",
    "SecurityEventRecord",
]

#: ``charging_profiles.purpose``, in the OCPP 1.6 spelling.
CHARGING_PROFILE_PURPOSES = frozenset({"ChargePointMaxProfile", "TxDefaultProfile", "TxProfile"})


@dataclass(frozen=True, slots=True)
class ChargingProfileRecord:
    """A charging profile a charger accepted (SetChargingProfile answered Accepted)."""

    charger_id: str
    #: 0 = the charger as a whole.
    connector_id: int
    charging_profile_id: int
    stack_level: int
    #: ChargePointMaxProfile, TxDefaultProfile or TxProfile.
    purpose: str
    #: The transaction a TxProfile is for; None otherwise.
    transaction_id: int | None
    #: The csChargingProfiles JSON that was sent.
    profile_json: str
    installed_at: datetime


@dataclass(frozen=True, slots=True)
class ConfigurationKeyRecord:
    """A configuration key as last read from the charger (or changed by the CSMS)."""

    key: str
    #: None when the charger reported the key without a value.
    value: str | None
    readonly: bool
    read_at: datetime


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


#: What became of a certificate request: Pending (kept for an operator to sign), Refused
#: (the CA would not sign it), Signed (signed, being sent to the charger), Accepted /
#: Rejected (the charger's answer to CertificateSigned), Failed (it could not be delivered).
CERTIFICATE_REQUEST_STATUSES = ("Pending", "Refused", "Signed", "Accepted", "Rejected", "Failed")


@dataclass(frozen=True, slots=True)
class LocationRecord:
    """A site chargers are assigned to, with its chargers' ids in order."""

    location_id: str
    name: str
    address: str
    city: str
    postal_code: str
    #: ISO 3166-1 alpha-2, "" when not given.
    country: str
    charger_ids: tuple[str, ...]
    created_at: datetime
    updated_at: datetime
