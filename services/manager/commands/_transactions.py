"""OCPP 2.0.1 transaction commands beyond start/stop: GetTransactionStatus."""

from __future__ import annotations

from typing import Any

from csms.v1 import chargers_pb2

from services.common import OcppVersion
from services.manager._errors import UnsupportedByProtocol
from services.manager.commands._common import Call


def get_transaction_status(
    charger_id: str,
    version: OcppVersion,
    req: chargers_pb2.GetTransactionStatusRequest,
    charger_transaction_id: str = "",
) -> Call:
    """GetTransactionStatus for one transaction (the charger's transactionId, which the
    caller looked up) or, without one, for the charger's queue as a whole."""
    if version.is_16:
        raise UnsupportedByProtocol(
            charger_id,
            version,
            "GetTransactionStatus needs OCPP 2.0.1 or later; 1.6 has no transaction message queue "
            "to ask about",
        )
    payload: dict[str, Any] = {}
    if charger_transaction_id:
        payload["transactionId"] = charger_transaction_id
    return "GetTransactionStatus", payload


def transaction_status_result(answer: dict[str, Any]) -> chargers_pb2.GetTransactionStatusResponse:
    response = chargers_pb2.GetTransactionStatusResponse(
        messages_in_queue=bool(answer["messagesInQueue"])
    )
    if "ongoingIndicator" in answer:
        response.ongoing = bool(answer["ongoingIndicator"])
    return response
