"""OCPP 2.0.1 display message and customer information commands (no 1.6 equivalent:
FAILED_PRECONDITION on a 1.6 charger), and the API view of a recorded display message."""

from __future__ import annotations

from typing import Any

import orjson
from csms.v1 import chargers_pb2

from services.common import OcppVersion
from services.manager._context import parse_ocpp_time
from services.manager._errors import InvalidArgument
from services.manager.commands._common import (
    Call,
    check_choice,
    check_length,
    check_non_negative,
    require_201,
    set_optional,
    timestamp,
)
from services.manager.commands._security import hash_data
from services.manager.store import DisplayMessageRecord

PRIORITIES = ("AlwaysFront", "InFront", "NormalCycle")
STATES = ("Charging", "Faulted", "Idle", "Unavailable")
FORMATS = ("ASCII", "HTML", "URI", "UTF8")
ID_TOKEN_TYPES = (
    "Central",
    "eMAID",
    "ISO14443",
    "ISO15693",
    "KeyCode",
    "Local",
    "MacAddress",
    "NoAuthorization",
)


def message_info(message: chargers_pb2.DisplayMessage) -> dict[str, Any]:
    """The 2.0.1 MessageInfo for `message`; errors name the field under ``message.``."""
    content: dict[str, Any] = {
        "format": check_choice("message.format", message.format, FORMATS),
        "content": check_length("message.content", message.content, 1, 512),
    }
    set_optional(content, "language", check_length("message.language", message.language, 0, 8))
    info: dict[str, Any] = {
        "id": check_non_negative("message.message_id", message.message_id),
        "priority": check_choice("message.priority", message.priority, PRIORITIES),
        "message": content,
    }
    if message.state:
        info["state"] = check_choice("message.state", message.state, STATES)
    if message.HasField("start_at"):
        info["startDateTime"] = timestamp(message.start_at)
    if message.HasField("end_at"):
        if message.HasField("start_at") and message.end_at.ToDatetime() <= (
            message.start_at.ToDatetime()
        ):
            raise InvalidArgument("message.end_at", "must be after message.start_at")
        info["endDateTime"] = timestamp(message.end_at)
    set_optional(
        info,
        "transactionId",
        check_length("message.transaction_id", message.transaction_id, 0, 36),
    )
    if message.display:
        display: dict[str, Any] = {"name": check_length("message.display", message.display, 1, 50)}
        if message.HasField("evse_id"):
            display["evse"] = {"id": message.evse_id}
        info["display"] = display
    elif message.HasField("evse_id"):
        raise InvalidArgument(
            "message.evse_id", "names the EVSE of a display: give message.display too"
        )
    return info


def set_display_message(
    charger_id: str, version: OcppVersion, req: chargers_pb2.SetDisplayMessageRequest
) -> Call:
    require_201(charger_id, version, "SetDisplayMessage")
    if not req.HasField("message"):
        raise InvalidArgument("message", "is required")
    return "SetDisplayMessage", {"message": message_info(req.message)}


def get_display_messages(
    charger_id: str,
    version: OcppVersion,
    req: chargers_pb2.GetDisplayMessagesRequest,
    request_id: int,
) -> Call:
    require_201(charger_id, version, "GetDisplayMessages")
    payload: dict[str, Any] = {"requestId": request_id}
    if req.message_ids:
        payload["id"] = [check_non_negative("message_ids", i) for i in req.message_ids]
    if req.priority:
        payload["priority"] = check_choice("priority", req.priority, PRIORITIES)
    if req.state:
        payload["state"] = check_choice("state", req.state, STATES)
    return "GetDisplayMessages", payload


def clear_display_message(
    charger_id: str, version: OcppVersion, req: chargers_pb2.ClearDisplayMessageRequest
) -> Call:
    require_201(charger_id, version, "ClearDisplayMessage")
    return "ClearDisplayMessage", {"id": check_non_negative("message_id", req.message_id)}


def customer_information(
    charger_id: str,
    version: OcppVersion,
    req: chargers_pb2.CustomerInformationRequest,
    request_id: int,
) -> Call:
    require_201(charger_id, version, "CustomerInformation")
    if not (req.report or req.clear):
        raise InvalidArgument("report", "set report and/or clear: there is nothing to do")
    named = [
        name
        for name, given in (
            ("customer_identifier", bool(req.customer_identifier)),
            ("id_token", bool(req.id_token)),
            ("customer_certificate", req.HasField("customer_certificate")),
        )
        if given
    ]
    if len(named) != 1:
        raise InvalidArgument(
            "customer_identifier",
            "name the customer by exactly one of customer_identifier, id_token (with "
            f"id_token_type) or customer_certificate (got {', '.join(named) or 'none'})",
        )
    payload: dict[str, Any] = {"requestId": request_id, "report": req.report, "clear": req.clear}
    if req.customer_identifier:
        payload["customerIdentifier"] = check_length(
            "customer_identifier", req.customer_identifier, 1, 64
        )
    elif req.id_token:
        payload["idToken"] = {
            "idToken": check_length("id_token", req.id_token, 1, 36),
            "type": check_choice("id_token_type", req.id_token_type, ID_TOKEN_TYPES),
        }
    else:
        payload["customerCertificate"] = hash_data("customer_certificate", req.customer_certificate)
    return "CustomerInformation", payload


def display_message(record: DisplayMessageRecord) -> chargers_pb2.DisplayMessage:
    """A recorded MessageInfo as the API's message."""
    info = orjson.loads(record.message_json)
    content = info.get("message", {})
    message = chargers_pb2.DisplayMessage(
        message_id=record.message_id,
        priority=info.get("priority", ""),
        state=info.get("state", ""),
        transaction_id=info.get("transactionId", ""),
        format=content.get("format", ""),
        language=content.get("language", ""),
        content=content.get("content", ""),
        display=info.get("display", {}).get("name", ""),
        source=record.source,
    )
    evse = info.get("display", {}).get("evse")
    if evse is not None:
        message.evse_id = evse["id"]
    if "startDateTime" in info:
        message.start_at.FromDatetime(parse_ocpp_time(info["startDateTime"]))
    if "endDateTime" in info:
        message.end_at.FromDatetime(parse_ocpp_time(info["endDateTime"]))
    message.updated_at.FromDatetime(record.updated_at)
    return message
