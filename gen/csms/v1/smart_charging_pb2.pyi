import datetime

from csms.v1 import common_pb2 as _common_pb2
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
    CHARGING_PROFILE_PURPOSE_EXTERNAL_CONSTRAINTS: _ClassVar[ChargingProfilePurpose]

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
CHARGING_PROFILE_PURPOSE_EXTERNAL_CONSTRAINTS: ChargingProfilePurpose
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
    __slots__ = ("start_period", "limit", "number_phases", "phase_to_use")
    START_PERIOD_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    NUMBER_PHASES_FIELD_NUMBER: _ClassVar[int]
    PHASE_TO_USE_FIELD_NUMBER: _ClassVar[int]
    start_period: int
    limit: float
    number_phases: int
    phase_to_use: int
    def __init__(self, start_period: _Optional[int] = ..., limit: _Optional[float] = ..., number_phases: _Optional[int] = ..., phase_to_use: _Optional[int] = ...) -> None: ...

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
    __slots__ = ("charging_profile_id", "transaction_id", "stack_level", "purpose", "kind", "recurrency_kind", "valid_from", "valid_to", "schedule", "charger_transaction_id")
    CHARGING_PROFILE_ID_FIELD_NUMBER: _ClassVar[int]
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    STACK_LEVEL_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    RECURRENCY_KIND_FIELD_NUMBER: _ClassVar[int]
    VALID_FROM_FIELD_NUMBER: _ClassVar[int]
    VALID_TO_FIELD_NUMBER: _ClassVar[int]
    SCHEDULE_FIELD_NUMBER: _ClassVar[int]
    CHARGER_TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    charging_profile_id: int
    transaction_id: int
    stack_level: int
    purpose: ChargingProfilePurpose
    kind: ChargingProfileKind
    recurrency_kind: RecurrencyKind
    valid_from: _timestamp_pb2.Timestamp
    valid_to: _timestamp_pb2.Timestamp
    schedule: ChargingSchedule
    charger_transaction_id: str
    def __init__(self, charging_profile_id: _Optional[int] = ..., transaction_id: _Optional[int] = ..., stack_level: _Optional[int] = ..., purpose: _Optional[_Union[ChargingProfilePurpose, str]] = ..., kind: _Optional[_Union[ChargingProfileKind, str]] = ..., recurrency_kind: _Optional[_Union[RecurrencyKind, str]] = ..., valid_from: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., valid_to: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., schedule: _Optional[_Union[ChargingSchedule, _Mapping]] = ..., charger_transaction_id: _Optional[str] = ...) -> None: ...

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

class GetChargingProfilesRequest(_message.Message):
    __slots__ = ("charger_id", "request_id", "evse_id", "purpose", "stack_level", "charging_profile_ids", "charging_limit_sources", "task_options")
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    EVSE_ID_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    STACK_LEVEL_FIELD_NUMBER: _ClassVar[int]
    CHARGING_PROFILE_IDS_FIELD_NUMBER: _ClassVar[int]
    CHARGING_LIMIT_SOURCES_FIELD_NUMBER: _ClassVar[int]
    TASK_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    request_id: int
    evse_id: int
    purpose: ChargingProfilePurpose
    stack_level: int
    charging_profile_ids: _containers.RepeatedScalarFieldContainer[int]
    charging_limit_sources: _containers.RepeatedScalarFieldContainer[str]
    task_options: _common_pb2.TaskOptions
    def __init__(self, charger_id: _Optional[str] = ..., request_id: _Optional[int] = ..., evse_id: _Optional[int] = ..., purpose: _Optional[_Union[ChargingProfilePurpose, str]] = ..., stack_level: _Optional[int] = ..., charging_profile_ids: _Optional[_Iterable[int]] = ..., charging_limit_sources: _Optional[_Iterable[str]] = ..., task_options: _Optional[_Union[_common_pb2.TaskOptions, _Mapping]] = ...) -> None: ...

class GetChargingProfilesResponse(_message.Message):
    __slots__ = ("status", "request_id", "reason", "task")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    status: str
    request_id: int
    reason: str
    task: _common_pb2.TaskRef
    def __init__(self, status: _Optional[str] = ..., request_id: _Optional[int] = ..., reason: _Optional[str] = ..., task: _Optional[_Union[_common_pb2.TaskRef, _Mapping]] = ...) -> None: ...

class ReportedChargingProfile(_message.Message):
    __slots__ = ("evse_id", "charging_limit_source", "profile")
    EVSE_ID_FIELD_NUMBER: _ClassVar[int]
    CHARGING_LIMIT_SOURCE_FIELD_NUMBER: _ClassVar[int]
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    evse_id: int
    charging_limit_source: str
    profile: ChargingProfile
    def __init__(self, evse_id: _Optional[int] = ..., charging_limit_source: _Optional[str] = ..., profile: _Optional[_Union[ChargingProfile, _Mapping]] = ...) -> None: ...

class ListReportedChargingProfilesRequest(_message.Message):
    __slots__ = ("charger_id", "request_id")
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    request_id: int
    def __init__(self, charger_id: _Optional[str] = ..., request_id: _Optional[int] = ...) -> None: ...

