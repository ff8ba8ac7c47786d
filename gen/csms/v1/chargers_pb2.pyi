import datetime

from csms.v1 import common_pb2 as _common_pb2
from csms.v1 import smart_charging_pb2 as _smart_charging_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RegistrationStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REGISTRATION_STATUS_UNSPECIFIED: _ClassVar[RegistrationStatus]
    REGISTRATION_STATUS_ACCEPTED: _ClassVar[RegistrationStatus]
    REGISTRATION_STATUS_PENDING: _ClassVar[RegistrationStatus]
    REGISTRATION_STATUS_REJECTED: _ClassVar[RegistrationStatus]

class ResetKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RESET_KIND_UNSPECIFIED: _ClassVar[ResetKind]
    RESET_KIND_SOFT: _ClassVar[ResetKind]
    RESET_KIND_HARD: _ClassVar[ResetKind]
    RESET_KIND_IMMEDIATE: _ClassVar[ResetKind]
    RESET_KIND_ON_IDLE: _ClassVar[ResetKind]

class TriggerableMessage(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRIGGERABLE_MESSAGE_UNSPECIFIED: _ClassVar[TriggerableMessage]
    TRIGGERABLE_MESSAGE_BOOT_NOTIFICATION: _ClassVar[TriggerableMessage]
    TRIGGERABLE_MESSAGE_HEARTBEAT: _ClassVar[TriggerableMessage]
    TRIGGERABLE_MESSAGE_STATUS_NOTIFICATION: _ClassVar[TriggerableMessage]
    TRIGGERABLE_MESSAGE_METER_VALUES: _ClassVar[TriggerableMessage]
    TRIGGERABLE_MESSAGE_FIRMWARE_STATUS_NOTIFICATION: _ClassVar[TriggerableMessage]
    TRIGGERABLE_MESSAGE_DIAGNOSTICS_STATUS_NOTIFICATION: _ClassVar[TriggerableMessage]
    TRIGGERABLE_MESSAGE_LOG_STATUS_NOTIFICATION: _ClassVar[TriggerableMessage]
    TRIGGERABLE_MESSAGE_SIGN_CHARGER_CERTIFICATE: _ClassVar[TriggerableMessage]
    TRIGGERABLE_MESSAGE_TRANSACTION_EVENT: _ClassVar[TriggerableMessage]
    TRIGGERABLE_MESSAGE_SIGN_V2G_CERTIFICATE: _ClassVar[TriggerableMessage]
    TRIGGERABLE_MESSAGE_SIGN_COMBINED_CERTIFICATE: _ClassVar[TriggerableMessage]
    TRIGGERABLE_MESSAGE_PUBLISH_FIRMWARE_STATUS_NOTIFICATION: _ClassVar[TriggerableMessage]

class AvailabilityKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AVAILABILITY_KIND_UNSPECIFIED: _ClassVar[AvailabilityKind]
    AVAILABILITY_KIND_OPERATIVE: _ClassVar[AvailabilityKind]
    AVAILABILITY_KIND_INOPERATIVE: _ClassVar[AvailabilityKind]

class LogKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LOG_KIND_UNSPECIFIED: _ClassVar[LogKind]
    LOG_KIND_DIAGNOSTICS: _ClassVar[LogKind]
    LOG_KIND_SECURITY: _ClassVar[LogKind]

class LocalListUpdate(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LOCAL_LIST_UPDATE_UNSPECIFIED: _ClassVar[LocalListUpdate]
    LOCAL_LIST_UPDATE_FULL: _ClassVar[LocalListUpdate]
    LOCAL_LIST_UPDATE_DIFFERENTIAL: _ClassVar[LocalListUpdate]

class CertificateUse(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CERTIFICATE_USE_UNSPECIFIED: _ClassVar[CertificateUse]
    CERTIFICATE_USE_CENTRAL_SYSTEM_ROOT: _ClassVar[CertificateUse]
    CERTIFICATE_USE_MANUFACTURER_ROOT: _ClassVar[CertificateUse]
    CERTIFICATE_USE_V2G_ROOT: _ClassVar[CertificateUse]
    CERTIFICATE_USE_MO_ROOT: _ClassVar[CertificateUse]
    CERTIFICATE_USE_V2G_CERTIFICATE_CHAIN: _ClassVar[CertificateUse]

class CertificateSigningUse(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CERTIFICATE_SIGNING_USE_UNSPECIFIED: _ClassVar[CertificateSigningUse]
    CERTIFICATE_SIGNING_USE_CHARGING_STATION: _ClassVar[CertificateSigningUse]
    CERTIFICATE_SIGNING_USE_V2G: _ClassVar[CertificateSigningUse]

class ChargerRequestKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CHARGER_REQUEST_KIND_UNSPECIFIED: _ClassVar[ChargerRequestKind]
    CHARGER_REQUEST_KIND_FIRMWARE: _ClassVar[ChargerRequestKind]
    CHARGER_REQUEST_KIND_LOG: _ClassVar[ChargerRequestKind]
    CHARGER_REQUEST_KIND_CUSTOMER_INFORMATION: _ClassVar[ChargerRequestKind]
    CHARGER_REQUEST_KIND_DISPLAY_MESSAGES: _ClassVar[ChargerRequestKind]
REGISTRATION_STATUS_UNSPECIFIED: RegistrationStatus
REGISTRATION_STATUS_ACCEPTED: RegistrationStatus
REGISTRATION_STATUS_PENDING: RegistrationStatus
REGISTRATION_STATUS_REJECTED: RegistrationStatus
RESET_KIND_UNSPECIFIED: ResetKind
RESET_KIND_SOFT: ResetKind
RESET_KIND_HARD: ResetKind
RESET_KIND_IMMEDIATE: ResetKind
RESET_KIND_ON_IDLE: ResetKind
TRIGGERABLE_MESSAGE_UNSPECIFIED: TriggerableMessage
TRIGGERABLE_MESSAGE_BOOT_NOTIFICATION: TriggerableMessage
TRIGGERABLE_MESSAGE_HEARTBEAT: TriggerableMessage
TRIGGERABLE_MESSAGE_STATUS_NOTIFICATION: TriggerableMessage
TRIGGERABLE_MESSAGE_METER_VALUES: TriggerableMessage
TRIGGERABLE_MESSAGE_FIRMWARE_STATUS_NOTIFICATION: TriggerableMessage
TRIGGERABLE_MESSAGE_DIAGNOSTICS_STATUS_NOTIFICATION: TriggerableMessage
TRIGGERABLE_MESSAGE_LOG_STATUS_NOTIFICATION: TriggerableMessage
TRIGGERABLE_MESSAGE_SIGN_CHARGER_CERTIFICATE: TriggerableMessage
TRIGGERABLE_MESSAGE_TRANSACTION_EVENT: TriggerableMessage
TRIGGERABLE_MESSAGE_SIGN_V2G_CERTIFICATE: TriggerableMessage
TRIGGERABLE_MESSAGE_SIGN_COMBINED_CERTIFICATE: TriggerableMessage
TRIGGERABLE_MESSAGE_PUBLISH_FIRMWARE_STATUS_NOTIFICATION: TriggerableMessage
AVAILABILITY_KIND_UNSPECIFIED: AvailabilityKind
AVAILABILITY_KIND_OPERATIVE: AvailabilityKind
AVAILABILITY_KIND_INOPERATIVE: AvailabilityKind
LOG_KIND_UNSPECIFIED: LogKind
LOG_KIND_DIAGNOSTICS: LogKind
LOG_KIND_SECURITY: LogKind
LOCAL_LIST_UPDATE_UNSPECIFIED: LocalListUpdate
LOCAL_LIST_UPDATE_FULL: LocalListUpdate
LOCAL_LIST_UPDATE_DIFFERENTIAL: LocalListUpdate
CERTIFICATE_USE_UNSPECIFIED: CertificateUse
CERTIFICATE_USE_CENTRAL_SYSTEM_ROOT: CertificateUse
CERTIFICATE_USE_MANUFACTURER_ROOT: CertificateUse
CERTIFICATE_USE_V2G_ROOT: CertificateUse
CERTIFICATE_USE_MO_ROOT: CertificateUse
CERTIFICATE_USE_V2G_CERTIFICATE_CHAIN: CertificateUse
CERTIFICATE_SIGNING_USE_UNSPECIFIED: CertificateSigningUse
CERTIFICATE_SIGNING_USE_CHARGING_STATION: CertificateSigningUse
CERTIFICATE_SIGNING_USE_V2G: CertificateSigningUse
CHARGER_REQUEST_KIND_UNSPECIFIED: ChargerRequestKind
CHARGER_REQUEST_KIND_FIRMWARE: ChargerRequestKind
CHARGER_REQUEST_KIND_LOG: ChargerRequestKind
CHARGER_REQUEST_KIND_CUSTOMER_INFORMATION: ChargerRequestKind
CHARGER_REQUEST_KIND_DISPLAY_MESSAGES: ChargerRequestKind

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
    __slots__ = ("charger_id", "vendor", "model", "serial_number", "firmware_version", "ocpp_version", "registered_at", "last_boot_at", "last_seen_at", "connected", "node_id", "connectors", "boot_status", "firmware_status", "diagnostics_status", "log_status", "local_list_version", "location_id", "security_profile", "registration_status", "description", "has_password", "retired_at", "password_rotation_pending")
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
    FIRMWARE_STATUS_FIELD_NUMBER: _ClassVar[int]
    DIAGNOSTICS_STATUS_FIELD_NUMBER: _ClassVar[int]
    LOG_STATUS_FIELD_NUMBER: _ClassVar[int]
    LOCAL_LIST_VERSION_FIELD_NUMBER: _ClassVar[int]
    LOCATION_ID_FIELD_NUMBER: _ClassVar[int]
    SECURITY_PROFILE_FIELD_NUMBER: _ClassVar[int]
    REGISTRATION_STATUS_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    HAS_PASSWORD_FIELD_NUMBER: _ClassVar[int]
    RETIRED_AT_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_ROTATION_PENDING_FIELD_NUMBER: _ClassVar[int]
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
    firmware_status: str
    diagnostics_status: str
    log_status: str
    local_list_version: int
    location_id: str
    security_profile: int
    registration_status: RegistrationStatus
    description: str
    has_password: bool
    retired_at: _timestamp_pb2.Timestamp
    password_rotation_pending: bool
    def __init__(self, charger_id: _Optional[str] = ..., vendor: _Optional[str] = ..., model: _Optional[str] = ..., serial_number: _Optional[str] = ..., firmware_version: _Optional[str] = ..., ocpp_version: _Optional[_Union[_common_pb2.OcppVersion, str]] = ..., registered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_boot_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_seen_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., connected: _Optional[bool] = ..., node_id: _Optional[str] = ..., connectors: _Optional[_Iterable[_Union[Connector, _Mapping]]] = ..., boot_status: _Optional[str] = ..., firmware_status: _Optional[str] = ..., diagnostics_status: _Optional[str] = ..., log_status: _Optional[str] = ..., local_list_version: _Optional[int] = ..., location_id: _Optional[str] = ..., security_profile: _Optional[int] = ..., registration_status: _Optional[_Union[RegistrationStatus, str]] = ..., description: _Optional[str] = ..., has_password: _Optional[bool] = ..., retired_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., password_rotation_pending: _Optional[bool] = ...) -> None: ...

class CreateChargerRequest(_message.Message):
    __slots__ = ("charger_id", "security_profile", "password", "description", "location_id", "registration_status")
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    SECURITY_PROFILE_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    LOCATION_ID_FIELD_NUMBER: _ClassVar[int]
    REGISTRATION_STATUS_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    security_profile: int
    password: str
    description: str
    location_id: str
    registration_status: RegistrationStatus
    def __init__(self, charger_id: _Optional[str] = ..., security_profile: _Optional[int] = ..., password: _Optional[str] = ..., description: _Optional[str] = ..., location_id: _Optional[str] = ..., registration_status: _Optional[_Union[RegistrationStatus, str]] = ...) -> None: ...

class UpdateChargerRequest(_message.Message):
    __slots__ = ("charger_id", "security_profile", "password", "description", "location_id", "registration_status", "update_mask")
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    SECURITY_PROFILE_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    LOCATION_ID_FIELD_NUMBER: _ClassVar[int]
    REGISTRATION_STATUS_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    security_profile: int
    password: str
    description: str
    location_id: str
    registration_status: RegistrationStatus
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, charger_id: _Optional[str] = ..., security_profile: _Optional[int] = ..., password: _Optional[str] = ..., description: _Optional[str] = ..., location_id: _Optional[str] = ..., registration_status: _Optional[_Union[RegistrationStatus, str]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class RotateChargerPasswordRequest(_message.Message):
    __slots__ = ("charger_id", "password", "task_options")
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    TASK_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    password: str
    task_options: _common_pb2.TaskOptions
    def __init__(self, charger_id: _Optional[str] = ..., password: _Optional[str] = ..., task_options: _Optional[_Union[_common_pb2.TaskOptions, _Mapping]] = ...) -> None: ...

class RotateChargerPasswordResponse(_message.Message):
    __slots__ = ("status", "password", "task")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    status: str
    password: str
    task: _common_pb2.TaskRef
    def __init__(self, status: _Optional[str] = ..., password: _Optional[str] = ..., task: _Optional[_Union[_common_pb2.TaskRef, _Mapping]] = ...) -> None: ...

class SetSecurityProfileRequest(_message.Message):
    __slots__ = ("charger_id", "security_profile", "configuration_slot", "task_options")
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    SECURITY_PROFILE_FIELD_NUMBER: _ClassVar[int]
    CONFIGURATION_SLOT_FIELD_NUMBER: _ClassVar[int]
    TASK_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    security_profile: int
    configuration_slot: int
    task_options: _common_pb2.TaskOptions
    def __init__(self, charger_id: _Optional[str] = ..., security_profile: _Optional[int] = ..., configuration_slot: _Optional[int] = ..., task_options: _Optional[_Union[_common_pb2.TaskOptions, _Mapping]] = ...) -> None: ...

class SetSecurityProfileResponse(_message.Message):
    __slots__ = ("status", "security_profile", "task")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SECURITY_PROFILE_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    status: str
    security_profile: int
    task: _common_pb2.TaskRef
    def __init__(self, status: _Optional[str] = ..., security_profile: _Optional[int] = ..., task: _Optional[_Union[_common_pb2.TaskRef, _Mapping]] = ...) -> None: ...

class DeleteChargerRequest(_message.Message):
    __slots__ = ("charger_id",)
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    def __init__(self, charger_id: _Optional[str] = ...) -> None: ...

class RestoreChargerRequest(_message.Message):
    __slots__ = ("charger_id",)
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    def __init__(self, charger_id: _Optional[str] = ...) -> None: ...

class ListChargersRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "status", "connected", "retired")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CONNECTED_FIELD_NUMBER: _ClassVar[int]
    RETIRED_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    status: str
    connected: bool
    retired: bool
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., status: _Optional[str] = ..., connected: _Optional[bool] = ..., retired: _Optional[bool] = ...) -> None: ...

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
    __slots__ = ("charger_id", "kind", "evse_id", "task_options")
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    EVSE_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    kind: ResetKind
    evse_id: int
    task_options: _common_pb2.TaskOptions
    def __init__(self, charger_id: _Optional[str] = ..., kind: _Optional[_Union[ResetKind, str]] = ..., evse_id: _Optional[int] = ..., task_options: _Optional[_Union[_common_pb2.TaskOptions, _Mapping]] = ...) -> None: ...

class ResetResponse(_message.Message):
    __slots__ = ("status", "reason", "task")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    status: str
    reason: str
    task: _common_pb2.TaskRef
    def __init__(self, status: _Optional[str] = ..., reason: _Optional[str] = ..., task: _Optional[_Union[_common_pb2.TaskRef, _Mapping]] = ...) -> None: ...

class TriggerMessageRequest(_message.Message):
    __slots__ = ("charger_id", "requested_message", "connector_id", "extended", "evse_connector_id", "task_options")
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    CONNECTOR_ID_FIELD_NUMBER: _ClassVar[int]
    EXTENDED_FIELD_NUMBER: _ClassVar[int]
    EVSE_CONNECTOR_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    requested_message: TriggerableMessage
    connector_id: int
    extended: bool
    evse_connector_id: int
    task_options: _common_pb2.TaskOptions
    def __init__(self, charger_id: _Optional[str] = ..., requested_message: _Optional[_Union[TriggerableMessage, str]] = ..., connector_id: _Optional[int] = ..., extended: _Optional[bool] = ..., evse_connector_id: _Optional[int] = ..., task_options: _Optional[_Union[_common_pb2.TaskOptions, _Mapping]] = ...) -> None: ...

class TriggerMessageResponse(_message.Message):
    __slots__ = ("status", "task")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    status: str
    task: _common_pb2.TaskRef
    def __init__(self, status: _Optional[str] = ..., task: _Optional[_Union[_common_pb2.TaskRef, _Mapping]] = ...) -> None: ...

class GetConfigurationRequest(_message.Message):
    __slots__ = ("charger_id", "keys", "task_options")
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    KEYS_FIELD_NUMBER: _ClassVar[int]
    TASK_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    keys: _containers.RepeatedScalarFieldContainer[str]
    task_options: _common_pb2.TaskOptions
    def __init__(self, charger_id: _Optional[str] = ..., keys: _Optional[_Iterable[str]] = ..., task_options: _Optional[_Union[_common_pb2.TaskOptions, _Mapping]] = ...) -> None: ...

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
    __slots__ = ("entries", "unknown_keys", "task")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    UNKNOWN_KEYS_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[ConfigurationEntry]
    unknown_keys: _containers.RepeatedScalarFieldContainer[str]
    task: _common_pb2.TaskRef
    def __init__(self, entries: _Optional[_Iterable[_Union[ConfigurationEntry, _Mapping]]] = ..., unknown_keys: _Optional[_Iterable[str]] = ..., task: _Optional[_Union[_common_pb2.TaskRef, _Mapping]] = ...) -> None: ...

class ChangeConfigurationRequest(_message.Message):
    __slots__ = ("charger_id", "key", "value", "task_options")
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    TASK_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    key: str
    value: str
    task_options: _common_pb2.TaskOptions
    def __init__(self, charger_id: _Optional[str] = ..., key: _Optional[str] = ..., value: _Optional[str] = ..., task_options: _Optional[_Union[_common_pb2.TaskOptions, _Mapping]] = ...) -> None: ...

class ChangeConfigurationResponse(_message.Message):
    __slots__ = ("status", "task")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    status: str
    task: _common_pb2.TaskRef
    def __init__(self, status: _Optional[str] = ..., task: _Optional[_Union[_common_pb2.TaskRef, _Mapping]] = ...) -> None: ...

class SendCallRequest(_message.Message):
    __slots__ = ("charger_id", "action", "payload_json", "task_options")
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_JSON_FIELD_NUMBER: _ClassVar[int]
    TASK_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    action: str
    payload_json: str
    task_options: _common_pb2.TaskOptions
    def __init__(self, charger_id: _Optional[str] = ..., action: _Optional[str] = ..., payload_json: _Optional[str] = ..., task_options: _Optional[_Union[_common_pb2.TaskOptions, _Mapping]] = ...) -> None: ...

class SendCallResponse(_message.Message):
    __slots__ = ("result_json", "ocpp_version", "recorded", "unrecorded_reason", "task")
    RESULT_JSON_FIELD_NUMBER: _ClassVar[int]
    OCPP_VERSION_FIELD_NUMBER: _ClassVar[int]
    RECORDED_FIELD_NUMBER: _ClassVar[int]
    UNRECORDED_REASON_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    result_json: str
    ocpp_version: _common_pb2.OcppVersion
    recorded: bool
    unrecorded_reason: str
    task: _common_pb2.TaskRef
    def __init__(self, result_json: _Optional[str] = ..., ocpp_version: _Optional[_Union[_common_pb2.OcppVersion, str]] = ..., recorded: _Optional[bool] = ..., unrecorded_reason: _Optional[str] = ..., task: _Optional[_Union[_common_pb2.TaskRef, _Mapping]] = ...) -> None: ...

class StartChargingRequest(_message.Message):
    __slots__ = ("charger_id", "connector_id", "id_tag", "charging_profile", "task_options")
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    CONNECTOR_ID_FIELD_NUMBER: _ClassVar[int]
    ID_TAG_FIELD_NUMBER: _ClassVar[int]
    CHARGING_PROFILE_FIELD_NUMBER: _ClassVar[int]
    TASK_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    connector_id: int
    id_tag: str
    charging_profile: _smart_charging_pb2.ChargingProfile
    task_options: _common_pb2.TaskOptions
    def __init__(self, charger_id: _Optional[str] = ..., connector_id: _Optional[int] = ..., id_tag: _Optional[str] = ..., charging_profile: _Optional[_Union[_smart_charging_pb2.ChargingProfile, _Mapping]] = ..., task_options: _Optional[_Union[_common_pb2.TaskOptions, _Mapping]] = ...) -> None: ...

class StartChargingResponse(_message.Message):
    __slots__ = ("status", "remote_start_id", "charger_transaction_id", "task")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REMOTE_START_ID_FIELD_NUMBER: _ClassVar[int]
    CHARGER_TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    status: str
    remote_start_id: int
    charger_transaction_id: str
    task: _common_pb2.TaskRef
    def __init__(self, status: _Optional[str] = ..., remote_start_id: _Optional[int] = ..., charger_transaction_id: _Optional[str] = ..., task: _Optional[_Union[_common_pb2.TaskRef, _Mapping]] = ...) -> None: ...

class StopChargingRequest(_message.Message):
    __slots__ = ("charger_id", "transaction_id", "task_options")
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    transaction_id: int
    task_options: _common_pb2.TaskOptions
    def __init__(self, charger_id: _Optional[str] = ..., transaction_id: _Optional[int] = ..., task_options: _Optional[_Union[_common_pb2.TaskOptions, _Mapping]] = ...) -> None: ...

class StopChargingResponse(_message.Message):
    __slots__ = ("status", "task")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    status: str
    task: _common_pb2.TaskRef
    def __init__(self, status: _Optional[str] = ..., task: _Optional[_Union[_common_pb2.TaskRef, _Mapping]] = ...) -> None: ...

class UnlockConnectorRequest(_message.Message):
    __slots__ = ("charger_id", "connector_id", "evse_id", "task_options")
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    CONNECTOR_ID_FIELD_NUMBER: _ClassVar[int]
    EVSE_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    connector_id: int
    evse_id: int
    task_options: _common_pb2.TaskOptions
    def __init__(self, charger_id: _Optional[str] = ..., connector_id: _Optional[int] = ..., evse_id: _Optional[int] = ..., task_options: _Optional[_Union[_common_pb2.TaskOptions, _Mapping]] = ...) -> None: ...

class UnlockConnectorResponse(_message.Message):
    __slots__ = ("status", "reason", "task")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    status: str
    reason: str
    task: _common_pb2.TaskRef
    def __init__(self, status: _Optional[str] = ..., reason: _Optional[str] = ..., task: _Optional[_Union[_common_pb2.TaskRef, _Mapping]] = ...) -> None: ...

class ChangeAvailabilityRequest(_message.Message):
    __slots__ = ("charger_id", "connector_id", "kind", "evse_id", "task_options")
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    CONNECTOR_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    EVSE_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    connector_id: int
    kind: AvailabilityKind
    evse_id: int
    task_options: _common_pb2.TaskOptions
    def __init__(self, charger_id: _Optional[str] = ..., connector_id: _Optional[int] = ..., kind: _Optional[_Union[AvailabilityKind, str]] = ..., evse_id: _Optional[int] = ..., task_options: _Optional[_Union[_common_pb2.TaskOptions, _Mapping]] = ...) -> None: ...

class ChangeAvailabilityResponse(_message.Message):
    __slots__ = ("status", "reason", "task")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    status: str
    reason: str
    task: _common_pb2.TaskRef
    def __init__(self, status: _Optional[str] = ..., reason: _Optional[str] = ..., task: _Optional[_Union[_common_pb2.TaskRef, _Mapping]] = ...) -> None: ...

class ClearCacheRequest(_message.Message):
    __slots__ = ("charger_id", "task_options")
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    task_options: _common_pb2.TaskOptions
    def __init__(self, charger_id: _Optional[str] = ..., task_options: _Optional[_Union[_common_pb2.TaskOptions, _Mapping]] = ...) -> None: ...

class ClearCacheResponse(_message.Message):
    __slots__ = ("status", "task")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    status: str
    task: _common_pb2.TaskRef
    def __init__(self, status: _Optional[str] = ..., task: _Optional[_Union[_common_pb2.TaskRef, _Mapping]] = ...) -> None: ...

class DataTransferRequest(_message.Message):
    __slots__ = ("charger_id", "vendor_id", "message_id", "data", "task_options")
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    VENDOR_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    TASK_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    vendor_id: str
    message_id: str
    data: str
    task_options: _common_pb2.TaskOptions
    def __init__(self, charger_id: _Optional[str] = ..., vendor_id: _Optional[str] = ..., message_id: _Optional[str] = ..., data: _Optional[str] = ..., task_options: _Optional[_Union[_common_pb2.TaskOptions, _Mapping]] = ...) -> None: ...

class DataTransferResponse(_message.Message):
    __slots__ = ("status", "data", "task")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    status: str
    data: str
    task: _common_pb2.TaskRef
    def __init__(self, status: _Optional[str] = ..., data: _Optional[str] = ..., task: _Optional[_Union[_common_pb2.TaskRef, _Mapping]] = ...) -> None: ...

class GetDiagnosticsRequest(_message.Message):
    __slots__ = ("charger_id", "location", "retries", "retry_interval", "start_time", "stop_time", "task_options")
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    RETRIES_FIELD_NUMBER: _ClassVar[int]
    RETRY_INTERVAL_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    STOP_TIME_FIELD_NUMBER: _ClassVar[int]
    TASK_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    location: str
    retries: int
    retry_interval: int
    start_time: _timestamp_pb2.Timestamp
    stop_time: _timestamp_pb2.Timestamp
    task_options: _common_pb2.TaskOptions
    def __init__(self, charger_id: _Optional[str] = ..., location: _Optional[str] = ..., retries: _Optional[int] = ..., retry_interval: _Optional[int] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., stop_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., task_options: _Optional[_Union[_common_pb2.TaskOptions, _Mapping]] = ...) -> None: ...

class GetDiagnosticsResponse(_message.Message):
    __slots__ = ("file_name", "task")
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    file_name: str
    task: _common_pb2.TaskRef
    def __init__(self, file_name: _Optional[str] = ..., task: _Optional[_Union[_common_pb2.TaskRef, _Mapping]] = ...) -> None: ...

class GetLogRequest(_message.Message):
    __slots__ = ("charger_id", "log_type", "request_id", "remote_location", "retries", "retry_interval", "oldest_timestamp", "latest_timestamp", "task_options")
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    LOG_TYPE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    REMOTE_LOCATION_FIELD_NUMBER: _ClassVar[int]
    RETRIES_FIELD_NUMBER: _ClassVar[int]
    RETRY_INTERVAL_FIELD_NUMBER: _ClassVar[int]
    OLDEST_TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    LATEST_TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    TASK_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    log_type: LogKind
    request_id: int
    remote_location: str
    retries: int
    retry_interval: int
    oldest_timestamp: _timestamp_pb2.Timestamp
    latest_timestamp: _timestamp_pb2.Timestamp
    task_options: _common_pb2.TaskOptions
    def __init__(self, charger_id: _Optional[str] = ..., log_type: _Optional[_Union[LogKind, str]] = ..., request_id: _Optional[int] = ..., remote_location: _Optional[str] = ..., retries: _Optional[int] = ..., retry_interval: _Optional[int] = ..., oldest_timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., latest_timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., task_options: _Optional[_Union[_common_pb2.TaskOptions, _Mapping]] = ...) -> None: ...

class GetLogResponse(_message.Message):
    __slots__ = ("status", "filename", "request_id", "task")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    status: str
    filename: str
    request_id: int
    task: _common_pb2.TaskRef
    def __init__(self, status: _Optional[str] = ..., filename: _Optional[str] = ..., request_id: _Optional[int] = ..., task: _Optional[_Union[_common_pb2.TaskRef, _Mapping]] = ...) -> None: ...

class UpdateFirmwareRequest(_message.Message):
    __slots__ = ("charger_id", "location", "retrieve_date", "retries", "retry_interval", "request_id", "install_date", "signing_certificate", "signature", "task_options")
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    RETRIEVE_DATE_FIELD_NUMBER: _ClassVar[int]
    RETRIES_FIELD_NUMBER: _ClassVar[int]
    RETRY_INTERVAL_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    INSTALL_DATE_FIELD_NUMBER: _ClassVar[int]
    SIGNING_CERTIFICATE_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    TASK_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    location: str
    retrieve_date: _timestamp_pb2.Timestamp
    retries: int
    retry_interval: int
    request_id: int
    install_date: _timestamp_pb2.Timestamp
    signing_certificate: str
    signature: str
    task_options: _common_pb2.TaskOptions
    def __init__(self, charger_id: _Optional[str] = ..., location: _Optional[str] = ..., retrieve_date: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., retries: _Optional[int] = ..., retry_interval: _Optional[int] = ..., request_id: _Optional[int] = ..., install_date: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., signing_certificate: _Optional[str] = ..., signature: _Optional[str] = ..., task_options: _Optional[_Union[_common_pb2.TaskOptions, _Mapping]] = ...) -> None: ...

class UpdateFirmwareResponse(_message.Message):
    __slots__ = ("status", "request_id", "task")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    status: str
    request_id: int
    task: _common_pb2.TaskRef
    def __init__(self, status: _Optional[str] = ..., request_id: _Optional[int] = ..., task: _Optional[_Union[_common_pb2.TaskRef, _Mapping]] = ...) -> None: ...

class SignedUpdateFirmwareRequest(_message.Message):
    __slots__ = ("charger_id", "request_id", "location", "retrieve_date", "install_date", "signing_certificate", "signature", "retries", "retry_interval", "task_options")
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    RETRIEVE_DATE_FIELD_NUMBER: _ClassVar[int]
    INSTALL_DATE_FIELD_NUMBER: _ClassVar[int]
    SIGNING_CERTIFICATE_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    RETRIES_FIELD_NUMBER: _ClassVar[int]
    RETRY_INTERVAL_FIELD_NUMBER: _ClassVar[int]
    TASK_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    request_id: int
    location: str
    retrieve_date: _timestamp_pb2.Timestamp
    install_date: _timestamp_pb2.Timestamp
    signing_certificate: str
    signature: str
    retries: int
    retry_interval: int
    task_options: _common_pb2.TaskOptions
    def __init__(self, charger_id: _Optional[str] = ..., request_id: _Optional[int] = ..., location: _Optional[str] = ..., retrieve_date: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., install_date: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., signing_certificate: _Optional[str] = ..., signature: _Optional[str] = ..., retries: _Optional[int] = ..., retry_interval: _Optional[int] = ..., task_options: _Optional[_Union[_common_pb2.TaskOptions, _Mapping]] = ...) -> None: ...

class SignedUpdateFirmwareResponse(_message.Message):
    __slots__ = ("status", "request_id", "task")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    status: str
    request_id: int
    task: _common_pb2.TaskRef
    def __init__(self, status: _Optional[str] = ..., request_id: _Optional[int] = ..., task: _Optional[_Union[_common_pb2.TaskRef, _Mapping]] = ...) -> None: ...

class ReserveNowRequest(_message.Message):
    __slots__ = ("charger_id", "connector_id", "expiry_date", "id_tag", "parent_id_tag", "task_options")
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    CONNECTOR_ID_FIELD_NUMBER: _ClassVar[int]
    EXPIRY_DATE_FIELD_NUMBER: _ClassVar[int]
    ID_TAG_FIELD_NUMBER: _ClassVar[int]
    PARENT_ID_TAG_FIELD_NUMBER: _ClassVar[int]
    TASK_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    connector_id: int
    expiry_date: _timestamp_pb2.Timestamp
    id_tag: str
    parent_id_tag: str
    task_options: _common_pb2.TaskOptions
    def __init__(self, charger_id: _Optional[str] = ..., connector_id: _Optional[int] = ..., expiry_date: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., id_tag: _Optional[str] = ..., parent_id_tag: _Optional[str] = ..., task_options: _Optional[_Union[_common_pb2.TaskOptions, _Mapping]] = ...) -> None: ...

class ReserveNowResponse(_message.Message):
    __slots__ = ("status", "reservation_id", "task")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    RESERVATION_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    status: str
    reservation_id: int
    task: _common_pb2.TaskRef
    def __init__(self, status: _Optional[str] = ..., reservation_id: _Optional[int] = ..., task: _Optional[_Union[_common_pb2.TaskRef, _Mapping]] = ...) -> None: ...

class CancelReservationRequest(_message.Message):
    __slots__ = ("charger_id", "reservation_id", "task_options")
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    RESERVATION_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    reservation_id: int
    task_options: _common_pb2.TaskOptions
    def __init__(self, charger_id: _Optional[str] = ..., reservation_id: _Optional[int] = ..., task_options: _Optional[_Union[_common_pb2.TaskOptions, _Mapping]] = ...) -> None: ...

class CancelReservationResponse(_message.Message):
    __slots__ = ("status", "task")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    status: str
    task: _common_pb2.TaskRef
    def __init__(self, status: _Optional[str] = ..., task: _Optional[_Union[_common_pb2.TaskRef, _Mapping]] = ...) -> None: ...

class LocalAuthorization(_message.Message):
    __slots__ = ("id_tag", "status", "expiry_date", "parent_id_tag")
    ID_TAG_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    EXPIRY_DATE_FIELD_NUMBER: _ClassVar[int]
    PARENT_ID_TAG_FIELD_NUMBER: _ClassVar[int]
    id_tag: str
    status: str
    expiry_date: _timestamp_pb2.Timestamp
    parent_id_tag: str
    def __init__(self, id_tag: _Optional[str] = ..., status: _Optional[str] = ..., expiry_date: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., parent_id_tag: _Optional[str] = ...) -> None: ...

class SendLocalListRequest(_message.Message):
    __slots__ = ("charger_id", "update_type", "entries", "list_version", "task_options")
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TYPE_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    LIST_VERSION_FIELD_NUMBER: _ClassVar[int]
    TASK_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    update_type: LocalListUpdate
    entries: _containers.RepeatedCompositeFieldContainer[LocalAuthorization]
    list_version: int
    task_options: _common_pb2.TaskOptions
    def __init__(self, charger_id: _Optional[str] = ..., update_type: _Optional[_Union[LocalListUpdate, str]] = ..., entries: _Optional[_Iterable[_Union[LocalAuthorization, _Mapping]]] = ..., list_version: _Optional[int] = ..., task_options: _Optional[_Union[_common_pb2.TaskOptions, _Mapping]] = ...) -> None: ...

class SendLocalListResponse(_message.Message):
    __slots__ = ("status", "list_version", "task")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    LIST_VERSION_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    status: str
    list_version: int
    task: _common_pb2.TaskRef
    def __init__(self, status: _Optional[str] = ..., list_version: _Optional[int] = ..., task: _Optional[_Union[_common_pb2.TaskRef, _Mapping]] = ...) -> None: ...

class GetLocalListVersionRequest(_message.Message):
    __slots__ = ("charger_id", "task_options")
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    task_options: _common_pb2.TaskOptions
    def __init__(self, charger_id: _Optional[str] = ..., task_options: _Optional[_Union[_common_pb2.TaskOptions, _Mapping]] = ...) -> None: ...

class GetLocalListVersionResponse(_message.Message):
    __slots__ = ("list_version", "task")
    LIST_VERSION_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    list_version: int
    task: _common_pb2.TaskRef
    def __init__(self, list_version: _Optional[int] = ..., task: _Optional[_Union[_common_pb2.TaskRef, _Mapping]] = ...) -> None: ...

class SetChargingProfileRequest(_message.Message):
    __slots__ = ("charger_id", "connector_id", "profile", "task_options")
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    CONNECTOR_ID_FIELD_NUMBER: _ClassVar[int]
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    TASK_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    connector_id: int
    profile: _smart_charging_pb2.ChargingProfile
    task_options: _common_pb2.TaskOptions
    def __init__(self, charger_id: _Optional[str] = ..., connector_id: _Optional[int] = ..., profile: _Optional[_Union[_smart_charging_pb2.ChargingProfile, _Mapping]] = ..., task_options: _Optional[_Union[_common_pb2.TaskOptions, _Mapping]] = ...) -> None: ...

class SetChargingProfileResponse(_message.Message):
    __slots__ = ("status", "reason", "task")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    status: str
    reason: str
    task: _common_pb2.TaskRef
    def __init__(self, status: _Optional[str] = ..., reason: _Optional[str] = ..., task: _Optional[_Union[_common_pb2.TaskRef, _Mapping]] = ...) -> None: ...

class ClearChargingProfileRequest(_message.Message):
    __slots__ = ("charger_id", "charging_profile_id", "connector_id", "purpose", "stack_level", "task_options")
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    CHARGING_PROFILE_ID_FIELD_NUMBER: _ClassVar[int]
    CONNECTOR_ID_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    STACK_LEVEL_FIELD_NUMBER: _ClassVar[int]
    TASK_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    charging_profile_id: int
    connector_id: int
    purpose: _smart_charging_pb2.ChargingProfilePurpose
    stack_level: int
    task_options: _common_pb2.TaskOptions
    def __init__(self, charger_id: _Optional[str] = ..., charging_profile_id: _Optional[int] = ..., connector_id: _Optional[int] = ..., purpose: _Optional[_Union[_smart_charging_pb2.ChargingProfilePurpose, str]] = ..., stack_level: _Optional[int] = ..., task_options: _Optional[_Union[_common_pb2.TaskOptions, _Mapping]] = ...) -> None: ...

class ClearChargingProfileResponse(_message.Message):
    __slots__ = ("status", "reason", "task")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    status: str
    reason: str
    task: _common_pb2.TaskRef
    def __init__(self, status: _Optional[str] = ..., reason: _Optional[str] = ..., task: _Optional[_Union[_common_pb2.TaskRef, _Mapping]] = ...) -> None: ...

class GetCompositeScheduleRequest(_message.Message):
    __slots__ = ("charger_id", "connector_id", "duration", "rate_unit", "task_options")
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    CONNECTOR_ID_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    RATE_UNIT_FIELD_NUMBER: _ClassVar[int]
    TASK_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    connector_id: int
    duration: int
    rate_unit: _smart_charging_pb2.ChargingRateUnit
    task_options: _common_pb2.TaskOptions
    def __init__(self, charger_id: _Optional[str] = ..., connector_id: _Optional[int] = ..., duration: _Optional[int] = ..., rate_unit: _Optional[_Union[_smart_charging_pb2.ChargingRateUnit, str]] = ..., task_options: _Optional[_Union[_common_pb2.TaskOptions, _Mapping]] = ...) -> None: ...

class GetCompositeScheduleResponse(_message.Message):
    __slots__ = ("status", "connector_id", "schedule_start", "schedule", "reason", "task")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CONNECTOR_ID_FIELD_NUMBER: _ClassVar[int]
    SCHEDULE_START_FIELD_NUMBER: _ClassVar[int]
    SCHEDULE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    status: str
    connector_id: int
    schedule_start: _timestamp_pb2.Timestamp
    schedule: _smart_charging_pb2.ChargingSchedule
    reason: str
    task: _common_pb2.TaskRef
    def __init__(self, status: _Optional[str] = ..., connector_id: _Optional[int] = ..., schedule_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., schedule: _Optional[_Union[_smart_charging_pb2.ChargingSchedule, _Mapping]] = ..., reason: _Optional[str] = ..., task: _Optional[_Union[_common_pb2.TaskRef, _Mapping]] = ...) -> None: ...

class ListChargingProfilesRequest(_message.Message):
    __slots__ = ("charger_id", "connector_id")
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    CONNECTOR_ID_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    connector_id: int
    def __init__(self, charger_id: _Optional[str] = ..., connector_id: _Optional[int] = ...) -> None: ...

class ListChargingProfilesResponse(_message.Message):
    __slots__ = ("profiles",)
    PROFILES_FIELD_NUMBER: _ClassVar[int]
    profiles: _containers.RepeatedCompositeFieldContainer[_smart_charging_pb2.InstalledChargingProfile]
    def __init__(self, profiles: _Optional[_Iterable[_Union[_smart_charging_pb2.InstalledChargingProfile, _Mapping]]] = ...) -> None: ...

class CertificateHashData(_message.Message):
    __slots__ = ("hash_algorithm", "issuer_name_hash", "issuer_key_hash", "serial_number")
    HASH_ALGORITHM_FIELD_NUMBER: _ClassVar[int]
    ISSUER_NAME_HASH_FIELD_NUMBER: _ClassVar[int]
    ISSUER_KEY_HASH_FIELD_NUMBER: _ClassVar[int]
    SERIAL_NUMBER_FIELD_NUMBER: _ClassVar[int]
    hash_algorithm: str
    issuer_name_hash: str
    issuer_key_hash: str
    serial_number: str
    def __init__(self, hash_algorithm: _Optional[str] = ..., issuer_name_hash: _Optional[str] = ..., issuer_key_hash: _Optional[str] = ..., serial_number: _Optional[str] = ...) -> None: ...

class InstallCertificateRequest(_message.Message):
    __slots__ = ("charger_id", "certificate_type", "certificate", "task_options")
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_TYPE_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_FIELD_NUMBER: _ClassVar[int]
    TASK_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    certificate_type: CertificateUse
    certificate: str
    task_options: _common_pb2.TaskOptions
    def __init__(self, charger_id: _Optional[str] = ..., certificate_type: _Optional[_Union[CertificateUse, str]] = ..., certificate: _Optional[str] = ..., task_options: _Optional[_Union[_common_pb2.TaskOptions, _Mapping]] = ...) -> None: ...

class InstallCertificateResponse(_message.Message):
    __slots__ = ("status", "task")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    status: str
    task: _common_pb2.TaskRef
    def __init__(self, status: _Optional[str] = ..., task: _Optional[_Union[_common_pb2.TaskRef, _Mapping]] = ...) -> None: ...

class DeleteCertificateRequest(_message.Message):
    __slots__ = ("charger_id", "certificate", "task_options")
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_FIELD_NUMBER: _ClassVar[int]
    TASK_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    certificate: CertificateHashData
    task_options: _common_pb2.TaskOptions
    def __init__(self, charger_id: _Optional[str] = ..., certificate: _Optional[_Union[CertificateHashData, _Mapping]] = ..., task_options: _Optional[_Union[_common_pb2.TaskOptions, _Mapping]] = ...) -> None: ...

class DeleteCertificateResponse(_message.Message):
    __slots__ = ("status", "task")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    status: str
    task: _common_pb2.TaskRef
    def __init__(self, status: _Optional[str] = ..., task: _Optional[_Union[_common_pb2.TaskRef, _Mapping]] = ...) -> None: ...

class GetInstalledCertificateIdsRequest(_message.Message):
    __slots__ = ("charger_id", "certificate_type", "task_options")
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_TYPE_FIELD_NUMBER: _ClassVar[int]
    TASK_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    certificate_type: CertificateUse
    task_options: _common_pb2.TaskOptions
    def __init__(self, charger_id: _Optional[str] = ..., certificate_type: _Optional[_Union[CertificateUse, str]] = ..., task_options: _Optional[_Union[_common_pb2.TaskOptions, _Mapping]] = ...) -> None: ...

class InstalledCertificate(_message.Message):
    __slots__ = ("certificate_type", "certificate", "children")
    CERTIFICATE_TYPE_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_FIELD_NUMBER: _ClassVar[int]
    CHILDREN_FIELD_NUMBER: _ClassVar[int]
    certificate_type: CertificateUse
    certificate: CertificateHashData
    children: _containers.RepeatedCompositeFieldContainer[CertificateHashData]
    def __init__(self, certificate_type: _Optional[_Union[CertificateUse, str]] = ..., certificate: _Optional[_Union[CertificateHashData, _Mapping]] = ..., children: _Optional[_Iterable[_Union[CertificateHashData, _Mapping]]] = ...) -> None: ...

class GetInstalledCertificateIdsResponse(_message.Message):
    __slots__ = ("status", "certificates", "installed", "task")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATES_FIELD_NUMBER: _ClassVar[int]
    INSTALLED_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    status: str
    certificates: _containers.RepeatedCompositeFieldContainer[CertificateHashData]
    installed: _containers.RepeatedCompositeFieldContainer[InstalledCertificate]
    task: _common_pb2.TaskRef
    def __init__(self, status: _Optional[str] = ..., certificates: _Optional[_Iterable[_Union[CertificateHashData, _Mapping]]] = ..., installed: _Optional[_Iterable[_Union[InstalledCertificate, _Mapping]]] = ..., task: _Optional[_Union[_common_pb2.TaskRef, _Mapping]] = ...) -> None: ...

class CertificateSignedRequest(_message.Message):
    __slots__ = ("charger_id", "certificate_chain", "certificate_type", "task_options")
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_CHAIN_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_TYPE_FIELD_NUMBER: _ClassVar[int]
    TASK_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    certificate_chain: str
    certificate_type: CertificateSigningUse
    task_options: _common_pb2.TaskOptions
    def __init__(self, charger_id: _Optional[str] = ..., certificate_chain: _Optional[str] = ..., certificate_type: _Optional[_Union[CertificateSigningUse, str]] = ..., task_options: _Optional[_Union[_common_pb2.TaskOptions, _Mapping]] = ...) -> None: ...

class CertificateSignedResponse(_message.Message):
    __slots__ = ("status", "task")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    status: str
    task: _common_pb2.TaskRef
    def __init__(self, status: _Optional[str] = ..., task: _Optional[_Union[_common_pb2.TaskRef, _Mapping]] = ...) -> None: ...

class ListConfigurationKeysRequest(_message.Message):
    __slots__ = ("charger_id",)
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    def __init__(self, charger_id: _Optional[str] = ...) -> None: ...

class ListConfigurationKeysResponse(_message.Message):
    __slots__ = ("entries", "read_at")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    READ_AT_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[ConfigurationEntry]
    read_at: _timestamp_pb2.Timestamp
    def __init__(self, entries: _Optional[_Iterable[_Union[ConfigurationEntry, _Mapping]]] = ..., read_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class NetworkVpn(_message.Message):
    __slots__ = ("server", "user", "group", "password", "key", "type")
    SERVER_FIELD_NUMBER: _ClassVar[int]
    USER_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    server: str
    user: str
    group: str
    password: str
    key: str
    type: str
    def __init__(self, server: _Optional[str] = ..., user: _Optional[str] = ..., group: _Optional[str] = ..., password: _Optional[str] = ..., key: _Optional[str] = ..., type: _Optional[str] = ...) -> None: ...

class NetworkApn(_message.Message):
    __slots__ = ("apn", "user_name", "password", "sim_pin", "preferred_network", "use_only_preferred_network", "authentication")
    APN_FIELD_NUMBER: _ClassVar[int]
    USER_NAME_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    SIM_PIN_FIELD_NUMBER: _ClassVar[int]
    PREFERRED_NETWORK_FIELD_NUMBER: _ClassVar[int]
    USE_ONLY_PREFERRED_NETWORK_FIELD_NUMBER: _ClassVar[int]
    AUTHENTICATION_FIELD_NUMBER: _ClassVar[int]
    apn: str
    user_name: str
    password: str
    sim_pin: int
    preferred_network: str
    use_only_preferred_network: bool
    authentication: str
    def __init__(self, apn: _Optional[str] = ..., user_name: _Optional[str] = ..., password: _Optional[str] = ..., sim_pin: _Optional[int] = ..., preferred_network: _Optional[str] = ..., use_only_preferred_network: _Optional[bool] = ..., authentication: _Optional[str] = ...) -> None: ...

class NetworkConnectionProfile(_message.Message):
    __slots__ = ("ocpp_version", "ocpp_transport", "csms_url", "message_timeout", "security_profile", "ocpp_interface", "vpn", "apn")
    OCPP_VERSION_FIELD_NUMBER: _ClassVar[int]
    OCPP_TRANSPORT_FIELD_NUMBER: _ClassVar[int]
    CSMS_URL_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    SECURITY_PROFILE_FIELD_NUMBER: _ClassVar[int]
    OCPP_INTERFACE_FIELD_NUMBER: _ClassVar[int]
    VPN_FIELD_NUMBER: _ClassVar[int]
    APN_FIELD_NUMBER: _ClassVar[int]
    ocpp_version: str
    ocpp_transport: str
    csms_url: str
    message_timeout: int
    security_profile: int
    ocpp_interface: str
    vpn: NetworkVpn
    apn: NetworkApn
    def __init__(self, ocpp_version: _Optional[str] = ..., ocpp_transport: _Optional[str] = ..., csms_url: _Optional[str] = ..., message_timeout: _Optional[int] = ..., security_profile: _Optional[int] = ..., ocpp_interface: _Optional[str] = ..., vpn: _Optional[_Union[NetworkVpn, _Mapping]] = ..., apn: _Optional[_Union[NetworkApn, _Mapping]] = ...) -> None: ...

class SetNetworkProfileRequest(_message.Message):
    __slots__ = ("charger_id", "configuration_slot", "profile", "task_options")
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    CONFIGURATION_SLOT_FIELD_NUMBER: _ClassVar[int]
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    TASK_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    configuration_slot: int
    profile: NetworkConnectionProfile
    task_options: _common_pb2.TaskOptions
    def __init__(self, charger_id: _Optional[str] = ..., configuration_slot: _Optional[int] = ..., profile: _Optional[_Union[NetworkConnectionProfile, _Mapping]] = ..., task_options: _Optional[_Union[_common_pb2.TaskOptions, _Mapping]] = ...) -> None: ...

class SetNetworkProfileResponse(_message.Message):
    __slots__ = ("status", "reason", "task")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    status: str
    reason: str
    task: _common_pb2.TaskRef
    def __init__(self, status: _Optional[str] = ..., reason: _Optional[str] = ..., task: _Optional[_Union[_common_pb2.TaskRef, _Mapping]] = ...) -> None: ...

class DisplayMessage(_message.Message):
    __slots__ = ("message_id", "priority", "state", "start_at", "end_at", "transaction_id", "format", "language", "content", "display", "evse_id", "source", "updated_at")
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    START_AT_FIELD_NUMBER: _ClassVar[int]
    END_AT_FIELD_NUMBER: _ClassVar[int]
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_FIELD_NUMBER: _ClassVar[int]
    EVSE_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    message_id: int
    priority: str
    state: str
    start_at: _timestamp_pb2.Timestamp
    end_at: _timestamp_pb2.Timestamp
    transaction_id: str
    format: str
    language: str
    content: str
    display: str
    evse_id: int
    source: str
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, message_id: _Optional[int] = ..., priority: _Optional[str] = ..., state: _Optional[str] = ..., start_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., transaction_id: _Optional[str] = ..., format: _Optional[str] = ..., language: _Optional[str] = ..., content: _Optional[str] = ..., display: _Optional[str] = ..., evse_id: _Optional[int] = ..., source: _Optional[str] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SetDisplayMessageRequest(_message.Message):
    __slots__ = ("charger_id", "message", "task_options")
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    TASK_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    message: DisplayMessage
    task_options: _common_pb2.TaskOptions
    def __init__(self, charger_id: _Optional[str] = ..., message: _Optional[_Union[DisplayMessage, _Mapping]] = ..., task_options: _Optional[_Union[_common_pb2.TaskOptions, _Mapping]] = ...) -> None: ...

class SetDisplayMessageResponse(_message.Message):
    __slots__ = ("status", "reason", "task")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    status: str
    reason: str
    task: _common_pb2.TaskRef
    def __init__(self, status: _Optional[str] = ..., reason: _Optional[str] = ..., task: _Optional[_Union[_common_pb2.TaskRef, _Mapping]] = ...) -> None: ...

class GetDisplayMessagesRequest(_message.Message):
    __slots__ = ("charger_id", "request_id", "message_ids", "priority", "state", "task_options")
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_IDS_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    TASK_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    request_id: int
    message_ids: _containers.RepeatedScalarFieldContainer[int]
    priority: str
    state: str
    task_options: _common_pb2.TaskOptions
    def __init__(self, charger_id: _Optional[str] = ..., request_id: _Optional[int] = ..., message_ids: _Optional[_Iterable[int]] = ..., priority: _Optional[str] = ..., state: _Optional[str] = ..., task_options: _Optional[_Union[_common_pb2.TaskOptions, _Mapping]] = ...) -> None: ...

class GetDisplayMessagesResponse(_message.Message):
    __slots__ = ("status", "request_id", "task")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    status: str
    request_id: int
    task: _common_pb2.TaskRef
    def __init__(self, status: _Optional[str] = ..., request_id: _Optional[int] = ..., task: _Optional[_Union[_common_pb2.TaskRef, _Mapping]] = ...) -> None: ...

class ClearDisplayMessageRequest(_message.Message):
    __slots__ = ("charger_id", "message_id", "task_options")
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    message_id: int
    task_options: _common_pb2.TaskOptions
    def __init__(self, charger_id: _Optional[str] = ..., message_id: _Optional[int] = ..., task_options: _Optional[_Union[_common_pb2.TaskOptions, _Mapping]] = ...) -> None: ...

class ClearDisplayMessageResponse(_message.Message):
    __slots__ = ("status", "task")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    status: str
    task: _common_pb2.TaskRef
    def __init__(self, status: _Optional[str] = ..., task: _Optional[_Union[_common_pb2.TaskRef, _Mapping]] = ...) -> None: ...

class ListDisplayMessagesRequest(_message.Message):
    __slots__ = ("charger_id",)
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    def __init__(self, charger_id: _Optional[str] = ...) -> None: ...

class ListDisplayMessagesResponse(_message.Message):
    __slots__ = ("messages",)
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    messages: _containers.RepeatedCompositeFieldContainer[DisplayMessage]
    def __init__(self, messages: _Optional[_Iterable[_Union[DisplayMessage, _Mapping]]] = ...) -> None: ...

class CustomerInformationRequest(_message.Message):
    __slots__ = ("charger_id", "request_id", "report", "clear", "customer_identifier", "id_token", "id_token_type", "customer_certificate", "task_options")
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    REPORT_FIELD_NUMBER: _ClassVar[int]
    CLEAR_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_IDENTIFIER_FIELD_NUMBER: _ClassVar[int]
    ID_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ID_TOKEN_TYPE_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_CERTIFICATE_FIELD_NUMBER: _ClassVar[int]
    TASK_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    request_id: int
    report: bool
    clear: bool
    customer_identifier: str
    id_token: str
    id_token_type: str
    customer_certificate: CertificateHashData
    task_options: _common_pb2.TaskOptions
    def __init__(self, charger_id: _Optional[str] = ..., request_id: _Optional[int] = ..., report: _Optional[bool] = ..., clear: _Optional[bool] = ..., customer_identifier: _Optional[str] = ..., id_token: _Optional[str] = ..., id_token_type: _Optional[str] = ..., customer_certificate: _Optional[_Union[CertificateHashData, _Mapping]] = ..., task_options: _Optional[_Union[_common_pb2.TaskOptions, _Mapping]] = ...) -> None: ...

class CustomerInformationResponse(_message.Message):
    __slots__ = ("status", "request_id", "task")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    status: str
    request_id: int
    task: _common_pb2.TaskRef
    def __init__(self, status: _Optional[str] = ..., request_id: _Optional[int] = ..., task: _Optional[_Union[_common_pb2.TaskRef, _Mapping]] = ...) -> None: ...

class ChargerRequest(_message.Message):
    __slots__ = ("kind", "request_id", "status", "data", "complete", "created_at", "updated_at")
    KIND_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    COMPLETE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    kind: ChargerRequestKind
    request_id: int
    status: str
    data: str
    complete: bool
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, kind: _Optional[_Union[ChargerRequestKind, str]] = ..., request_id: _Optional[int] = ..., status: _Optional[str] = ..., data: _Optional[str] = ..., complete: _Optional[bool] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListChargerRequestsRequest(_message.Message):
    __slots__ = ("charger_id", "kind", "request_id", "page_size")
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    kind: ChargerRequestKind
    request_id: int
    page_size: int
    def __init__(self, charger_id: _Optional[str] = ..., kind: _Optional[_Union[ChargerRequestKind, str]] = ..., request_id: _Optional[int] = ..., page_size: _Optional[int] = ...) -> None: ...

class ListChargerRequestsResponse(_message.Message):
    __slots__ = ("requests",)
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    requests: _containers.RepeatedCompositeFieldContainer[ChargerRequest]
    def __init__(self, requests: _Optional[_Iterable[_Union[ChargerRequest, _Mapping]]] = ...) -> None: ...

class CertificateRequest(_message.Message):
    __slots__ = ("id", "certificate_type", "csr", "received_at", "status", "status_reason", "certificate_chain", "updated_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_TYPE_FIELD_NUMBER: _ClassVar[int]
    CSR_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_AT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STATUS_REASON_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_CHAIN_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: int
    certificate_type: str
    csr: str
    received_at: _timestamp_pb2.Timestamp
    status: str
    status_reason: str
    certificate_chain: str
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[int] = ..., certificate_type: _Optional[str] = ..., csr: _Optional[str] = ..., received_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., status: _Optional[str] = ..., status_reason: _Optional[str] = ..., certificate_chain: _Optional[str] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListCertificateRequestsRequest(_message.Message):
    __slots__ = ("charger_id",)
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    def __init__(self, charger_id: _Optional[str] = ...) -> None: ...

class ListCertificateRequestsResponse(_message.Message):
    __slots__ = ("requests",)
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    requests: _containers.RepeatedCompositeFieldContainer[CertificateRequest]
    def __init__(self, requests: _Optional[_Iterable[_Union[CertificateRequest, _Mapping]]] = ...) -> None: ...

class GetTransactionStatusRequest(_message.Message):
    __slots__ = ("charger_id", "transaction_id", "task_options")
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    transaction_id: int
    task_options: _common_pb2.TaskOptions
    def __init__(self, charger_id: _Optional[str] = ..., transaction_id: _Optional[int] = ..., task_options: _Optional[_Union[_common_pb2.TaskOptions, _Mapping]] = ...) -> None: ...

class GetTransactionStatusResponse(_message.Message):
    __slots__ = ("ongoing", "messages_in_queue", "task")
    ONGOING_FIELD_NUMBER: _ClassVar[int]
    MESSAGES_IN_QUEUE_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    ongoing: bool
    messages_in_queue: bool
    task: _common_pb2.TaskRef
    def __init__(self, ongoing: _Optional[bool] = ..., messages_in_queue: _Optional[bool] = ..., task: _Optional[_Union[_common_pb2.TaskRef, _Mapping]] = ...) -> None: ...
