"""Core profile commands: reset, trigger, configuration, remote start/stop, unlock,
availability, cache, data transfer, and the raw call."""

from __future__ import annotations

import secrets
from typing import Any

import orjson
from csms.v1 import chargers_pb2, smart_charging_pb2

from services.common import OcppVersion
from services.manager._errors import InvalidArgument, UnsupportedByProtocol
from services.manager.commands._common import (
    Call,
    check_connector,
    check_id_tag,
    check_length,
    set_optional,
)
from services.manager.commands._security import CREDENTIAL_KEYS
from services.manager.commands._smart_charging import profile_to_ocpp

_RESET_16 = {
    chargers_pb2.RESET_KIND_SOFT: "Soft",
    chargers_pb2.RESET_KIND_HARD: "Hard",
    chargers_pb2.RESET_KIND_IMMEDIATE: "Hard",
}
_RESET_201 = {
    chargers_pb2.RESET_KIND_SOFT: "OnIdle",
    chargers_pb2.RESET_KIND_HARD: "Immediate",
    chargers_pb2.RESET_KIND_IMMEDIATE: "Immediate",
    chargers_pb2.RESET_KIND_ON_IDLE: "OnIdle",
}

_TRIGGER_16 = {
    chargers_pb2.TRIGGERABLE_MESSAGE_BOOT_NOTIFICATION: "BootNotification",
    chargers_pb2.TRIGGERABLE_MESSAGE_HEARTBEAT: "Heartbeat",
    chargers_pb2.TRIGGERABLE_MESSAGE_STATUS_NOTIFICATION: "StatusNotification",
    chargers_pb2.TRIGGERABLE_MESSAGE_METER_VALUES: "MeterValues",
    chargers_pb2.TRIGGERABLE_MESSAGE_FIRMWARE_STATUS_NOTIFICATION: "FirmwareStatusNotification",
    chargers_pb2.TRIGGERABLE_MESSAGE_DIAGNOSTICS_STATUS_NOTIFICATION: "DiagnosticsStatusNotification",
}
_TRIGGER_201 = {
    **_TRIGGER_16,
    chargers_pb2.TRIGGERABLE_MESSAGE_DIAGNOSTICS_STATUS_NOTIFICATION: "LogStatusNotification",
    chargers_pb2.TRIGGERABLE_MESSAGE_LOG_STATUS_NOTIFICATION: "LogStatusNotification",
    chargers_pb2.TRIGGERABLE_MESSAGE_SIGN_CHARGER_CERTIFICATE: "SignChargingStationCertificate",
    chargers_pb2.TRIGGERABLE_MESSAGE_TRANSACTION_EVENT: "TransactionEvent",
    chargers_pb2.TRIGGERABLE_MESSAGE_SIGN_V2G_CERTIFICATE: "SignV2GCertificate",
    chargers_pb2.TRIGGERABLE_MESSAGE_SIGN_COMBINED_CERTIFICATE: "SignCombinedCertificate",
    chargers_pb2.TRIGGERABLE_MESSAGE_PUBLISH_FIRMWARE_STATUS_NOTIFICATION: (
        "PublishFirmwareStatusNotification"
    ),
}

