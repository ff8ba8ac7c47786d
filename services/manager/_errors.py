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
    ├── NotConfigured        FAILED_PRECONDITION  the call needs something not configured
    │                                           (the frame journal: JOURNAL_URL)
    └── OcppCallError        (not an API error) a CallError the manager answers a charger with;
                             one subclass per OCPP-J error code (tree in its docstring)

Dependencies' errors become ManagerErrors here and nowhere else (``from_dependency_error``):

- the store's (``services.manager.store.StoreError``, ``from_store_error``): NotFound,
  AlreadyExists, Conflict, StoreUnavailable as above, InvalidPageToken as InvalidArgument
  naming ``page_token``, StoreDataError (a value the database refused, e.g. a NUL
  character) as InvalidArgument;
- the registry's (``services.registry.RegistryError``, ``from_registry_error``):
  RegistryUnavailable as RegistryUnreachable, InvalidArgument as InvalidArgument,
  NodeNotRegistered as NodeUnavailable;
- the frame journal's (``services.journal.JournalError``, ``from_journal_error``): as
  StorageUnavailable (a bad cursor is the caller's, and the servicer names its field).

``grpc_errors`` applies them, so a servicer (the public API and ``Events.Admit`` alike) lets
store and registry errors propagate.

Bugs are not ManagerErrors: they surface as INTERNAL with the traceback logged.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar, TypeVar

import grpc

from services import journal, registry
from services.common import OcppVersion
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


class NotConfigured(ManagerError):
    """The call needs a part this deployment has not configured; the message says which
    setting turns it on."""

    status = grpc.StatusCode.FAILED_PRECONDITION


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


def from_journal_error(exc: journal.JournalError) -> ManagerError:
    """The ManagerError a frame journal error is reported as."""
    return StorageUnavailable(f"the frame journal is unavailable: {exc}")


def from_dependency_error(
    exc: store.StoreError | registry.RegistryError | journal.JournalError,
) -> ManagerError:
    """The ManagerError a store, registry or journal error is reported as (the one mapping)."""
    if isinstance(exc, store.StoreError):
        return from_store_error(exc)
    if isinstance(exc, journal.JournalError):
        return from_journal_error(exc)
    return from_registry_error(exc)


class OcppCallError(Exception):
    """A CallError the manager answers a charger's call with (raised by a handler, or built
    by the dispatcher). Raise a subclass: each carries its OCPP-J error code, ``code`` as
    OCPP 2.0.1 / 2.1 spell it and ``code_16`` where OCPP-J 1.6 spells it otherwise (ADR 0004);
    ``code_for`` picks the one for the charger's version.

    Codes (1.6 spelling where it differs)::

        OcppCallError
        ├── OcppNotImplemented                 NotImplemented
        ├── OcppNotSupported                   NotSupported
        ├── OcppInternalError                  InternalError
        ├── OcppProtocolError                  ProtocolError
        ├── OcppSecurityError                  SecurityError
        ├── OcppFormatViolation                FormatViolation (1.6: FormationViolation)
        ├── OcppPropertyConstraintViolation    PropertyConstraintViolation
        ├── OcppOccurrenceConstraintViolation  OccurrenceConstraintViolation
        │                                      (1.6: OccurenceConstraintViolation, sic)
        ├── OcppTypeConstraintViolation        TypeConstraintViolation
        ├── OcppGenericError                   GenericError
        ├── OcppMessageTypeNotSupported        MessageTypeNotSupported (2.x; 1.6: FormationViolation)
        └── OcppRpcFrameworkError              RpcFrameworkError (2.x; 1.6: FormationViolation)
    """

    #: The OCPP 2.0.1 / 2.1 error code.
    code: ClassVar[str]
    #: The OCPP-J 1.6 error code, when it is not ``code``.
    code_16: ClassVar[str | None] = None

    def __init__(self, description: str) -> None:
        if not hasattr(type(self), "code"):
            raise TypeError("raise a subclass of OcppCallError: it names the OCPP error code")
        super().__init__(f"{self.code}: {description}")
        self.description = description

    def code_for(self, version: OcppVersion) -> str:
        """The error code as `version` spells it."""
        return (self.code_16 or self.code) if version.is_16 else self.code


class OcppNotImplemented(OcppCallError):
    """The action is not known to the receiver."""

    code = "NotImplemented"


class OcppNotSupported(OcppCallError):
    """The action is recognised but not supported by the receiver."""

    code = "NotSupported"


class OcppInternalError(OcppCallError):
    """An internal error kept the receiver from processing the action."""

    code = "InternalError"


class OcppProtocolError(OcppCallError):
    """The payload for the action is incomplete."""

    code = "ProtocolError"


class OcppSecurityError(OcppCallError):
    """A security issue kept the receiver from completing the action."""

    code = "SecurityError"


class OcppFormatViolation(OcppCallError):
    """The payload is syntactically incorrect or breaks the action's format."""

    code = "FormatViolation"
    code_16 = "FormationViolation"


class OcppPropertyConstraintViolation(OcppCallError):
    """A field holds a value its constraints do not allow."""

    code = "PropertyConstraintViolation"


class OcppOccurrenceConstraintViolation(OcppCallError):
    """A field occurs too often or too rarely (e.g. a required one is missing)."""

    code = "OccurrenceConstraintViolation"
    code_16 = "OccurenceConstraintViolation"  # sic, OCPP-J 1.6


class OcppTypeConstraintViolation(OcppCallError):
    """A field holds a value of the wrong type (a string where a number belongs...)."""

    code = "TypeConstraintViolation"


class OcppGenericError(OcppCallError):
    """Any other error."""

    code = "GenericError"


class OcppMessageTypeNotSupported(OcppCallError):
    """A message type number the receiver does not know (2.x; 1.6 calls it a FormationViolation)."""

    code = "MessageTypeNotSupported"
    code_16 = "FormationViolation"


class OcppRpcFrameworkError(OcppCallError):
    """The frame is not a valid RPC (2.x; 1.6 calls it a FormationViolation)."""

    code = "RpcFrameworkError"
    code_16 = "FormationViolation"


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
            except (store.StoreError, registry.RegistryError, journal.JournalError) as exc:
                raise from_dependency_error(exc) from exc
        except ManagerError as exc:
            if isinstance(exc, ChargerCallError):
                context.set_trailing_metadata(
                    (("ocpp-error-code", exc.code), ("ocpp-error-description", exc.description))
                )
            await context.abort(exc.status, str(exc))
            raise AssertionError("unreachable") from exc

    return wrapper
