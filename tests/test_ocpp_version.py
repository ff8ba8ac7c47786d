"""OcppVersion: one enum for the OCPP versions, equal to the strings stored and sent."""

from __future__ import annotations

import pytest
from csms.v1 import common_pb2

from services.common import OcppVersion, from_proto_version, to_proto_version


def test_members_equal_the_strings_stored_and_sent() -> None:
    """A stored "1.6" and OcppVersion.V16 are equal and hash alike (dict keys keep working)."""
    stored: str = "1.6"
    assert stored == OcppVersion.V16
    assert {"2.0.1": 1}[OcppVersion.V201] == 1
    assert f"OCPP {OcppVersion.V21}" == "OCPP 2.1"


def test_parse_names_the_known_versions() -> None:
    """An unknown version is refused with the versions this CSMS speaks."""
    assert OcppVersion.parse("2.0.1") is OcppVersion.V201
    with pytest.raises(ValueError, match=r"'1\.5'.*1\.6, 2\.0\.1, 2\.1"):
        OcppVersion.parse("1.5")


def test_predicates() -> None:
    """2.1 follows 2.0.1's rules; only 1.6 is 1.6."""
    assert [v.is_16 for v in OcppVersion] == [True, False, False]
    assert [v.family for v in OcppVersion] == [OcppVersion.V16, OcppVersion.V201, OcppVersion.V201]


def test_proto_round_trip() -> None:
    """Each version maps to its proto enum and back to the same member."""
    for version in OcppVersion:
        assert from_proto_version(to_proto_version(version)) is version
    assert to_proto_version("1.6") == common_pb2.OCPP_VERSION_16
