from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class OcppVersion(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OCPP_VERSION_UNSPECIFIED: _ClassVar[OcppVersion]
    OCPP_VERSION_16: _ClassVar[OcppVersion]
    OCPP_VERSION_201: _ClassVar[OcppVersion]
    OCPP_VERSION_21: _ClassVar[OcppVersion]
OCPP_VERSION_UNSPECIFIED: OcppVersion
OCPP_VERSION_16: OcppVersion
OCPP_VERSION_201: OcppVersion
OCPP_VERSION_21: OcppVersion

class CallError(_message.Message):
    __slots__ = ("code", "description", "details")
    CODE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    DETAILS_FIELD_NUMBER: _ClassVar[int]
    code: str
    description: str
    details: bytes
    def __init__(self, code: _Optional[str] = ..., description: _Optional[str] = ..., details: _Optional[bytes] = ...) -> None: ...