# 1.6 configuration keys with a standard 2.0.1 component/variable equivalent.
KEYS_16_TO_201: dict[str, tuple[str, str]] = {
    "HeartbeatInterval": ("OCPPCommCtrlr", "HeartbeatInterval"),
    "WebSocketPingInterval": ("OCPPCommCtrlr", "WebSocketPingInterval"),
    "ConnectionTimeOut": ("TxCtrlr", "EVConnectionTimeOut"),
    "MeterValueSampleInterval": ("SampledDataCtrlr", "TxUpdatedInterval"),
    "MeterValuesSampledData": ("SampledDataCtrlr", "TxUpdatedMeasurands"),
    "StopTxnSampledData": ("SampledDataCtrlr", "TxEndedMeasurands"),
    "ClockAlignedDataInterval": ("AlignedDataCtrlr", "Interval"),
    "MeterValuesAlignedData": ("AlignedDataCtrlr", "Measurands"),
    "LocalAuthorizeOffline": ("AuthCtrlr", "LocalAuthorizeOffline"),
    "LocalPreAuthorize": ("AuthCtrlr", "LocalPreAuthorize"),
    "AuthorizeRemoteTxRequests": ("AuthCtrlr", "AuthorizeRemoteStart"),
    "AuthorizationCacheEnabled": ("AuthCacheCtrlr", "Enabled"),
    "LocalAuthListEnabled": ("LocalAuthListCtrlr", "Enabled"),
    "StopTransactionOnInvalidId": ("TxCtrlr", "StopTxOnInvalidId"),
    "StopTransactionOnEVSideDisconnect": ("TxCtrlr", "StopTxOnEVSideDisconnect"),
    "TransactionMessageAttempts": ("OCPPCommCtrlr", "MessageAttempts"),
    "TransactionMessageRetryInterval": ("OCPPCommCtrlr", "MessageAttemptInterval"),
    "NumberOfConnectors": ("EVSE", "Count"),
}


def reset(charger_id: str, version: OcppVersion, req: chargers_pb2.ResetRequest) -> Call:
    """SOFT/HARD keep their 1.6 meaning (2.0.1: OnIdle/Immediate); IMMEDIATE and ON_IDLE
    name the 2.0.1 kinds (IMMEDIATE is 1.6 Hard; ON_IDLE has no 1.6 equivalent)."""
    if req.kind == chargers_pb2.RESET_KIND_UNSPECIFIED:
        raise InvalidArgument(
            "kind",
            "choose RESET_KIND_SOFT, RESET_KIND_HARD, RESET_KIND_IMMEDIATE or RESET_KIND_ON_IDLE",
        )
    if req.kind not in _RESET_201:
        raise InvalidArgument("kind", f"unknown reset kind {req.kind}")
    if req.HasField("evse_id") and req.evse_id < 1:
        raise InvalidArgument("evse_id", "must be at least 1 (leave it unset to reset the charger)")
    if version.is_16:
        if req.HasField("evse_id"):
            raise UnsupportedByProtocol(
                charger_id, version, "resetting one EVSE (evse_id) needs OCPP 2.0.1 or later"
            )
        if req.kind not in _RESET_16:
            raise UnsupportedByProtocol(
                charger_id,
                version,
                "a reset that waits for transactions to end (RESET_KIND_ON_IDLE) needs OCPP "
                "2.0.1 or later; use RESET_KIND_SOFT or RESET_KIND_HARD",
            )
        return "Reset", {"type": _RESET_16[req.kind]}
    payload: dict[str, Any] = {"type": _RESET_201[req.kind]}
    if req.HasField("evse_id"):
        payload["evseId"] = check_connector("evse_id", req.evse_id, minimum=1)
    return "Reset", payload


_EXTENDED_ONLY_16 = {
    chargers_pb2.TRIGGERABLE_MESSAGE_LOG_STATUS_NOTIFICATION: "LogStatusNotification",
    chargers_pb2.TRIGGERABLE_MESSAGE_SIGN_CHARGER_CERTIFICATE: "SignChargePointCertificate",
}
_EXTENDED_16 = {
    **{k: v for k, v in _TRIGGER_16.items() if v != "DiagnosticsStatusNotification"},
    **_EXTENDED_ONLY_16,
}


