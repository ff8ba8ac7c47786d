from csms.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DrainState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DRAIN_STATE_UNSPECIFIED: _ClassVar[DrainState]
    DRAIN_STATE_NOTICE: _ClassVar[DrainState]
    DRAIN_STATE_CLOSING: _ClassVar[DrainState]
    DRAIN_STATE_DRAINED: _ClassVar[DrainState]
    DRAIN_STATE_TIMED_OUT: _ClassVar[DrainState]
DRAIN_STATE_UNSPECIFIED: DrainState
DRAIN_STATE_NOTICE: DrainState
DRAIN_STATE_CLOSING: DrainState
DRAIN_STATE_DRAINED: DrainState
DRAIN_STATE_TIMED_OUT: DrainState

class DrainRequest(_message.Message):
    __slots__ = ("rate",)
    RATE_FIELD_NUMBER: _ClassVar[int]
    rate: float
    def __init__(self, rate: _Optional[float] = ...) -> None: ...

class DrainProgress(_message.Message):
    __slots__ = ("node_id", "state", "closed", "remaining", "rate", "elapsed_s", "refused", "unanswered_calls")
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    CLOSED_FIELD_NUMBER: _ClassVar[int]
    REMAINING_FIELD_NUMBER: _ClassVar[int]
    RATE_FIELD_NUMBER: _ClassVar[int]
    ELAPSED_S_FIELD_NUMBER: _ClassVar[int]
    REFUSED_FIELD_NUMBER: _ClassVar[int]
    UNANSWERED_CALLS_FIELD_NUMBER: _ClassVar[int]
    node_id: str
    state: DrainState
    closed: int
    remaining: int
    rate: float
    elapsed_s: float
    refused: int
    unanswered_calls: int
    def __init__(self, node_id: _Optional[str] = ..., state: _Optional[_Union[DrainState, str]] = ..., closed: _Optional[int] = ..., remaining: _Optional[int] = ..., rate: _Optional[float] = ..., elapsed_s: _Optional[float] = ..., refused: _Optional[int] = ..., unanswered_calls: _Optional[int] = ...) -> None: ...

class SendRequest(_message.Message):
    __slots__ = ("charger_id", "action", "payload", "epoch", "timeout_ms")
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    EPOCH_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_MS_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    action: str
    payload: bytes
    epoch: int
    timeout_ms: int
    def __init__(self, charger_id: _Optional[str] = ..., action: _Optional[str] = ..., payload: _Optional[bytes] = ..., epoch: _Optional[int] = ..., timeout_ms: _Optional[int] = ...) -> None: ...

class SendResponse(_message.Message):
    __slots__ = ("message_id", "result", "error")
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    message_id: str
    result: bytes
    error: _common_pb2.CallError
    def __init__(self, message_id: _Optional[str] = ..., result: _Optional[bytes] = ..., error: _Optional[_Union[_common_pb2.CallError, _Mapping]] = ...) -> None: ...
