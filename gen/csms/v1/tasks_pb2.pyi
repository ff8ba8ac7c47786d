import datetime

from csms.v1 import chargers_pb2 as _chargers_pb2
from csms.v1 import common_pb2 as _common_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Task(_message.Message):
    __slots__ = ("task_id", "charger_id", "action", "ocpp_version", "payload_json", "answer_json", "error_code", "error_description", "requested_by", "request_id", "state", "created_at", "sent_at", "finished_at", "deliver_by", "bulk_id")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    OCPP_VERSION_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_JSON_FIELD_NUMBER: _ClassVar[int]
    ANSWER_JSON_FIELD_NUMBER: _ClassVar[int]
    ERROR_CODE_FIELD_NUMBER: _ClassVar[int]
    ERROR_DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_BY_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    SENT_AT_FIELD_NUMBER: _ClassVar[int]
    FINISHED_AT_FIELD_NUMBER: _ClassVar[int]
    DELIVER_BY_FIELD_NUMBER: _ClassVar[int]
    BULK_ID_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    charger_id: str
    action: str
    ocpp_version: _common_pb2.OcppVersion
    payload_json: str
    answer_json: str
    error_code: str
    error_description: str
    requested_by: str
    request_id: str
    state: _common_pb2.TaskState
    created_at: _timestamp_pb2.Timestamp
    sent_at: _timestamp_pb2.Timestamp
    finished_at: _timestamp_pb2.Timestamp
    deliver_by: _timestamp_pb2.Timestamp
    bulk_id: str
    def __init__(self, task_id: _Optional[str] = ..., charger_id: _Optional[str] = ..., action: _Optional[str] = ..., ocpp_version: _Optional[_Union[_common_pb2.OcppVersion, str]] = ..., payload_json: _Optional[str] = ..., answer_json: _Optional[str] = ..., error_code: _Optional[str] = ..., error_description: _Optional[str] = ..., requested_by: _Optional[str] = ..., request_id: _Optional[str] = ..., state: _Optional[_Union[_common_pb2.TaskState, str]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., sent_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., finished_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., deliver_by: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., bulk_id: _Optional[str] = ...) -> None: ...

class ListTasksRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "charger_id", "state", "action", "bulk_id")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    BULK_ID_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    charger_id: str
    state: _common_pb2.TaskState
    action: str
    bulk_id: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., charger_id: _Optional[str] = ..., state: _Optional[_Union[_common_pb2.TaskState, str]] = ..., action: _Optional[str] = ..., bulk_id: _Optional[str] = ...) -> None: ...

class ListTasksResponse(_message.Message):
    __slots__ = ("tasks", "next_page_token")
    TASKS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    tasks: _containers.RepeatedCompositeFieldContainer[Task]
    next_page_token: str
    def __init__(self, tasks: _Optional[_Iterable[_Union[Task, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetTaskRequest(_message.Message):
    __slots__ = ("task_id",)
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    def __init__(self, task_id: _Optional[str] = ...) -> None: ...

class CancelTaskRequest(_message.Message):
    __slots__ = ("task_id",)
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    def __init__(self, task_id: _Optional[str] = ...) -> None: ...

class ChargerIds(_message.Message):
    __slots__ = ("charger_ids",)
    CHARGER_IDS_FIELD_NUMBER: _ClassVar[int]
    charger_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, charger_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class CreateBulkTaskRequest(_message.Message):
    __slots__ = ("chargers", "location_id", "reset", "trigger_message", "change_configuration", "change_availability", "clear_cache", "update_firmware", "send_call")
    CHARGERS_FIELD_NUMBER: _ClassVar[int]
    LOCATION_ID_FIELD_NUMBER: _ClassVar[int]
    RESET_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    CHANGE_CONFIGURATION_FIELD_NUMBER: _ClassVar[int]
    CHANGE_AVAILABILITY_FIELD_NUMBER: _ClassVar[int]
    CLEAR_CACHE_FIELD_NUMBER: _ClassVar[int]
    UPDATE_FIRMWARE_FIELD_NUMBER: _ClassVar[int]
    SEND_CALL_FIELD_NUMBER: _ClassVar[int]
    chargers: ChargerIds
    location_id: str
    reset: _chargers_pb2.ResetRequest
    trigger_message: _chargers_pb2.TriggerMessageRequest
    change_configuration: _chargers_pb2.ChangeConfigurationRequest
    change_availability: _chargers_pb2.ChangeAvailabilityRequest
    clear_cache: _chargers_pb2.ClearCacheRequest
    update_firmware: _chargers_pb2.UpdateFirmwareRequest
    send_call: _chargers_pb2.SendCallRequest
    def __init__(self, chargers: _Optional[_Union[ChargerIds, _Mapping]] = ..., location_id: _Optional[str] = ..., reset: _Optional[_Union[_chargers_pb2.ResetRequest, _Mapping]] = ..., trigger_message: _Optional[_Union[_chargers_pb2.TriggerMessageRequest, _Mapping]] = ..., change_configuration: _Optional[_Union[_chargers_pb2.ChangeConfigurationRequest, _Mapping]] = ..., change_availability: _Optional[_Union[_chargers_pb2.ChangeAvailabilityRequest, _Mapping]] = ..., clear_cache: _Optional[_Union[_chargers_pb2.ClearCacheRequest, _Mapping]] = ..., update_firmware: _Optional[_Union[_chargers_pb2.UpdateFirmwareRequest, _Mapping]] = ..., send_call: _Optional[_Union[_chargers_pb2.SendCallRequest, _Mapping]] = ...) -> None: ...

class GetBulkTaskRequest(_message.Message):
    __slots__ = ("bulk_id",)
    BULK_ID_FIELD_NUMBER: _ClassVar[int]
    bulk_id: str
    def __init__(self, bulk_id: _Optional[str] = ...) -> None: ...

class BulkTask(_message.Message):
    __slots__ = ("bulk_id", "action", "total", "done", "counts", "requested_by", "created_at", "refused")
    class CountsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    class RefusedEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    BULK_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    DONE_FIELD_NUMBER: _ClassVar[int]
    COUNTS_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_BY_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    REFUSED_FIELD_NUMBER: _ClassVar[int]
    bulk_id: str
    action: str
    total: int
    done: int
    counts: _containers.ScalarMap[str, int]
    requested_by: str
    created_at: _timestamp_pb2.Timestamp
    refused: _containers.ScalarMap[str, str]
    def __init__(self, bulk_id: _Optional[str] = ..., action: _Optional[str] = ..., total: _Optional[int] = ..., done: _Optional[int] = ..., counts: _Optional[_Mapping[str, int]] = ..., requested_by: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., refused: _Optional[_Mapping[str, str]] = ...) -> None: ...