def trigger_message(
    charger_id: str, version: OcppVersion, req: chargers_pb2.TriggerMessageRequest
) -> Call:
    if version.is_16:
        extended = req.extended or req.requested_message in _EXTENDED_ONLY_16
        table = _EXTENDED_16 if extended else _TRIGGER_16
        action = "ExtendedTriggerMessage" if extended else "TriggerMessage"
        if req.requested_message in _TRIGGER_201 and not (
            req.requested_message in _TRIGGER_16 or req.requested_message in _EXTENDED_16
        ):
            raise UnsupportedByProtocol(
                charger_id,
                version,
                f"triggering {_TRIGGER_201[req.requested_message]} needs OCPP 2.0.1",
            )
        if req.HasField("evse_connector_id"):
            raise UnsupportedByProtocol(
                charger_id, version, "evse_connector_id (a connector on an EVSE) needs OCPP 2.0.1"
            )
    else:
        table, action = _TRIGGER_201, "TriggerMessage"
    if req.requested_message not in table:
        raise InvalidArgument(
            "requested_message",
            "choose a message this charger can be asked for, e.g. TRIGGERABLE_MESSAGE_HEARTBEAT"
            + (" (DiagnosticsStatusNotification has no extended trigger)" if req.extended else ""),
        )
    payload: dict[str, Any] = {"requestedMessage": table[req.requested_message]}
    if req.HasField("connector_id"):
        if version.is_16:
            payload["connectorId"] = req.connector_id
        else:
            payload["evse"] = {"id": req.connector_id}
            if req.HasField("evse_connector_id"):
                payload["evse"]["connectorId"] = req.evse_connector_id
    elif req.HasField("evse_connector_id"):
        raise InvalidArgument(
            "evse_connector_id", "names a connector of an EVSE: set connector_id to the EVSE id"
        )
    return action, payload


def _component_variable(key: str) -> dict[str, Any]:
    """A 2.0.1 component/variable from "Component/Variable" or a mapped 1.6 key."""
    if key in KEYS_16_TO_201:
        component, variable = KEYS_16_TO_201[key]
    elif key.count("/") == 1 and all(key.split("/")):
        component, variable = key.split("/")
    else:
        raise InvalidArgument(
            "keys",
            f"{key!r} is neither Component/Variable nor a 1.6 key with a 2.0.1 equivalent",
        )
    return {"component": {"name": component}, "variable": {"name": variable}}


def get_configuration(
    charger_id: str, version: OcppVersion, req: chargers_pb2.GetConfigurationRequest
) -> Call:
    for key in req.keys:
        if not key or len(key) > 50:
            raise InvalidArgument("keys", f"{key!r} must be 1 to 50 characters")
    if version.is_16:
        return "GetConfiguration", ({"key": list(req.keys)} if req.keys else {})
    if not req.keys:
        raise UnsupportedByProtocol(
            charger_id,
            version,
            "reading all keys at once is GetBaseReport in OCPP 2.0.1; name keys",
        )
    return "GetVariables", {"getVariableData": [_component_variable(k) for k in req.keys]}


def get_configuration_result(
    version: OcppVersion, req: chargers_pb2.GetConfigurationRequest, answer: dict[str, Any]
) -> chargers_pb2.GetConfigurationResponse:
    response = chargers_pb2.GetConfigurationResponse()
    if version.is_16:
        for entry in answer.get("configurationKey", []):
            response.entries.add(
                key=entry["key"], value=entry.get("value", ""), readonly=entry["readonly"]
            )
        response.unknown_keys.extend(answer.get("unknownKey", []))
        return response
    for key, result in zip(req.keys, answer.get("getVariableResult", []), strict=False):
        if result.get("attributeStatus") == "Accepted":
            response.entries.add(key=key, value=result.get("attributeValue", ""))
        else:
            response.unknown_keys.append(key)
    return response


def change_configuration(
    charger_id: str, version: OcppVersion, req: chargers_pb2.ChangeConfigurationRequest
) -> Call:
    if not req.key or len(req.key) > 50:
        raise InvalidArgument("key", "must be 1 to 50 characters")
    if len(req.value) > (500 if version.is_16 else 1000):
        raise InvalidArgument("value", "is too long for OCPP")
    rpc = _credential_rpc(req.key)
    if rpc:
        raise InvalidArgument(
            "key",
            f"{req.key} holds the charger's credentials; use ChargerService.{rpc}, which keeps "
            "the CSMS's record in step (a charger changed behind its back is locked out)",
        )
    if version.is_16:
        return "ChangeConfiguration", {"key": req.key, "value": req.value}
    data = _component_variable(req.key)
    data["attributeValue"] = req.value
    return "SetVariables", {"setVariableData": [data]}


