import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class OcppVersion(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OCPP_VERSION_UNSPECIFIED: _ClassVar[OcppVersion]
    OCPP_VERSION_16: _ClassVar[OcppVersion]
    OCPP_VERSION_201: _ClassVar[OcppVersion]
    OCPP_VERSION_21: _ClassVar[OcppVersion]

class TaskState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TASK_STATE_UNSPECIFIED: _ClassVar[TaskState]
    TASK_STATE_QUEUED: _ClassVar[TaskState]
    TASK_STATE_SENT: _ClassVar[TaskState]
    TASK_STATE_ANSWERED: _ClassVar[TaskState]
    TASK_STATE_CALL_ERROR: _ClassVar[TaskState]
    TASK_STATE_TIMED_OUT: _ClassVar[TaskState]
    TASK_STATE_ABORTED: _ClassVar[TaskState]
    TASK_STATE_EXPIRED: _ClassVar[TaskState]
OCPP_VERSION_UNSPECIFIED: OcppVersion
OCPP_VERSION_16: OcppVersion
OCPP_VERSION_201: OcppVersion
OCPP_VERSION_21: OcppVersion
TASK_STATE_UNSPECIFIED: TaskState
TASK_STATE_QUEUED: TaskState
TASK_STATE_SENT: TaskState
TASK_STATE_ANSWERED: TaskState
TASK_STATE_CALL_ERROR: TaskState
TASK_STATE_TIMED_OUT: TaskState
TASK_STATE_ABORTED: TaskState
TASK_STATE_EXPIRED: TaskState

class CallError(_message.Message):
    __slots__ = ("code", "description", "details")
    CODE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    DETAILS_FIELD_NUMBER: _ClassVar[int]
    code: str
    description: str
    details: bytes
    def __init__(self, code: _Optional[str] = ..., description: _Optional[str] = ..., details: _Optional[bytes] = ...) -> None: ...

class TaskOptions(_message.Message):
    __slots__ = ("request_id", "deliver_by")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    DELIVER_BY_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    deliver_by: _timestamp_pb2.Timestamp
    def __init__(self, request_id: _Optional[str] = ..., deliver_by: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class TaskRef(_message.Message):
    __slots__ = ("task_id", "state")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    state: TaskState
    def __init__(self, task_id: _Optional[str] = ..., state: _Optional[_Union[TaskState, str]] = ...) -> None: ...
