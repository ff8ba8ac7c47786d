"""The registry's vocabulary: locations, node leases, evictions, errors, the Protocol.

Error tree of domain errors (misuse is not among them: an unknown OCPP version
raises ``ValueError``, use after ``aclose`` raises ``RegistryClosed(RuntimeError)``)::

    RegistryError
    ├── NodeNotRegistered    claim by a node whose lease is absent or expired
    ├── InvalidArgument      bad page_size / page_token (``.field`` names it)
    └── RegistryUnavailable  the backing store did not answer (in time)
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from collections.abc import AsyncGenerator, Sequence
from dataclasses import dataclass
from typing import Final, Protocol

from services.common._versions import OcppVersion

#: The OCPP-J versions a charger can negotiate, as the node reports them.
OCPP_VERSIONS: Final = frozenset(OcppVersion)

DEFAULT_PAGE_SIZE: Final = 100
MAX_PAGE_SIZE: Final = 1000

_TOKEN_MARK: Final = "c:"


@dataclass(frozen=True, slots=True)
class ChargerLocation:
    """Where one connected charger's websocket lives."""

    charger_id: str
    node_id: str
    node_address: str  # host:port of the owning node's Node service
    epoch: int  # increases on every (re)connect of this charger; the highest owns it
    connected_at: float  # unix seconds
    ocpp_version: OcppVersion


@dataclass(frozen=True, slots=True)
class NodeInfo:
    """A node with a live lease."""

    node_id: str
    address: str
    lease_expires_at: float  # unix seconds
    charger_count: int


@dataclass(frozen=True, slots=True)
class Eviction:
    """Told to a node whose connection for ``charger_id`` must close.

    Without a ``reason`` the connection was superseded: ``epoch`` is the NEW owner's, and
    local connections with a lower epoch close. With one, the CSMS closes the connection
    itself (``Registry.disconnect``, e.g. the charger was retired): ``epoch`` is that
    connection's own, and connections up to it close, telling the charger ``reason``.
    """

    charger_id: str
    epoch: int
    reason: str = ""

    def closes(self, epoch: int) -> bool:
        """Whether a local connection with `epoch` must close."""
        return epoch < self.epoch or (bool(self.reason) and epoch == self.epoch)


class RegistryError(Exception):
    """Base of every registry domain error."""


class NodeNotRegistered(RegistryError):
    """The node has no live lease: it must ``register_node`` (and re-claim) first."""

    def __init__(self, node_id: str) -> None:
        super().__init__(f"node {node_id!r} has no live lease; register it first")
        self.node_id = node_id


class InvalidArgument(RegistryError):
    """A caller-supplied argument is invalid; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class RegistryUnavailable(RegistryError):
    """The backing store could not be reached or did not answer in time."""


class RegistryClosed(RuntimeError):
    """The registry was used after ``aclose`` (a bug in the caller, not a domain error)."""


class Registry(Protocol):
    """Map of connected charger id → owning node, with node leases."""

    async def register_node(self, node_id: str, address: str) -> None:
        """Create or refresh the node's lease; a new lease starts with no chargers."""
        ...

    async def renew_node(self, node_id: str) -> bool:
        """Heartbeat; False if the lease had expired (re-register and re-claim)."""
        ...

    async def deregister_node(self, node_id: str) -> None:
        """Graceful shutdown: drop the lease and all the node's chargers."""
        ...

    async def claim(self, charger_id: str, node_id: str, ocpp_version: str) -> ChargerLocation:
        """Record a new connection with the next epoch and evict the previous owner."""
        ...

    async def release(self, charger_id: str, node_id: str, epoch: int) -> bool:
        """Remove the charger only if (node_id, epoch) still owns it."""
        ...

    async def lookup(self, charger_id: str) -> ChargerLocation | None:
        """The owner, or None if absent or its node's lease expired."""
        ...

    async def lookup_many(self, charger_ids: Sequence[str]) -> dict[str, ChargerLocation]:
        """The live owners of those ids that have one, in one round trip."""
        ...

    async def list_chargers(
        self, node_id: str | None = None, page_size: int = 100, page_token: str = ""
    ) -> tuple[list[ChargerLocation], str]:
        """One page sorted by charger id and the token of the next ("" on the last)."""
        ...

    async def connected_ids(self) -> set[str]:
        """Every live charger id."""
        ...

    async def list_nodes(self) -> list[NodeInfo]:
        """Live nodes sorted by id, with lease expiry and charger counts."""
        ...

    async def sweep(self) -> int:
        """Remove the chargers of nodes whose lease expired; return how many."""
        ...

    async def ping(self) -> None:
        """Return when the registry's store answers (readiness checks); RegistryUnavailable
        when it does not."""
        ...

    async def disconnect(self, charger_id: str, reason: str) -> ChargerLocation | None:
        """Have the node that holds the charger close its connection, telling it `reason`
        (an eviction with that reason to that node); the connection told to close, or None
        when the charger is not connected. At most once, like every eviction: the caller
        checks that the charger went (``lookup``) and asks again if not."""
        ...

    def evictions(
        self, node_id: str, *, ready: asyncio.Event | None = None
    ) -> AsyncGenerator[Eviction, None]:
        """Evictions addressed to the node; ``ready`` is set once subscribed."""
        ...

    async def aclose(self) -> None:
        """Release resources; idempotent."""
        ...


def check_version(ocpp_version: str) -> OcppVersion:
    """The version of a claim; ValueError for one the node should never report."""
    return OcppVersion.parse(ocpp_version)


def check_page_size(page_size: int) -> None:
    """Raise InvalidArgument unless 1 <= page_size <= MAX_PAGE_SIZE."""
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise InvalidArgument("page_size", f"must be between 1 and {MAX_PAGE_SIZE}")


def encode_page_token(last_charger_id: str) -> str:
    """Opaque keyset token: the last charger id of the page."""
    raw = (_TOKEN_MARK + last_charger_id).encode()
    return base64.urlsafe_b64encode(raw).decode("ascii")


def decode_page_token(token: str) -> str:
    """The charger id after which the next page starts ("" for the first page)."""
    if not token:
        return ""
    try:
        text = base64.urlsafe_b64decode(token.encode("ascii")).decode()
    except (UnicodeError, binascii.Error, ValueError):
        raise InvalidArgument("page_token", "not a token returned by this API") from None
    if not text.startswith(_TOKEN_MARK) or len(text) == len(_TOKEN_MARK):
        raise InvalidArgument("page_token", "not a token returned by this API")
    return text[len(_TOKEN_MARK) :]
