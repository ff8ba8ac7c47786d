"""Connection URLs as they may be shown: in logs, banners and errors, never a password."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def without_password(url: str) -> str:
    """`url` with its password (if any) replaced by ``***``; everything else unchanged.

    >>> without_password("postgresql+asyncpg://csms:s3cret@db:5432/csms")
    'postgresql+asyncpg://csms:***@db:5432/csms'
    """
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user, _, host = parts.netloc.rpartition("@")
    name = user.partition(":")[0]
    return urlunsplit(parts._replace(netloc=f"{name}:***@{host}"))
