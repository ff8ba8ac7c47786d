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

class VariableKey(_message.Message):
    __slots__ = ("component", "component_instance", "evse_id", "connector_id", "variable", "variable_instance")
    COMPONENT_FIELD_NUMBER: _ClassVar[int]
    COMPONENT_INSTANCE_FIELD_NUMBER: _ClassVar[int]
    EVSE_ID_FIELD_NUMBER: _ClassVar[int]
    CONNECTOR_ID_FIELD_NUMBER: _ClassVar[int]
    VARIABLE_FIELD_NUMBER: _ClassVar[int]
    VARIABLE_INSTANCE_FIELD_NUMBER: _ClassVar[int]
    component: str
    component_instance: str
    evse_id: int
    connector_id: int
    variable: str
    variable_instance: str
    def __init__(self, component: _Optional[str] = ..., component_instance: _Optional[str] = ..., evse_id: _Optional[int] = ..., connector_id: _Optional[int] = ..., variable: _Optional[str] = ..., variable_instance: _Optional[str] = ...) -> None: ...

class VariableCharacteristics(_message.Message):
    __slots__ = ("unit", "data_type", "min_limit", "max_limit", "values_list", "supports_monitoring")
    UNIT_FIELD_NUMBER: _ClassVar[int]
    DATA_TYPE_FIELD_NUMBER: _ClassVar[int]
    MIN_LIMIT_FIELD_NUMBER: _ClassVar[int]
    MAX_LIMIT_FIELD_NUMBER: _ClassVar[int]
    VALUES_LIST_FIELD_NUMBER: _ClassVar[int]
    SUPPORTS_MONITORING_FIELD_NUMBER: _ClassVar[int]
    unit: str
    data_type: str
    min_limit: float
    max_limit: float
    values_list: str
    supports_monitoring: bool
    def __init__(self, unit: _Optional[str] = ..., data_type: _Optional[str] = ..., min_limit: _Optional[float] = ..., max_limit: _Optional[float] = ..., values_list: _Optional[str] = ..., supports_monitoring: _Optional[bool] = ...) -> None: ...

