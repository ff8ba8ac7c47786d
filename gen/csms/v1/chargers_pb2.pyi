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

class ResetKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RESET_KIND_UNSPECIFIED: _ClassVar[ResetKind]
    RESET_KIND_SOFT: _ClassVar[ResetKind]
    RESET_KIND_HARD: _ClassVar[ResetKind]

class TriggerableMessage(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRIGGERABLE_MESSAGE_UNSPECIFIED: _ClassVar[TriggerableMessage]
    TRIGGERABLE_MESSAGE_BOOT_NOTIFICATION: _ClassVar[TriggerableMessage]
    TRIGGERABLE_MESSAGE_HEARTBEAT: _ClassVar[TriggerableMessage]
    TRIGGERABLE_MESSAGE_STATUS_NOTIFICATION: _ClassVar[TriggerableMessage]
    TRIGGERABLE_MESSAGE_METER_VALUES: _ClassVar[TriggerableMessage]
    TRIGGERABLE_MESSAGE_FIRMWARE_STATUS_NOTIFICATION: _ClassVar[TriggerableMessage]
    TRIGGERABLE_MESSAGE_DIAGNOSTICS_STATUS_NOTIFICATION: _ClassVar[TriggerableMessage]
RESET_KIND_UNSPECIFIED: ResetKind
RESET_KIND_SOFT: ResetKind
RESET_KIND_HARD: ResetKind
TRIGGERABLE_MESSAGE_UNSPECIFIED: TriggerableMessage
TRIGGERABLE_MESSAGE_BOOT_NOTIFICATION: TriggerableMessage
TRIGGERABLE_MESSAGE_HEARTBEAT: TriggerableMessage
TRIGGERABLE_MESSAGE_STATUS_NOTIFICATION: TriggerableMessage
TRIGGERABLE_MESSAGE_METER_VALUES: TriggerableMessage
TRIGGERABLE_MESSAGE_FIRMWARE_STATUS_NOTIFICATION: TriggerableMessage
TRIGGERABLE_MESSAGE_DIAGNOSTICS_STATUS_NOTIFICATION: TriggerableMessage

class Connector(_message.Message):
    __slots__ = ("evse_id", "connector_id", "status", "error_code", "info", "vendor_error_code", "updated_at")
    EVSE_ID_FIELD_NUMBER: _ClassVar[int]
    CONNECTOR_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ERROR_CODE_FIELD_NUMBER: _ClassVar[int]
    INFO_FIELD_NUMBER: _ClassVar[int]
    VENDOR_ERROR_CODE_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    evse_id: int
    connector_id: int
    status: str
    error_code: str
    info: str
    vendor_error_code: str
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, evse_id: _Optional[int] = ..., connector_id: _Optional[int] = ..., status: _Optional[str] = ..., error_code: _Optional[str] = ..., info: _Optional[str] = ..., vendor_error_code: _Optional[str] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Charger(_message.Message):
    __slots__ = ("charger_id", "vendor", "model", "serial_number", "firmware_version", "ocpp_version", "registered_at", "last_boot_at", "last_seen_at", "connected", "node_id", "connectors", "boot_status")
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    VENDOR_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    SERIAL_NUMBER_FIELD_NUMBER: _ClassVar[int]
    FIRMWARE_VERSION_FIELD_NUMBER: _ClassVar[int]
    OCPP_VERSION_FIELD_NUMBER: _ClassVar[int]
    REGISTERED_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_BOOT_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_SEEN_AT_FIELD_NUMBER: _ClassVar[int]
    CONNECTED_FIELD_NUMBER: _ClassVar[int]
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    CONNECTORS_FIELD_NUMBER: _ClassVar[int]
    BOOT_STATUS_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    vendor: str
    model: str
    serial_number: str
    firmware_version: str
    ocpp_version: _common_pb2.OcppVersion
    registered_at: _timestamp_pb2.Timestamp
    last_boot_at: _timestamp_pb2.Timestamp
    last_seen_at: _timestamp_pb2.Timestamp
    connected: bool
    node_id: str
    connectors: _containers.RepeatedCompositeFieldContainer[Connector]
    boot_status: str
    def __init__(self, charger_id: _Optional[str] = ..., vendor: _Optional[str] = ..., model: _Optional[str] = ..., serial_number: _Optional[str] = ..., firmware_version: _Optional[str] = ..., ocpp_version: _Optional[_Union[_common_pb2.OcppVersion, str]] = ..., registered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_boot_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_seen_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., connected: _Optional[bool] = ..., node_id: _Optional[str] = ..., connectors: _Optional[_Iterable[_Union[Connector, _Mapping]]] = ..., boot_status: _Optional[str] = ...) -> None: ...

class ListChargersRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "status", "connected")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CONNECTED_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    status: str
    connected: bool
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., status: _Optional[str] = ..., connected: _Optional[bool] = ...) -> None: ...

