"""Credentials in connection URLs never reach a log line or a banner (issue 11: "logs never
print credentials")."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest

from services.common import without_password
from tests.harness import MESH_SECRET, UNIT, free_port

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "postgresql+asyncpg://csms:s3cret@db.example:5432/csms",
            "postgresql+asyncpg://csms:***@db.example:5432/csms",
        ),
        ("redis://:s3cret@127.0.0.1:6379/0", "redis://:***@127.0.0.1:6379/0"),
        ("redis://default:s3cret@cache/1?ssl=true", "redis://default:***@cache/1?ssl=true"),
        ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"),
        ("sqlite+aiosqlite:///var/csms.sqlite3", "sqlite+aiosqlite:///var/csms.sqlite3"),
        ("postgresql://csms@db/csms", "postgresql://csms@db/csms"),
    ],
)
def test_a_url_is_shown_without_its_password(url: str, shown: str) -> None:
    """A URL's password is replaced by *** and nothing else changes."""
    assert without_password(url) == shown


@pytest.mark.parametrize("log_format", ["text", "json"])
async def test_the_registry_service_logs_its_redis_url_without_the_password(
    redis_server_url: str, redis_prefix: str, log_format: str
) -> None:
    """`python -m services.registry` names its Redis in the log, never the password
    (the default Redis user takes any password, so the service really connects), in text
    and in JSON lines (LOG_FORMAT), which parse one by one."""
    with_password = redis_server_url.replace("redis://", "redis://default:hunter2-secret@", 1)
    env = {
        **os.environ,
        "REDIS_URL": with_password,
        "REGISTRY_PREFIX": redis_prefix,
        "REGISTRY_HOST": "127.0.0.1",
        "REGISTRY_PORT": str(free_port()),
        "LOG_LEVEL": "INFO",
        "LOG_FORMAT": log_format,
        "MESH_SECRET": MESH_SECRET,
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services.registry",
        cwd=ROOT,
        env=env,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stderr is not None
    logged = ""
    try:
        while "registry API on" not in logged:
            line = await asyncio.wait_for(proc.stderr.readline(), 20 * UNIT)
            assert line, f"the registry exited early; logged: {logged!r}"
            logged += line.decode()
    finally:
        proc.terminate()
        rest, _ = await asyncio.wait_for(proc.communicate(), 20 * UNIT)
        logged += (rest or b"").decode()
    assert "hunter2-secret" not in logged
    assert "default:***@" in logged
    assert MESH_SECRET not in logged
    if log_format == "json":
        records = [json.loads(line) for line in logged.splitlines()]
        assert any("default:***@" in r["message"] for r in records), records
