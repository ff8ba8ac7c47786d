"""Who may call what on the manager's gRPC server: checked once, in one server interceptor.

Every method the manager serves is in `ACCESS`, with what it needs:

- ``mesh``: the internal event stream and admission (``csms.v1.Events``): the shared mesh
  secret in ``x-csms-mesh-secret`` (services/common/_mesh.py). An operator's token, even
  an admin's, does not open them.
- a role, for the public API: ``authorization: Bearer <token>`` whose token has at least
  that role. ``viewer`` < ``operator`` < ``admin``:

  - viewer: what the CSMS has stored (List*/Get* of chargers, transactions, id tags,
    reservations, locations, the device model, the registry), the live event stream, WhoAmI;
  - operator: + every command to a charger, id tag changes;
  - admin: + the charger lifecycle (create, edit, retire, restore), locations, security
    (certificates, network profiles, security keys and passwords, firmware, raw calls),
    tokens and the audit log.

  `ESCALATIONS` raise a method's role for some requests: a configuration key or device
  model variable that holds a password or sets the security profile is an admin's change,
  though ChangeConfiguration and SetVariables are otherwise an operator's.

A method missing from `ACCESS` is refused (PERMISSION_DENIED), so a new RPC cannot be
served unchecked; tests/test_operator_auth.py also fails until it is added. A missing,
unknown or revoked token is UNAUTHENTICATED (HTTP 401 through Envoy); a role too low is
PERMISSION_DENIED (403) naming the role needed and the caller's.

``CSMS_ADMIN_TOKEN`` (``ManagerSettings.admin_token``) is accepted as role admin under the
name "bootstrap" without being stored: it creates the first real tokens.

Tokens are looked up by the SHA-256 of the presented secret, through a small in-memory
cache (`Authenticator`: bounded, a few seconds' TTL, dropped in this process at
revocation; another manager sees a revocation within the TTL), so a call does not read
the database; ``last_used_at`` is written at most once a minute per token.

After each call that needs operator or admin, and after each refusal, an `AuditRecord` goes
to the manager's `AuditSink`. Servicers read the authenticated caller with `current_caller`.

Health checking (``grpc.health.v1.Health`` Check and Watch) needs nothing (``public``):
probes cannot send a token, and it reveals only SERVING / NOT_SERVING. Server reflection
needs a token of any role: it streams requests, so the token is checked before the first
one is read; only viewer-level methods (not audited, no escalation) may stream requests.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
import logging
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf.json_format import MessageToDict
from google.protobuf.message import Message

from services.common._handlers import handler_like
from services.common._mesh import MESH_METADATA_KEY, metadata_value, secret_matches
from services.manager._access import (
    ACCESS,
    ADMIN,
    BOOTSTRAP_NAME,
    ESCALATIONS,
    HOW_TO_AUTHENTICATE,
    MESH,
    PUBLIC,
    ROLE_LEVELS,
    SECRET_PREFIX,
    VIEWER,
    audited,
    is_security_setting,
)
from services.manager._audit import AuditRecord, AuditSink
from services.manager._context import Clock
from services.manager.store import StoreError, TokenRecord, TokenStore

log = logging.getLogger(__name__)

__all__ = [
    "Authenticator",
    "Caller",
    "OperatorAuthInterceptor",
    "current_caller",
    "hash_secret",
]

# -- the caller ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Caller:
    """Who makes the current API call."""

    name: str  # the token's name; "bootstrap" for CSMS_ADMIN_TOKEN
    role: str  # viewer | operator | admin
    token: TokenRecord | None = None  # None for CSMS_ADMIN_TOKEN

    @property
    def token_id(self) -> str:
        return self.token.token_id if self.token is not None else ""


_caller: contextvars.ContextVar[Caller | None] = contextvars.ContextVar("caller", default=None)


def current_caller() -> Caller | None:
    """The authenticated caller of the RPC being served (None outside one, and on the
    mesh's own RPCs)."""
    return _caller.get()


def hash_secret(secret: str) -> str:
    """What ``api_tokens.token_hash`` holds for `secret`: hex SHA-256.

    A fast hash is right here: secrets are 256 random bits, so there is nothing to guess
    that a slow hash would protect (passwords people choose get argon2id instead).
    """
    return hashlib.sha256(secret.encode()).hexdigest()


class Authenticator:
    """Bearer secret → `Caller`, through a bounded cache with a short TTL."""

    def __init__(
        self,
        tokens: TokenStore,
        *,
        admin_token: str,
        clock: Clock,
        ttl: float = 5.0,
        max_entries: int = 10_000,
        touch_interval: float = 60.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._tokens = tokens
        self._admin_token = admin_token
        self._clock = clock
        self._ttl = ttl
        self._max_entries = max_entries
        self._touch_interval = touch_interval
        self._monotonic = monotonic
        #: token hash → (expiry on the monotonic clock, the token or None if unknown)
        self._cache: OrderedDict[str, tuple[float, TokenRecord | None]] = OrderedDict()
        #: token id → when its last_used_at was last written (monotonic)
        self._touched: dict[str, float] = {}

    async def authenticate(self, secret: str) -> Caller | None:
        """The caller `secret` identifies, or None (unknown or revoked).

        Raises StoreError when the database cannot say (the call then fails UNAVAILABLE)."""
        if not secret:
            return None
        if self._admin_token and secret_matches(secret, self._admin_token):
            return Caller(BOOTSTRAP_NAME, ADMIN)
        if not secret.startswith(SECRET_PREFIX):
            return None  # not one CreateToken issued: no need to ask the database
        digest = hash_secret(secret)
        now = self._monotonic()
        cached = self._cache.get(digest)
        if cached is not None and cached[0] > now:
            record = cached[1]
        else:
            record = await self._tokens.by_hash(digest)
            self._cache[digest] = (now + self._ttl, record)
            self._cache.move_to_end(digest)
            while len(self._cache) > self._max_entries:
                self._cache.popitem(last=False)
        if record is None or not record.valid:
            return None
        await self._touch(record, now)
        return Caller(record.name, record.role, record)

    def forget(self, token_id: str) -> None:
        """Drop `token_id` from the cache (it was revoked in this process)."""
        for digest in [d for d, (_, r) in self._cache.items() if r and r.token_id == token_id]:
            del self._cache[digest]
        self._touched.pop(token_id, None)

    async def _touch(self, record: TokenRecord, now: float) -> None:
        last = self._touched.get(record.token_id)
        if last is not None and now - last < self._touch_interval:
            return
        if len(self._touched) >= self._max_entries:
            self._touched.clear()
        self._touched[record.token_id] = now
        try:
            await self._tokens.touch(record.token_id, at=self._clock())
        except StoreError as exc:  # the call goes on: last_used_at is a hint, not a control
            log.warning("could not record the use of token %s: %s", record.token_id, exc)


# -- the interceptor --------------------------------------------------------------------------


def short_name(method: str) -> str:
    """``/csms.v1.ChargerService/Reset`` → ``ChargerService/Reset``."""
    return method.rsplit(".", 1)[-1] if "." in method else method.lstrip("/")


#: Request fields never copied into the audit log.
_KEEP = frozenset({"page_token", "next_page_token", "id_token"})


def _is_secret_field(name: str) -> bool:
    """password, *_password, secret, *_token (but not page_token or an OCPP id_token)..."""
    lowered = name.lower()
    if lowered in _KEEP:
        return False
    return "password" in lowered or "secret" in lowered or lowered.endswith("token")


_DETAIL_LENGTH = 500


def _names_security_setting(item: dict[str, Any]) -> bool:
    """Whether a request dict's ``key`` names a password or security setting (its ``value``
    is then a secret: ChangeConfiguration AuthorizationKey, SetVariables BasicAuthPassword)."""
    key = item.get("key")
    if isinstance(key, str):
        return is_security_setting("", key)
    if isinstance(key, dict):
        return is_security_setting(str(key.get("component", "")), str(key.get("variable", "")))
    return False


def _redacted(value: Any) -> Any:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        sensitive = _names_security_setting(value)
        for key, item in value.items():
            if _is_secret_field(key):
                continue
            if sensitive and key == "value":
                out[key] = "<redacted>"
                continue
            if key == "payload_json":
                out[key] = "<omitted>"
                continue
            out[key] = _redacted(item)
        return out
    if isinstance(value, list):
        return [_redacted(item) for item in value]
    return value


def request_summary(request: Any) -> str:
    """The request as short JSON, without passwords, secrets, tokens or raw payloads."""
    if not isinstance(request, Message):
        return ""
    data = _redacted(MessageToDict(request, preserving_proto_field_name=True))
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    return text if len(text) <= _DETAIL_LENGTH else text[: _DETAIL_LENGTH - 1] + "…"


def _field(request: Any, name: str) -> str:
    """The request's field `name` as text; for a message field (UpdateIdTag's ``id_tag``
    is an IdTag), that message's own field of the same name."""
    if isinstance(request, Message) and name in request.DESCRIPTOR.fields_by_name:
        value = getattr(request, name)
        if isinstance(value, Message):
            return _field(value, name)
        return str(value)
    return ""


def _target(request: Any) -> str:
    for name in ("token_id", "id_tag", "location_id", "task_id", "node_id"):
        value = _field(request, name)
        if value:
            return value
    return ""


class _Refused(Exception):
    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _status_name(context: grpc.aio.ServicerContext[Any, Any], default: str) -> str:
    code = context.code()
    if isinstance(code, grpc.StatusCode):
        return code.name
    return default


def _behaviour(handler: grpc.RpcMethodHandler[Any, Any]) -> Callable[..., Any]:
    behaviour = (
        handler.unary_unary or handler.unary_stream or handler.stream_unary or handler.stream_stream
    )
    assert behaviour is not None
    return behaviour


class OperatorAuthInterceptor(grpc.aio.ServerInterceptor):
    """Holds every call on the manager's server to `ACCESS` (see the module docstring)."""

    def __init__(
        self,
        authenticator: Authenticator,
        *,
        mesh_secret: str,
        audit: AuditSink,
        access: Mapping[str, str] = ACCESS,
        escalations: Mapping[str, Callable[[Any], str | None]] = ESCALATIONS,
    ) -> None:
        self._authenticator = authenticator
        self._mesh_secret = mesh_secret
        self._audit = audit
        self._access = access
        self._escalations = escalations

    async def intercept_service(
        self,
        continuation: Callable[
            [grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler[Any, Any] | None]
        ],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        handler = await continuation(handler_call_details)
        if handler is None:
            return None  # UNIMPLEMENTED: nothing is served there
        method = handler_call_details.method
        need = self._access.get(method)
        if need is None:
            return self._refusal(
                handler,
                method,
                grpc.StatusCode.PERMISSION_DENIED,
                f"{short_name(method)} is not in the manager's access table "
                "(services/manager/_auth.py), so nobody may call it",
            )
        if need == MESH:
            presented = metadata_value(handler_call_details.invocation_metadata, MESH_METADATA_KEY)
            if self._mesh_secret and secret_matches(presented, self._mesh_secret):
                return handler
            return self._refusal(
                handler,
                method,
                grpc.StatusCode.UNAUTHENTICATED,
                f"{short_name(method)} is internal to the mesh: only nodes presenting the "
                f"mesh secret (MESH_SECRET) in {MESH_METADATA_KEY} may call it; operators' "
                "tokens do not open it",
            )
        if need == PUBLIC:
            return handler
        if handler.request_streaming and (need != VIEWER or method in self._escalations):
            # The role check of a request stream reads no request (no escalation, and
            # viewer calls are not audited): anything more needs its own rule first.
            return self._refusal(
                handler,
                method,
                grpc.StatusCode.PERMISSION_DENIED,
                f"{short_name(method)} streams requests, which the role check does not "
                "cover (services/manager/_auth.py), so nobody may call it",
            )
        return handler_like(handler, self._guarded(handler, method, need))

    # -- refusals before the handler runs ---------------------------------------------------

    def _refusal(
        self,
        handler: grpc.RpcMethodHandler[Any, Any],
        method: str,
        code: grpc.StatusCode,
        message: str,
    ) -> grpc.RpcMethodHandler[Any, Any]:
        record = self._record

        async def refuse_unary(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
            record(method, None, request, context, code.name, message)
            await context.abort(code, message)

        async def refuse_stream(
            request: Any, context: grpc.aio.ServicerContext[Any, Any]
        ) -> AsyncIterator[Any]:
            record(method, None, request, context, code.name, message)
            await context.abort(code, message)
            yield  # pragma: no cover - makes this an async generator, as the kind needs

        return handler_like(handler, refuse_stream if handler.response_streaming else refuse_unary)

    # -- calls that need a role -------------------------------------------------------------

    def _guarded(
        self, handler: grpc.RpcMethodHandler[Any, Any], method: str, need: str
    ) -> Callable[..., Any]:
        behaviour = _behaviour(handler)
        check = self._check
        record = self._record

        if handler.response_streaming:

            async def guarded_stream(
                request: Any, context: grpc.aio.ServicerContext[Any, Any]
            ) -> AsyncIterator[Any]:
                caller, needed = await check(method, need, request, context)
                # Each RPC runs in its own task (its own context): no reset needed.
                _caller.set(caller)
                outcome = "OK"
                try:
                    async for response in behaviour(request, context):
                        yield response
                except BaseException:
                    outcome = _status_name(context, "CANCELLED")
                    raise
                finally:
                    if audited(method, needed):
                        record(method, caller, request, context, outcome, "")

            return guarded_stream

        async def guarded_unary(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
            caller, needed = await check(method, need, request, context)
            reset = _caller.set(caller)
            outcome = "OK"
            try:
                response = await behaviour(request, context)
                outcome = _status_name(context, "OK")
                return response
            except BaseException:
                outcome = _status_name(context, "UNKNOWN")
                raise
            finally:
                _caller.reset(reset)
                if audited(method, needed):
                    record(method, caller, request, context, outcome, "")

        return guarded_unary

    async def _check(
        self, method: str, need: str, request: Any, context: grpc.aio.ServicerContext[Any, Any]
    ) -> tuple[Caller, str]:
        """The caller and the role the call needs; aborts the call when it may not."""
        try:
            return await self._checked(method, need, request, context)
        except _Refused as refused:
            await context.abort(refused.code, refused.message)
            raise AssertionError("unreachable") from refused

    async def _checked(
        self, method: str, need: str, request: Any, context: grpc.aio.ServicerContext[Any, Any]
    ) -> tuple[Caller, str]:
        name = short_name(method)
        header = metadata_value(tuple(context.invocation_metadata() or ()), "authorization")
        if not header:
            self._refuse_login(method, request, context, "no token presented")
            raise _Refused(
                grpc.StatusCode.UNAUTHENTICATED,
                f"{name} needs an API token: {HOW_TO_AUTHENTICATE}",
            )
        scheme, _, secret = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            self._refuse_login(method, request, context, "authorization is not Bearer <token>")
            raise _Refused(
                grpc.StatusCode.UNAUTHENTICATED,
                f"the authorization metadata must be `Bearer <token>`: {HOW_TO_AUTHENTICATE}",
            )
        try:
            caller = await self._authenticator.authenticate(secret.strip())
        except StoreError as exc:
            raise _Refused(
                grpc.StatusCode.UNAVAILABLE,
                f"cannot check the API token now, the database is unavailable: {exc}",
            ) from exc
        if caller is None:
            self._refuse_login(method, request, context, "unknown or revoked token")
            raise _Refused(
                grpc.StatusCode.UNAUTHENTICATED,
                f"the API token is unknown or revoked: {HOW_TO_AUTHENTICATE} with a valid token",
            )
        needed = need
        escalate = self._escalations.get(method)
        raised = escalate(request) if escalate is not None else None
        if raised is not None and ROLE_LEVELS[raised] > ROLE_LEVELS[needed]:
            needed = raised
        if ROLE_LEVELS[caller.role] < ROLE_LEVELS[needed]:
            why = " for this request (a security setting)" if needed != need else ""
            message = (
                f"{name} needs role {needed}{why}; token {caller.name!r} has role {caller.role}"
            )
            self._record(method, caller, request, context, "PERMISSION_DENIED", message)
            raise _Refused(grpc.StatusCode.PERMISSION_DENIED, message)
        return caller, needed

    def _refuse_login(
        self, method: str, request: Any, context: grpc.aio.ServicerContext[Any, Any], why: str
    ) -> None:
        self._record(method, None, request, context, "UNAUTHENTICATED", why)

    def _record(
        self,
        method: str,
        caller: Caller | None,
        request: Any,
        context: grpc.aio.ServicerContext[Any, Any],
        outcome: str,
        reason: str,
    ) -> None:
        self._audit.record(
            AuditRecord(
                actor=caller.name if caller is not None else "anonymous",
                role=caller.role if caller is not None else "",
                action=short_name(method),
                outcome=outcome,
                charger_id=_field(request, "charger_id"),
                target=_target(request),
                detail=reason or request_summary(request),
                source=context.peer() or "",
            )
        )
