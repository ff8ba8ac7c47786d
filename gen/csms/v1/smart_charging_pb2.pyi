import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ChargingProfilePurpose(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CHARGING_PROFILE_PURPOSE_UNSPECIFIED: _ClassVar[ChargingProfilePurpose]
    CHARGING_PROFILE_PURPOSE_CHARGER_MAX_PROFILE: _ClassVar[ChargingProfilePurpose]
    CHARGING_PROFILE_PURPOSE_TX_DEFAULT_PROFILE: _ClassVar[ChargingProfilePurpose]
    CHARGING_PROFILE_PURPOSE_TX_PROFILE: _ClassVar[ChargingProfilePurpose]

class ChargingProfileKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CHARGING_PROFILE_KIND_UNSPECIFIED: _ClassVar[ChargingProfileKind]
    CHARGING_PROFILE_KIND_ABSOLUTE: _ClassVar[ChargingProfileKind]
    CHARGING_PROFILE_KIND_RECURRING: _ClassVar[ChargingProfileKind]
    CHARGING_PROFILE_KIND_RELATIVE: _ClassVar[ChargingProfileKind]

class RecurrencyKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RECURRENCY_KIND_UNSPECIFIED: _ClassVar[RecurrencyKind]
    RECURRENCY_KIND_DAILY: _ClassVar[RecurrencyKind]
    RECURRENCY_KIND_WEEKLY: _ClassVar[RecurrencyKind]

class ChargingRateUnit(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CHARGING_RATE_UNIT_UNSPECIFIED: _ClassVar[ChargingRateUnit]
    CHARGING_RATE_UNIT_W: _ClassVar[ChargingRateUnit]
    CHARGING_RATE_UNIT_A: _ClassVar[ChargingRateUnit]
CHARGING_PROFILE_PURPOSE_UNSPECIFIED: ChargingProfilePurpose
CHARGING_PROFILE_PURPOSE_CHARGER_MAX_PROFILE: ChargingProfilePurpose
CHARGING_PROFILE_PURPOSE_TX_DEFAULT_PROFILE: ChargingProfilePurpose
CHARGING_PROFILE_PURPOSE_TX_PROFILE: ChargingProfilePurpose
CHARGING_PROFILE_KIND_UNSPECIFIED: ChargingProfileKind
CHARGING_PROFILE_KIND_ABSOLUTE: ChargingProfileKind
CHARGING_PROFILE_KIND_RECURRING: ChargingProfileKind
CHARGING_PROFILE_KIND_RELATIVE: ChargingProfileKind
RECURRENCY_KIND_UNSPECIFIED: RecurrencyKind
RECURRENCY_KIND_DAILY: RecurrencyKind
RECURRENCY_KIND_WEEKLY: RecurrencyKind
CHARGING_RATE_UNIT_UNSPECIFIED: ChargingRateUnit
CHARGING_RATE_UNIT_W: ChargingRateUnit
CHARGING_RATE_UNIT_A: ChargingRateUnit

class ChargingSchedulePeriod(_message.Message):
    __slots__ = ("start_period", "limit", "number_phases")
    START_PERIOD_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    NUMBER_PHASES_FIELD_NUMBER: _ClassVar[int]
    start_period: int
    limit: float
    number_phases: int
    def __init__(self, start_period: _Optional[int] = ..., limit: _Optional[float] = ..., number_phases: _Optional[int] = ...) -> None: ...

class ChargingSchedule(_message.Message):
    __slots__ = ("duration", "start_schedule", "rate_unit", "periods", "min_charging_rate")
    DURATION_FIELD_NUMBER: _ClassVar[int]
    START_SCHEDULE_FIELD_NUMBER: _ClassVar[int]
    RATE_UNIT_FIELD_NUMBER: _ClassVar[int]
    PERIODS_FIELD_NUMBER: _ClassVar[int]
    MIN_CHARGING_RATE_FIELD_NUMBER: _ClassVar[int]
    duration: int
    start_schedule: _timestamp_pb2.Timestamp
    rate_unit: ChargingRateUnit
    periods: _containers.RepeatedCompositeFieldContainer[ChargingSchedulePeriod]
    min_charging_rate: float
    def __init__(self, duration: _Optional[int] = ..., start_schedule: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., rate_unit: _Optional[_Union[ChargingRateUnit, str]] = ..., periods: _Optional[_Iterable[_Union[ChargingSchedulePeriod, _Mapping]]] = ..., min_charging_rate: _Optional[float] = ...) -> None: ...

class ChargingProfile(_message.Message):
    __slots__ = ("charging_profile_id", "transaction_id", "stack_level", "purpose", "kind", "recurrency_kind", "valid_from", "valid_to", "schedule")
    CHARGING_PROFILE_ID_FIELD_NUMBER: _ClassVar[int]
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    STACK_LEVEL_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    RECURRENCY_KIND_FIELD_NUMBER: _ClassVar[int]
    VALID_FROM_FIELD_NUMBER: _ClassVar[int]
    VALID_TO_FIELD_NUMBER: _ClassVar[int]
    SCHEDULE_FIELD_NUMBER: _ClassVar[int]
    charging_profile_id: int
    transaction_id: int
    stack_level: int
    purpose: ChargingProfilePurpose
    kind: ChargingProfileKind
    recurrency_kind: RecurrencyKind
    valid_from: _timestamp_pb2.Timestamp
    valid_to: _timestamp_pb2.Timestamp
    schedule: ChargingSchedule
    def __init__(self, charging_profile_id: _Optional[int] = ..., transaction_id: _Optional[int] = ..., stack_level: _Optional[int] = ..., purpose: _Optional[_Union[ChargingProfilePurpose, str]] = ..., kind: _Optional[_Union[ChargingProfileKind, str]] = ..., recurrency_kind: _Optional[_Union[RecurrencyKind, str]] = ..., valid_from: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., valid_to: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., schedule: _Optional[_Union[ChargingSchedule, _Mapping]] = ...) -> None: ...

class InstalledChargingProfile(_message.Message):
    __slots__ = ("charger_id", "connector_id", "profile", "installed_at")
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    CONNECTOR_ID_FIELD_NUMBER: _ClassVar[int]
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    INSTALLED_AT_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    connector_id: int
    profile: ChargingProfile
    installed_at: _timestamp_pb2.Timestamp
    def __init__(self, charger_id: _Optional[str] = ..., connector_id: _Optional[int] = ..., profile: _Optional[_Union[ChargingProfile, _Mapping]] = ..., installed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
