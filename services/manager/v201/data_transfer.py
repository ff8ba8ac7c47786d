"""OCPP 2.0.1 DataTransfer from chargers: the 1.6 vendor hooks, with 2.0.1's data of any
JSON type handed to them as JSON text (a string stays as it is)."""

from __future__ import annotations

from collections.abc import Mapping

import orjson

from services.manager._context import CallContext, Payload
from services.manager._data_transfer import DataTransfer as DataTransfer16
from services.manager._data_transfer import VendorHandler


class DataTransfer:
    def __init__(self, handlers: Mapping[str, VendorHandler]) -> None:
        self._vendors = DataTransfer16(handlers)

    async def data_transfer(self, ctx: CallContext, req: Payload) -> Payload:
        data = req.get("data")
        if data is not None and not isinstance(data, str):
            req = {**req, "data": orjson.dumps(data).decode()}
        return await self._vendors.data_transfer(ctx, req)
