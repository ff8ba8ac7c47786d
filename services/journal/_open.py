"""Choosing a journal by URL, and the JOURNAL_* settings (README, "Configuration")."""

from __future__ import annotations

import importlib
import os
import re
from dataclasses import dataclass, field
from typing import Final

from services.common import env_float, env_int, env_str, without_password
from services.common._env import ConfigError
from services.journal._model import Journal

__all__ = [
    "DEFAULT_RETENTION_S",
    "JOURNAL_OFF",
    "JournalSettings",
    "env_duration",
    "open_journal",
    "parse_duration",
]

#: JOURNAL_URL's value that turns the journal off (unset does too, with a warning).
JOURNAL_OFF: Final = "off"
DEFAULT_RETENTION_S: Final = 30 * 86_400.0  # 30 days

_SQL_SCHEMES: Final = ("sqlite+aiosqlite", "postgresql+asyncpg")
_MONGO_SCHEMES: Final = ("mongodb", "mongodb+srv")


def open_journal(url: str, *, retention_s: float) -> Journal:
    """The backend `url` names, not yet opened (``await journal.open()``).

    ``mongodb://`` / ``mongodb+srv://``: MongoDB (services.journal._mongo); ``sqlite+aiosqlite:///``
    and ``postgresql+asyncpg://``: SQL. Anything else is a ValueError naming JOURNAL_URL.
    """
    if _backend(url) == "sql":
        from services.journal._sql import SqlJournal

        return SqlJournal(url, retention_s=retention_s)
    # Imported here: a node on SQL never loads the MongoDB driver.
    mongo = importlib.import_module("services.journal._mongo")
    journal: Journal = mongo.MongoJournal(url, retention_s=retention_s)
    return journal


def _backend(url: str) -> str:
    """``sql`` or ``mongo`` by the URL's scheme; ValueError naming JOURNAL_URL otherwise."""
    scheme = url.partition("://")[0].lower() if "://" in url else ""
    if scheme in _SQL_SCHEMES:
        return "sql"
    if scheme in _MONGO_SCHEMES:
        return "mongo"
    raise ValueError(
        f"JOURNAL_URL={without_password(url)!r} is not a journal URL: use "
        "mongodb://host/db, sqlite+aiosqlite:///path/journal.sqlite, "
        f"postgresql+asyncpg://user@host/db, or {JOURNAL_OFF!r}"
    )


_DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", re.IGNORECASE)
_UNIT_SECONDS: Final = {"": 1.0, "s": 1.0, "m": 60.0, "h": 3_600.0, "d": 86_400.0}


def parse_duration(name: str, raw: str) -> float:
    """Seconds in `raw`: ``30d``, ``12h``, ``90m``, ``45s`` or plain seconds (``3600``);
    a ConfigError naming the variable `name` otherwise, or when it is not positive."""
    match = _DURATION.fullmatch(raw)
    if match is None:
        raise ConfigError(
            f"{name}={raw!r} is not a duration: give seconds (3600) or a number with a unit "
            "s, m, h or d (90m, 12h, 30d)"
        )
    seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2).lower()]
    if seconds <= 0:
        raise ConfigError(f"{name}={raw!r} must be longer than 0 seconds")
    return seconds


def env_duration(name: str, default: float) -> float:
    """The variable as a duration in seconds (`parse_duration`), `default` when unset."""
    raw = os.environ.get(name)
    return parse_duration(name, raw) if raw else default


@dataclass(slots=True)
class JournalSettings:
    """The JOURNAL_* variables. ``url`` "" = not set, ``"off"`` = turned off."""

    url: str = field(default="", repr=False)  # may hold a password
    retention_s: float = DEFAULT_RETENTION_S
    queue_size: int = 50_000  # JOURNAL_QUEUE: exchanges waiting for the store
    batch: int = 1_000  # JOURNAL_BATCH: exchanges per write
    flush_interval: float = 0.2  # JOURNAL_FLUSH_INTERVAL: seconds between writes
    max_frame_bytes: int = 65_536  # JOURNAL_MAX_FRAME_BYTES: a longer frame is cut

    @property
    def enabled(self) -> bool:
        return bool(self.url) and self.url.lower() != JOURNAL_OFF

    @classmethod
    def from_env(cls, *, default_url: str = "") -> JournalSettings:
        """From the environment; a bad value is a ConfigError naming its variable."""
        url = env_str("JOURNAL_URL", default_url).strip()
        settings = cls(
            url=url,
            retention_s=env_duration("JOURNAL_RETENTION", DEFAULT_RETENTION_S),
            queue_size=env_int("JOURNAL_QUEUE", 50_000, minimum=1),
            batch=env_int("JOURNAL_BATCH", 1_000, minimum=1),
            flush_interval=env_float("JOURNAL_FLUSH_INTERVAL", 0.2, minimum=0.001),
            max_frame_bytes=env_int("JOURNAL_MAX_FRAME_BYTES", 65_536, minimum=256),
        )
        if settings.enabled:
            try:
                if _backend(url) == "sql":  # an SQL URL is checked whole (no connection yet)
                    open_journal(url, retention_s=settings.retention_s)
            except ValueError as exc:
                raise ConfigError(str(exc)) from None
        return settings