class Variable(_message.Message):
    __slots__ = ("key", "attribute_type", "value", "mutability", "persistent", "constant", "characteristics", "value_source", "updated_at")
    KEY_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTE_TYPE_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    MUTABILITY_FIELD_NUMBER: _ClassVar[int]
    PERSISTENT_FIELD_NUMBER: _ClassVar[int]
    CONSTANT_FIELD_NUMBER: _ClassVar[int]
    CHARACTERISTICS_FIELD_NUMBER: _ClassVar[int]
    VALUE_SOURCE_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    key: VariableKey
    attribute_type: str
    value: str
    mutability: str
    persistent: bool
    constant: bool
    characteristics: VariableCharacteristics
    value_source: str
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, key: _Optional[_Union[VariableKey, _Mapping]] = ..., attribute_type: _Optional[str] = ..., value: _Optional[str] = ..., mutability: _Optional[str] = ..., persistent: _Optional[bool] = ..., constant: _Optional[bool] = ..., characteristics: _Optional[_Union[VariableCharacteristics, _Mapping]] = ..., value_source: _Optional[str] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListVariablesRequest(_message.Message):
    __slots__ = ("charger_id", "component", "component_instance", "evse_id", "variable", "page_size", "page_token")
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    COMPONENT_FIELD_NUMBER: _ClassVar[int]
    COMPONENT_INSTANCE_FIELD_NUMBER: _ClassVar[int]
    EVSE_ID_FIELD_NUMBER: _ClassVar[int]
    VARIABLE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    component: str
    component_instance: str
    evse_id: int
    variable: str
    page_size: int
    page_token: str
    def __init__(self, charger_id: _Optional[str] = ..., component: _Optional[str] = ..., component_instance: _Optional[str] = ..., evse_id: _Optional[int] = ..., variable: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListVariablesResponse(_message.Message):
    __slots__ = ("variables", "next_page_token", "ocpp_version", "reported_at", "pending_report_id")
    VARIABLES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    OCPP_VERSION_FIELD_NUMBER: _ClassVar[int]
    REPORTED_AT_FIELD_NUMBER: _ClassVar[int]
    PENDING_REPORT_ID_FIELD_NUMBER: _ClassVar[int]
    variables: _containers.RepeatedCompositeFieldContainer[Variable]
    next_page_token: str
    ocpp_version: _common_pb2.OcppVersion
    reported_at: _timestamp_pb2.Timestamp
    pending_report_id: int
    def __init__(self, variables: _Optional[_Iterable[_Union[Variable, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., ocpp_version: _Optional[_Union[_common_pb2.OcppVersion, str]] = ..., reported_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., pending_report_id: _Optional[int] = ...) -> None: ...

class GetVariableItem(_message.Message):
    __slots__ = ("key", "attribute_type")
    KEY_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTE_TYPE_FIELD_NUMBER: _ClassVar[int]
    key: VariableKey
    attribute_type: str
    def __init__(self, key: _Optional[_Union[VariableKey, _Mapping]] = ..., attribute_type: _Optional[str] = ...) -> None: ...

class GetVariablesRequest(_message.Message):
    __slots__ = ("charger_id", "items", "task_options")
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    TASK_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    items: _containers.RepeatedCompositeFieldContainer[GetVariableItem]
    task_options: _common_pb2.TaskOptions
    def __init__(self, charger_id: _Optional[str] = ..., items: _Optional[_Iterable[_Union[GetVariableItem, _Mapping]]] = ..., task_options: _Optional[_Union[_common_pb2.TaskOptions, _Mapping]] = ...) -> None: ...

class GetVariableResult(_message.Message):
    __slots__ = ("key", "attribute_type", "status", "value", "status_info")
    KEY_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTE_TYPE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    STATUS_INFO_FIELD_NUMBER: _ClassVar[int]
    key: VariableKey
    attribute_type: str
    status: str
    value: str
    status_info: str
    def __init__(self, key: _Optional[_Union[VariableKey, _Mapping]] = ..., attribute_type: _Optional[str] = ..., status: _Optional[str] = ..., value: _Optional[str] = ..., status_info: _Optional[str] = ...) -> None: ...

class GetVariablesResponse(_message.Message):
    __slots__ = ("results", "task")
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[GetVariableResult]
    task: _common_pb2.TaskRef
    def __init__(self, results: _Optional[_Iterable[_Union[GetVariableResult, _Mapping]]] = ..., task: _Optional[_Union[_common_pb2.TaskRef, _Mapping]] = ...) -> None: ...

class SetVariableItem(_message.Message):
    __slots__ = ("key", "attribute_type", "value")
    KEY_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTE_TYPE_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    key: VariableKey
    attribute_type: str
    value: str
    def __init__(self, key: _Optional[_Union[VariableKey, _Mapping]] = ..., attribute_type: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...

class SetVariablesRequest(_message.Message):
    __slots__ = ("charger_id", "items", "task_options")
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    TASK_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    items: _containers.RepeatedCompositeFieldContainer[SetVariableItem]
    task_options: _common_pb2.TaskOptions
    def __init__(self, charger_id: _Optional[str] = ..., items: _Optional[_Iterable[_Union[SetVariableItem, _Mapping]]] = ..., task_options: _Optional[_Union[_common_pb2.TaskOptions, _Mapping]] = ...) -> None: ...

class SetVariableResult(_message.Message):
    __slots__ = ("key", "attribute_type", "status", "status_info")
    KEY_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTE_TYPE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STATUS_INFO_FIELD_NUMBER: _ClassVar[int]
    key: VariableKey
    attribute_type: str
    status: str
    status_info: str
    def __init__(self, key: _Optional[_Union[VariableKey, _Mapping]] = ..., attribute_type: _Optional[str] = ..., status: _Optional[str] = ..., status_info: _Optional[str] = ...) -> None: ...

class SetVariablesResponse(_message.Message):
    __slots__ = ("results", "task")
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[SetVariableResult]
    task: _common_pb2.TaskRef
    def __init__(self, results: _Optional[_Iterable[_Union[SetVariableResult, _Mapping]]] = ..., task: _Optional[_Union[_common_pb2.TaskRef, _Mapping]] = ...) -> None: ...

class GetBaseReportRequest(_message.Message):
    __slots__ = ("charger_id", "report_base", "task_options")
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    REPORT_BASE_FIELD_NUMBER: _ClassVar[int]
    TASK_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    report_base: str
    task_options: _common_pb2.TaskOptions
    def __init__(self, charger_id: _Optional[str] = ..., report_base: _Optional[str] = ..., task_options: _Optional[_Union[_common_pb2.TaskOptions, _Mapping]] = ...) -> None: ...

class GetReportRequest(_message.Message):
    __slots__ = ("charger_id", "component_variables", "component_criteria", "task_options")
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    COMPONENT_VARIABLES_FIELD_NUMBER: _ClassVar[int]
    COMPONENT_CRITERIA_FIELD_NUMBER: _ClassVar[int]
    TASK_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    component_variables: _containers.RepeatedCompositeFieldContainer[VariableKey]
    component_criteria: _containers.RepeatedScalarFieldContainer[str]
    task_options: _common_pb2.TaskOptions
    def __init__(self, charger_id: _Optional[str] = ..., component_variables: _Optional[_Iterable[_Union[VariableKey, _Mapping]]] = ..., component_criteria: _Optional[_Iterable[str]] = ..., task_options: _Optional[_Union[_common_pb2.TaskOptions, _Mapping]] = ...) -> None: ...

class GetReportResponse(_message.Message):
    __slots__ = ("status", "request_id", "status_info", "task")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_INFO_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    status: str
    request_id: int
    status_info: str
    task: _common_pb2.TaskRef
    def __init__(self, status: _Optional[str] = ..., request_id: _Optional[int] = ..., status_info: _Optional[str] = ..., task: _Optional[_Union[_common_pb2.TaskRef, _Mapping]] = ...) -> None: ...

class Monitor(_message.Message):
    __slots__ = ("id", "key", "type", "value", "severity", "transaction", "updated_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    TRANSACTION_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: int
    key: VariableKey
    type: str
    value: float
    severity: int
    transaction: bool
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[int] = ..., key: _Optional[_Union[VariableKey, _Mapping]] = ..., type: _Optional[str] = ..., value: _Optional[float] = ..., severity: _Optional[int] = ..., transaction: _Optional[bool] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListMonitorsRequest(_message.Message):
    __slots__ = ("charger_id",)
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    def __init__(self, charger_id: _Optional[str] = ...) -> None: ...

class ListMonitorsResponse(_message.Message):
    __slots__ = ("monitors",)
    MONITORS_FIELD_NUMBER: _ClassVar[int]
    monitors: _containers.RepeatedCompositeFieldContainer[Monitor]
    def __init__(self, monitors: _Optional[_Iterable[_Union[Monitor, _Mapping]]] = ...) -> None: ...

class SetMonitorItem(_message.Message):
    __slots__ = ("id", "key", "type", "value", "severity", "transaction")
    ID_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    TRANSACTION_FIELD_NUMBER: _ClassVar[int]
    id: int
    key: VariableKey
    type: str
    value: float
    severity: int
    transaction: bool
    def __init__(self, id: _Optional[int] = ..., key: _Optional[_Union[VariableKey, _Mapping]] = ..., type: _Optional[str] = ..., value: _Optional[float] = ..., severity: _Optional[int] = ..., transaction: _Optional[bool] = ...) -> None: ...

class SetVariableMonitoringRequest(_message.Message):
    __slots__ = ("charger_id", "items", "task_options")
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    TASK_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    items: _containers.RepeatedCompositeFieldContainer[SetMonitorItem]
    task_options: _common_pb2.TaskOptions
    def __init__(self, charger_id: _Optional[str] = ..., items: _Optional[_Iterable[_Union[SetMonitorItem, _Mapping]]] = ..., task_options: _Optional[_Union[_common_pb2.TaskOptions, _Mapping]] = ...) -> None: ...

class SetMonitorResult(_message.Message):
    __slots__ = ("id", "key", "type", "severity", "status", "status_info")
    ID_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STATUS_INFO_FIELD_NUMBER: _ClassVar[int]
    id: int
    key: VariableKey
    type: str
    severity: int
    status: str
    status_info: str
    def __init__(self, id: _Optional[int] = ..., key: _Optional[_Union[VariableKey, _Mapping]] = ..., type: _Optional[str] = ..., severity: _Optional[int] = ..., status: _Optional[str] = ..., status_info: _Optional[str] = ...) -> None: ...

class SetVariableMonitoringResponse(_message.Message):
    __slots__ = ("results", "task")
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[SetMonitorResult]
    task: _common_pb2.TaskRef
    def __init__(self, results: _Optional[_Iterable[_Union[SetMonitorResult, _Mapping]]] = ..., task: _Optional[_Union[_common_pb2.TaskRef, _Mapping]] = ...) -> None: ...

class ClearVariableMonitoringRequest(_message.Message):
    __slots__ = ("charger_id", "ids", "task_options")
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    IDS_FIELD_NUMBER: _ClassVar[int]
    TASK_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    ids: _containers.RepeatedScalarFieldContainer[int]
    task_options: _common_pb2.TaskOptions
    def __init__(self, charger_id: _Optional[str] = ..., ids: _Optional[_Iterable[int]] = ..., task_options: _Optional[_Union[_common_pb2.TaskOptions, _Mapping]] = ...) -> None: ...

class ClearMonitorResult(_message.Message):
    __slots__ = ("id", "status", "status_info")
    ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STATUS_INFO_FIELD_NUMBER: _ClassVar[int]
    id: int
    status: str
    status_info: str
    def __init__(self, id: _Optional[int] = ..., status: _Optional[str] = ..., status_info: _Optional[str] = ...) -> None: ...

class ClearVariableMonitoringResponse(_message.Message):
    __slots__ = ("results", "task")
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[ClearMonitorResult]
    task: _common_pb2.TaskRef
    def __init__(self, results: _Optional[_Iterable[_Union[ClearMonitorResult, _Mapping]]] = ..., task: _Optional[_Union[_common_pb2.TaskRef, _Mapping]] = ...) -> None: ...

class DeviceEvent(_message.Message):
    __slots__ = ("event_id", "timestamp", "trigger", "cause", "actual_value", "tech_code", "tech_info", "cleared", "transaction_id", "key", "variable_monitoring_id", "notification_type", "received_at")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_FIELD_NUMBER: _ClassVar[int]
    CAUSE_FIELD_NUMBER: _ClassVar[int]
    ACTUAL_VALUE_FIELD_NUMBER: _ClassVar[int]
    TECH_CODE_FIELD_NUMBER: _ClassVar[int]
    TECH_INFO_FIELD_NUMBER: _ClassVar[int]
    CLEARED_FIELD_NUMBER: _ClassVar[int]
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    VARIABLE_MONITORING_ID_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATION_TYPE_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_AT_FIELD_NUMBER: _ClassVar[int]
    event_id: int
    timestamp: _timestamp_pb2.Timestamp
    trigger: str
    cause: int
    actual_value: str
    tech_code: str
    tech_info: str
    cleared: bool
    transaction_id: str
    key: VariableKey
    variable_monitoring_id: int
    notification_type: str
    received_at: _timestamp_pb2.Timestamp
    def __init__(self, event_id: _Optional[int] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., trigger: _Optional[str] = ..., cause: _Optional[int] = ..., actual_value: _Optional[str] = ..., tech_code: _Optional[str] = ..., tech_info: _Optional[str] = ..., cleared: _Optional[bool] = ..., transaction_id: _Optional[str] = ..., key: _Optional[_Union[VariableKey, _Mapping]] = ..., variable_monitoring_id: _Optional[int] = ..., notification_type: _Optional[str] = ..., received_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListDeviceEventsRequest(_message.Message):
    __slots__ = ("charger_id", "page_size", "page_token")
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    page_size: int
    page_token: str
    def __init__(self, charger_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListDeviceEventsResponse(_message.Message):
    __slots__ = ("events", "next_page_token")
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[DeviceEvent]
    next_page_token: str
    def __init__(self, events: _Optional[_Iterable[_Union[DeviceEvent, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
