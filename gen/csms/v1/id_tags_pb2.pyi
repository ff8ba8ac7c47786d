import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import empty_pb2 as _empty_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class IdTagStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ID_TAG_STATUS_UNSPECIFIED: _ClassVar[IdTagStatus]
    ID_TAG_STATUS_ACCEPTED: _ClassVar[IdTagStatus]
    ID_TAG_STATUS_BLOCKED: _ClassVar[IdTagStatus]
    ID_TAG_STATUS_EXPIRED: _ClassVar[IdTagStatus]
    ID_TAG_STATUS_INVALID: _ClassVar[IdTagStatus]
ID_TAG_STATUS_UNSPECIFIED: IdTagStatus
ID_TAG_STATUS_ACCEPTED: IdTagStatus
ID_TAG_STATUS_BLOCKED: IdTagStatus
ID_TAG_STATUS_EXPIRED: IdTagStatus
ID_TAG_STATUS_INVALID: IdTagStatus

class IdTag(_message.Message):
    __slots__ = ("id_tag", "status", "expiry_date", "parent_id_tag", "max_active_transactions", "created_at", "updated_at")
    ID_TAG_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    EXPIRY_DATE_FIELD_NUMBER: _ClassVar[int]
    PARENT_ID_TAG_FIELD_NUMBER: _ClassVar[int]
    MAX_ACTIVE_TRANSACTIONS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    id_tag: str
    status: IdTagStatus
    expiry_date: _timestamp_pb2.Timestamp
    parent_id_tag: str
    max_active_transactions: int
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, id_tag: _Optional[str] = ..., status: _Optional[_Union[IdTagStatus, str]] = ..., expiry_date: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., parent_id_tag: _Optional[str] = ..., max_active_transactions: _Optional[int] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListIdTagsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "status", "parent_id_tag")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PARENT_ID_TAG_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    status: IdTagStatus
    parent_id_tag: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., status: _Optional[_Union[IdTagStatus, str]] = ..., parent_id_tag: _Optional[str] = ...) -> None: ...

class ListIdTagsResponse(_message.Message):
    __slots__ = ("id_tags", "next_page_token")
    ID_TAGS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    id_tags: _containers.RepeatedCompositeFieldContainer[IdTag]
    next_page_token: str
    def __init__(self, id_tags: _Optional[_Iterable[_Union[IdTag, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetIdTagRequest(_message.Message):
    __slots__ = ("id_tag",)
    ID_TAG_FIELD_NUMBER: _ClassVar[int]
    id_tag: str
    def __init__(self, id_tag: _Optional[str] = ...) -> None: ...

class CreateIdTagRequest(_message.Message):
    __slots__ = ("id_tag",)
    ID_TAG_FIELD_NUMBER: _ClassVar[int]
    id_tag: IdTag
    def __init__(self, id_tag: _Optional[_Union[IdTag, _Mapping]] = ...) -> None: ...

class UpdateIdTagRequest(_message.Message):
    __slots__ = ("id_tag", "update_mask")
    ID_TAG_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    id_tag: IdTag
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, id_tag: _Optional[_Union[IdTag, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class DeleteIdTagRequest(_message.Message):
    __slots__ = ("id_tag",)
    ID_TAG_FIELD_NUMBER: _ClassVar[int]
    id_tag: str
    def __init__(self, id_tag: _Optional[str] = ...) -> None: ...

class BlockIdTagRequest(_message.Message):
    __slots__ = ("id_tag",)
    ID_TAG_FIELD_NUMBER: _ClassVar[int]
    id_tag: str
    def __init__(self, id_tag: _Optional[str] = ...) -> None: ...
