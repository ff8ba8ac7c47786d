"""Firmware Management and security-extension log/firmware commands."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from csms.v1 import chargers_pb2
from google.protobuf.timestamp_pb2 import Timestamp

from services.common import OcppVersion
from services.manager._context import ocpp_time
from services.manager._errors import InvalidArgument, UnsupportedByProtocol
from services.manager.commands._common import (
    Call,
    check_length,
    check_non_negative,
    timestamp,
)

_LOG_TYPE = {
    chargers_pb2.LOG_KIND_DIAGNOSTICS: "DiagnosticsLog",
    chargers_pb2.LOG_KIND_SECURITY: "SecurityLog",
}


def _uri(field: str, value: str) -> str:
    check_length(field, value, 1, 512)
    if "://" not in value:
        raise InvalidArgument(field, "must be an absolute URI such as ftp://host/path")
    return value


def _retries(payload: dict[str, Any], retries: int | None, interval: int | None) -> None:
    if retries is not None:
        payload["retries"] = check_non_negative("retries", retries)
    if interval is not None:
        payload["retryInterval"] = check_non_negative("retry_interval", interval)


def get_diagnostics(
    charger_id: str, version: OcppVersion, req: chargers_pb2.GetDiagnosticsRequest
) -> Call:
    if not version.is_16:
        raise UnsupportedByProtocol(charger_id, version, "GetDiagnostics is OCPP 1.6; use GetLog")
    payload: dict[str, Any] = {"location": _uri("location", req.location)}
    _retries(
        payload,
        req.retries if req.HasField("retries") else None,
        req.retry_interval if req.HasField("retry_interval") else None,
    )
    if req.HasField("start_time"):
        payload["startTime"] = timestamp(req.start_time)
    if req.HasField("stop_time"):
        payload["stopTime"] = timestamp(req.stop_time)
    return "GetDiagnostics", payload


def get_log(
    charger_id: str, version: OcppVersion, req: chargers_pb2.GetLogRequest, request_id: int
) -> Call:
    """1.6 security extension and 2.0.1 share this message's shape."""
    if req.log_type not in _LOG_TYPE:
        raise InvalidArgument("log_type", "choose LOG_KIND_DIAGNOSTICS or LOG_KIND_SECURITY")
    log: dict[str, Any] = {"remoteLocation": _uri("remote_location", req.remote_location)}
    if req.HasField("oldest_timestamp"):
        log["oldestTimestamp"] = timestamp(req.oldest_timestamp)
    if req.HasField("latest_timestamp"):
        log["latestTimestamp"] = timestamp(req.latest_timestamp)
    payload: dict[str, Any] = {
        "logType": _LOG_TYPE[req.log_type],
        "requestId": request_id,
        "log": log,
    }
    _retries(
        payload,
        req.retries if req.HasField("retries") else None,
        req.retry_interval if req.HasField("retry_interval") else None,
    )
    return "GetLog", payload


def update_firmware(
    charger_id: str, version: OcppVersion, req: chargers_pb2.UpdateFirmwareRequest, request_id: int
) -> Call:
    """1.6 UpdateFirmware; 2.0.1 UpdateFirmware (signed when signing_certificate/signature
    are given). The 2.0.1 fields are refused on 1.6, whose signed update is
    SignedUpdateFirmware (security extension)."""
    if version.is_16:
        given = [
            name
            for name, present in (
                ("request_id", bool(req.request_id)),
                ("install_date", req.HasField("install_date")),
                ("signing_certificate", bool(req.signing_certificate)),
                ("signature", bool(req.signature)),
            )
            if present
        ]
        if given:
            raise UnsupportedByProtocol(
                charger_id,
                version,
                f"UpdateFirmware with {', '.join(given)} needs OCPP 2.0.1; "
                "for a signed update on 1.6 use SignedUpdateFirmware",
            )
        payload: dict[str, Any] = {
            "location": _uri("location", req.location),
            "retrieveDate": _retrieve(req.retrieve_date if req.HasField("retrieve_date") else None),
        }
        _retries(
            payload,
            req.retries if req.HasField("retries") else None,
            req.retry_interval if req.HasField("retry_interval") else None,
        )
        return "UpdateFirmware", payload
    return "UpdateFirmware", _update_firmware_201(req, request_id)


def signed_update_firmware(
    charger_id: str,
    version: OcppVersion,
    req: chargers_pb2.SignedUpdateFirmwareRequest,
    request_id: int,
) -> Call:
    """1.6 SignedUpdateFirmware (certificate and signature required); on 2.0.1 its
    equivalent, UpdateFirmware."""
    payload = _update_firmware_201(req, request_id)
    if version.is_16:
        check_length("signing_certificate", req.signing_certificate, 1, 5500)
        check_length("signature", req.signature, 1, 800)
        return "SignedUpdateFirmware", payload
    return "UpdateFirmware", payload


def _retrieve(at: Timestamp | None) -> str:
    """retrieveDate(Time): the requested time, or now."""
    return timestamp(at) if at is not None else ocpp_time(datetime.now(UTC))


def _update_firmware_201(
    req: chargers_pb2.UpdateFirmwareRequest | chargers_pb2.SignedUpdateFirmwareRequest,
    request_id: int,
) -> dict[str, Any]:
    """The 2.0.1 UpdateFirmware (and 1.6 SignedUpdateFirmware) payload."""
    firmware: dict[str, Any] = {
        "location": _uri("location", req.location),
        "retrieveDateTime": _retrieve(req.retrieve_date if req.HasField("retrieve_date") else None),
    }
    if req.HasField("install_date"):
        firmware["installDateTime"] = timestamp(req.install_date)
    if req.signing_certificate:
        firmware["signingCertificate"] = check_length(
            "signing_certificate", req.signing_certificate, 1, 5500
        )
    if req.signature:
        firmware["signature"] = check_length("signature", req.signature, 1, 800)
    payload: dict[str, Any] = {"requestId": request_id, "firmware": firmware}
    _retries(
        payload,
        req.retries if req.HasField("retries") else None,
        req.retry_interval if req.HasField("retry_interval") else None,
    )
    return payload
