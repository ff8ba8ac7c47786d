"""Security-extension (1.6) and 2.0.1 certificate commands, and 2.0.1 SetNetworkProfile."""

from __future__ import annotations

import secrets
import string
from typing import Any

from csms.v1 import chargers_pb2

from services.common import OcppVersion
from services.common._passwords import PasswordPolicyError, check_password_policy
from services.manager._errors import InvalidArgument, UnsupportedByProtocol
from services.manager.commands._common import (
    Call,
    check_choice,
    check_length,
    require_201,
    set_optional,
)

_USE_16 = {
    chargers_pb2.CERTIFICATE_USE_CENTRAL_SYSTEM_ROOT: "CentralSystemRootCertificate",
    chargers_pb2.CERTIFICATE_USE_MANUFACTURER_ROOT: "ManufacturerRootCertificate",
}
#: 2.0.1 InstallCertificateUseEnumType.
_USE_201 = {
    chargers_pb2.CERTIFICATE_USE_CENTRAL_SYSTEM_ROOT: "CSMSRootCertificate",
    chargers_pb2.CERTIFICATE_USE_MANUFACTURER_ROOT: "ManufacturerRootCertificate",
    chargers_pb2.CERTIFICATE_USE_V2G_ROOT: "V2GRootCertificate",
    chargers_pb2.CERTIFICATE_USE_MO_ROOT: "MORootCertificate",
}
#: 2.0.1 GetCertificateIdUseEnumType (what GetInstalledCertificateIds names and reports).
_ID_USE_201 = {
    **_USE_201,
    chargers_pb2.CERTIFICATE_USE_V2G_CERTIFICATE_CHAIN: "V2GCertificateChain",
}
_ID_USE_FROM_201 = {name: use for use, name in _ID_USE_201.items()}
_HASH_ALGORITHMS = frozenset({"SHA256", "SHA384", "SHA512"})


def _use(
    charger_id: str,
    version: OcppVersion,
    value: chargers_pb2.CertificateUse,
    table_201: dict[chargers_pb2.CertificateUse, str] = _USE_201,
) -> str:
    """The OCPP name of a certificate use for the charger's version."""
    if version.is_16:
        if value in _USE_16:
            return _USE_16[value]
        if value in _ID_USE_201:
            raise UnsupportedByProtocol(
                charger_id,
                version,
                f"certificate_type {chargers_pb2.CertificateUse.Name(value)} needs OCPP 2.0.1",
            )
    elif value in table_201:
        return table_201[value]
    choices = ", ".join(
        chargers_pb2.CertificateUse.Name(v) for v in (_USE_16 if version.is_16 else table_201)
    )
    raise InvalidArgument("certificate_type", f"choose one of {choices}")


def _pem(field: str, value: str, maximum: int) -> str:
    check_length(field, value, 1, maximum)
    if "-----BEGIN CERTIFICATE-----" not in value:
        raise InvalidArgument(field, "must be PEM (-----BEGIN CERTIFICATE-----)")
    return value


def install_certificate(
    charger_id: str, version: OcppVersion, req: chargers_pb2.InstallCertificateRequest
) -> Call:
    return "InstallCertificate", {
        "certificateType": _use(charger_id, version, req.certificate_type),
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
    charger_id: str, version: OcppVersion, req: chargers_pb2.DeleteCertificateRequest
) -> Call:
    if not req.HasField("certificate"):
        raise InvalidArgument("certificate", "is required")
    return "DeleteCertificate", {"certificateHashData": hash_data("certificate", req.certificate)}


def get_installed_certificate_ids(
    charger_id: str, version: OcppVersion, req: chargers_pb2.GetInstalledCertificateIdsRequest
) -> Call:
    """2.0.1: an unspecified type asks for every type."""
    if not version.is_16 and req.certificate_type == chargers_pb2.CERTIFICATE_USE_UNSPECIFIED:
        return "GetInstalledCertificateIds", {}
    use = _use(charger_id, version, req.certificate_type, _ID_USE_201)
    if version.is_16:
        return "GetInstalledCertificateIds", {"certificateType": use}
    return "GetInstalledCertificateIds", {"certificateType": [use]}


def installed_certificate_ids_result(
    version: OcppVersion,
    req: chargers_pb2.GetInstalledCertificateIdsRequest,
    answer: dict[str, Any],
) -> chargers_pb2.GetInstalledCertificateIdsResponse:
    """``certificates`` lists the hashes flat; ``installed`` adds type and children."""
    response = chargers_pb2.GetInstalledCertificateIdsResponse(status=answer["status"])
    if version.is_16:
        for item in answer.get("certificateHashData", []):
            response.certificates.append(hash_data_message(item))
            response.installed.add(
                certificate_type=req.certificate_type, certificate=hash_data_message(item)
            )
        return response
    for chain in answer.get("certificateHashDataChain", []):
        response.certificates.append(hash_data_message(chain["certificateHashData"]))
        response.installed.add(
            certificate_type=_ID_USE_FROM_201.get(
                chain["certificateType"], chargers_pb2.CERTIFICATE_USE_UNSPECIFIED
            ),
            certificate=hash_data_message(chain["certificateHashData"]),
            children=[hash_data_message(c) for c in chain.get("childCertificateHashData", [])],
        )
    return response


