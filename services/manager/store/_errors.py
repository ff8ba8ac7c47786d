"""Errors raised by the charger store.

::

    StoreError                 base of every domain error of the store
    ├── NotFound               the thing named does not exist            → NOT_FOUND
    ├── AlreadyExists          creating something that exists already    → ALREADY_EXISTS
    ├── Conflict               the change contradicts other data         → FAILED_PRECONDITION
    ├── InvalidPageToken       a page token that no list call issued (bad client input)
    ├── StoreDataError         the database refused a value (NUL, out of range): that row only
    └── StoreUnavailable       the database could not be reached or did not answer in time

Misuse (a naive datetime, an empty charger id, a store used after ``aclose``) raises
``ValueError`` or ``RuntimeError``: those are bugs in the caller, not domain errors.
"""

from __future__ import annotations

__all__ = [
    "AlreadyExists",
    "Conflict",
    "InvalidPageToken",
    "NotFound",
    "StoreDataError",
    "StoreError",
    "StoreUnavailable",
]


class StoreError(Exception):
    """Base class of the store's domain errors."""


class InvalidPageToken(StoreError):
    """The ``page_token`` given to ``list`` was not issued by a previous ``list`` call.

    The API maps it to ``INVALID_ARGUMENT`` naming the ``page_token`` field.
    """


class StoreDataError(StoreError):
    """The database refused a value of this write (a NUL in text, an integer beyond the
    column, a broken constraint): retrying cannot help, and it says nothing about the
    database being up. Other writes of the same batch are written without it (ADR 0010).
    A handler reports it to the charger as ``PropertyConstraintViolation``.
    """


class StoreUnavailable(StoreError):
    """The database could not be reached, refused the work, or did not answer in time.

    Buffered writes are kept when a flush raises this; the next flush retries them.
    The API maps it to ``UNAVAILABLE``.
    """


class NotFound(StoreError):
    """The id tag, transaction, reservation or charger named does not exist.

    The message names it: ``id tag 'ABC' does not exist``. The API maps it to ``NOT_FOUND``.
    """


class AlreadyExists(StoreError):
    """Creating something whose key is taken (e.g. an id tag). → ``ALREADY_EXISTS``."""


class Conflict(StoreError):
    """The change contradicts other data: deleting a parent tag still referenced, naming a
    parent tag that does not exist or the tag itself. → ``FAILED_PRECONDITION``.
    """
