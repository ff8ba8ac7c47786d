"""From an event to a reply: route by OCPP version and action, run the handler.

Handlers that need no I/O (write-behind updates) are plain functions and run
inline; handlers that await the database are coroutine functions and run as tasks,
so a slow one never holds up the rest of a batch.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Mapping
from datetime import UTC, datetime
from typing import cast

import orjson
from csms.v1 import common_pb2, events_pb2

from services.common import from_proto_version
from services.manager._context import CallContext, Handler, Payload, Router
from services.manager._errors import OcppCallError
from services.manager.store import ChargerStore, StoreDataError

log = logging.getLogger(__name__)

_EMPTY = b"{}"
_MAX_DESCRIPTION = 255  # OCPP 2.0.1 errorDescription


class Dispatcher:
    """Turns events into replies, synchronously when it can."""

    def __init__(self, routers: Mapping[str, Router], store: ChargerStore) -> None:
        # (version, action) -> (handler, is_async)
        self._routes: dict[tuple[str, str], tuple[Handler, bool]] = {
            (version, action): (handler, inspect.iscoroutinefunction(handler))
            for version, router in routers.items()
            for action, handler in router.items()
        }
        self._store = store
        self.calls_handled = 0  # charger calls routed (for tests and metrics)

    def handle(self, event: events_pb2.Event) -> events_pb2.Reply | Awaitable[events_pb2.Reply]:
        """The reply to `event`, or an awaitable of it when the handler does I/O."""
        received_at = datetime.fromtimestamp(event.received_at_ms / 1000, UTC)
        if event.kind != events_pb2.Event.KIND_CALL:
            self._store.touch(event.charger_id, received_at)
            return events_pb2.Reply(event_id=event.id, charger_id=event.charger_id)
        self.calls_handled += 1
        version = from_proto_version(event.ocpp_version)
        route = self._routes.get((version, event.action))
        if route is None:
            return self._error(
                event,
                "NotSupported",
                f"{event.action} is recognised but not supported by this CSMS (OCPP {version})",
            )
        self._store.touch(event.charger_id, received_at)
        handler, is_async = route
        ctx = CallContext(event.charger_id, version, event.epoch, event.message_id, received_at)
        payload = orjson.loads(event.payload)
        if is_async:
            return self._run_async(event, handler, ctx, payload)
        try:
            result = cast(Payload, handler(ctx, payload))
        except OcppCallError as exc:
            return self._error(event, exc.code, exc.description)
        except StoreDataError as exc:
            return self._refused(event, exc)
        except Exception:
            log.exception("handler for %s from %s failed", event.action, event.charger_id)
            return self._error(event, "InternalError", f"the CSMS failed to process {event.action}")
        return events_pb2.Reply(
            event_id=event.id, charger_id=event.charger_id, result=orjson.dumps(result)
        )

    async def _run_async(
        self, event: events_pb2.Event, handler: Handler, ctx: CallContext, payload: Payload
    ) -> events_pb2.Reply:
        try:
            result = await cast(Awaitable[Payload], handler(ctx, payload))
        except OcppCallError as exc:
            return self._error(event, exc.code, exc.description)
        except StoreDataError as exc:
            return self._refused(event, exc)
        except Exception:
            log.exception("handler for %s from %s failed", event.action, event.charger_id)
            return self._error(event, "InternalError", f"the CSMS failed to process {event.action}")
        return events_pb2.Reply(
            event_id=event.id, charger_id=event.charger_id, result=orjson.dumps(result)
        )

    @classmethod
    def _refused(cls, event: events_pb2.Event, exc: StoreDataError) -> events_pb2.Reply:
        """The database refused a value of this (schema-valid) call: the charger is told which
        message and why, with a code it does not retry blindly (ADR 0010)."""
        log.warning("refused %s from %s: %s", event.action, event.charger_id, exc)
        description = f"{event.action}: a value cannot be stored: {exc}"
        if len(description) > _MAX_DESCRIPTION:
            description = description[: _MAX_DESCRIPTION - 3] + "..."
        return cls._error(event, "PropertyConstraintViolation", description)

    @staticmethod
    def _error(event: events_pb2.Event, code: str, description: str) -> events_pb2.Reply:
        return events_pb2.Reply(
            event_id=event.id,
            charger_id=event.charger_id,
            error=common_pb2.CallError(code=code, description=description, details=_EMPTY),
        )
