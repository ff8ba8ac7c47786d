"""What the SQL journal adds to the contract: its own table created once, SQLite in WAL
mode for a reader beside the writer, the retention sweep in chunks, clear errors."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from services.journal import JournalError, Query, open_journal
from services.journal import _sql as sql
from services.journal._sql import SqlJournal
from tests.harness import free_port
from tests.journal.test_contract import T0, exchange, ids


async def test_reopening_keeps_the_exchanges(sqlite_journal_url: str) -> None:
    """A journal opened again (the table already there) reads what was written before."""
    first = SqlJournal(sqlite_journal_url)
    await first.open()
    await first.write([exchange(n=1)])
    await first.aclose()
    again = SqlJournal(sqlite_journal_url)
    await again.open()
    try:
        assert ids(await again.query(Query("CP-1"))) == ["m1"]
    finally:
        await again.aclose()


async def test_a_reader_beside_the_writer(sqlite_journal_url: str) -> None:
    """The SQLite file is in WAL mode; a second journal on the file (the manager, reading)
    sees each batch the first one (the node) writes."""
    writer, reader = SqlJournal(sqlite_journal_url), SqlJournal(sqlite_journal_url)
    await writer.open()
    await reader.open()
    try:
        await writer.write([exchange(n=1)])
        assert ids(await reader.query(Query("CP-1"))) == ["m1"]
        await writer.write([exchange(n=2)])
        assert ids(await reader.query(Query("CP-1"))) == ["m2", "m1"]
    finally:
        await reader.aclose()
        await writer.aclose()
    path = sqlite_journal_url.removeprefix("sqlite+aiosqlite:///")
    connection = sqlite3.connect(path)
    try:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        connection.close()


async def test_expire_deletes_in_chunks(
    sqlite_journal_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sweep with more to delete than one chunk deletes it all, chunk by chunk."""
    monkeypatch.setattr(sql, "EXPIRE_CHUNK", 3)
    journal = SqlJournal(sqlite_journal_url)
    await journal.open()
    try:
        await journal.write([exchange(n=n) for n in range(10)])
        await journal.write([exchange(n=100)])
        assert await journal.expire(T0 + 10_000) == 10
        assert ids(await journal.query(Query("CP-1"))) == ["m100"]
    finally:
        await journal.aclose()


def test_in_memory_sqlite_is_refused() -> None:
    """An in-memory SQLite journal (lost at exit, seen by no reader) is refused, saying why."""
    with pytest.raises(ValueError, match="file path"):
        open_journal("sqlite+aiosqlite:///:memory:", retention_s=60)
    with pytest.raises(ValueError, match="file path"):
        open_journal("sqlite+aiosqlite://", retention_s=60)


async def test_a_missing_directory_is_a_clear_error(tmp_path: Path) -> None:
    """Opening a SQLite journal in a directory that does not exist fails at open with a
    JournalError naming the journal."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'nowhere' / 'journal.sqlite'}"
    journal = open_journal(url, retention_s=60)
    with pytest.raises(JournalError, match=r"journal at .*nowhere.*opening failed"):
        await journal.open()


async def test_an_unreachable_postgres_is_a_clear_error_without_the_password() -> None:
    """Opening a PostgreSQL journal nobody answers for fails with a JournalError that
    names the URL without its password."""
    url = f"postgresql+asyncpg://csms:s3cret@127.0.0.1:{free_port()}/journal"
    journal = SqlJournal(url, connect_timeout=2.0)
    with pytest.raises(JournalError) as caught:
        await journal.open()
    assert "csms:***@127.0.0.1" in str(caught.value)
    assert "s3cret" not in str(caught.value)


async def test_a_write_after_close_is_a_misuse(sqlite_journal_url: str) -> None:
    """Writing to a journal that is not open is a bug in the caller (RuntimeError)."""
    journal = SqlJournal(sqlite_journal_url)
    with pytest.raises(RuntimeError, match="before open"):
        await journal.write([exchange()])


async def test_a_failed_write_names_the_cause_not_the_frames(sqlite_journal_url: str) -> None:
    """A batch the database refuses is a JournalError with the driver's reason, and
    without the batch's frames (a thousand of them would flood the log)."""
    journal = SqlJournal(sqlite_journal_url)
    await journal.open()
    try:
        async with journal.engine.begin() as connection:
            await connection.exec_driver_sql("DROP TABLE journal_exchanges")
        with pytest.raises(JournalError) as failed:
            await journal.write([exchange(n=n, call=f"FRAME-{n}") for n in range(3)])
    finally:
        await journal.aclose()
    message = str(failed.value)
    assert "writing 3 exchanges failed" in message
    assert "no such table" in message
    assert "FRAME-" not in message
