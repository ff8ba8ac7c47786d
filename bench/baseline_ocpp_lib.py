"""The baseline: a single-process CSMS written the canonical way with the ``ocpp`` library.

What a Python team would otherwise build: a ``ChargePoint`` subclass per OCPP version
with ``@on`` handlers, served by ``websockets.serve``, state in memory (no database).
OCPP 1.6: BootNotification, Heartbeat, StatusNotification, Authorize, StartTransaction,
MeterValues, StopTransaction; OCPP 2.0.1: BootNotification, Heartbeat, StatusNotification.

    python -m bench.baseline_ocpp_lib --port 9100 [--parent-pid PID] [--max-seconds 900]

It stops by itself when its parent process is gone or after ``--max-seconds``.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import logging
from datetime import UTC, datetime
from typing import Any

import uvloop
import websockets
from ocpp.routing import on
from ocpp.v16 import ChargePoint as ChargePoint16
from ocpp.v16 import call_result as result16
from ocpp.v16.enums import Action as Action16
from ocpp.v16.enums import AuthorizationStatus, RegistrationStatus
from ocpp.v201 import ChargePoint as ChargePoint201
from ocpp.v201 import call_result as result201
from ocpp.v201.enums import Action as Action201
from ocpp.v201.enums import RegistrationStatusEnumType
from websockets.asyncio.server import ServerConnection
from websockets.typing import Subprotocol

from bench._lifetime import exit_with_parent

_transaction_ids = itertools.count(1)


def _now() -> str:
    return datetime.now(UTC).isoformat()


class CentralSystem16(ChargePoint16):  # type: ignore[misc]
    """OCPP 1.6 handlers, the way the ``ocpp`` library's examples write them."""

    @on(Action16.boot_notification)  # type: ignore[untyped-decorator]
    def on_boot_notification(
        self, charge_point_vendor: str, charge_point_model: str, **kwargs: Any
    ) -> Any:
        return result16.BootNotification(
            current_time=_now(), interval=300, status=RegistrationStatus.accepted
        )

    @on(Action16.heartbeat)  # type: ignore[untyped-decorator]
    def on_heartbeat(self) -> Any:
        return result16.Heartbeat(current_time=_now())

    @on(Action16.status_notification)  # type: ignore[untyped-decorator]
    def on_status_notification(
        self, connector_id: int, error_code: str, status: str, **kwargs: Any
    ) -> Any:
        self.status = status
        return result16.StatusNotification()

    @on(Action16.authorize)  # type: ignore[untyped-decorator]
    def on_authorize(self, id_tag: str) -> Any:
        return result16.Authorize(id_tag_info={"status": AuthorizationStatus.accepted})

    @on(Action16.start_transaction)  # type: ignore[untyped-decorator]
    def on_start_transaction(
        self, connector_id: int, id_tag: str, meter_start: int, timestamp: str, **kwargs: Any
    ) -> Any:
        return result16.StartTransaction(
            transaction_id=next(_transaction_ids),
            id_tag_info={"status": AuthorizationStatus.accepted},
        )

    @on(Action16.meter_values)  # type: ignore[untyped-decorator]
    def on_meter_values(self, connector_id: int, meter_value: list[Any], **kwargs: Any) -> Any:
        return result16.MeterValues()

    @on(Action16.stop_transaction)  # type: ignore[untyped-decorator]
    def on_stop_transaction(
        self, meter_stop: int, timestamp: str, transaction_id: int, **kwargs: Any
    ) -> Any:
        return result16.StopTransaction(id_tag_info={"status": AuthorizationStatus.accepted})


class CentralSystem201(ChargePoint201):  # type: ignore[misc]
    """OCPP 2.0.1 handlers."""

    @on(Action201.boot_notification)  # type: ignore[untyped-decorator]
    def on_boot_notification(self, charging_station: Any, reason: str, **kwargs: Any) -> Any:
        return result201.BootNotification(
            current_time=_now(), interval=300, status=RegistrationStatusEnumType.accepted
        )

    @on(Action201.heartbeat)  # type: ignore[untyped-decorator]
    def on_heartbeat(self) -> Any:
        return result201.Heartbeat(current_time=_now())

    @on(Action201.status_notification)  # type: ignore[untyped-decorator]
    def on_status_notification(
        self, timestamp: str, connector_status: str, evse_id: int, connector_id: int, **kwargs: Any
    ) -> Any:
        return result201.StatusNotification()


async def on_connect(websocket: ServerConnection) -> None:
    """One charger: pick the ChargePoint class by the negotiated subprotocol and run it."""
    charge_point_id = (websocket.request.path if websocket.request else "/").rstrip("/")
    charge_point_id = charge_point_id.rsplit("/", 1)[-1]
    cls = CentralSystem201 if websocket.subprotocol == "ocpp2.0.1" else CentralSystem16
    with contextlib.suppress(websockets.ConnectionClosed):
        await cls(charge_point_id, websocket).start()


async def main(port: int, parent_pid: int | None, max_seconds: float) -> None:
    async with websockets.serve(
        on_connect,
        "127.0.0.1",
        port,
        subprotocols=[Subprotocol("ocpp1.6"), Subprotocol("ocpp2.0.1")],
    ):
        print(f"baseline listening on {port}", flush=True)
        await exit_with_parent(parent_pid, max_seconds)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--parent-pid", type=int, default=None)
    parser.add_argument("--max-seconds", type=float, default=900.0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    uvloop.run(main(args.port, args.parent_pid, args.max_seconds))
