"""OCPP 1.6 payloads of the hot actions, as static types (``TypedDict``: no runtime cost).

They mirror the JSON schemas the framer validates every call against before a handler
sees it, so a handler may read a required member without checking it is there. Members
are listed in schema order; a reply is built in that order (``tests/test_payload_order.py``).
Only what the handlers here read or answer is typed; the schema is the full truth.

No ``from __future__ import annotations`` here: with it, Python 3.11 counts every
``NotRequired`` member as required (``__required_keys__``), and tests/test_message_types.py
compares those with the schemas.
"""

from typing import NotRequired, TypedDict

from services.manager._authorization import IdTagInfo

__all__ = [
    "AuthorizeRequest",
    "AuthorizeResponse",
    "BootNotificationRequest",
    "BootNotificationResponse",
    "HeartbeatRequest",
    "HeartbeatResponse",
    "IdTagInfo",
    "MeterValue",
    "MeterValuesRequest",
    "MeterValuesResponse",
    "SampledValue",
    "StartTransactionRequest",
    "StartTransactionResponse",
    "StatusNotificationRequest",
    "StatusNotificationResponse",
    "StopTransactionRequest",
    "StopTransactionResponse",
]


class BootNotificationRequest(TypedDict):
    chargePointVendor: str
    chargePointModel: str
    chargePointSerialNumber: NotRequired[str]
    chargeBoxSerialNumber: NotRequired[str]
    firmwareVersion: NotRequired[str]
    iccid: NotRequired[str]
    imsi: NotRequired[str]
    meterType: NotRequired[str]
    meterSerialNumber: NotRequired[str]


class BootNotificationResponse(TypedDict):
    status: str  # Accepted | Pending | Rejected
    currentTime: str
    interval: int


class HeartbeatRequest(TypedDict):
    pass


class HeartbeatResponse(TypedDict):
    currentTime: str


class StatusNotificationRequest(TypedDict):
    connectorId: int  # 0: the charge point itself
    errorCode: str
    info: NotRequired[str]
    status: str
    timestamp: NotRequired[str]
    vendorId: NotRequired[str]
    vendorErrorCode: NotRequired[str]


class StatusNotificationResponse(TypedDict):
    pass


class AuthorizeRequest(TypedDict):
    idTag: str


class AuthorizeResponse(TypedDict):
    idTagInfo: IdTagInfo


class SampledValue(TypedDict):
    value: str  # 1.6 sends values as strings
    context: NotRequired[str]
    format: NotRequired[str]
    measurand: NotRequired[str]
    phase: NotRequired[str]
    location: NotRequired[str]
    unit: NotRequired[str]


class MeterValue(TypedDict):
    timestamp: str
    sampledValue: list[SampledValue]


class StartTransactionRequest(TypedDict):
    connectorId: int
    idTag: str
    meterStart: int  # Wh
    reservationId: NotRequired[int]
    timestamp: str


class StartTransactionResponse(TypedDict):
    idTagInfo: IdTagInfo
    transactionId: int


class StopTransactionRequest(TypedDict):
    idTag: NotRequired[str]
    meterStop: int  # Wh
    timestamp: str
    transactionId: int
    reason: NotRequired[str]
    transactionData: NotRequired[list[MeterValue]]


class StopTransactionResponse(TypedDict):
    idTagInfo: NotRequired[IdTagInfo]


class MeterValuesRequest(TypedDict):
    connectorId: int
    transactionId: NotRequired[int]
    meterValue: list[MeterValue]


class MeterValuesResponse(TypedDict):
    pass
