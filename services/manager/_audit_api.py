"""AuditService: the audit log, newest first, filtered and paged (``GET /v1/audit``).

The request is validated completely before the store is read; a bad field is
``INVALID_ARGUMENT`` naming it, a page token issued for other filters or another list
too (``page_token``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import grpc
from csms.v1 import auth_pb2, auth_pb2_grpc
from google.protobuf.timestamp_pb2 import Timestamp

from services.manager._api_checks import checked_page_size
from services.manager._errors import InvalidArgument, grpc_errors
from services.manager.store import AuditEntryRecord, AuditFilters, AuditStore
from services.manager.store._audit import COLUMN_WIDTHS

Context = grpc.aio.ServicerContext[Any, Any]

#: (default, maximum) page size; 0 in a request means the default.
AUDIT_PAGE = (50, 1000)

ROLE_VALUES: dict[str, auth_pb2.Role] = {
    "viewer": auth_pb2.ROLE_VIEWER,
    "operator": auth_pb2.ROLE_OPERATOR,
    "admin": auth_pb2.ROLE_ADMIN,
}


def _filter(field: str, value: str) -> str:
    width = COLUMN_WIDTHS[field]
    if width is not None and len(value) > width:
        raise InvalidArgument(field, f"is longer than {width} characters")
    if "\x00" in value:
        raise InvalidArgument(field, "must not contain NUL characters")
    return value


def _time(field: str, ts: Timestamp) -> datetime:
    try:
        return ts.ToDatetime(tzinfo=UTC)
    except (ValueError, OverflowError) as exc:
        raise InvalidArgument(field, f"is not a valid timestamp ({exc})") from exc


def audit_filters(request: auth_pb2.ListAuditEntriesRequest) -> AuditFilters:
    """The store filters of ``request``; InvalidArgument naming a bad field."""
    since = _time("since", request.since) if request.HasField("since") else None
    until = _time("until", request.until) if request.HasField("until") else None
    if since is not None and until is not None and until <= since:
        raise InvalidArgument("until", "must be later than since")
    return AuditFilters(
        actor=_filter("actor", request.actor),
        action=_filter("action", request.action),
        charger_id=_filter("charger_id", request.charger_id),
        outcome=_filter("outcome", request.outcome),
        since=since,
        until=until,
    )


def audit_entry_message(record: AuditEntryRecord) -> auth_pb2.AuditEntry:
    at = Timestamp()
    at.FromDatetime(record.at)
    return auth_pb2.AuditEntry(
        id=record.entry_id,
        at=at,
        actor=record.actor,
        role=ROLE_VALUES.get(record.role, auth_pb2.ROLE_UNSPECIFIED),
        action=record.action,
        charger_id=record.charger_id,
        target=record.target,
        outcome=record.outcome,
        detail=record.detail,
        source=record.source,
    )


class AuditServicer(auth_pb2_grpc.AuditServiceServicer):
    def __init__(self, store: AuditStore) -> None:
        self._store = store

    @grpc_errors
    async def ListAuditEntries(
        self, request: auth_pb2.ListAuditEntriesRequest, context: Context
    ) -> auth_pb2.ListAuditEntriesResponse:
        page_size = checked_page_size(request.page_size, AUDIT_PAGE)
        filters = audit_filters(request)
        records, token = await self._store.list(
            filters, page_size=page_size, page_token=request.page_token
        )
        return auth_pb2.ListAuditEntriesResponse(
            entries=[audit_entry_message(r) for r in records], next_page_token=token
        )
