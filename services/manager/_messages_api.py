"""``csms.v1.MessageService``: a charger's timeline, read from the frame journal.

The manager only reads the journal (the nodes write it). A page is newest first;
``page_token`` pages to older exchanges, ``after_token`` returns those recorded since a
previous answer, oldest first (the UI's live view and ``csmsctl messages --follow`` poll
with it). Both tokens carry the journal's cursor and the filters they were issued for: a
token replayed with other filters, or passed in the other field, is INVALID_ARGUMENT
naming the field. The export streams the same messages as JSON Lines
(``google.api.HttpBody`` chunks, which Envoy's transcoder sends as the raw body).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from typing import Any

import grpc
from csms.v1 import messages_pb2, messages_pb2_grpc
from google.api import httpbody_pb2

from services.journal import BadCursor, Direction, Journal, JournalError, Query, Stored
from services.manager._api_checks import checked_datetime, checked_page_size
from services.manager._errors import (
    ChargerNotFound,
    InvalidArgument,
    ManagerError,
    NotConfigured,
    from_journal_error,
    grpc_errors,
)
from services.manager._message_records import DIRECTIONS, charger_message, export_line
from services.manager.chargers import check_charger_id
from services.manager.store import ChargerStore

Context = grpc.aio.ServicerContext[Any, Any]
log = logging.getLogger(__name__)

#: (default, maximum) page size of ListChargerMessages.
MESSAGE_PAGE = (50, 1000)
#: Frame bytes one page carries at most (frames may be up to JOURNAL_MAX_FRAME_BYTES
#: each): a page stops early rather than exceed gRPC's 4 MiB message default or the
#: gateway's response buffer; its token then continues after the last one sent.
MAX_PAGE_BYTES = 3 * 1024 * 1024
#: An export sends its lines in HttpBody messages of about this size.
EXPORT_CHUNK_BYTES = 256 * 1024
#: (default, maximum) lines of one export.
EXPORT_LIMIT = (10_000, 100_000)
#: Exchanges an export reads from the journal per query.
EXPORT_CHUNK = 500
#: An action filter: OCPP action names are short words ("BootNotification").
MAX_ACTIONS = 50
MAX_ACTION_LENGTH = 64
EXPORT_CONTENT_TYPE = "application/x-ndjson"

NO_JOURNAL = 'no journal configured: set JOURNAL_URL (README, "Configuration")'

_TOKEN_VERSION = 1
_BEFORE = "before"  # a page_token: the exchanges older than the cursor
_AFTER = "after"  # an after_token: the exchanges newer than the cursor (None = any)


# --- request checks ---------------------------------------------------------------------------


def _filters(
    request: messages_pb2.ListChargerMessagesRequest | messages_pb2.ExportChargerMessagesRequest,
) -> Query:
    """The journal query of `request`'s filters (no cursor, no limit yet); InvalidArgument
    naming a bad field."""
    check_charger_id(request.charger_id)
    actions = tuple(dict.fromkeys(request.actions))
    if len(actions) > MAX_ACTIONS:
        raise InvalidArgument("actions", f"names more than {MAX_ACTIONS} actions")
    for action in actions:
        if not action or len(action) > MAX_ACTION_LENGTH or not action.isascii():
            raise InvalidArgument(
                "actions",
                f"{action!r} is not an OCPP action name (1 to {MAX_ACTION_LENGTH} ASCII "
                "characters, e.g. BootNotification)",
            )
        if not action.isalnum():
            raise InvalidArgument("actions", f"{action!r} is not an OCPP action name")
    direction: Direction | None = None
    if request.direction:
        if request.direction not in DIRECTIONS:
            raise InvalidArgument("direction", f"{request.direction} is not a MessageDirection")
        direction = DIRECTIONS[request.direction]
    since_ms = until_ms = None
    if request.HasField("since"):
        since_ms = int(checked_datetime("since", request.since).timestamp() * 1000)
    if request.HasField("until"):
        until_ms = int(checked_datetime("until", request.until).timestamp() * 1000)
    if since_ms is not None and until_ms is not None and until_ms <= since_ms:
        raise InvalidArgument("until", "must be later than since")
    return Query(
        charger_id=request.charger_id,
        actions=actions,
        direction=direction,
        since_ms=since_ms,
        until_ms=until_ms,
    )


def _token_filters(query: Query) -> dict[str, Any]:
    return {
        "c": query.charger_id,
        "a": sorted(query.actions),
        "d": query.direction.value if query.direction else None,
        "s": query.since_ms,
        "u": query.until_ms,
    }


def encode_token(kind: str, cursor: str | None, query: Query) -> str:
    """An opaque token: "the exchanges `kind` `cursor`, with the filters of `query`"."""
    raw = json.dumps(
        {"v": _TOKEN_VERSION, "k": kind, "c": cursor, "f": _token_filters(query)},
        separators=(",", ":"),
        sort_keys=True,
    )
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_token(field: str, token: str, kind: str, query: Query) -> str | None:
    """The cursor `token` carries; InvalidArgument naming `field` if it does not fit."""
    issued_by = "next_page_token" if kind == _BEFORE else "after_token"
    try:
        fields = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, ValueError) as exc:  # UnicodeDecodeError is a ValueError
        raise InvalidArgument(
            field, f"is malformed: pass the {issued_by} of a previous ListChargerMessages"
        ) from exc
    cursor = fields.get("c") if isinstance(fields, dict) else None
    if (
        not isinstance(fields, dict)
        or fields.get("v") != _TOKEN_VERSION
        or fields.get("k") != kind
        or not (cursor is None or isinstance(cursor, str))
        or (cursor is None and kind == _BEFORE)
    ):
        raise InvalidArgument(
            field,
            f"is not a token this server issued for it: pass the {issued_by} of a previous "
            "ListChargerMessages",
        )
    if fields.get("f") != _token_filters(query):
        raise InvalidArgument(
            field,
            "was issued for another charger or other filters: keep them the same, or "
            "start again without a token",
        )
    return cursor


# --- the servicer -----------------------------------------------------------------------------


class MessageServicer(messages_pb2_grpc.MessageServiceServicer):
    """Reads `journal` (None: no JOURNAL_URL, every call is FAILED_PRECONDITION).

    The journal is opened at the manager's start (`open`; bounded by the backend's own
    connect timeout) and, if it could not be reached then, again at each call until it
    opens: a journal that is down never stops the manager, only its timeline.
    """

    def __init__(self, journal: Journal | None, chargers: ChargerStore) -> None:
        self._journal = journal
        self._chargers = chargers
        self._ready = False
        self._opening = asyncio.Lock()

    async def open(self) -> None:
        """Open the journal now; a JournalError is logged, and each call tries again."""
        try:
            await self._opened()
        except NotConfigured:
            pass
        except JournalError as exc:
            log.warning(
                "the frame journal cannot be opened (%s); the timeline API answers "
                "UNAVAILABLE until it can",
                exc,
            )

    async def _opened(self) -> Journal:
        if self._journal is None:
            raise NotConfigured(NO_JOURNAL)
        if not self._ready:
            async with self._opening:
                if not self._ready:
                    await self._journal.open()
                    self._ready = True
        return self._journal

    async def _read(self, journal: Journal, query: Query, field: str) -> list[Stored]:
        try:
            return await journal.query(query)
        except BadCursor as exc:
            raise InvalidArgument(
                field, "names a point this journal does not know: start again without it"
            ) from exc

    async def _known(self, journal: Journal, charger_id: str) -> None:
        """NOT_FOUND for a charger the CSMS never stored and the journal never saw."""
        if await self._chargers.is_known(charger_id):
            return
        if not await journal.query(Query(charger_id=charger_id, limit=1)):
            raise ChargerNotFound(charger_id)

    @grpc_errors
    async def ListChargerMessages(
        self, request: messages_pb2.ListChargerMessagesRequest, context: Context
    ) -> messages_pb2.ListChargerMessagesResponse:
        journal = await self._opened()
        filters = _filters(request)
        page_size = checked_page_size(request.page_size, MESSAGE_PAGE)
        if request.page_token and request.after_token:
            raise InvalidArgument(
                "after_token",
                "cannot be combined with page_token: page to older exchanges or poll for "
                "newer ones",
            )
        if request.after_token:
            return await self._newer(journal, request.after_token, filters, page_size)
        before = None
        if request.page_token:
            before = decode_token("page_token", request.page_token, _BEFORE, filters)
        else:
            await self._known(journal, request.charger_id)
        stored = await self._read(
            journal, replace(filters, before=before, limit=page_size), "page_token"
        )
        sent = _within_budget(stored)
        response = messages_pb2.ListChargerMessagesResponse(
            messages=[charger_message(s) for s in sent],
            after_token=encode_token(_AFTER, stored[0].cursor if stored else None, filters),
        )
        if len(stored) == page_size or len(sent) < len(stored):
            response.next_page_token = encode_token(_BEFORE, sent[-1].cursor, filters)
        return response

    async def _newer(
        self, journal: Journal, token: str, filters: Query, page_size: int
    ) -> messages_pb2.ListChargerMessagesResponse:
        """The exchanges after `token`, oldest first. A token issued on an empty timeline
        has no cursor: the newest page, turned oldest first."""
        after = decode_token("after_token", token, _AFTER, filters)
        if after is None:
            stored = await self._read(journal, replace(filters, limit=page_size), "after_token")
            stored.reverse()
        else:
            stored = await self._read(
                journal, replace(filters, after=after, limit=page_size), "after_token"
            )
        sent = _within_budget(stored)
        return messages_pb2.ListChargerMessagesResponse(
            messages=[charger_message(s) for s in sent],
            after_token=encode_token(_AFTER, sent[-1].cursor, filters) if sent else token,
        )

    async def ExportChargerMessages(
        self, request: messages_pb2.ExportChargerMessagesRequest, context: Context
    ) -> AsyncIterator[httpbody_pb2.HttpBody]:
        """JSON Lines, newest first, about EXPORT_CHUNK_BYTES per HttpBody. The request is
        checked and the first chunk read before anything is sent, so a bad request or an
        unreachable journal is an error status, never an empty or partial file; a journal
        failing later ends the stream with UNAVAILABLE (a client over HTTP/1.1 sees the
        body end early: compare the line count with what it asked for)."""
        try:
            try:
                journal = await self._opened()
                filters = _filters(request)
                if request.limit < 0 or request.limit > EXPORT_LIMIT[1]:
                    raise InvalidArgument("limit", f"must be between 0 and {EXPORT_LIMIT[1]}")
                limit = request.limit or EXPORT_LIMIT[0]
                await self._known(journal, request.charger_id)
                want = min(EXPORT_CHUNK, limit)
                page = await journal.query(replace(filters, limit=want))
                # The first message names the content type (Envoy's header comes from it),
                # so it is sent even when the timeline is empty.
                first = True
                sent = 0
                while True:
                    sent += len(page)
                    for data in _chunks(page):
                        yield httpbody_pb2.HttpBody(
                            content_type=EXPORT_CONTENT_TYPE if first else "", data=data
                        )
                        first = False
                    if first:
                        yield httpbody_pb2.HttpBody(content_type=EXPORT_CONTENT_TYPE)
                        first = False
                    if len(page) < want or sent >= limit:
                        break
                    want = min(EXPORT_CHUNK, limit - sent)
                    page = await journal.query(replace(filters, before=page[-1].cursor, limit=want))
            except JournalError as exc:
                raise from_journal_error(exc) from exc
        except ManagerError as exc:
            await context.abort(exc.status, str(exc))


def _frame_bytes(stored: Stored) -> int:
    x = stored.exchange
    return len(x.call or "") + len(x.answer or "")


def _within_budget(stored: list[Stored]) -> list[Stored]:
    """The leading exchanges of `stored` whose frames fit MAX_PAGE_BYTES (at least one)."""
    total = 0
    for i, s in enumerate(stored):
        total += _frame_bytes(s)
        if total > MAX_PAGE_BYTES and i > 0:
            return stored[:i]
    return stored


def _chunks(page: list[Stored]) -> Iterator[bytes]:
    """The JSON lines of `page`, in pieces of about EXPORT_CHUNK_BYTES."""
    lines: list[str] = []
    size = 0
    for s in page:
        line = export_line(s)
        lines.append(line)
        size += len(line)
        if size >= EXPORT_CHUNK_BYTES:
            yield "".join(lines).encode()
            lines, size = [], 0
    if lines:
        yield "".join(lines).encode()
