import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ReservationState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RESERVATION_STATE_UNSPECIFIED: _ClassVar[ReservationState]
    RESERVATION_STATE_PENDING: _ClassVar[ReservationState]
    RESERVATION_STATE_ACCEPTED: _ClassVar[ReservationState]
    RESERVATION_STATE_REJECTED: _ClassVar[ReservationState]
    RESERVATION_STATE_CANCELLED: _ClassVar[ReservationState]
    RESERVATION_STATE_USED: _ClassVar[ReservationState]
    RESERVATION_STATE_EXPIRED: _ClassVar[ReservationState]
RESERVATION_STATE_UNSPECIFIED: ReservationState
RESERVATION_STATE_PENDING: ReservationState
RESERVATION_STATE_ACCEPTED: ReservationState
RESERVATION_STATE_REJECTED: ReservationState
RESERVATION_STATE_CANCELLED: ReservationState
RESERVATION_STATE_USED: ReservationState
RESERVATION_STATE_EXPIRED: ReservationState

class Reservation(_message.Message):
    __slots__ = ("reservation_id", "charger_id", "connector_id", "id_tag", "parent_id_tag", "expiry_date", "state", "charger_status", "transaction_id", "created_at")
    RESERVATION_ID_FIELD_NUMBER: _ClassVar[int]
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    CONNECTOR_ID_FIELD_NUMBER: _ClassVar[int]
    ID_TAG_FIELD_NUMBER: _ClassVar[int]
    PARENT_ID_TAG_FIELD_NUMBER: _ClassVar[int]
    EXPIRY_DATE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    CHARGER_STATUS_FIELD_NUMBER: _ClassVar[int]
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    reservation_id: int
    charger_id: str
    connector_id: int
    id_tag: str
    parent_id_tag: str
    expiry_date: _timestamp_pb2.Timestamp
    state: ReservationState
    charger_status: str
    transaction_id: int
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, reservation_id: _Optional[int] = ..., charger_id: _Optional[str] = ..., connector_id: _Optional[int] = ..., id_tag: _Optional[str] = ..., parent_id_tag: _Optional[str] = ..., expiry_date: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., state: _Optional[_Union[ReservationState, str]] = ..., charger_status: _Optional[str] = ..., transaction_id: _Optional[int] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListReservationsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "charger_id", "state")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    CHARGER_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    charger_id: str
    state: ReservationState
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., charger_id: _Optional[str] = ..., state: _Optional[_Union[ReservationState, str]] = ...) -> None: ...

class ListReservationsResponse(_message.Message):
    __slots__ = ("reservations", "next_page_token")
    RESERVATIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    reservations: _containers.RepeatedCompositeFieldContainer[Reservation]
    next_page_token: str
    def __init__(self, reservations: _Optional[_Iterable[_Union[Reservation, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetReservationRequest(_message.Message):
    __slots__ = ("reservation_id",)
    RESERVATION_ID_FIELD_NUMBER: _ClassVar[int]
    reservation_id: int
    def __init__(self, reservation_id: _Optional[int] = ...) -> None: ...
