import datetime

from csms.v1 import common_pb2 as _common_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ChargerLocation(_message.Message):
    __slots__ = ("charger_id", "node_id", "node_address", "epoch", "connected_at", "ocpp_version")
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    NODE_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    EPOCH_FIELD_NUMBER: _ClassVar[int]
    CONNECTED_AT_FIELD_NUMBER: _ClassVar[int]
    OCPP_VERSION_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    node_id: str
    node_address: str
    epoch: int
    connected_at: _timestamp_pb2.Timestamp
    ocpp_version: _common_pb2.OcppVersion
    def __init__(self, charger_id: _Optional[str] = ..., node_id: _Optional[str] = ..., node_address: _Optional[str] = ..., epoch: _Optional[int] = ..., connected_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., ocpp_version: _Optional[_Union[_common_pb2.OcppVersion, str]] = ...) -> None: ...

class NodeInfo(_message.Message):
    __slots__ = ("node_id", "address", "lease_expires_at", "charger_count")
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    LEASE_EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    CHARGER_COUNT_FIELD_NUMBER: _ClassVar[int]
    node_id: str
    address: str
    lease_expires_at: _timestamp_pb2.Timestamp
    charger_count: int
    def __init__(self, node_id: _Optional[str] = ..., address: _Optional[str] = ..., lease_expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., charger_count: _Optional[int] = ...) -> None: ...

class GetChargerLocationRequest(_message.Message):
    __slots__ = ("charger_id",)
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    def __init__(self, charger_id: _Optional[str] = ...) -> None: ...

class ListChargerLocationsRequest(_message.Message):
    __slots__ = ("node_id", "page_size", "page_token")
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    node_id: str
    page_size: int
    page_token: str
    def __init__(self, node_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListChargerLocationsResponse(_message.Message):
    __slots__ = ("chargers", "next_page_token")
    CHARGERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    chargers: _containers.RepeatedCompositeFieldContainer[ChargerLocation]
    next_page_token: str
    def __init__(self, chargers: _Optional[_Iterable[_Union[ChargerLocation, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListNodesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListNodesResponse(_message.Message):
    __slots__ = ("nodes",)
    NODES_FIELD_NUMBER: _ClassVar[int]
    nodes: _containers.RepeatedCompositeFieldContainer[NodeInfo]
    def __init__(self, nodes: _Optional[_Iterable[_Union[NodeInfo, _Mapping]]] = ...) -> None: ...
