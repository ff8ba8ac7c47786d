"""Security-extension (1.6) and 2.0.1 certificate commands."""

from __future__ import annotations

from typing import Any

from csms.v1 import chargers_pb2

from services.manager._errors import InvalidArgument
from services.manager.commands._common import Call, check_length, is_16

_USE_16 = {
    chargers_pb2.CERTIFICATE_USE_CENTRAL_SYSTEM_ROOT: "CentralSystemRootCertificate",
    chargers_pb2.CERTIFICATE_USE_MANUFACTURER_ROOT: "ManufacturerRootCertificate",
}
_USE_201 = {
    chargers_pb2.CERTIFICATE_USE_CENTRAL_SYSTEM_ROOT: "CSMSRootCertificate",
    chargers_pb2.CERTIFICATE_USE_MANUFACTURER_ROOT: "ManufacturerRootCertificate",
}
_HASH_ALGORITHMS = frozenset({"SHA256", "SHA384", "SHA512"})


def _use(version: str, value: chargers_pb2.CertificateUse) -> str:
    table = _USE_16 if is_16(version) else _USE_201
    if value not in table:
        raise InvalidArgument(
            "certificate_type", "choose CERTIFICATE_USE_CENTRAL_SYSTEM_ROOT or _MANUFACTURER_ROOT"
        )
    return table[value]


def _pem(field: str, value: str, maximum: int) -> str:
    check_length(field, value, 1, maximum)
    if "-----BEGIN CERTIFICATE-----" not in value:
        raise InvalidArgument(field, "must be PEM (-----BEGIN CERTIFICATE-----)")
    return value


def install_certificate(
    charger_id: str, version: str, req: chargers_pb2.InstallCertificateRequest
) -> Call:
    return "InstallCertificate", {
        "certificateType": _use(version, req.certificate_type),
        "certificate": _pem("certificate", req.certificate, 5500),
    }


def hash_data(field: str, data: chargers_pb2.CertificateHashData) -> dict[str, Any]:
    if data.hash_algorithm not in _HASH_ALGORITHMS:
        raise InvalidArgument(
            f"{field}.hash_algorithm", f"must be one of {sorted(_HASH_ALGORITHMS)}"
        )
    return {
        "hashAlgorithm": data.hash_algorithm,
        "issuerNameHash": check_length(f"{field}.issuer_name_hash", data.issuer_name_hash, 1, 128),
        "issuerKeyHash": check_length(f"{field}.issuer_key_hash", data.issuer_key_hash, 1, 128),
        "serialNumber": check_length(f"{field}.serial_number", data.serial_number, 1, 40),
    }


def hash_data_message(data: dict[str, Any]) -> chargers_pb2.CertificateHashData:
    return chargers_pb2.CertificateHashData(
        hash_algorithm=data["hashAlgorithm"],
        issuer_name_hash=data["issuerNameHash"],
        issuer_key_hash=data["issuerKeyHash"],
        serial_number=data["serialNumber"],
    )


def delete_certificate(
    charger_id: str, version: str, req: chargers_pb2.DeleteCertificateRequest
) -> Call:
    if not req.HasField("certificate"):
        raise InvalidArgument("certificate", "is required")
    return "DeleteCertificate", {"certificateHashData": hash_data("certificate", req.certificate)}


def get_installed_certificate_ids(
    charger_id: str, version: str, req: chargers_pb2.GetInstalledCertificateIdsRequest
) -> Call:
    use = _use(version, req.certificate_type)
    if is_16(version):
        return "GetInstalledCertificateIds", {"certificateType": use}
    return "GetInstalledCertificateIds", {"certificateType": [use]}


def installed_certificate_ids_result(
    version: str, answer: dict[str, Any]
) -> chargers_pb2.GetInstalledCertificateIdsResponse:
    response = chargers_pb2.GetInstalledCertificateIdsResponse(status=answer["status"])
    if is_16(version):
        items = answer.get("certificateHashData", [])
    else:
        items = [c["certificateHashData"] for c in answer.get("certificateHashDataChain", [])]
    response.certificates.extend(hash_data_message(item) for item in items)
    return response


def certificate_signed(
    charger_id: str, version: str, req: chargers_pb2.CertificateSignedRequest
) -> Call:
    return "CertificateSigned", {
        "certificateChain": _pem("certificate_chain", req.certificate_chain, 10000)
    }
