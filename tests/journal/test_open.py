"""JOURNAL_URL picks the backend; JOURNAL_* settings are read with errors naming them."""

from __future__ import annotations

import pytest

from services.common._env import ConfigError
from services.journal import JournalSettings, open_journal, parse_duration
from services.journal._sql import SqlJournal


@pytest.mark.parametrize(
    "url",
    ["sqlite+aiosqlite:///var/journal.sqlite", "postgresql+asyncpg://csms@db:5432/journal"],
)
def test_sql_urls_open_the_sql_journal(url: str) -> None:
    """sqlite+aiosqlite and postgresql+asyncpg URLs give the SQL journal (not yet connected)."""
    journal = open_journal(url, retention_s=3600)
    assert isinstance(journal, SqlJournal)
    assert journal.retention_s == 3600


@pytest.mark.parametrize(
    "url", ["", "off", "redis://x", "postgresql://csms:pw@db/j", "var/journal.sqlite", "mongo://x"]
)
def test_other_urls_are_refused_naming_the_variable(url: str) -> None:
    """Anything but a journal URL is a ValueError naming JOURNAL_URL and what to give,
    never showing a password."""
    with pytest.raises(ValueError, match="JOURNAL_URL") as caught:
        open_journal(url, retention_s=60)
    assert "sqlite+aiosqlite:///" in str(caught.value)
    assert "pw@" not in str(caught.value)


@pytest.mark.parametrize(
    ("raw", "seconds"),
    [
        ("30d", 30 * 86_400),
        ("12h", 43_200),
        ("90m", 5_400),
        ("45s", 45),
        ("3600", 3_600),
        ("1.5h", 5_400),
        (" 7D ", 7 * 86_400),
    ],
)
def test_durations(raw: str, seconds: float) -> None:
    """JOURNAL_RETENTION takes seconds or a number with s, m, h or d."""
    assert parse_duration("JOURNAL_RETENTION", raw) == seconds


@pytest.mark.parametrize("raw", ["", "d", "30 days", "-1d", "0", "0h", "1w", "1h30m", "1e3"])
def test_bad_durations_name_the_variable(raw: str) -> None:
    """A bad duration is a ConfigError naming the variable and its value."""
    with pytest.raises(ConfigError, match="JOURNAL_RETENTION="):
        parse_duration("JOURNAL_RETENTION", raw)


def test_settings_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unset, the journal is off (url ""), kept 30 days, with the documented bounds."""
    for name in (
        "JOURNAL_URL",
        "JOURNAL_RETENTION",
        "JOURNAL_QUEUE",
        "JOURNAL_BATCH",
        "JOURNAL_FLUSH_INTERVAL",
        "JOURNAL_MAX_FRAME_BYTES",
    ):
        monkeypatch.delenv(name, raising=False)
    settings = JournalSettings.from_env()
    assert settings == JournalSettings(
        url="",
        retention_s=30 * 86_400,
        queue_size=50_000,
        batch=1_000,
        flush_interval=0.2,
        max_frame_bytes=65_536,
    )
    assert not settings.enabled
    default = JournalSettings.from_env(default_url="sqlite+aiosqlite:///var/journal.sqlite")
    assert default.enabled


def test_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every JOURNAL_* variable is read; ``off`` turns the journal off."""
    monkeypatch.setenv("JOURNAL_URL", "off")
    monkeypatch.setenv("JOURNAL_RETENTION", "12h")
    monkeypatch.setenv("JOURNAL_QUEUE", "10")
    monkeypatch.setenv("JOURNAL_BATCH", "5")
    monkeypatch.setenv("JOURNAL_FLUSH_INTERVAL", "0.5")
    monkeypatch.setenv("JOURNAL_MAX_FRAME_BYTES", "4096")
    settings = JournalSettings.from_env(default_url="sqlite+aiosqlite:///var/journal.sqlite")
    assert settings == JournalSettings("off", 43_200, 10, 5, 0.5, 4096)
    assert not settings.enabled


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("JOURNAL_URL", "mysql://db/journal"),
        ("JOURNAL_URL", "sqlite+aiosqlite:///:memory:"),
        ("JOURNAL_RETENTION", "forever"),
        ("JOURNAL_QUEUE", "0"),
        ("JOURNAL_BATCH", "many"),
        ("JOURNAL_FLUSH_INTERVAL", "-1"),
        ("JOURNAL_MAX_FRAME_BYTES", "10"),
    ],
)
def test_bad_settings_name_their_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    """A bad JOURNAL_* value is a ConfigError that names the variable."""
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        JournalSettings.from_env()
