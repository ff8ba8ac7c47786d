"""Stored rows as API messages, robust to one bad row (ADR 0010).

A row written before the edge checked a value (a negative connector id, an enum or
version the API does not know) must not fail a list for everyone: a list logs and skips
a row it cannot show; a Get of that one row answers ``DATA_LOSS`` naming it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TypeVar

import grpc

from services.manager._errors import ManagerError

__all__ = ["UNSHOWABLE", "UnreadableRecord", "shown", "shown_one"]

log = logging.getLogger(__name__)

R = TypeVar("R")
M = TypeVar("M")

#: What building a message from a bad stored value raises: out-of-range or mistyped
#: protobuf fields, unknown enum or version names, undecodable stored JSON.
UNSHOWABLE: tuple[type[Exception], ...] = (
    ValueError,
    TypeError,
    OverflowError,
    KeyError,
    IndexError,
    UnicodeError,
)


class UnreadableRecord(ManagerError):
    """One stored row holds a value the API cannot show. → ``DATA_LOSS``."""

    status = grpc.StatusCode.DATA_LOSS


def _explain(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"


def shown(records: Iterable[R], build: Callable[[R], M], what: Callable[[R], str]) -> list[M]:
    """``build`` of every record; a record it fails on is logged (``what`` names it) and left out."""
    messages: list[M] = []
    for record in records:
        try:
            messages.append(build(record))
        except UNSHOWABLE as exc:
            log.error(
                "left %s out of a list: a stored value cannot be shown (%s); repair or delete it",
                what(record),
                _explain(exc),
            )
    return messages


def shown_one(record: R, build: Callable[[R], M], what: str) -> M:
    """``build(record)``, or UnreadableRecord naming ``what`` (and the log has the cause)."""
    try:
        return build(record)
    except UNSHOWABLE as exc:
        log.error("cannot show %s: a stored value is out of range (%s)", what, _explain(exc))
        raise UnreadableRecord(
            f"{what} holds a stored value the API cannot show ({_explain(exc)}); "
            "repair or delete the row"
        ) from exc