def _credential_rpc(key: str) -> str:
    """The RPC that changes `key` when it holds charger credentials, else ""."""
    if key in KEYS_16_TO_201:
        key = "/".join(KEYS_16_TO_201[key])
    return CREDENTIAL_KEYS.get(key.lower(), "")


_SET_STATUS = {
    "Accepted": "Accepted",
    "Rejected": "Rejected",
    "RebootRequired": "RebootRequired",
    "UnknownComponent": "NotSupported",
    "UnknownVariable": "NotSupported",
    "NotSupportedAttributeType": "NotSupported",
}


def change_configuration_status(version: OcppVersion, answer: dict[str, Any]) -> str:
    if version.is_16:
        return str(answer["status"])
    results = answer.get("setVariableResult", [])
    status = results[0].get("attributeStatus", "Rejected") if results else "Rejected"
    return _SET_STATUS.get(status, status)


def send_call(charger_id: str, version: OcppVersion, req: chargers_pb2.SendCallRequest) -> Call:
    """Any OCPP call as JSON; the node validates it against the charger's schema."""
    if not req.action:
        raise InvalidArgument("action", "is required, e.g. DataTransfer")
    try:
        payload = orjson.loads(req.payload_json or "{}")
    except orjson.JSONDecodeError as exc:
        raise InvalidArgument("payload_json", f"is not valid JSON: {exc}") from exc
    if not isinstance(payload, dict):
        raise InvalidArgument("payload_json", "must be a JSON object")
    return req.action, payload


def start_charging(
    charger_id: str, version: OcppVersion, req: chargers_pb2.StartChargingRequest
) -> Call:
    """1.6 RemoteStartTransaction; 2.0.1 RequestStartTransaction with a fresh remoteStartId
    and the tag as an idToken of type Central (the CSMS vouches for it)."""
    check_id_tag("id_tag", req.id_tag, version)
    profile: dict[str, Any] | None = None
    if req.HasField("charging_profile"):
        if req.charging_profile.purpose != smart_charging_pb2.CHARGING_PROFILE_PURPOSE_TX_PROFILE:
            raise InvalidArgument(
                "charging_profile.purpose", "must be TX_PROFILE for a remote start"
            )
        if req.charging_profile.HasField("transaction_id"):
            raise InvalidArgument(
                "charging_profile.transaction_id",
                "must be unset: the transaction does not exist yet",
            )
        profile = profile_to_ocpp(req.charging_profile, version, "charging_profile")
    if version.is_16:
        payload: dict[str, Any] = {"idTag": req.id_tag}
        if req.HasField("connector_id"):
            payload["connectorId"] = check_connector("connector_id", req.connector_id, minimum=1)
        if profile is not None:
            payload["chargingProfile"] = profile
        return "RemoteStartTransaction", payload
    payload = {
        "idToken": {"idToken": req.id_tag, "type": "Central"},
        "remoteStartId": remote_start_id(),
    }
    if req.HasField("connector_id"):
        payload["evseId"] = check_connector("connector_id", req.connector_id, minimum=1)
    if profile is not None:
        payload["chargingProfile"] = profile
    return "RequestStartTransaction", payload


def remote_start_id() -> int:
    """A fresh 2.0.1 remoteStartId (positive, 31 bits)."""
    return secrets.randbelow(2**31 - 1) + 1


