"""Manager errors, and the ONE place where they become gRPC status codes.

    ManagerError
    ├── InvalidArgument      INVALID_ARGUMENT   a request field is wrong (names the field)
    ├── ChargerNotFound      NOT_FOUND          no charger with that id was ever seen
    ├── ChargerNotConnected  UNAVAILABLE        known, but no node holds it now
    ├── NodeUnavailable      UNAVAILABLE        the node holding it does not answer
    ├── ChargerTimeout       DEADLINE_EXCEEDED  the charger did not answer in time
    ├── ChargerDisconnected  ABORTED            it hung up after the task was delivered
    ├── ChargerCallError     FAILED_PRECONDITION  the charger answered with a CallError
    ├── UnsupportedByProtocol FAILED_PRECONDITION the command does not exist in its OCPP version
    ├── ResourceNotFound     NOT_FOUND          an id tag, transaction, location... does not exist
    ├── AlreadyExistsError   ALREADY_EXISTS     creating something whose id is taken
    ├── ConflictError        FAILED_PRECONDITION  the change contradicts other data
    ├── StorageUnavailable   UNAVAILABLE        the database did not answer
    ├── RegistryUnreachable  UNAVAILABLE        the registry (Redis) did not answer
    └── OcppCallError        (not an API error) a CallError the manager answers a charger with

Dependencies' errors become ManagerErrors here and nowhere else (``from_dependency_error``):

- the store's (``services.manager.store.StoreError``, ``from_store_error``): NotFound,
  AlreadyExists, Conflict, StoreUnavailable as above, InvalidPageToken as InvalidArgument
  naming ``page_token``, StoreDataError (a value the database refused, e.g. a NUL
  character) as InvalidArgument;
- the registry's (``services.registry.RegistryError``, ``from_registry_error``):
  RegistryUnavailable as RegistryUnreachable, InvalidArgument as InvalidArgument,
  NodeNotRegistered as NodeUnavailable.

``grpc_errors`` applies them, so a servicer (the public API and ``Events.Admit`` alike) lets
store and registry errors propagate.

Bugs are not ManagerErrors: they surface as INTERNAL with the traceback logged.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import grpc

from services import registry
from services.manager import store

log = logging.getLogger(__name__)


class ManagerError(Exception):
    """Base of every error the manager reports to a caller."""

    status = grpc.StatusCode.UNKNOWN


class InvalidArgument(ManagerError):
    status = grpc.StatusCode.INVALID_ARGUMENT

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field


class ChargerNotFound(ManagerError):
    status = grpc.StatusCode.NOT_FOUND

    def __init__(self, charger_id: str) -> None:
        super().__init__(f"charger {charger_id!r} is not known to this CSMS")


class ChargerNotConnected(ManagerError):
    status = grpc.StatusCode.UNAVAILABLE

    def __init__(self, charger_id: str) -> None:
        super().__init__(f"charger {charger_id!r} is not connected; try again when it is online")


class NodeUnavailable(ManagerError):
    status = grpc.StatusCode.UNAVAILABLE


class ChargerTimeout(ManagerError):
    status = grpc.StatusCode.DEADLINE_EXCEEDED


class ChargerDisconnected(ManagerError):
    """The charger's socket closed after the task was delivered and before it answered.

    Unlike ChargerNotConnected (never sent), the charger may have acted on it: an
    operator must check before repeating a Reset or a RemoteStart."""

    status = grpc.StatusCode.ABORTED

    def __init__(self, charger_id: str, action: str) -> None:
        super().__init__(
            f"charger {charger_id!r} disconnected after the command ({action}) was delivered, "
            "before answering; it may have acted on it: check its state before sending it again"
        )


class ChargerCallError(ManagerError):
    """The charger answered a task with a CallError (or an answer breaking the schema)."""

    status = grpc.StatusCode.FAILED_PRECONDITION

    def __init__(self, charger_id: str, action: str, code: str, description: str) -> None:
        super().__init__(
            f"charger {charger_id!r} answered {action} with CallError {code}: {description}"
        )
        self.code = code
        self.description = description


class UnsupportedByProtocol(ManagerError):
    status = grpc.StatusCode.FAILED_PRECONDITION

    def __init__(self, charger_id: str, ocpp_version: str, what: str) -> None:
        super().__init__(f"charger {charger_id!r} speaks OCPP {ocpp_version}: {what}")


class ResourceNotFound(ManagerError):
    """The thing a request names does not exist; the message names it."""

    status = grpc.StatusCode.NOT_FOUND


class AlreadyExistsError(ManagerError):
    status = grpc.StatusCode.ALREADY_EXISTS


class ConflictError(ManagerError):
    """The change contradicts other data (e.g. deleting a parent tag still referenced)."""

    status = grpc.StatusCode.FAILED_PRECONDITION


class StorageUnavailable(ManagerError):
    status = grpc.StatusCode.UNAVAILABLE


class RegistryUnreachable(ManagerError):
    """The registry (Redis) could not be reached: where chargers are is unknown for now."""

    status = grpc.StatusCode.UNAVAILABLE


def from_store_error(exc: store.StoreError) -> ManagerError:
    """The ManagerError (hence gRPC status) a store error is reported as."""
    if isinstance(exc, store.InvalidPageToken):
        return InvalidArgument("page_token", str(exc))
    if isinstance(exc, store.NotFound):
        return ResourceNotFound(str(exc))
    if isinstance(exc, store.AlreadyExists):
        return AlreadyExistsError(str(exc))
    if isinstance(exc, store.Conflict):
        return ConflictError(str(exc))
    if isinstance(exc, store.StoreDataError):  # a value the database cannot hold (ADR 0010)
        return InvalidArgument("request", f"a value cannot be stored: {exc}")
    if isinstance(exc, store.StoreUnavailable):
        return StorageUnavailable(f"the database is unavailable: {exc}")
    return ManagerError(str(exc))


def from_registry_error(exc: registry.RegistryError) -> ManagerError:
    """The ManagerError (hence gRPC status) a registry error is reported as."""
    if isinstance(exc, registry.RegistryUnavailable):
        return RegistryUnreachable(
            f"the registry (Redis) is unreachable, so the CSMS cannot tell which node holds "
            f"the charger; retry when it is back ({exc})"
        )
    if isinstance(exc, registry.InvalidArgument):
        return InvalidArgument(exc.field, str(exc).removeprefix(f"{exc.field}: "))
    if isinstance(exc, registry.NodeNotRegistered):
        return NodeUnavailable(str(exc))
    return ManagerError(str(exc))


def from_dependency_error(exc: store.StoreError | registry.RegistryError) -> ManagerError:
    """The ManagerError a store or registry error is reported as (the one mapping)."""
    if isinstance(exc, store.StoreError):
        return from_store_error(exc)
    return from_registry_error(exc)


class OcppCallError(Exception):
    """Raised by a handler to answer the charger's call with a CallError."""

    def __init__(self, code: str, description: str) -> None:
        super().__init__(f"{code}: {description}")
        self.code = code
        self.description = description


_Servicer = TypeVar("_Servicer")
_Request = TypeVar("_Request")
_Response = TypeVar("_Response")


def grpc_errors(
    method: Callable[
        [_Servicer, _Request, grpc.aio.ServicerContext[Any, Any]], Awaitable[_Response]
    ],
) -> Callable[[_Servicer, _Request, grpc.aio.ServicerContext[Any, Any]], Awaitable[_Response]]:
    """Map ManagerErrors (and store and registry errors) raised by a servicer method to their
    gRPC status."""

    @functools.wraps(method)
    async def wrapper(
        self: _Servicer, request: _Request, context: grpc.aio.ServicerContext[Any, Any]
    ) -> _Response:
        try:
            try:
                return await method(self, request, context)
            except (store.StoreError, registry.RegistryError) as exc:
                raise from_dependency_error(exc) from exc
        except ManagerError as exc:
            if isinstance(exc, ChargerCallError):
                context.set_trailing_metadata(
                    (("ocpp-error-code", exc.code), ("ocpp-error-description", exc.description))
                )
            await context.abort(exc.status, str(exc))
            raise AssertionError("unreachable") from exc

    return wrapper
