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

class Transaction(_message.Message):
    __slots__ = ("transaction_id", "charger_id", "connector_id", "id_tag", "stop_id_tag", "meter_start_wh", "meter_stop_wh", "started_at", "stopped_at", "stop_reason", "energy_wh", "reservation_id", "active", "id_tag_status", "charger_transaction_id", "evse_id", "ocpp_version", "remote_start_id", "offline", "id_token_type", "charging_state")
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    CONNECTOR_ID_FIELD_NUMBER: _ClassVar[int]
    ID_TAG_FIELD_NUMBER: _ClassVar[int]
    STOP_ID_TAG_FIELD_NUMBER: _ClassVar[int]
    METER_START_WH_FIELD_NUMBER: _ClassVar[int]
    METER_STOP_WH_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    STOPPED_AT_FIELD_NUMBER: _ClassVar[int]
    STOP_REASON_FIELD_NUMBER: _ClassVar[int]
    ENERGY_WH_FIELD_NUMBER: _ClassVar[int]
    RESERVATION_ID_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    ID_TAG_STATUS_FIELD_NUMBER: _ClassVar[int]
    CHARGER_TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    EVSE_ID_FIELD_NUMBER: _ClassVar[int]
    OCPP_VERSION_FIELD_NUMBER: _ClassVar[int]
    REMOTE_START_ID_FIELD_NUMBER: _ClassVar[int]
    OFFLINE_FIELD_NUMBER: _ClassVar[int]
    ID_TOKEN_TYPE_FIELD_NUMBER: _ClassVar[int]
    CHARGING_STATE_FIELD_NUMBER: _ClassVar[int]
    transaction_id: int
    charger_id: str
    connector_id: int
    id_tag: str
    stop_id_tag: str
    meter_start_wh: int
    meter_stop_wh: int
    started_at: _timestamp_pb2.Timestamp
    stopped_at: _timestamp_pb2.Timestamp
    stop_reason: str
    energy_wh: float
    reservation_id: int
    active: bool
    id_tag_status: str
    charger_transaction_id: str
    evse_id: int
    ocpp_version: _common_pb2.OcppVersion
    remote_start_id: int
    offline: bool
    id_token_type: str
    charging_state: str
    def __init__(self, transaction_id: _Optional[int] = ..., charger_id: _Optional[str] = ..., connector_id: _Optional[int] = ..., id_tag: _Optional[str] = ..., stop_id_tag: _Optional[str] = ..., meter_start_wh: _Optional[int] = ..., meter_stop_wh: _Optional[int] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., stopped_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., stop_reason: _Optional[str] = ..., energy_wh: _Optional[float] = ..., reservation_id: _Optional[int] = ..., active: _Optional[bool] = ..., id_tag_status: _Optional[str] = ..., charger_transaction_id: _Optional[str] = ..., evse_id: _Optional[int] = ..., ocpp_version: _Optional[_Union[_common_pb2.OcppVersion, str]] = ..., remote_start_id: _Optional[int] = ..., offline: _Optional[bool] = ..., id_token_type: _Optional[str] = ..., charging_state: _Optional[str] = ...) -> None: ...

class ListTransactionsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "charger_id", "id_tag", "started_after", "started_before", "active", "charger_transaction_id", "remote_start_id")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    ID_TAG_FIELD_NUMBER: _ClassVar[int]
    STARTED_AFTER_FIELD_NUMBER: _ClassVar[int]
    STARTED_BEFORE_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    CHARGER_TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    REMOTE_START_ID_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    charger_id: str
    id_tag: str
    started_after: _timestamp_pb2.Timestamp
    started_before: _timestamp_pb2.Timestamp
    active: bool
    charger_transaction_id: str
    remote_start_id: int
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., charger_id: _Optional[str] = ..., id_tag: _Optional[str] = ..., started_after: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., started_before: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., active: _Optional[bool] = ..., charger_transaction_id: _Optional[str] = ..., remote_start_id: _Optional[int] = ...) -> None: ...

class ListTransactionsResponse(_message.Message):
    __slots__ = ("transactions", "next_page_token")
    TRANSACTIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    transactions: _containers.RepeatedCompositeFieldContainer[Transaction]
    next_page_token: str
    def __init__(self, transactions: _Optional[_Iterable[_Union[Transaction, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetTransactionRequest(_message.Message):
    __slots__ = ("transaction_id",)
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    transaction_id: int
    def __init__(self, transaction_id: _Optional[int] = ...) -> None: ...

class MeterValue(_message.Message):
    __slots__ = ("timestamp", "value", "measurand", "phase", "unit", "context", "location", "format", "connector_id", "transaction_id", "signed_data")
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    MEASURAND_FIELD_NUMBER: _ClassVar[int]
    PHASE_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    CONNECTOR_ID_FIELD_NUMBER: _ClassVar[int]
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    SIGNED_DATA_FIELD_NUMBER: _ClassVar[int]
    timestamp: _timestamp_pb2.Timestamp
    value: str
    measurand: str
    phase: str
    unit: str
    context: str
    location: str
    format: str
    connector_id: int
    transaction_id: int
    signed_data: str
    def __init__(self, timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., value: _Optional[str] = ..., measurand: _Optional[str] = ..., phase: _Optional[str] = ..., unit: _Optional[str] = ..., context: _Optional[str] = ..., location: _Optional[str] = ..., format: _Optional[str] = ..., connector_id: _Optional[int] = ..., transaction_id: _Optional[int] = ..., signed_data: _Optional[str] = ...) -> None: ...

class ListMeterValuesRequest(_message.Message):
    __slots__ = ("transaction_id", "page_size", "page_token", "measurand")
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    MEASURAND_FIELD_NUMBER: _ClassVar[int]
    transaction_id: int
    page_size: int
    page_token: str
    measurand: str
    def __init__(self, transaction_id: _Optional[int] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., measurand: _Optional[str] = ...) -> None: ...

class ListMeterValuesResponse(_message.Message):
    __slots__ = ("meter_values", "next_page_token")
    METER_VALUES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    meter_values: _containers.RepeatedCompositeFieldContainer[MeterValue]
    next_page_token: str
    def __init__(self, meter_values: _Optional[_Iterable[_Union[MeterValue, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
