"""What every ChargerService command shares: the stores, the task sender, the result
handlers, and the steps locate → build → send → record."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import grpc

from services.common import OcppVersion
from services.manager import commands
from services.manager._authorization import Authorizer
from services.manager._context import Clock
from services.manager._errors import (
    ChargerNotFound,
    ConflictError,
    InvalidArgument,
    ResourceNotFound,
)
from services.manager._lifecycle import ChargerLifecycle
from services.manager._policy import ChargerPolicy
from services.manager._runner import TaskRunner
from services.manager._stores import Stores
from services.manager._tasks import TaskResult
from services.manager.chargers._messages import charger_message
from services.registry import ChargerLocation, Registry

Context = grpc.aio.ServicerContext[Any, Any]


class _ForCharger(Protocol):
    @property
    def charger_id(self) -> str: ...


_R = TypeVar("_R", bound=_ForCharger)

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
MAX_CHARGER_ID_LENGTH = 48


def check_charger_id(charger_id: str) -> None:
    if not charger_id:
        raise InvalidArgument("charger_id", "is required")
    if len(charger_id) > MAX_CHARGER_ID_LENGTH:
        raise InvalidArgument("charger_id", f"is longer than {MAX_CHARGER_ID_LENGTH} characters")


class ChargerCommands:
    """The shared state and steps of the ChargerService mixins."""

    def __init__(
        self,
        stores: Stores,
        registry: Registry,
        tasks: TaskRunner,
        clock: Clock,
        *,
        policy: ChargerPolicy | None = None,
        charger_tls: bool = False,
    ) -> None:
        self._stores = stores
        self._store = stores.chargers
        self._registry = registry
        self._tasks = tasks
        self._clock = clock
        # Decides a tag's status for local lists and remote starts, as Authorize does.
        self._authorizer = Authorizer(stores.id_tags, stores.transactions, clock)
        # What each answer changes in the CSMS, for typed commands and SendCall alike
        # (the runner applies it to every task).
        self._results = tasks.results
        # Create, update, retire, restore (issue 11).
        self._lifecycle = ChargerLifecycle(
            stores, registry, tasks, clock, charger_message, policy=policy
        )
        #: Whether chargers can connect with TLS (nodes have a wss:// port): profiles 2, 3.
        self._charger_tls = charger_tls

    async def _prepare(
        self, request: _R, build: Callable[[str, OcppVersion, _R], commands.Call]
    ) -> tuple[ChargerLocation, str, dict[str, Any]]:
        """Locate the charger and build the message for its OCPP version (validating it)."""
        check_charger_id(request.charger_id)
        location = await self._tasks.locate(request.charger_id)
        action, payload = build(request.charger_id, location.ocpp_version, request)
        return location, action, payload

    async def _run(
        self, request: _R, build: Callable[[str, OcppVersion, _R], commands.Call]
    ) -> TaskResult:
        """Locate the charger, build the message for its OCPP version, send it, return the answer."""
        location, action, payload = await self._prepare(request, build)
        return await self._send(location, action, payload)

    async def _send(
        self, location: ChargerLocation, action: str, payload: dict[str, Any]
    ) -> TaskResult:
        """Send one task to the charger at `location` through the ``TaskRunner``: its
        members in schema order, recorded in the task history, what its answer changes
        recorded (the action's result handler, ``TaskResults``); return the answer."""
        return await self._tasks.send(location, action, payload)

    async def _status(
        self, request: _R, build: Callable[[str, OcppVersion, _R], commands.Call]
    ) -> str:
        """Run a command whose answer is just a status."""
        return status_of(await self._run(request, build))

    async def _known_charger(self, charger_id: str) -> None:
        check_charger_id(charger_id)
        if not await self._store.is_known(charger_id):
            raise ChargerNotFound(charger_id)

    async def _refuse_refused_tag(self, charger_id: str, id_tag: str) -> None:
        """FAILED_PRECONDITION for a tag the CSMS refuses (it knows it and Authorize would
        not answer Accepted), naming the tag or its group; a tag it does not know passes."""
        refusal = await self._authorizer.refusal(id_tag)
        if refusal is not None:
            raise ConflictError(
                f"{refusal}: not sent to charger {charger_id!r}; change the tag's status "
                "(IdTagService) or use another tag"
            )

    async def _charger_transaction_id(self, charger_id: str, transaction_id: int) -> str:
        """The 2.0.1 transactionId of the charger's transaction ``transaction_id``."""
        if transaction_id <= 0:
            raise InvalidArgument("transaction_id", "must be a transaction id issued by this CSMS")
        transaction = await self._stores.transactions.get(transaction_id)
        if transaction is None:
            raise ResourceNotFound(
                f"transaction {transaction_id} does not exist: pass the transaction_id the "
                "CSMS issued (TransactionService.ListTransactions)"
            )
        if transaction.charger_id != charger_id:
            raise InvalidArgument(
                "transaction_id",
                f"transaction {transaction_id} is on charger {transaction.charger_id!r}, "
                f"not {charger_id!r}",
            )
        if not transaction.charger_transaction_id:
            raise InvalidArgument(
                "transaction_id",
                f"transaction {transaction_id} was recorded over OCPP 1.6 and has no 2.0.1 "
                "transactionId the charger would know",
            )
        return transaction.charger_transaction_id


def status_of(answer: TaskResult) -> str:
    return str(answer.payload["status"])


def reason_of(answer: TaskResult) -> str:
    """A 2.0.1 answer's statusInfo as "reasonCode: additionalInfo" ("" when absent)."""
    info = answer.payload.get("statusInfo") or {}
    reason = str(info.get("reasonCode", ""))
    if info.get("additionalInfo"):
        reason = f"{reason}: {info['additionalInfo']}"
    return reason


def request_id_or_new(requested: int) -> int:
    """The request's id, or a fresh positive 31-bit one for 0."""
    if requested < 0:
        raise InvalidArgument("request_id", "must not be negative (0 = the CSMS picks one)")
    return requested or commands.remote_start_id()


def still_pending(reservation_id: int) -> str:
    return (
        f"reservation {reservation_id} stays Pending: the charger may hold it; "
        "cancel it or let it expire"
    )