class ListChargersResponse(_message.Message):
    __slots__ = ("chargers", "next_page_token")
    CHARGERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    chargers: _containers.RepeatedCompositeFieldContainer[Charger]
    next_page_token: str
    def __init__(self, chargers: _Optional[_Iterable[_Union[Charger, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetChargerRequest(_message.Message):
    __slots__ = ("charger_id",)
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    def __init__(self, charger_id: _Optional[str] = ...) -> None: ...

class ResetRequest(_message.Message):
    __slots__ = ("charger_id", "kind", "evse_id")
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    EVSE_ID_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    kind: ResetKind
    evse_id: int
    def __init__(self, charger_id: _Optional[str] = ..., kind: _Optional[_Union[ResetKind, str]] = ..., evse_id: _Optional[int] = ...) -> None: ...

class ResetResponse(_message.Message):
    __slots__ = ("status",)
    STATUS_FIELD_NUMBER: _ClassVar[int]
    status: str
    def __init__(self, status: _Optional[str] = ...) -> None: ...

class TriggerMessageRequest(_message.Message):
    __slots__ = ("charger_id", "requested_message", "connector_id")
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    CONNECTOR_ID_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    requested_message: TriggerableMessage
    connector_id: int
    def __init__(self, charger_id: _Optional[str] = ..., requested_message: _Optional[_Union[TriggerableMessage, str]] = ..., connector_id: _Optional[int] = ...) -> None: ...

class TriggerMessageResponse(_message.Message):
    __slots__ = ("status",)
    STATUS_FIELD_NUMBER: _ClassVar[int]
    status: str
    def __init__(self, status: _Optional[str] = ...) -> None: ...

class GetConfigurationRequest(_message.Message):
    __slots__ = ("charger_id", "keys")
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    KEYS_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    keys: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, charger_id: _Optional[str] = ..., keys: _Optional[_Iterable[str]] = ...) -> None: ...

class ConfigurationEntry(_message.Message):
    __slots__ = ("key", "value", "readonly")
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    READONLY_FIELD_NUMBER: _ClassVar[int]
    key: str
    value: str
    readonly: bool
    def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ..., readonly: _Optional[bool] = ...) -> None: ...

class GetConfigurationResponse(_message.Message):
    __slots__ = ("entries", "unknown_keys")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    UNKNOWN_KEYS_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[ConfigurationEntry]
    unknown_keys: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, entries: _Optional[_Iterable[_Union[ConfigurationEntry, _Mapping]]] = ..., unknown_keys: _Optional[_Iterable[str]] = ...) -> None: ...

class ChangeConfigurationRequest(_message.Message):
    __slots__ = ("charger_id", "key", "value")
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    key: str
    value: str
    def __init__(self, charger_id: _Optional[str] = ..., key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...

class ChangeConfigurationResponse(_message.Message):
    __slots__ = ("status",)
    STATUS_FIELD_NUMBER: _ClassVar[int]
    status: str
    def __init__(self, status: _Optional[str] = ...) -> None: ...

class SendCallRequest(_message.Message):
    __slots__ = ("charger_id", "action", "payload_json")
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_JSON_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    action: str
    payload_json: str
    def __init__(self, charger_id: _Optional[str] = ..., action: _Optional[str] = ..., payload_json: _Optional[str] = ...) -> None: ...

class SendCallResponse(_message.Message):
    __slots__ = ("result_json", "ocpp_version")
    RESULT_JSON_FIELD_NUMBER: _ClassVar[int]
    OCPP_VERSION_FIELD_NUMBER: _ClassVar[int]
    result_json: str
    ocpp_version: _common_pb2.OcppVersion
    def __init__(self, result_json: _Optional[str] = ..., ocpp_version: _Optional[_Union[_common_pb2.OcppVersion, str]] = ...) -> None: ...
