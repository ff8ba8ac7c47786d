import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.api import httpbody_pb2 as _httpbody_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class MessageDirection(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MESSAGE_DIRECTION_UNSPECIFIED: _ClassVar[MessageDirection]
    MESSAGE_DIRECTION_CHARGER_TO_CSMS: _ClassVar[MessageDirection]
    MESSAGE_DIRECTION_CSMS_TO_CHARGER: _ClassVar[MessageDirection]

class MessageOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MESSAGE_OUTCOME_UNSPECIFIED: _ClassVar[MessageOutcome]
    MESSAGE_OUTCOME_RESULT: _ClassVar[MessageOutcome]
    MESSAGE_OUTCOME_ERROR: _ClassVar[MessageOutcome]
    MESSAGE_OUTCOME_NO_ANSWER: _ClassVar[MessageOutcome]
    MESSAGE_OUTCOME_MALFORMED: _ClassVar[MessageOutcome]
    MESSAGE_OUTCOME_UNSOLICITED: _ClassVar[MessageOutcome]
MESSAGE_DIRECTION_UNSPECIFIED: MessageDirection
MESSAGE_DIRECTION_CHARGER_TO_CSMS: MessageDirection
MESSAGE_DIRECTION_CSMS_TO_CHARGER: MessageDirection
MESSAGE_OUTCOME_UNSPECIFIED: MessageOutcome
MESSAGE_OUTCOME_RESULT: MessageOutcome
MESSAGE_OUTCOME_ERROR: MessageOutcome
MESSAGE_OUTCOME_NO_ANSWER: MessageOutcome
MESSAGE_OUTCOME_MALFORMED: MessageOutcome
MESSAGE_OUTCOME_UNSOLICITED: MessageOutcome

class ChargerMessage(_message.Message):
    __slots__ = ("charger_id", "node_id", "epoch", "direction", "outcome", "action", "message_id", "at", "call_frame", "answer_frame", "answered_at", "latency_ms", "error_code")
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    EPOCH_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    CALL_FRAME_FIELD_NUMBER: _ClassVar[int]
    ANSWER_FRAME_FIELD_NUMBER: _ClassVar[int]
    ANSWERED_AT_FIELD_NUMBER: _ClassVar[int]
    LATENCY_MS_FIELD_NUMBER: _ClassVar[int]
    ERROR_CODE_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    node_id: str
    epoch: int
    direction: MessageDirection
    outcome: MessageOutcome
    action: str
    message_id: str
    at: _timestamp_pb2.Timestamp
    call_frame: str
    answer_frame: str
    answered_at: _timestamp_pb2.Timestamp
    latency_ms: float
    error_code: str
    def __init__(self, charger_id: _Optional[str] = ..., node_id: _Optional[str] = ..., epoch: _Optional[int] = ..., direction: _Optional[_Union[MessageDirection, str]] = ..., outcome: _Optional[_Union[MessageOutcome, str]] = ..., action: _Optional[str] = ..., message_id: _Optional[str] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., call_frame: _Optional[str] = ..., answer_frame: _Optional[str] = ..., answered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., latency_ms: _Optional[float] = ..., error_code: _Optional[str] = ...) -> None: ...

class ListChargerMessagesRequest(_message.Message):
    __slots__ = ("charger_id", "actions", "direction", "since", "until", "page_size", "page_token", "after_token")
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    ACTIONS_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    UNTIL_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    AFTER_TOKEN_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    actions: _containers.RepeatedScalarFieldContainer[str]
    direction: MessageDirection
    since: _timestamp_pb2.Timestamp
    until: _timestamp_pb2.Timestamp
    page_size: int
    page_token: str
    after_token: str
    def __init__(self, charger_id: _Optional[str] = ..., actions: _Optional[_Iterable[str]] = ..., direction: _Optional[_Union[MessageDirection, str]] = ..., since: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., after_token: _Optional[str] = ...) -> None: ...

class ListChargerMessagesResponse(_message.Message):
    __slots__ = ("messages", "next_page_token", "after_token")
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    AFTER_TOKEN_FIELD_NUMBER: _ClassVar[int]
    messages: _containers.RepeatedCompositeFieldContainer[ChargerMessage]
    next_page_token: str
    after_token: str
    def __init__(self, messages: _Optional[_Iterable[_Union[ChargerMessage, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., after_token: _Optional[str] = ...) -> None: ...

class ExportChargerMessagesRequest(_message.Message):
    __slots__ = ("charger_id", "actions", "direction", "since", "until", "limit")
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    ACTIONS_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    UNTIL_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    actions: _containers.RepeatedScalarFieldContainer[str]
    direction: MessageDirection
    since: _timestamp_pb2.Timestamp
    until: _timestamp_pb2.Timestamp
    limit: int
    def __init__(self, charger_id: _Optional[str] = ..., actions: _Optional[_Iterable[str]] = ..., direction: _Optional[_Union[MessageDirection, str]] = ..., since: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., limit: _Optional[int] = ...) -> None: ...
