"""Errors between services as structured detail, never as message text to match.

A service that fails a call for a reason its caller acts on attaches a ``google.rpc.ErrorInfo``
(reason, domain, metadata) to the gRPC status (``abort``, through ``grpcio-status``); the
caller reads the reason (``reason_of``). The status message stays, for people and logs.

Node.Send's reasons (domain ``node.csms``), the ones the manager tells apart:

    reason                    status             meaning
    ------------------------  -----------------  -----------------------------------------------
    CHARGER_NOT_CONNECTED     NOT_FOUND          no connection of the charger with that epoch here
    CHARGER_CONNECTION_LOST   UNAVAILABLE        its socket failed before the task was written
    TASK_NOT_DELIVERABLE      INVALID_ARGUMENT   the request or the OCPP call is invalid
    CHARGER_TIMEOUT           DEADLINE_EXCEEDED  delivered, no answer in time
    CHARGER_DISCONNECTED      ABORTED            delivered, then the socket closed before the answer

A status without a reason (UNAVAILABLE from gRPC itself: the node is down, restarting, or
unreachable) means the node, not the charger.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Final, NoReturn, cast

import grpc
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

#: The ErrorInfo domain of the reasons Node.Send gives.
NODE_DOMAIN: Final = "node.csms"


class SendFailure(StrEnum):
    """Why Node.Send did not return a charger's answer (the ErrorInfo reason)."""

    CHARGER_NOT_CONNECTED = "CHARGER_NOT_CONNECTED"
    CHARGER_CONNECTION_LOST = "CHARGER_CONNECTION_LOST"
    TASK_NOT_DELIVERABLE = "TASK_NOT_DELIVERABLE"
    CHARGER_TIMEOUT = "CHARGER_TIMEOUT"
    CHARGER_DISCONNECTED = "CHARGER_DISCONNECTED"


async def abort(
    context: grpc.aio.ServicerContext[Any, Any],
    code: grpc.StatusCode,
    message: str,
    *,
    reason: str,
    domain: str,
    metadata: dict[str, str] | None = None,
) -> NoReturn:
    """End the call with `code` and `message`, and an ErrorInfo carrying `reason`."""
    info = error_details_pb2.ErrorInfo(reason=reason, domain=domain, metadata=metadata or {})
    detail = any_pb2.Any()
    detail.Pack(info)
    status = rpc_status.to_status(
        status_pb2.Status(code=code.value[0], message=message, details=[detail])
    )
    await context.abort(status.code, status.details, status.trailing_metadata)


def error_info(error: grpc.aio.AioRpcError, domain: str) -> error_details_pb2.ErrorInfo | None:
    """The ErrorInfo of `domain` in the failed call's status details; None without one."""
    try:
        status = cast(status_pb2.Status | None, rpc_status.from_call(error))
    except ValueError:  # details that contradict the status: trust neither
        return None
    if status is None:
        return None
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            if info.domain == domain:
                return info
    return None


def reason_of(error: grpc.aio.AioRpcError, domain: str) -> str | None:
    """The ErrorInfo reason `domain` gave for the failed call; None when it gave none."""
    info = error_info(error, domain)
    return str(info.reason) if info is not None else None
