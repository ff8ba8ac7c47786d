"""``csms.v1.ChargerService``: the charger records, and every command (task) sent to a
charger, one module per feature profile over the shared steps in ``_base``."""

from csms.v1 import chargers_pb2, chargers_pb2_grpc

from services.manager._runner import with_task_refs
from services.manager.chargers._base import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, check_charger_id
from services.manager.chargers._core import CoreCommands
from services.manager.chargers._firmware import FirmwareCommands
from services.manager.chargers._local_auth import LocalListCommands
from services.manager.chargers._messages import charger_message
from services.manager.chargers._records import ChargerRecords
from services.manager.chargers._reservation import ReservationCommands
from services.manager.chargers._security import SecurityCommands
from services.manager.chargers._smart_charging import SmartChargingCommands
from services.manager.chargers._station import StationCommands


class ChargerServicer(
    ChargerRecords,
    CoreCommands,
    FirmwareCommands,
    ReservationCommands,
    LocalListCommands,
    SmartChargingCommands,
    SecurityCommands,
    StationCommands,
    chargers_pb2_grpc.ChargerServiceServicer,
):
    """The whole ChargerService: each feature profile's RPCs come from its own module."""


# Every command RPC records its task and names it in its response (TaskService).
with_task_refs(ChargerServicer, chargers_pb2.DESCRIPTOR.services_by_name["ChargerService"])


__all__ = [
    "DEFAULT_PAGE_SIZE",
    "MAX_PAGE_SIZE",
    "ChargerServicer",
    "charger_message",
    "check_charger_id",
]
