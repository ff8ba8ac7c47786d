"""Contract suite of the API token store (issue 11), against SQL on PostgreSQL and on
SQLite."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from services.manager.store import (
    AlreadyExists,
    NotFound,
    SqlChargerStore,
    SqlTokenStore,
    TokenStore,
)

T0 = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@pytest.fixture
async def tokens(store_url: str) -> AsyncIterator[TokenStore]:
    """A fresh token store of each implementation."""
    owner = await SqlChargerStore.open(store_url)
    try:
        yield SqlTokenStore(owner.engine)
    finally:
        await owner.aclose()


async def create(tokens: TokenStore, token_id: str, name: str, *, at: datetime = T0) -> None:
    await tokens.create(
        token_id=token_id,
        name=name,
        role="operator",
        token_hash=digest(token_id),
        created_by="bootstrap",
        at=at,
    )


async def test_a_token_is_found_by_its_hash_only(tokens: TokenStore) -> None:
    """by_hash finds the token whose secret hashes to it, and nothing for another hash."""
    await create(tokens, "tok_aaaaaaaaaaaa", "one")
    found = await tokens.by_hash(digest("tok_aaaaaaaaaaaa"))
    assert found is not None
    assert (found.token_id, found.name, found.role, found.created_by) == (
        "tok_aaaaaaaaaaaa",
        "one",
        "operator",
        "bootstrap",
    )
    assert found.created_at == T0
    assert found.valid
    assert await tokens.by_hash(digest("something else")) is None


async def test_names_are_unique_among_valid_tokens(tokens: TokenStore) -> None:
    """A second valid token with a name is AlreadyExists; once the first is revoked the name
    is free, and listing shows valid tokens unless revoked ones are asked for."""
    await create(tokens, "tok_aaaaaaaaaaaa", "shared")
    with pytest.raises(AlreadyExists):
        await create(tokens, "tok_bbbbbbbbbbbb", "shared")
    revoked = await tokens.revoke("tok_aaaaaaaaaaaa", at=T0 + timedelta(seconds=5))
    assert revoked.revoked_at == T0 + timedelta(seconds=5)
    assert not revoked.valid
    await create(tokens, "tok_bbbbbbbbbbbb", "shared", at=T0 + timedelta(seconds=10))
    assert [t.token_id for t in await tokens.list()] == ["tok_bbbbbbbbbbbb"]
    assert [t.token_id for t in await tokens.list(include_revoked=True)] == [
        "tok_aaaaaaaaaaaa",
        "tok_bbbbbbbbbbbb",
    ]
    still = await tokens.by_hash(digest("tok_aaaaaaaaaaaa"))
    assert still is not None
    assert not still.valid  # a revoked token is found, and known to be revoked


async def test_revoke_keeps_the_first_time_and_names_a_missing_token(tokens: TokenStore) -> None:
    """Revoking twice keeps the first revocation time; an unknown id is NotFound."""
    await create(tokens, "tok_aaaaaaaaaaaa", "one")
    await tokens.revoke("tok_aaaaaaaaaaaa", at=T0 + timedelta(seconds=1))
    again = await tokens.revoke("tok_aaaaaaaaaaaa", at=T0 + timedelta(seconds=9))
    assert again.revoked_at == T0 + timedelta(seconds=1)
    with pytest.raises(NotFound, match="tok_nothing"):
        await tokens.revoke("tok_nothing", at=T0)


async def test_touch_records_the_last_use(tokens: TokenStore) -> None:
    """touch sets last_used_at; touching an unknown token is no error."""
    await create(tokens, "tok_aaaaaaaaaaaa", "one")
    await tokens.touch("tok_aaaaaaaaaaaa", at=T0 + timedelta(minutes=3))
    await tokens.touch("tok_unknown", at=T0)
    found = await tokens.by_hash(digest("tok_aaaaaaaaaaaa"))
    assert found is not None
    assert found.last_used_at == T0 + timedelta(minutes=3)


async def test_bad_values_are_refused_before_the_database(tokens: TokenStore) -> None:
    """An unknown role, an empty or over-long name or a hash that is not SHA-256 hex is a
    ValueError (the API checks first; this is the store's own guard)."""
    for kwargs, problem in (
        ({"role": "root"}, "role"),
        ({"name": ""}, "name"),
        ({"name": "x" * 65}, "name"),
        ({"token_hash": "not-a-hash"}, "token_hash"),
    ):
        args = {
            "token_id": "tok_aaaaaaaaaaaa",
            "name": "one",
            "role": "viewer",
            "token_hash": digest("s"),
            "created_by": "bootstrap",
            "at": T0,
            **kwargs,
        }
        with pytest.raises(ValueError, match=problem):
            await tokens.create(**args)  # type: ignore[arg-type]
