"""OCPP 2.0.1 display messages and customer information reports from the charger:
NotifyDisplayMessages and NotifyCustomerInformation.

Both come in parts under the requestId of the CSMS request that asked for them
(GetDisplayMessages, CustomerInformation); ``tbc`` says more parts follow. Reported
messages are recorded by message id; customer data is appended to its request in
``seqNo`` order (a repeated part is ignored). The request's status becomes "Reported"
and it is complete with the last part.
"""

from __future__ import annotations

import orjson

from services.manager._context import CallContext, Payload
from services.manager.store import StationStore

REPORTED = "Reported"


class Reports:
    def __init__(self, station: StationStore) -> None:
        self._station = station

    async def notify_display_messages(self, ctx: CallContext, req: Payload) -> Payload:
        messages = req.get("messageInfo", [])
        await self._station.put_display_messages(
            ctx.charger_id,
            [(m["id"], orjson.dumps(m).decode()) for m in messages],
            source="charger",
            at=ctx.received_at,
        )
        await self._station.request_reported(
            ctx.charger_id,
            "DisplayMessages",
            req["requestId"],
            at=ctx.received_at,
            status=REPORTED,
            complete=not req.get("tbc", False),
        )
        return {}

    async def notify_customer_information(self, ctx: CallContext, req: Payload) -> Payload:
        await self._station.request_reported(
            ctx.charger_id,
            "CustomerInformation",
            req["requestId"],
            at=ctx.received_at,
            status=REPORTED,
            complete=not req.get("tbc", False),
            part=(req["seqNo"], req["data"]),
        )
        return {}
