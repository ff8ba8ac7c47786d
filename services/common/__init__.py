"""Small pieces shared by every service: configuration from the environment, versions, time."""

from services.common._channels import reconnect_backoff_options
from services.common._env import env_float, env_int, env_str
from services.common._time import parse_ocpp_time
from services.common._urls import without_password
from services.common._versions import (
    OCPP_VERSIONS,
    OcppVersion,
    from_proto_version,
    to_proto_version,
)

__all__ = [
    "OCPP_VERSIONS",
    "OcppVersion",
    "env_float",
    "env_int",
    "env_str",
    "from_proto_version",
    "parse_ocpp_time",
    "reconnect_backoff_options",
    "to_proto_version",
    "without_password",
]