def certificate_signed(
    charger_id: str, version: OcppVersion, req: chargers_pb2.CertificateSignedRequest
) -> Call:
    payload: dict[str, Any] = {
        "certificateChain": _pem("certificate_chain", req.certificate_chain, 10000)
    }
    kind = req.certificate_type
    if kind == chargers_pb2.CERTIFICATE_SIGNING_USE_UNSPECIFIED:
        return "CertificateSigned", payload
    if kind not in _SIGNING_USE_201:
        raise InvalidArgument(
            "certificate_type", "choose CERTIFICATE_SIGNING_USE_CHARGING_STATION or _V2G"
        )
    if version.is_16:
        if kind == chargers_pb2.CERTIFICATE_SIGNING_USE_V2G:
            raise UnsupportedByProtocol(
                charger_id, version, "a V2G certificate (ISO 15118) needs OCPP 2.0.1"
            )
        return "CertificateSigned", payload  # 1.6 signs only the charger's own certificate
    payload["certificateType"] = _SIGNING_USE_201[kind]
    return "CertificateSigned", payload


_SIGNING_USE_201 = {
    chargers_pb2.CERTIFICATE_SIGNING_USE_CHARGING_STATION: "ChargingStationCertificate",
    chargers_pb2.CERTIFICATE_SIGNING_USE_V2G: "V2GCertificate",
}

# --- 2.0.1 SetNetworkProfile ---------------------------------------------------------

_OCPP_VERSIONS = ("OCPP12", "OCPP15", "OCPP16", "OCPP20")
_TRANSPORTS = ("JSON", "SOAP")
_INTERFACES = tuple(f"{kind}{n}" for kind in ("Wired", "Wireless") for n in range(4))
_VPN_TYPES = ("IKEv2", "IPSec", "L2TP", "PPTP")
_APN_AUTHENTICATION = ("CHAP", "NONE", "PAP", "AUTO")


def set_network_profile(
    charger_id: str, version: OcppVersion, req: chargers_pb2.SetNetworkProfileRequest
) -> Call:
    require_201(charger_id, version, "SetNetworkProfile")
    if req.configuration_slot < 0:
        raise InvalidArgument("configuration_slot", "must not be negative")
    if not req.HasField("profile"):
        raise InvalidArgument("profile", "is required")
    p = req.profile
    transport = check_choice("profile.ocpp_transport", p.ocpp_transport or "JSON", _TRANSPORTS)
    url = check_length("profile.csms_url", p.csms_url, 1, 512)
    schemes = ("ws://", "wss://") if transport == "JSON" else ("http://", "https://")
    if not url.startswith(schemes):
        raise InvalidArgument(
            "profile.csms_url", f"must start with {' or '.join(schemes)} for {transport}"
        )
    if p.message_timeout <= 0:
        raise InvalidArgument("profile.message_timeout", "must be a positive number of seconds")
    if not 1 <= p.security_profile <= 3:
        raise InvalidArgument("profile.security_profile", "must be 1, 2 or 3")
    data: dict[str, Any] = {
        "ocppVersion": check_choice("profile.ocpp_version", p.ocpp_version, _OCPP_VERSIONS),
        "ocppTransport": transport,
        "ocppCsmsUrl": url,
        "messageTimeout": p.message_timeout,
        "securityProfile": p.security_profile,
        "ocppInterface": check_choice("profile.ocpp_interface", p.ocpp_interface, _INTERFACES),
    }
    if p.HasField("vpn"):
        vpn = p.vpn
        data["vpn"] = {
            "server": check_length("profile.vpn.server", vpn.server, 1, 512),
            "user": check_length("profile.vpn.user", vpn.user, 1, 20),
            "password": check_length("profile.vpn.password", vpn.password, 0, 20),
            "key": check_length("profile.vpn.key", vpn.key, 0, 255),
            "type": check_choice("profile.vpn.type", vpn.type, _VPN_TYPES),
        }
        set_optional(data["vpn"], "group", check_length("profile.vpn.group", vpn.group, 0, 20))
    if p.HasField("apn"):
        apn = p.apn
        item: dict[str, Any] = {
            "apn": check_length("profile.apn.apn", apn.apn, 1, 512),
            "apnAuthentication": check_choice(
                "profile.apn.authentication", apn.authentication, _APN_AUTHENTICATION
            ),
        }
        set_optional(
            item, "apnUserName", check_length("profile.apn.user_name", apn.user_name, 0, 20)
        )
        set_optional(item, "apnPassword", check_length("profile.apn.password", apn.password, 0, 20))
        if apn.HasField("sim_pin"):
            item["simPin"] = apn.sim_pin
        set_optional(
            item,
            "preferredNetwork",
            check_length("profile.apn.preferred_network", apn.preferred_network, 0, 6),
        )
        if apn.use_only_preferred_network:
            item["useOnlyPreferredNetwork"] = True
        data["apn"] = item
    return "SetNetworkProfile", {
        "configurationSlot": req.configuration_slot,
        "connectionData": data,
    }