def stop_charging(
    charger_id: str,
    version: OcppVersion,
    req: chargers_pb2.StopChargingRequest,
    charger_transaction_id: str = "",
) -> Call:
    """1.6 RemoteStopTransaction with the CSMS's id; 2.0.1 RequestStopTransaction with the
    charger's transactionId of that transaction (the caller looks it up)."""
    if req.transaction_id <= 0:
        raise InvalidArgument("transaction_id", "must be a transaction id issued by this CSMS")
    if version.is_16:
        if req.transaction_id >= 2**31:
            raise InvalidArgument("transaction_id", "is out of OCPP 1.6's integer range")
        return "RemoteStopTransaction", {"transactionId": req.transaction_id}
    if not charger_transaction_id:
        raise InvalidArgument(
            "transaction_id", f"transaction {req.transaction_id} has no 2.0.1 transactionId"
        )
    return "RequestStopTransaction", {"transactionId": charger_transaction_id}


def unlock_connector(
    charger_id: str, version: OcppVersion, req: chargers_pb2.UnlockConnectorRequest
) -> Call:
    """Without evse_id, connector_id is the 1.6 connectorId (2.0.1: that EVSE's connector
    1); with evse_id, the pair is 2.0.1's (1.6: connector 1 of EVSE N is connectorId N)."""
    connector = check_connector("connector_id", req.connector_id, minimum=1)
    if not req.HasField("evse_id"):
        evse, connector = connector, 1
    else:
        evse = check_connector("evse_id", req.evse_id, minimum=1)
    if version.is_16:
        if connector != 1:
            raise UnsupportedByProtocol(
                charger_id,
                version,
                "a 1.6 charger has one connector per EVSE (connectorId = evse_id); "
                "use connector_id 1 or leave evse_id unset",
            )
        return "UnlockConnector", {"connectorId": evse}
    return "UnlockConnector", {"evseId": evse, "connectorId": connector}


_AVAILABILITY_16 = {
    chargers_pb2.AVAILABILITY_KIND_OPERATIVE: "Operative",
    chargers_pb2.AVAILABILITY_KIND_INOPERATIVE: "Inoperative",
}


def change_availability(
    charger_id: str, version: OcppVersion, req: chargers_pb2.ChangeAvailabilityRequest
) -> Call:
    if req.kind not in _AVAILABILITY_16:
        raise InvalidArgument(
            "kind", "choose AVAILABILITY_KIND_OPERATIVE or AVAILABILITY_KIND_INOPERATIVE"
        )
    connector = check_connector("connector_id", req.connector_id, minimum=0)
    evse: int | None = None
    if req.HasField("evse_id"):
        evse = check_connector("evse_id", req.evse_id, minimum=1)
    elif connector:  # the 1.6 meaning: connector N is EVSE N
        evse, connector = connector, 0
    if version.is_16:
        if connector > 1:
            raise UnsupportedByProtocol(
                charger_id,
                version,
                "a 1.6 charger has one connector per EVSE (connectorId = evse_id); "
                "use connector_id 0 or 1",
            )
        return "ChangeAvailability", {"connectorId": evse or 0, "type": _AVAILABILITY_16[req.kind]}
    payload: dict[str, Any] = {"operationalStatus": _AVAILABILITY_16[req.kind]}
    if evse is not None:
        payload["evse"] = {"id": evse}
        if connector:
            payload["evse"]["connectorId"] = connector
    return "ChangeAvailability", payload


def clear_cache(charger_id: str, version: OcppVersion, req: chargers_pb2.ClearCacheRequest) -> Call:
    return "ClearCache", {}


def data_transfer(
    charger_id: str, version: OcppVersion, req: chargers_pb2.DataTransferRequest
) -> Call:
    check_length("vendor_id", req.vendor_id, 1, 255)
    check_length("message_id", req.message_id, 0, 50)
    payload: dict[str, Any] = {"vendorId": req.vendor_id}
    set_optional(payload, "messageId", req.message_id)
    set_optional(payload, "data", req.data)
    return "DataTransfer", payload
