"""How the services of the mesh prove who they are to each other, and how callers attach
credentials to a gRPC channel.

Internal RPCs (the event stream and admission on the manager, ``Node.Send`` on a node,
the registry service's API) carry the shared mesh secret in the ``x-csms-mesh-secret``
metadata entry; the receiving server compares it in constant time and answers anything
else ``UNAUTHENTICATED``. ``MESH_SECRET`` sets it; `mesh_secret_from_env` refuses to
start without one unless the caller runs everything in one process on loopback (the
embedded ``make run``), which generates a random one.

Operator calls carry ``authorization: Bearer <token>`` instead (checked by the manager's
interceptor); `metadata_channel_interceptors` attaches either to every call of a channel.
"""

from __future__ import annotations

import hmac
import os
import secrets
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import grpc

from services.common._env import ConfigError
from services.common._handlers import refusing_handler

MESH_METADATA_KEY = "x-csms-mesh-secret"
#: At least this many characters: a secret anyone can guess protects nothing.
MIN_MESH_SECRET_LENGTH = 16

GENERATE_HINT = "generate one with: python -c 'import secrets; print(secrets.token_urlsafe(32))'"


def new_secret() -> str:
    """A random 256-bit secret in URL-safe text."""
    return secrets.token_urlsafe(32)


def mesh_secret_from_env(*, generate: bool = False) -> str:
    """``MESH_SECRET``, checked; a fresh random secret when unset and `generate` is true
    (only for processes that hold both ends of every internal link)."""
    value = os.environ.get("MESH_SECRET", "")
    if not value:
        if generate:
            return new_secret()
        raise ConfigError(
            "MESH_SECRET is not set: the node, manager and registry services authenticate "
            f"each other with it; set the same value on each ({GENERATE_HINT})"
        )
    if len(value) < MIN_MESH_SECRET_LENGTH:
        raise ConfigError(
            f"MESH_SECRET is {len(value)} characters long; use at least "
            f"{MIN_MESH_SECRET_LENGTH} ({GENERATE_HINT})"
        )
    return value


def secret_matches(presented: str | bytes | None, expected: str) -> bool:
    """Constant-time comparison of a presented secret with the expected one."""
    if presented is None:
        return False
    if isinstance(presented, str):
        presented = presented.encode()
    return hmac.compare_digest(presented, expected.encode())


def metadata_value(metadata: Sequence[tuple[str, str | bytes]] | None, key: str) -> str | None:
    """The first value of `key` in gRPC invocation metadata (keys are lower case)."""
    for name, value in metadata or ():
        if name == key:
            return value if isinstance(value, str) else value.decode("latin-1")
    return None


def mesh_metadata(secret: str) -> tuple[tuple[str, str], ...]:
    """Metadata proving membership of the mesh, for one call."""
    return ((MESH_METADATA_KEY, secret),)


# -- client side: attach metadata to every call of a channel ---------------------------------


def _with_metadata(details: Any, extra: tuple[tuple[str, str], ...]) -> Any:
    metadata = grpc.aio.Metadata(*tuple(details.metadata or ()), *extra)
    return grpc.aio.ClientCallDetails(
        details.method, details.timeout, metadata, details.credentials, details.wait_for_ready
    )


class _UnaryUnary(grpc.aio.UnaryUnaryClientInterceptor):
    def __init__(self, extra: tuple[tuple[str, str], ...]) -> None:
        self._extra = extra

    async def intercept_unary_unary(
        self, continuation: Callable[..., Any], client_call_details: Any, request: Any
    ) -> Any:
        return await continuation(_with_metadata(client_call_details, self._extra), request)


class _UnaryStream(grpc.aio.UnaryStreamClientInterceptor):
    def __init__(self, extra: tuple[tuple[str, str], ...]) -> None:
        self._extra = extra

    async def intercept_unary_stream(
        self, continuation: Callable[..., Any], client_call_details: Any, request: Any
    ) -> Any:
        return await continuation(_with_metadata(client_call_details, self._extra), request)


class _StreamUnary(grpc.aio.StreamUnaryClientInterceptor):
    def __init__(self, extra: tuple[tuple[str, str], ...]) -> None:
        self._extra = extra

    async def intercept_stream_unary(
        self, continuation: Callable[..., Any], client_call_details: Any, request_iterator: Any
    ) -> Any:
        return await continuation(
            _with_metadata(client_call_details, self._extra), request_iterator
        )


class _StreamStream(grpc.aio.StreamStreamClientInterceptor):
    def __init__(self, extra: tuple[tuple[str, str], ...]) -> None:
        self._extra = extra

    async def intercept_stream_stream(
        self, continuation: Callable[..., Any], client_call_details: Any, request_iterator: Any
    ) -> Any:
        return await continuation(
            _with_metadata(client_call_details, self._extra), request_iterator
        )


def metadata_channel_interceptors(
    metadata: tuple[tuple[str, str], ...],
) -> list[grpc.aio.ClientInterceptor]:
    """Interceptors for ``grpc.aio.insecure_channel(..., interceptors=...)`` that add
    `metadata` to every call, whatever its kind."""
    return [
        _UnaryUnary(metadata),
        _UnaryStream(metadata),
        _StreamUnary(metadata),
        _StreamStream(metadata),
    ]


def bearer_metadata(token: str) -> tuple[tuple[str, str], ...]:
    return (("authorization", f"Bearer {token}"),)


# -- server side: refuse every call without the mesh secret ----------------------------------


#: What a caller may use without the mesh secret: the gRPC health probes (Check and Watch;
#: services/common/_health.py), which cannot send credentials and reveal only SERVING or
#: NOT_SERVING. Reflection and every other method need the secret.
OPEN_METHODS: frozenset[str] = frozenset(
    {"/grpc.health.v1.Health/Check", "/grpc.health.v1.Health/Watch"}
)


class MeshAuthInterceptor(grpc.aio.ServerInterceptor):
    """Server interceptor: every method but the health probes (`OPEN_METHODS`) needs the
    mesh secret (for servers that serve only internal RPCs: a node's ``Node.Send``, the
    registry service)."""

    def __init__(self, secret: str, *, open_methods: frozenset[str] = OPEN_METHODS) -> None:
        self._secret = secret
        self._open = open_methods

    async def intercept_service(
        self,
        continuation: Callable[
            [grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler[Any, Any] | None]
        ],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        handler = await continuation(handler_call_details)
        if handler is None or handler_call_details.method in self._open:
            return handler
        presented = metadata_value(handler_call_details.invocation_metadata, MESH_METADATA_KEY)
        if secret_matches(presented, self._secret):
            return handler
        return refusing_handler(
            handler,
            grpc.StatusCode.UNAUTHENTICATED,
            f"{handler_call_details.method} is internal to the mesh: the caller must present "
            f"the mesh secret (MESH_SECRET) in {MESH_METADATA_KEY}",
        )
