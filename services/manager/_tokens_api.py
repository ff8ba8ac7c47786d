"""``csms.v1.AuthService``: the caller's own identity, and operators' API tokens.

Who may call which method is the interceptor's business (services/manager/_auth.py);
these methods read the authenticated caller from `current_caller`.

A secret is ``csms_`` + 43 URL-safe characters (256 random bits); only its SHA-256 is
stored, so the secret is in CreateToken's response and nowhere else. A token id is
``tok_`` + 12 random lower-case letters and digits: public, for listing and revoking.
"""

from __future__ import annotations

import secrets
import string
from typing import Any

import grpc
from csms.v1 import auth_pb2, auth_pb2_grpc

from services.manager._access import BOOTSTRAP_NAME, SECRET_PREFIX
from services.manager._api_checks import stamp
from services.manager._auth import (
    Authenticator,
    current_caller,
    hash_secret,
)
from services.manager._context import Clock
from services.manager._errors import InvalidArgument, grpc_errors
from services.manager.store import TokenRecord, TokenStore

Context = grpc.aio.ServicerContext[Any, Any]

TOKEN_ID_PREFIX = "tok_"
MAX_NAME_LENGTH = 64
_ID_ALPHABET = string.ascii_lowercase + string.digits

_ROLES = {
    "viewer": auth_pb2.ROLE_VIEWER,
    "operator": auth_pb2.ROLE_OPERATOR,
    "admin": auth_pb2.ROLE_ADMIN,
}
_ROLE_NAMES = {value: name for name, value in _ROLES.items()}


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def new_token_id() -> str:
    return TOKEN_ID_PREFIX + "".join(secrets.choice(_ID_ALPHABET) for _ in range(12))


def token_message(record: TokenRecord) -> auth_pb2.ApiToken:
    message = auth_pb2.ApiToken(
        token_id=record.token_id,
        name=record.name,
        role=_ROLES[record.role],
        created_by=record.created_by,
    )
    stamp(message, "created_at", record.created_at)
    stamp(message, "revoked_at", record.revoked_at)
    stamp(message, "last_used_at", record.last_used_at)
    return message


def _checked_name(name: str) -> str:
    if not 1 <= len(name) <= MAX_NAME_LENGTH:
        raise InvalidArgument("name", f"must be 1 to {MAX_NAME_LENGTH} characters")
    if name != name.strip() or not name.isprintable():
        raise InvalidArgument("name", "must be printable, without leading or trailing spaces")
    return name


class AuthServicer(auth_pb2_grpc.AuthServiceServicer):
    def __init__(self, tokens: TokenStore, authenticator: Authenticator, clock: Clock) -> None:
        self._tokens = tokens
        self._authenticator = authenticator
        self._clock = clock

    @grpc_errors
    async def WhoAmI(self, request: auth_pb2.WhoAmIRequest, context: Context) -> auth_pb2.ApiToken:
        caller = current_caller()
        assert caller is not None, "the interceptor lets no unauthenticated call through"
        if caller.token is None:
            return auth_pb2.ApiToken(name=BOOTSTRAP_NAME, role=_ROLES[caller.role])
        return token_message(caller.token)

    @grpc_errors
    async def CreateToken(
        self, request: auth_pb2.CreateTokenRequest, context: Context
    ) -> auth_pb2.CreateTokenResponse:
        name = _checked_name(request.name)
        role = _ROLE_NAMES.get(request.role)
        if role is None:
            raise InvalidArgument("role", "must be ROLE_VIEWER, ROLE_OPERATOR or ROLE_ADMIN")
        caller = current_caller()
        secret = new_secret()
        record = await self._tokens.create(
            token_id=new_token_id(),
            name=name,
            role=role,
            token_hash=hash_secret(secret),
            created_by=caller.name if caller is not None else "",
            at=self._clock(),
        )
        return auth_pb2.CreateTokenResponse(token=token_message(record), secret=secret)

    @grpc_errors
    async def ListTokens(
        self, request: auth_pb2.ListTokensRequest, context: Context
    ) -> auth_pb2.ListTokensResponse:
        records = await self._tokens.list(include_revoked=request.include_revoked)
        return auth_pb2.ListTokensResponse(tokens=[token_message(r) for r in records])

    @grpc_errors
    async def RevokeToken(
        self, request: auth_pb2.RevokeTokenRequest, context: Context
    ) -> auth_pb2.ApiToken:
        if not request.token_id:
            raise InvalidArgument("token_id", "is required (e.g. tok_...; see ListTokens)")
        record = await self._tokens.revoke(request.token_id, at=self._clock())
        self._authenticator.forget(record.token_id)
        return token_message(record)