class ListReportedChargingProfilesResponse(_message.Message):
    __slots__ = ("request_id", "status", "complete", "profiles", "updated_at")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    COMPLETE_FIELD_NUMBER: _ClassVar[int]
    PROFILES_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    request_id: int
    status: str
    complete: bool
    profiles: _containers.RepeatedCompositeFieldContainer[ReportedChargingProfile]
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, request_id: _Optional[int] = ..., status: _Optional[str] = ..., complete: _Optional[bool] = ..., profiles: _Optional[_Iterable[_Union[ReportedChargingProfile, _Mapping]]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ChargingLimit(_message.Message):
    __slots__ = ("evse_id", "source", "is_grid_critical", "schedules", "updated_at")
    EVSE_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    IS_GRID_CRITICAL_FIELD_NUMBER: _ClassVar[int]
    SCHEDULES_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    evse_id: int
    source: str
    is_grid_critical: bool
    schedules: _containers.RepeatedCompositeFieldContainer[ChargingSchedule]
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, evse_id: _Optional[int] = ..., source: _Optional[str] = ..., is_grid_critical: _Optional[bool] = ..., schedules: _Optional[_Iterable[_Union[ChargingSchedule, _Mapping]]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListChargingLimitsRequest(_message.Message):
    __slots__ = ("charger_id",)
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    def __init__(self, charger_id: _Optional[str] = ...) -> None: ...

class ListChargingLimitsResponse(_message.Message):
    __slots__ = ("limits",)
    LIMITS_FIELD_NUMBER: _ClassVar[int]
    limits: _containers.RepeatedCompositeFieldContainer[ChargingLimit]
    def __init__(self, limits: _Optional[_Iterable[_Union[ChargingLimit, _Mapping]]] = ...) -> None: ...

class ACChargingParameters(_message.Message):
    __slots__ = ("energy_amount", "ev_min_current", "ev_max_current", "ev_max_voltage")
    ENERGY_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    EV_MIN_CURRENT_FIELD_NUMBER: _ClassVar[int]
    EV_MAX_CURRENT_FIELD_NUMBER: _ClassVar[int]
    EV_MAX_VOLTAGE_FIELD_NUMBER: _ClassVar[int]
    energy_amount: int
    ev_min_current: int
    ev_max_current: int
    ev_max_voltage: int
    def __init__(self, energy_amount: _Optional[int] = ..., ev_min_current: _Optional[int] = ..., ev_max_current: _Optional[int] = ..., ev_max_voltage: _Optional[int] = ...) -> None: ...

class DCChargingParameters(_message.Message):
    __slots__ = ("ev_max_current", "ev_max_voltage", "energy_amount", "ev_max_power", "state_of_charge", "ev_energy_capacity", "full_soc", "bulk_soc")
    EV_MAX_CURRENT_FIELD_NUMBER: _ClassVar[int]
    EV_MAX_VOLTAGE_FIELD_NUMBER: _ClassVar[int]
    ENERGY_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    EV_MAX_POWER_FIELD_NUMBER: _ClassVar[int]
    STATE_OF_CHARGE_FIELD_NUMBER: _ClassVar[int]
    EV_ENERGY_CAPACITY_FIELD_NUMBER: _ClassVar[int]
    FULL_SOC_FIELD_NUMBER: _ClassVar[int]
    BULK_SOC_FIELD_NUMBER: _ClassVar[int]
    ev_max_current: int
    ev_max_voltage: int
    energy_amount: int
    ev_max_power: int
    state_of_charge: int
    ev_energy_capacity: int
    full_soc: int
    bulk_soc: int
    def __init__(self, ev_max_current: _Optional[int] = ..., ev_max_voltage: _Optional[int] = ..., energy_amount: _Optional[int] = ..., ev_max_power: _Optional[int] = ..., state_of_charge: _Optional[int] = ..., ev_energy_capacity: _Optional[int] = ..., full_soc: _Optional[int] = ..., bulk_soc: _Optional[int] = ...) -> None: ...

class EVChargingNeeds(_message.Message):
    __slots__ = ("evse_id", "requested_energy_transfer", "departure_time", "max_schedule_tuples", "ac", "dc", "status", "received_at")
    EVSE_ID_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_ENERGY_TRANSFER_FIELD_NUMBER: _ClassVar[int]
    DEPARTURE_TIME_FIELD_NUMBER: _ClassVar[int]
    MAX_SCHEDULE_TUPLES_FIELD_NUMBER: _ClassVar[int]
    AC_FIELD_NUMBER: _ClassVar[int]
    DC_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_AT_FIELD_NUMBER: _ClassVar[int]
    evse_id: int
    requested_energy_transfer: str
    departure_time: _timestamp_pb2.Timestamp
    max_schedule_tuples: int
    ac: ACChargingParameters
    dc: DCChargingParameters
    status: str
    received_at: _timestamp_pb2.Timestamp
    def __init__(self, evse_id: _Optional[int] = ..., requested_energy_transfer: _Optional[str] = ..., departure_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., max_schedule_tuples: _Optional[int] = ..., ac: _Optional[_Union[ACChargingParameters, _Mapping]] = ..., dc: _Optional[_Union[DCChargingParameters, _Mapping]] = ..., status: _Optional[str] = ..., received_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListEVChargingNeedsRequest(_message.Message):
    __slots__ = ("charger_id", "evse_id")
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    EVSE_ID_FIELD_NUMBER: _ClassVar[int]
    charger_id: str
    evse_id: int
    def __init__(self, charger_id: _Optional[str] = ..., evse_id: _Optional[int] = ...) -> None: ...

class ListEVChargingNeedsResponse(_message.Message):
    __slots__ = ("needs",)
    NEEDS_FIELD_NUMBER: _ClassVar[int]
    needs: _containers.RepeatedCompositeFieldContainer[EVChargingNeeds]
    def __init__(self, needs: _Optional[_Iterable[_Union[EVChargingNeeds, _Mapping]]] = ...) -> None: ...
