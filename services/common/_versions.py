"""OCPP versions as the services name them ("1.6", "2.0.1", "2.1") and as the protos do."""

from __future__ import annotations

from csms.v1 import common_pb2

OCPP_VERSIONS = ("1.6", "2.0.1", "2.1")

_TO_PROTO = {
    "1.6": common_pb2.OCPP_VERSION_16,
    "2.0.1": common_pb2.OCPP_VERSION_201,
    "2.1": common_pb2.OCPP_VERSION_21,
}
_FROM_PROTO = {v: k for k, v in _TO_PROTO.items()}


def to_proto_version(version: str) -> common_pb2.OcppVersion:
    """The proto enum value of an OCPP version string; KeyError for an unknown one."""
    return _TO_PROTO[version]


def from_proto_version(value: common_pb2.OcppVersion) -> str:
    """The OCPP version string of a proto enum value; KeyError for UNSPECIFIED."""
    return _FROM_PROTO[value]
