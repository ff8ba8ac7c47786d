"""Operators' API tokens (``api_tokens``): a name, a role, and the SHA-256 of the secret.

The secret itself is never stored: the API shows it once when the token is created and
afterwards only its hash can be matched (``by_hash``). A revoked token keeps its row, so
listings and the audit log can still name it. A name is unique among valid (unrevoked)
tokens; revoking frees it. ``SqlTokenStore`` in ``_tokens_sql``.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

__all__ = ["MAX_TOKEN_NAME_LENGTH", "ROLES", "TokenRecord", "TokenStore", "check_token"]


#: The roles a token can have, lowest first (``api_tokens.role``).
ROLES = ("viewer", "operator", "admin")


MAX_TOKEN_NAME_LENGTH = 64


@dataclass(frozen=True, slots=True)
class TokenRecord:
    token_id: str  # public id ("tok_..."), not the secret
    name: str
    role: str  # viewer | operator | admin
    token_hash: str  # hex SHA-256 of the secret
    created_at: datetime
    created_by: str  # name of the creating token ("bootstrap" for CSMS_ADMIN_TOKEN)
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None

    @property
    def valid(self) -> bool:
        return self.revoked_at is None


def check_token(token_id: str, name: str, role: str, token_hash: str) -> None:
    if not token_id or len(token_id) > 32:
        raise ValueError(f"token id must be 1..32 characters, got {token_id!r}")
    if not name or len(name) > MAX_TOKEN_NAME_LENGTH:
        raise ValueError(f"token name must be 1..{MAX_TOKEN_NAME_LENGTH} characters")
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    if len(token_hash) != 64:
        raise ValueError("token_hash must be a hex SHA-256 (64 characters)")


class TokenStore(Protocol):
    async def create(
        self,
        *,
        token_id: str,
        name: str,
        role: str,
        token_hash: str,
        created_by: str,
        at: datetime,
    ) -> TokenRecord:
        """A new valid token; AlreadyExists when a valid token has that name."""
        ...

    async def by_hash(self, token_hash: str) -> TokenRecord | None:
        """The token (valid or revoked) whose secret hashes to `token_hash`, or None."""
        ...

    async def list(self, *, include_revoked: bool = False) -> builtins.list[TokenRecord]:
        """Tokens by creation time (valid ones only unless `include_revoked`)."""
        ...

    async def revoke(self, token_id: str, *, at: datetime) -> TokenRecord:
        """Revoke the token (a revoked one stays as it was); NotFound."""
        ...

    async def touch(self, token_id: str, *, at: datetime) -> None:
        """Record that the token was used at `at` (no error if it does not exist)."""
        ...
