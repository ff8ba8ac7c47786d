from csms.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class NodeMessage(_message.Message):
    __slots__ = ("hello", "batch")
    HELLO_FIELD_NUMBER: _ClassVar[int]
    BATCH_FIELD_NUMBER: _ClassVar[int]
    hello: NodeHello
    batch: EventBatch
    def __init__(self, hello: _Optional[_Union[NodeHello, _Mapping]] = ..., batch: _Optional[_Union[EventBatch, _Mapping]] = ...) -> None: ...

class NodeHello(_message.Message):
    __slots__ = ("node_id", "address")
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    node_id: str
    address: str
    def __init__(self, node_id: _Optional[str] = ..., address: _Optional[str] = ...) -> None: ...

class EventBatch(_message.Message):
    __slots__ = ("events",)
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[Event]
    def __init__(self, events: _Optional[_Iterable[_Union[Event, _Mapping]]] = ...) -> None: ...

class Event(_message.Message):
    __slots__ = ("id", "kind", "charger_id", "ocpp_version", "epoch", "received_at_ms", "message_id", "action", "payload", "trace_parent")
    class Kind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        KIND_UNSPECIFIED: _ClassVar[Event.Kind]
        KIND_CALL: _ClassVar[Event.Kind]
        KIND_CONNECTED: _ClassVar[Event.Kind]
        KIND_DISCONNECTED: _ClassVar[Event.Kind]
    KIND_UNSPECIFIED: Event.Kind
    KIND_CALL: Event.Kind
    KIND_CONNECTED: Event.Kind
    KIND_DISCONNECTED: Event.Kind
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    OCPP_VERSION_FIELD_NUMBER: _ClassVar[int]
    EPOCH_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_AT_MS_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    TRACE_PARENT_FIELD_NUMBER: _ClassVar[int]
    id: int
    kind: Event.Kind
    charger_id: str
    ocpp_version: _common_pb2.OcppVersion
    epoch: int
    received_at_ms: int
    message_id: str
    action: str
    payload: bytes
    trace_parent: str
    def __init__(self, id: _Optional[int] = ..., kind: _Optional[_Union[Event.Kind, str]] = ..., charger_id: _Optional[str] = ..., ocpp_version: _Optional[_Union[_common_pb2.OcppVersion, str]] = ..., epoch: _Optional[int] = ..., received_at_ms: _Optional[int] = ..., message_id: _Optional[str] = ..., action: _Optional[str] = ..., payload: _Optional[bytes] = ..., trace_parent: _Optional[str] = ...) -> None: ...

class ReplyBatch(_message.Message):
    __slots__ = ("replies",)
    REPLIES_FIELD_NUMBER: _ClassVar[int]
    replies: _containers.RepeatedCompositeFieldContainer[Reply]
    def __init__(self, replies: _Optional[_Iterable[_Union[Reply, _Mapping]]] = ...) -> None: ...

class Reply(_message.Message):
    __slots__ = ("event_id", "charger_id", "result", "error", "superseded_by")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    SUPERSEDED_BY_FIELD_NUMBER: _ClassVar[int]
    event_id: int
    charger_id: str
    result: bytes
    error: _common_pb2.CallError
    superseded_by: int
    def __init__(self, event_id: _Optional[int] = ..., charger_id: _Optional[str] = ..., result: _Optional[bytes] = ..., error: _Optional[_Union[_common_pb2.CallError, _Mapping]] = ..., superseded_by: _Optional[int] = ...) -> None: ...

class AdmitRequest(_message.Message):
    __slots__ = ("charger_id", "node_id", "ocpp_version", "remote_address", "tls", "basic_auth", "password", "client_certificate_cn")
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    OCPP_VERSION_FIELD_NUMBER: _ClassVar[int]
    REMOTE_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    TLS_FIELD_NUMBER: _ClassVar[int]
    BASIC_AUTH_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    CLIENT_CERTIFICATE_CN_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    node_id: str
    ocpp_version: _common_pb2.OcppVersion
    remote_address: str
    tls: bool
    basic_auth: bool
    password: str
    client_certificate_cn: str
    def __init__(self, charger_id: _Optional[str] = ..., node_id: _Optional[str] = ..., ocpp_version: _Optional[_Union[_common_pb2.OcppVersion, str]] = ..., remote_address: _Optional[str] = ..., tls: _Optional[bool] = ..., basic_auth: _Optional[bool] = ..., password: _Optional[str] = ..., client_certificate_cn: _Optional[str] = ...) -> None: ...

class AdmitResponse(_message.Message):
    __slots__ = ("admitted", "reason", "refusal", "retry_after_s")
    class Refusal(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        REFUSAL_UNSPECIFIED: _ClassVar[AdmitResponse.Refusal]
        REFUSAL_FORBIDDEN: _ClassVar[AdmitResponse.Refusal]
        REFUSAL_UNAUTHORIZED: _ClassVar[AdmitResponse.Refusal]
        REFUSAL_RATE_LIMITED: _ClassVar[AdmitResponse.Refusal]
    REFUSAL_UNSPECIFIED: AdmitResponse.Refusal
    REFUSAL_FORBIDDEN: AdmitResponse.Refusal
    REFUSAL_UNAUTHORIZED: AdmitResponse.Refusal
    REFUSAL_RATE_LIMITED: AdmitResponse.Refusal
    ADMITTED_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REFUSAL_FIELD_NUMBER: _ClassVar[int]
    RETRY_AFTER_S_FIELD_NUMBER: _ClassVar[int]
    admitted: bool
    reason: str
    refusal: AdmitResponse.Refusal
    retry_after_s: int
    def __init__(self, admitted: _Optional[bool] = ..., reason: _Optional[str] = ..., refusal: _Optional[_Union[AdmitResponse.Refusal, str]] = ..., retry_after_s: _Optional[int] = ...) -> None: ...
