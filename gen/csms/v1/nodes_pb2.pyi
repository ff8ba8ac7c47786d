from csms.v1 import node_pb2 as _node_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class DrainNodeRequest(_message.Message):
    __slots__ = ("node_id", "rate")
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    RATE_FIELD_NUMBER: _ClassVar[int]
    node_id: str
    rate: float
    def __init__(self, node_id: _Optional[str] = ..., rate: _Optional[float] = ...) -> None: ...
