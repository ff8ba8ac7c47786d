"""OCPP 2.0.1 payloads of the hot actions, as static types (``TypedDict``: no runtime cost).

2.1 is served by the same handlers: its payloads of these actions add optional members
the handlers do not read. They mirror the JSON schemas the framer validates every call
against before a handler sees it, so a handler may read a required member without
checking it is there. Members are listed in schema order (``customData`` left out); a
reply is built in that order. Only what the handlers here read or answer is typed.

No ``from __future__ import annotations`` here: with it, Python 3.11 counts every
``NotRequired`` member as required (``__required_keys__``), and tests/test_message_types.py
compares those with the schemas.
"""

from typing import NotRequired, TypedDict

__all__ = [
    "AdditionalInfo",
    "AuthorizeRequest",
    "AuthorizeResponse",
    "BootNotificationRequest",
    "BootNotificationResponse",
    "ChargingStation",
    "Evse",
    "HeartbeatRequest",
    "HeartbeatResponse",
    "IdToken",
    "IdTokenInfo",
    "MessageContent",
    "MeterValue",
    "MeterValuesRequest",
    "MeterValuesResponse",
    "Modem",
    "OcspRequestData",
    "SampledValue",
    "SignedMeterValue",
    "StatusInfo",
    "StatusNotificationRequest",
    "StatusNotificationResponse",
    "TransactionEventRequest",
    "TransactionEventResponse",
    "TransactionInfo",
    "UnitOfMeasure",
]


class StatusInfo(TypedDict):
    reasonCode: str
    additionalInfo: NotRequired[str]


class Modem(TypedDict):
    iccid: NotRequired[str]
    imsi: NotRequired[str]


class ChargingStation(TypedDict):
    serialNumber: NotRequired[str]
    model: str
    modem: NotRequired[Modem]
    vendorName: str
    firmwareVersion: NotRequired[str]


class BootNotificationRequest(TypedDict):
    chargingStation: ChargingStation
    reason: str  # BootReasonEnumType


class BootNotificationResponse(TypedDict):
    currentTime: str
    interval: int
    status: str  # Accepted | Pending | Rejected
    statusInfo: NotRequired[StatusInfo]


class HeartbeatRequest(TypedDict):
    pass


class HeartbeatResponse(TypedDict):
    currentTime: str


class StatusNotificationRequest(TypedDict):
    timestamp: str
    connectorStatus: str
    evseId: int
    connectorId: int


class StatusNotificationResponse(TypedDict):
    pass


class AdditionalInfo(TypedDict):
    additionalIdToken: str
    type: str


class IdToken(TypedDict):
    additionalInfo: NotRequired[list[AdditionalInfo]]
    idToken: str
    type: str  # IdTokenEnumType


class MessageContent(TypedDict):
    format: str  # ASCII | HTML | URI | UTF8
    language: NotRequired[str]
    content: str


class IdTokenInfo(TypedDict):
    status: str  # AuthorizationStatusEnumType
    cacheExpiryDateTime: NotRequired[str]
    chargingPriority: NotRequired[int]
    language1: NotRequired[str]
    evseId: NotRequired[list[int]]
    groupIdToken: NotRequired[IdToken]
    language2: NotRequired[str]
    personalMessage: NotRequired[MessageContent]


class OcspRequestData(TypedDict):
    hashAlgorithm: str
    issuerNameHash: str
    issuerKeyHash: str
    serialNumber: str
    responderURL: str


class AuthorizeRequest(TypedDict):
    idToken: IdToken
    certificate: NotRequired[str]
    iso15118CertificateHashData: NotRequired[list[OcspRequestData]]


class AuthorizeResponse(TypedDict):
    idTokenInfo: IdTokenInfo
    certificateStatus: NotRequired[str]


class UnitOfMeasure(TypedDict):
    unit: NotRequired[str]
    multiplier: NotRequired[int]


class SignedMeterValue(TypedDict):
    signedMeterData: str
    signingMethod: str
    encodingMethod: str
    publicKey: str


class SampledValue(TypedDict):
    value: float
    context: NotRequired[str]
    measurand: NotRequired[str]
    phase: NotRequired[str]
    location: NotRequired[str]
    signedMeterValue: NotRequired[SignedMeterValue]
    unitOfMeasure: NotRequired[UnitOfMeasure]


class MeterValue(TypedDict):
    sampledValue: list[SampledValue]
    timestamp: str


class MeterValuesRequest(TypedDict):
    evseId: int  # 0: the main meter
    meterValue: list[MeterValue]


class MeterValuesResponse(TypedDict):
    pass


class TransactionInfo(TypedDict):
    transactionId: str
    chargingState: NotRequired[str]
    timeSpentCharging: NotRequired[int]
    stoppedReason: NotRequired[str]
    remoteStartId: NotRequired[int]


class Evse(TypedDict):
    id: int
    connectorId: NotRequired[int]


class TransactionEventRequest(TypedDict):
    eventType: str  # Started | Updated | Ended
    meterValue: NotRequired[list[MeterValue]]
    timestamp: str
    triggerReason: str
    seqNo: int
    offline: NotRequired[bool]
    numberOfPhasesUsed: NotRequired[int]
    cableMaxCurrent: NotRequired[int]
    reservationId: NotRequired[int]
    transactionInfo: TransactionInfo
    evse: NotRequired[Evse]
    idToken: NotRequired[IdToken]


class TransactionEventResponse(TypedDict):
    totalCost: NotRequired[float]
    chargingPriority: NotRequired[int]
    idTokenInfo: NotRequired[IdTokenInfo]
    updatedPersonalMessage: NotRequired[MessageContent]
