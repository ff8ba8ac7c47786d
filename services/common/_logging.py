"""Log lines as text or as JSON (``LOG_FORMAT``), with who they are about.

``LOG_FORMAT=json`` writes one JSON object per line: ``time`` (RFC 3339, UTC, ms),
``level``, ``logger``, ``message``, and, where known, ``charger_id``, ``node_id``,
``message_id`` and ``task_id``; ``exception`` holds a traceback. The context fields come
from context variables, set where a charger connection is served (the node), where an
event is handled or a task run (the manager), and read by `ContextFilter` when a line is
logged: existing ``log.info(...)`` calls get them without being rewritten. Setting them
costs a context-variable set, never a string: the manager's event path sets the event
itself (`current_event`), whose fields are read only if a line is logged.

The JSON is written by orjson (already the mesh's JSON library), not python-json-logger:
the formatter is a dozen lines, and orjson escapes every control character, so a
charger id or message cannot break a line into two.

Nothing secret is in a context field (ids only); messages are the log calls' own, which
never include a password, token or secret (tests/test_secrets_in_logs.py).
"""

from __future__ import annotations

import contextvars
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Final, Protocol

import orjson

from services.common._env import ConfigError

#: The context fields a line may carry, in this order.
CONTEXT_FIELDS: Final = ("charger_id", "node_id", "message_id", "task_id")

_vars: Final[dict[str, contextvars.ContextVar[str | None]]] = {
    name: contextvars.ContextVar(f"log_{name}", default=None) for name in CONTEXT_FIELDS
}


class _Event(Protocol):
    @property
    def charger_id(self) -> str: ...
    @property
    def message_id(self) -> str: ...


#: The event the manager is handling (an ``events_pb2.Event``): its charger id and message
#: id, read only when a line is logged.
current_event: contextvars.ContextVar[_Event | None] = contextvars.ContextVar(
    "log_event", default=None
)

Tokens = list[tuple[contextvars.ContextVar[str | None], contextvars.Token[str | None]]]


def bind(**fields: str) -> Tokens:
    """Set context fields (``charger_id=...``) for the rest of this task, or until
    `unbind` is given what this returns."""
    return [(_vars[name], _vars[name].set(value)) for name, value in fields.items()]


def unbind(tokens: Tokens) -> None:
    """Undo a `bind` (in the same task)."""
    for var, token in reversed(tokens):
        var.reset(token)


@contextmanager
def log_context(**fields: str) -> Iterator[None]:
    """Context fields for the lines logged inside the ``with`` block."""
    tokens = bind(**fields)
    try:
        yield
    finally:
        unbind(tokens)


class ContextFilter(logging.Filter):
    """Adds the context fields that are set to each record (as attributes), unless the
    log call gave its own (``extra={"charger_id": ...}``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        event = current_event.get()
        if event is not None:
            if not hasattr(record, "charger_id"):
                record.charger_id = event.charger_id
            if not hasattr(record, "message_id"):
                record.message_id = event.message_id
        for name, var in _vars.items():
            value = var.get()
            if value and not getattr(record, name, None):
                setattr(record, name, value)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, the context fields that
    are set, and the exception's traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": _rfc3339(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value:
                data[name] = value
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            data["stack"] = self.formatStack(record.stack_info)
        return orjson.dumps(data, default=str).decode()


def _rfc3339(created: float) -> str:
    seconds = int(created)
    millis = int((created - seconds) * 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{millis:03d}Z"


TEXT_FORMAT: Final = "%(asctime)s %(levelname)s %(name)s: %(message)s"
LOG_FORMATS: Final = ("text", "json")


def configure_logging(level: str, log_format: str) -> None:
    """Root logging to stderr at `level`, as ``text`` or ``json`` lines, every line
    passing through `ContextFilter`; ConfigError for a format that is neither."""
    if log_format not in LOG_FORMATS:
        raise ConfigError(
            f"LOG_FORMAT is {log_format!r}; use one of {', '.join(LOG_FORMATS)} "
            "(json: one JSON object per line)"
        )
    handler = logging.StreamHandler()
    handler.addFilter(ContextFilter())
    handler.setFormatter(
        JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
    )
    logging.basicConfig(level=level, handlers=[handler], force=True)
