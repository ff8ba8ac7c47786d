"""OCPP versions as the services name them ("1.6", "2.0.1", "2.1") and as the protos do.

`OcppVersion` is a `StrEnum`: its members ARE the strings the registry, the database and the
wire carry, so a stored "1.6" and `OcppVersion.V16` compare equal and nothing is re-encoded.
Parse once at each edge (`OcppVersion.parse`: the websocket subprotocol, a registry record,
a proto enum) and branch on the members and their predicates inside.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from csms.v1 import common_pb2


class OcppVersion(StrEnum):
    """An OCPP-J version this CSMS speaks; the value is the version as OCPP spells it."""

    V16 = "1.6"
    V201 = "2.0.1"
    V21 = "2.1"

    @classmethod
    def parse(cls, value: str) -> OcppVersion:
        """The member for `value` ("1.6", "2.0.1", "2.1"); ValueError naming the known ones."""
        try:
            return cls(value)
        except ValueError:
            known = ", ".join(v.value for v in cls)
            raise ValueError(
                f"unsupported OCPP version {value!r}; expected one of {known}"
            ) from None

    @property
    def is_16(self) -> bool:
        """OCPP 1.6 (charge points, connectors, `idTag`)."""
        return self is OcppVersion.V16

    @property
    def is_201_family(self) -> bool:
        """OCPP 2.0.1 or 2.1: the versions the 2.0.1 handlers serve (stations, EVSEs)."""
        return self is not OcppVersion.V16

    @property
    def family(self) -> OcppVersion:
        """The version whose handlers and rules this one follows: 2.1 → 2.0.1."""
        return OcppVersion.V16 if self is OcppVersion.V16 else OcppVersion.V201


OCPP_VERSIONS: Final = tuple(OcppVersion)

_TO_PROTO: Final = {
    OcppVersion.V16: common_pb2.OCPP_VERSION_16,
    OcppVersion.V201: common_pb2.OCPP_VERSION_201,
    OcppVersion.V21: common_pb2.OCPP_VERSION_21,
}
_FROM_PROTO: Final = {v: k for k, v in _TO_PROTO.items()}


def to_proto_version(version: str) -> common_pb2.OcppVersion:
    """The proto enum value of an OCPP version (member or its string); KeyError for an unknown one."""
    return _TO_PROTO[version]  # type: ignore[index]  # a str key finds the equal StrEnum member


def from_proto_version(value: common_pb2.OcppVersion) -> OcppVersion:
    """The OCPP version of a proto enum value; KeyError for UNSPECIFIED."""
    return _FROM_PROTO[value]
