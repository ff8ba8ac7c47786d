"""The charger lifecycle behind ``ChargerService``: create, update, retire, restore.

- Create adds a charger before it first connects, with its security profile, Basic auth
  password (stored only as an argon2id hash, hashed in a thread: it costs CPU on purpose),
  description, location and registration status.
- Update changes what an ``update_mask`` names. A change of registration status reaches a
  connected charger at once: it is asked to boot again (TriggerMessage BootNotification),
  and its BootNotification is answered with the new status. Best effort: a charger that
  does not take the trigger boots again after its interval.
- Retire (``DeleteCharger``) marks the charger retired (every row of its history stays)
  and closes its connection: the registry tells the owning node (an eviction with the
  reason, which the nodes already subscribe to), and the manager waits until the node
  released it. From then on the handshake refuses it (``ChargerPolicy``).
- Restore clears the retirement; the charger is admitted again.

Roles (admin for all four) are the operator interceptor's business, not this module's.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from csms.v1 import chargers_pb2

from services.common._passwords import PasswordPolicyError, check_password_policy, hash_password
from services.manager._context import Clock
from services.manager._errors import (
    AlreadyExistsError,
    ChargerNotFound,
    InvalidArgument,
    ManagerError,
    NodeUnavailable,
)
from services.manager._policy import ChargerPolicy
from services.manager._runner import TaskRunner
from services.manager._stores import Stores
from services.manager.store import AlreadyExists, ChargerRecord, NotFound
from services.manager.store._lifecycle import MAX_DESCRIPTION_LENGTH
from services.registry import ChargerLocation, Registry, RegistryError

log = logging.getLogger(__name__)

MAX_CHARGER_ID_LENGTH = 48
#: Security profiles whose chargers present a Basic auth password.
PASSWORD_PROFILES = frozenset({1, 2})

_STATUS_NAMES: dict[int, str] = {
    chargers_pb2.REGISTRATION_STATUS_ACCEPTED: "Accepted",
    chargers_pb2.REGISTRATION_STATUS_PENDING: "Pending",
    chargers_pb2.REGISTRATION_STATUS_REJECTED: "Rejected",
}
#: The fields UpdateCharger's mask may name.
UPDATABLE = ("security_profile", "password", "description", "location_id", "registration_status")

Describe = Callable[[ChargerRecord, ChargerLocation | None], chargers_pb2.Charger]


def check_new_charger_id(charger_id: str) -> None:
    """A charger id an operator may create: 1 to 48 printable characters without "/"
    (it is the last part of the charger's websocket URL)."""
    if not charger_id:
        raise InvalidArgument("charger_id", "is required")
    if len(charger_id) > MAX_CHARGER_ID_LENGTH:
        raise InvalidArgument(
            "charger_id",
            f"is {len(charger_id)} characters long; at most {MAX_CHARGER_ID_LENGTH} are allowed",
        )
    if not charger_id.isprintable():
        raise InvalidArgument("charger_id", "must be printable characters only")
    if "/" in charger_id:
        raise InvalidArgument("charger_id", 'must not contain "/" (it ends the charger\'s URL)')


def _check_profile(profile: int) -> int:
    if not 0 <= profile <= 3:
        raise InvalidArgument(
            "security_profile",
            f"is {profile}; it must be 0 (none), 1 (Basic auth), 2 (TLS + Basic auth) or "
            "3 (mutual TLS)",
        )
    return profile


def _check_password(password: str) -> None:
    try:
        check_password_policy(password)
    except PasswordPolicyError as exc:
        raise InvalidArgument("password", str(exc)) from None


def _check_description(description: str) -> str:
    if len(description) > MAX_DESCRIPTION_LENGTH:
        raise InvalidArgument("description", f"is longer than {MAX_DESCRIPTION_LENGTH} characters")
    return description


def _status_name(status: int, *, default: str | None) -> str:
    """The store's name of `status`; `default` stands for UNSPECIFIED (None: refused)."""
    name = default if status == chargers_pb2.REGISTRATION_STATUS_UNSPECIFIED else None
    name = _STATUS_NAMES.get(status, name)
    if name is None:
        raise InvalidArgument("registration_status", "must be ACCEPTED, PENDING or REJECTED")
    return name


def _needs_password(profile: int) -> InvalidArgument:
    return InvalidArgument(
        "password",
        f"security profile {profile} needs a Basic auth password (16 to 40 printable "
        "ASCII characters)",
    )


class ChargerLifecycle:
    """Create, update, retire and restore chargers (the four admin RPCs)."""

    def __init__(
        self,
        stores: Stores,
        registry: Registry,
        tasks: TaskRunner,
        clock: Clock,
        describe: Describe,
        *,
        policy: ChargerPolicy | None = None,
        close_timeout: float = 2.0,
        trigger_timeout: float = 5.0,
    ) -> None:
        self._stores = stores
        self._store = stores.chargers
        self._registry = registry
        self._tasks = tasks
        self._clock = clock
        self._describe = describe
        self._policy = policy
        #: How long DeleteCharger waits for the node to close the charger's connection.
        self.close_timeout = close_timeout
        #: How long an update waits for a connected charger to take TriggerMessage.
        self.trigger_timeout = trigger_timeout

    async def create(self, request: chargers_pb2.CreateChargerRequest) -> chargers_pb2.Charger:
        check_new_charger_id(request.charger_id)
        profile = _check_profile(request.security_profile)
        if request.password:
            _check_password(request.password)
        elif profile in PASSWORD_PROFILES:
            raise _needs_password(profile)
        description = _check_description(request.description)
        status = _status_name(request.registration_status, default="Accepted")
        await self._check_location(request.location_id)
        password_hash = (
            await asyncio.to_thread(hash_password, request.password) if request.password else None
        )
        try:
            record = await self._store.create(
                request.charger_id,
                security_profile=profile,
                password_hash=password_hash,
                description=description,
                location_id=request.location_id,
                registration_status=status,
                at=self._clock(),
            )
        except AlreadyExists as exc:
            raise AlreadyExistsError(str(exc)) from None
        except NotFound as exc:  # the location went meanwhile
            raise InvalidArgument("location_id", str(exc)) from None
        self._forget(request.charger_id)
        log.info("charger %s created (security profile %d, %s)", record.charger_id, profile, status)
        return self._describe(record, None)

    async def update(self, request: chargers_pb2.UpdateChargerRequest) -> chargers_pb2.Charger:
        charger_id = request.charger_id
        check_new_charger_id(charger_id)
        held = await self._store.get(charger_id)
        if held is None:
            raise ChargerNotFound(charger_id)
        changes = await self._changes(request, held)
        try:
            record = await self._store.update(charger_id, at=self._clock(), **changes)
        except NotFound as exc:
            if "location" in str(exc):
                raise InvalidArgument("location_id", str(exc)) from None
            raise ChargerNotFound(charger_id) from None
        self._forget(charger_id)
        location = await self._registry.lookup(charger_id)
        status = changes.get("registration_status")
        if status is not None and status != held.registration_status and location is not None:
            await self._boot_again(location, status)
        log.info("charger %s updated: %s", charger_id, ", ".join(sorted(changes)) or "nothing")
        return self._describe(record, location)

    async def retire(self, request: chargers_pb2.DeleteChargerRequest) -> chargers_pb2.Charger:
        charger_id = request.charger_id
        if not charger_id:
            raise InvalidArgument("charger_id", "is required")
        try:
            record = await self._store.retire(charger_id, self._clock())
        except NotFound:
            raise ChargerNotFound(charger_id) from None
        self._forget(charger_id)
        if self._policy is not None:
            # Should its connection outlive the close, it may only boot (and is Rejected).
            self._policy.gated[charger_id] = "Rejected"
        log.info("charger %s retired", charger_id)
        await self._close_connection(charger_id)
        return self._describe(record, None)

    async def restore(self, request: chargers_pb2.RestoreChargerRequest) -> chargers_pb2.Charger:
        charger_id = request.charger_id
        if not charger_id:
            raise InvalidArgument("charger_id", "is required")
        try:
            record = await self._store.restore(charger_id, self._clock())
        except NotFound:
            raise ChargerNotFound(charger_id) from None
        self._forget(charger_id)
        if self._policy is not None:
            self._policy.gated.pop(charger_id, None)  # its next admission decides again
        log.info("charger %s restored", charger_id)
        return self._describe(record, await self._registry.lookup(charger_id))

    # -- helpers ----------------------------------------------------------------------

    async def _changes(
        self, request: chargers_pb2.UpdateChargerRequest, held: ChargerRecord
    ) -> dict[str, Any]:
        """The store changes the request asks for, checked against the charger as held."""
        paths = list(request.update_mask.paths)
        unknown = [p for p in paths if p not in UPDATABLE]
        if unknown:
            raise InvalidArgument(
                "update_mask",
                f"cannot change {', '.join(unknown)}; the fields are {', '.join(UPDATABLE)}",
            )
        if not paths:  # the fields set to a non-default value
            paths = [name for name in UPDATABLE if _is_set(request, name)]
        if not paths:
            raise InvalidArgument(
                "update_mask", f"names no field and no field is set; set one of {UPDATABLE}"
            )
        changes: dict[str, Any] = {}
        profile = held.security_profile
        if "security_profile" in paths:
            profile = changes["security_profile"] = _check_profile(request.security_profile)
        has_password = held.has_password
        if "password" in paths:
            if request.password:
                _check_password(request.password)
                changes["password_hash"] = await asyncio.to_thread(hash_password, request.password)
                has_password = True
            else:  # an empty password clears it (only where no password is needed)
                changes["password_hash"] = None
                has_password = False
        if profile in PASSWORD_PROFILES and not has_password:
            raise _needs_password(profile)
        if "description" in paths:
            changes["description"] = _check_description(request.description)
        if "location_id" in paths:
            await self._check_location(request.location_id)
            changes["location_id"] = request.location_id
        if "registration_status" in paths:
            changes["registration_status"] = _status_name(request.registration_status, default=None)
        return changes

    async def _check_location(self, location_id: str) -> None:
        if location_id and await self._stores.locations.get(location_id) is None:
            raise InvalidArgument(
                "location_id",
                f"no location {location_id!r}; create it first (POST /v1/locations)",
            )

    def _forget(self, charger_id: str) -> None:
        if self._policy is not None:
            self._policy.forget(charger_id)

    async def _close_connection(self, charger_id: str) -> None:
        """Have the owning node close the charger's connection and wait until it is gone
        (the node releases it in the registry); a connection that appears meanwhile (admitted
        just before the retirement) is closed too. Evictions are at most once: one not
        acted on within a moment is sent again."""
        reason = f"charger {charger_id} is retired; an admin can restore it"
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.close_timeout
        try:
            told = await self._registry.disconnect(charger_id, reason)
            resent_at = loop.time()
            while told is not None:
                if loop.time() >= deadline:
                    log.warning(
                        "charger %s is retired, but node %s did not close its connection "
                        "within %g s; it is refused when it reconnects",
                        charger_id,
                        told.node_id,
                        self.close_timeout,
                    )
                    return
                await asyncio.sleep(0.02)
                now = await self._registry.lookup(charger_id)
                if now is None:
                    log.info("closed the connection of retired charger %s", charger_id)
                    return
                if now.epoch != told.epoch or loop.time() - resent_at > 0.5:
                    told = await self._registry.disconnect(charger_id, reason)
                    resent_at = loop.time()
        except RegistryError as exc:
            raise NodeUnavailable(
                f"charger {charger_id!r} is retired, but its connection could not be closed "
                f"({exc}); delete it again to retry"
            ) from exc

    async def _boot_again(self, location: ChargerLocation, status: str) -> None:
        """Ask a connected charger to boot again so that it is answered `status` now."""
        try:
            async with asyncio.timeout(self.trigger_timeout):
                answer = await self._tasks.send(
                    location, "TriggerMessage", {"requestedMessage": "BootNotification"}
                )
        except (ManagerError, TimeoutError) as exc:
            log.warning(
                "charger %s is now %s, but TriggerMessage BootNotification failed (%s); it "
                "learns it when it boots again",
                location.charger_id,
                status,
                exc,
            )
            return
        log.info(
            "charger %s is now %s; asked it to boot again: %s",
            location.charger_id,
            status,
            answer.payload.get("status", "?"),
        )


def _is_set(request: chargers_pb2.UpdateChargerRequest, name: str) -> bool:
    value: object = getattr(request, name)
    return bool(value)
