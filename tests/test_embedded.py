"""`make run`'s process end to end: a charger is served, csmsctl reaches it, shutdown keeps writes."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from pathlib import Path

from tests.harness import ADMIN_TOKEN, UNIT, Charger16, connected, eventually, free_port

ROOT = Path(__file__).resolve().parent.parent


async def _csmsctl(port: int, *args: str) -> tuple[int, str, str]:
    """csmsctl in its own process, with the test's admin token in CSMS_TOKEN."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services.csmsctl",
        "--manager",
        f"127.0.0.1:{port}",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=ROOT,
        env={**os.environ, "CSMS_TOKEN": ADMIN_TOKEN},
    )
    out, err = await asyncio.wait_for(proc.communicate(), 30 * UNIT)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_embedded_process_serves_a_charger_and_csmsctl_drives_it(tmp_path: Path) -> None:
    """The embedded process serves a 1.6 charger; csmsctl lists the registry and resets it;
    SIGTERM shuts down cleanly and the charger's last status is in the SQLite file, its
    frames in the journal's."""
    ws_port, grpc_port = free_port(), free_port()
    database = tmp_path / "csms.sqlite3"
    journal = tmp_path / "journal.sqlite"
    env = {
        **os.environ,
        "NODE_PORT": str(ws_port),
        "NODE_HOST": "127.0.0.1",
        "MANAGER_PORT": str(grpc_port),
        "MANAGER_HOST": "127.0.0.1",
        "DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        "JOURNAL_URL": f"sqlite+aiosqlite:///{journal}",
        "GATEWAY_ENABLED": "false",  # tests/test_gateway.py covers make run with Envoy
        "LOG_LEVEL": "WARNING",
        "CSMS_ADMIN_TOKEN": ADMIN_TOKEN,
    }
    env.pop("REDIS_URL", None)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.embedded", cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE
    )
    try:
        assert proc.stdout is not None
        banner = ""
        while "Press Ctrl+C" not in banner:
            line = await asyncio.wait_for(proc.stdout.readline(), 40 * UNIT)
            assert line, f"embedded process exited early; printed: {banner!r}"
            banner += line.decode()
        assert f"ws://localhost:{ws_port}/ocpp/<charger-id>" in banner
        # The trial admits chargers without credentials, and says so (issue 11).
        assert "UNSECURED chargers (security profile 0, no password) are admitted" in banner

        url = f"ws://127.0.0.1:{ws_port}/ocpp/EMB-1"
        async with connected(Charger16, url, "EMB-1") as cp:
            assert (await cp.boot()).status == "Accepted"
            await cp.status(1, "Preparing")

            code, out, err = await _csmsctl(grpc_port, "registry", "ls")
            assert code == 0, err
            assert "EMB-1" in out
            assert "embedded" in out

            code, out, err = await _csmsctl(grpc_port, "reset", "EMB-1", "--hard")
            assert code == 0, err
            assert "Accepted" in out
            assert cp.resets == ["Hard"]

            code, out, err = await _csmsctl(grpc_port, "--json", "charger", "EMB-1")
            assert code == 0, err
            assert '"Preparing"' in out

            # The manager's timeline reads the journal the embedded node writes.
            async def journaled() -> str:
                code, out, err = await _csmsctl(grpc_port, "messages", "EMB-1")
                assert code == 0, err
                return out if "Reset" in out else ""

            timeline = await eventually(journaled)
            assert "BootNotification" in timeline
            assert "StatusNotification" in timeline

        code, out, err = await _csmsctl(grpc_port, "reset", "NOBODY")
        assert code == 1
        assert "NOBODY" in err
        assert "NOT_FOUND" in err
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        status = await asyncio.wait_for(proc.wait(), 30 * UNIT)
    assert status == 0
    with sqlite3.connect(database) as db:
        rows = db.execute("select charger_id, evse_id, status from connectors").fetchall()
    assert rows == [("EMB-1", 1, "Preparing")]
    assert f"journal:   sqlite+aiosqlite:///{journal}" in banner
    with sqlite3.connect(journal) as db:
        actions = db.execute(
            "select action, outcome from journal_exchanges where charger_id = 'EMB-1' order by id"
        ).fetchall()
    assert actions == [
        ("BootNotification", "result"),
        ("StatusNotification", "result"),
        ("Reset", "result"),
    ]


# Loopback as /proc/net writes it (hex, per 32-bit word in host order): 127.0.0.1,
# ::ffff:127.0.0.1 (gRPC binds 127.0.0.1 as such on a dual-stack socket) and ::1.
_LOOPBACK = {
    "0100007F",
    "0000000000000000FFFF00000100007F",
    "00000000000000000000000001000000",
}


def _listening_addresses(port: int) -> set[str]:
    """The local addresses of the sockets listening on TCP `port` (from /proc/net)."""
    found: set[str] = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        with open(table) as rows:
            next(rows)
            for row in rows:
                local, state = row.split()[1], row.split()[3]
                address, _, hex_port = local.partition(":")
                if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                    assert len(address) == width
                    found.add(address)
    return found


async def test_embedded_manager_grpc_listens_on_loopback_only(tmp_path: Path) -> None:
    """`make run` binds the manager's gRPC port (events stream, admission, the API) to
    loopback unless MANAGER_HOST says otherwise: nothing internal is published."""
    grpc_port = free_port()
    env = {
        **os.environ,
        "NODE_PORT": str(free_port()),
        "MANAGER_PORT": str(grpc_port),
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'csms.sqlite3'}",
        "GATEWAY_ENABLED": "false",
        "LOG_LEVEL": "WARNING",
        "CSMS_ADMIN_TOKEN": ADMIN_TOKEN,
    }
    env.pop("REDIS_URL", None)
    env.pop("MANAGER_HOST", None)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.embedded", cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE
    )
    try:
        assert proc.stdout is not None
        banner = ""
        while "Press Ctrl+C" not in banner:
            line = await asyncio.wait_for(proc.stdout.readline(), 40 * UNIT)
            assert line, f"embedded process exited early; printed: {banner!r}"
            banner += line.decode()
        listening = _listening_addresses(grpc_port)
        assert listening, f"nothing listens on {grpc_port}"
        assert listening <= _LOOPBACK, listening
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.wait(), 30 * UNIT)


async def test_embedded_with_any_free_manager_port(tmp_path: Path) -> None:
    """MANAGER_PORT=0 (any free port): the node reaches the manager on the port it was
    given, not on 0, so a charger boots (Accepted)."""
    ws_port = free_port()
    env = {
        **os.environ,
        "NODE_PORT": str(ws_port),
        "MANAGER_PORT": "0",
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'csms.sqlite3'}",
        "GATEWAY_ENABLED": "false",
        "LOG_LEVEL": "WARNING",
        "CSMS_ADMIN_TOKEN": ADMIN_TOKEN,
    }
    env.pop("REDIS_URL", None)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.embedded", cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE
    )
    try:
        assert proc.stdout is not None
        banner = ""
        while "Press Ctrl+C" not in banner:
            line = await asyncio.wait_for(proc.stdout.readline(), 40 * UNIT)
            assert line, f"embedded process exited early; printed: {banner!r}"
            banner += line.decode()
        assert "gRPC API:  localhost:0 " not in banner
        url = f"ws://127.0.0.1:{ws_port}/ocpp/EMB-PORT0"
        async with connected(Charger16, url, "EMB-PORT0") as cp:
            assert (await cp.boot()).status == "Accepted"
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.wait(), 30 * UNIT)
