"""The registry: which node process holds each connected charger's websocket.

``Registry`` is the Protocol; ``RedisRegistry`` backs a deployment,
``MemoryRegistry`` the single-process embedded mode; ``RegistryServicer`` serves
the ``csms.v1.Registry`` inspection API over either. The scheme is recorded in
docs/adr/0003-registry-scheme.md.
"""

from ._memory import MemoryRegistry
from ._model import (
    ChargerLocation,
    Eviction,
    InvalidArgument,
    NodeInfo,
    NodeNotRegistered,
    Registry,
    RegistryClosed,
    RegistryError,
    RegistryUnavailable,
)
from ._redis import RedisRegistry
from ._service import RegistryServicer, registry_server

__all__ = [
    "ChargerLocation",
    "Eviction",
    "InvalidArgument",
    "MemoryRegistry",
    "NodeInfo",
    "NodeNotRegistered",
    "RedisRegistry",
    "Registry",
    "RegistryClosed",
    "RegistryError",
    "RegistryServicer",
    "RegistryUnavailable",
    "registry_server",
]
