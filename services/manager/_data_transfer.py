"""DataTransfer from chargers: vendor-specific handlers, chosen by vendorId.

Register a handler per vendor id when building the manager; a vendor without one is
answered UnknownVendorId, as the specification asks.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from services.manager._context import CallContext, Payload


@dataclass(frozen=True, slots=True)
class VendorMessage:
    charger_id: str
    vendor_id: str
    message_id: str  # "" when absent
    data: str  # "" when absent


@dataclass(frozen=True, slots=True)
class VendorAnswer:
    status: str  # Accepted, Rejected, UnknownMessageId
    data: str = ""


VendorHandler = Callable[[VendorMessage], Awaitable[VendorAnswer]]


class DataTransfer:
    def __init__(self, handlers: Mapping[str, VendorHandler]) -> None:
        self._handlers = dict(handlers)

    async def data_transfer(self, ctx: CallContext, req: Payload) -> Payload:
        handler = self._handlers.get(req["vendorId"])
        if handler is None:
            return {"status": "UnknownVendorId"}
        answer = await handler(
            VendorMessage(
                ctx.charger_id, req["vendorId"], req.get("messageId", ""), req.get("data", "")
            )
        )
        result: Payload = {"status": answer.status}
        if answer.data:
            result["data"] = answer.data
        return result