# --- charger credentials: Basic auth password rotation, security profile upgrade --------

#: 2.0.1 passwordString characters (Part 2, primitive datatypes).
_PASSWORD_STRING = frozenset(string.ascii_letters + string.digits + "*-_=:+|@.")
#: 1.6 AuthorizationKey: the password's octets, at most 20 (40 hexadecimal digits).
MAX_AUTHORIZATION_KEY_BYTES = 20
#: Generated passwords: letters and digits (valid everywhere), as long as the version allows.
_GENERATED_LENGTH_16 = MAX_AUTHORIZATION_KEY_BYTES
_GENERATED_LENGTH_201 = 32
#: Configuration keys / variables that hold a charger's credentials, and the RPC that
#: changes them while keeping the CSMS's record in step (lower case: 1.6 keys are CiStrings).
CREDENTIAL_KEYS = {
    "authorizationkey": "RotateChargerPassword",
    "securityprofile": "SetSecurityProfile",
    "securityctrlr/basicauthpassword": "RotateChargerPassword",
    "securityctrlr/securityprofile": "SetSecurityProfile",
}


def generate_password(version: OcppVersion) -> str:
    """A random password the charger's version can hold: 20 characters on 1.6 (the
    AuthorizationKey's 20 bytes), 32 on 2.0.1; about 119 / 190 bits."""
    alphabet = string.ascii_letters + string.digits
    length = _GENERATED_LENGTH_16 if version.is_16 else _GENERATED_LENGTH_201
    return "".join(secrets.choice(alphabet) for _ in range(length))


def check_rotated_password(version: OcppVersion, password: str) -> str:
    """InvalidArgument naming `password` unless the charger's version can take it."""
    try:
        check_password_policy(password)
    except PasswordPolicyError as exc:
        raise InvalidArgument("password", str(exc)) from None
    if version.is_16 and len(password) > MAX_AUTHORIZATION_KEY_BYTES:
        raise InvalidArgument(
            "password",
            f"is {len(password)} characters long; OCPP 1.6's AuthorizationKey holds at most "
            f"{MAX_AUTHORIZATION_KEY_BYTES} bytes",
        )
    if not version.is_16 and not set(password) <= _PASSWORD_STRING:
        raise InvalidArgument(
            "password", "OCPP 2.0.1 allows only a-z A-Z 0-9 and * - _ = : + | @ ."
        )
    return password


def rotate_password(version: OcppVersion, password: str) -> Call:
    """1.6 ChangeConfiguration AuthorizationKey, the password's octets in hexadecimal (1.6
    security whitepaper); 2.0.1 SetVariables SecurityCtrlr.BasicAuthPassword, as is."""
    if version.is_16:
        return "ChangeConfiguration", {
            "key": "AuthorizationKey",
            "value": password.encode("ascii").hex().upper(),
        }
    return "SetVariables", {
        "setVariableData": [
            {
                "attributeValue": password,
                "component": {"name": "SecurityCtrlr"},
                "variable": {"name": "BasicAuthPassword"},
            }
        ]
    }


def set_security_profile(charger_id: str, version: OcppVersion, profile: int, slot: int) -> Call:
    """1.6 ChangeConfiguration SecurityProfile; 2.0.1 SetVariables
    OCPPCommCtrlr.NetworkConfigurationPriority = the slot holding the new profile (A05)."""
    if version.is_16:
        return "ChangeConfiguration", {"key": "SecurityProfile", "value": str(profile)}
    if slot <= 0:
        raise InvalidArgument(
            "configuration_slot",
            "is required for an OCPP 2.0.1 charger: the slot a SetNetworkProfile filled with "
            f"the security profile {profile} connection",
        )
    return "SetVariables", {
        "setVariableData": [
            {
                "attributeValue": str(slot),
                "component": {"name": "OCPPCommCtrlr"},
                "variable": {"name": "NetworkConfigurationPriority"},
            }
        ]
    }
