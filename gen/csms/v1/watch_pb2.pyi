import datetime

from csms.v1 import common_pb2 as _common_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EventKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EVENT_KIND_UNSPECIFIED: _ClassVar[EventKind]
    EVENT_KIND_CONNECTED: _ClassVar[EventKind]
    EVENT_KIND_DISCONNECTED: _ClassVar[EventKind]
    EVENT_KIND_BOOTED: _ClassVar[EventKind]
    EVENT_KIND_STATUS_CHANGED: _ClassVar[EventKind]
    EVENT_KIND_TRANSACTION_STARTED: _ClassVar[EventKind]
    EVENT_KIND_TRANSACTION_UPDATED: _ClassVar[EventKind]
    EVENT_KIND_TRANSACTION_ENDED: _ClassVar[EventKind]
    EVENT_KIND_ERROR: _ClassVar[EventKind]
    EVENT_KIND_WATCHER_OVERFLOW: _ClassVar[EventKind]
    EVENT_KIND_DEVICE_EVENT: _ClassVar[EventKind]
EVENT_KIND_UNSPECIFIED: EventKind
EVENT_KIND_CONNECTED: EventKind
EVENT_KIND_DISCONNECTED: EventKind
EVENT_KIND_BOOTED: EventKind
EVENT_KIND_STATUS_CHANGED: EventKind
EVENT_KIND_TRANSACTION_STARTED: EventKind
EVENT_KIND_TRANSACTION_UPDATED: EventKind
EVENT_KIND_TRANSACTION_ENDED: EventKind
EVENT_KIND_ERROR: EventKind
EVENT_KIND_WATCHER_OVERFLOW: EventKind
EVENT_KIND_DEVICE_EVENT: EventKind

class WatchEventsRequest(_message.Message):
    __slots__ = ("charger_ids", "kinds")
    CHARGER_IDS_FIELD_NUMBER: _ClassVar[int]
    KINDS_FIELD_NUMBER: _ClassVar[int]
    charger_ids: _containers.RepeatedScalarFieldContainer[str]
    kinds: _containers.RepeatedScalarFieldContainer[EventKind]
    def __init__(self, charger_ids: _Optional[_Iterable[str]] = ..., kinds: _Optional[_Iterable[_Union[EventKind, str]]] = ...) -> None: ...

class ChargerEvent(_message.Message):
    __slots__ = ("at", "kind", "charger_id", "ocpp_version", "node_id", "evse_id", "connector_id", "status", "error_code", "transaction_id", "energy_wh", "message")
    AT_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    OCPP_VERSION_FIELD_NUMBER: _ClassVar[int]
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    EVSE_ID_FIELD_NUMBER: _ClassVar[int]
    CONNECTOR_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ERROR_CODE_FIELD_NUMBER: _ClassVar[int]
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    ENERGY_WH_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    at: _timestamp_pb2.Timestamp
    kind: EventKind
    charger_id: str
    ocpp_version: _common_pb2.OcppVersion
    node_id: str
    evse_id: int
    connector_id: int
    status: str
    error_code: str
    transaction_id: int
    energy_wh: float
    message: str
    def __init__(self, at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., kind: _Optional[_Union[EventKind, str]] = ..., charger_id: _Optional[str] = ..., ocpp_version: _Optional[_Union[_common_pb2.OcppVersion, str]] = ..., node_id: _Optional[str] = ..., evse_id: _Optional[int] = ..., connector_id: _Optional[int] = ..., status: _Optional[str] = ..., error_code: _Optional[str] = ..., transaction_id: _Optional[int] = ..., energy_wh: _Optional[float] = ..., message: _Optional[str] = ...) -> None: ...
