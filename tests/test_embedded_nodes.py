"""`make run` with EMBEDDED_NODES=2 (ADR 0015): two node processes behind one Envoy, sharing
the Redis registry; chargers through the gateway land on both, commands reach either, and
a stop signal stops every child."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
from pathlib import Path

from services.registry import RedisRegistry
from tests.harness import ADMIN_TOKEN, UNIT, Charger16, connected, eventually, free_port
from tests.test_gateway import http

ROOT = Path(__file__).resolve().parent.parent


def _children(pid: int) -> set[int]:
    """The live (not zombie) processes whose parent is `pid`, from /proc."""
    found: set[int] = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.add(int(entry))
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "NODE_HOST": "127.0.0.1",
        "MANAGER_PORT": str(free_port()),
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'csms.sqlite3'}",
        "JOURNAL_URL": f"sqlite+aiosqlite:///{tmp_path / 'journal.sqlite'}",
        "LOG_LEVEL": "WARNING",
        "CSMS_ADMIN_TOKEN": ADMIN_TOKEN,
        "METRICS_PORT": "0",
        "GATEWAY_CONCURRENCY": "1",  # one Envoy worker: its round robin alternates nodes
        **extra,
    }
    env.pop("MESH_SECRET", None)  # the embedded process makes one and hands it down
    return env


async def test_two_node_processes_behind_the_gateway(
    tmp_path: Path, redis_server_url: str, redis_prefix: str
) -> None:
    """With EMBEDDED_NODES=2 and REDIS_URL, chargers connecting through the gateway are
    spread over both node processes (the registry names both), a Reset through the API
    reaches a charger on either, both write the one SQLite journal, and SIGINT to the
    embedded process stops every child."""
    for _ in range(20):  # the second node listens on NODE_PORT + 1: both must be free
        ws_port = free_port()
        if free_port() == ws_port + 1:
            break
    else:
        raise AssertionError("no two adjacent free ports in this worker's block")
    gateway_port = free_port()
    env = _env(
        tmp_path,
        EMBEDDED_NODES="2",
        NODE_PORT=str(ws_port),
        REDIS_URL=redis_server_url,
        REGISTRY_PREFIX=redis_prefix,
        GATEWAY_PORT=str(gateway_port),
        GATEWAY_HOST="127.0.0.1",
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.embedded", cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE
    )
    registry = RedisRegistry.from_url(redis_server_url, prefix=redis_prefix)
    children: set[int] = set()
    try:
        assert proc.stdout is not None
        banner = ""
        while "Press Ctrl+C" not in banner:
            line = await asyncio.wait_for(proc.stdout.readline(), 60 * UNIT)
            assert line, f"embedded process exited early; printed: {banner!r}"
            banner += line.decode()
        assert f"embedded-2 on {ws_port + 1}" in banner
        children = _children(proc.pid)
        assert len(children) == 2  # the second node and Envoy

        base = f"http://127.0.0.1:{gateway_port}"
        on: dict[str, str] = {}  # node id -> a charger it holds
        async with contextlib.AsyncExitStack() as stack:
            for i in range(8):
                charger_id = f"MN-{i}"
                cp = await stack.enter_async_context(
                    connected(
                        Charger16, f"ws://127.0.0.1:{gateway_port}/ocpp/{charger_id}", charger_id
                    )
                )
                assert (await cp.boot()).status == "Accepted"
                location = await registry.lookup(charger_id)
                assert location is not None
                on.setdefault(location.node_id, charger_id)
                if len(on) == 2:
                    break
            assert set(on) == {"embedded", "embedded-2"}

            for node_id, charger_id in on.items():
                reset = await http(
                    "POST", f"{base}/v1/chargers/{charger_id}:reset", {"kind": "RESET_KIND_SOFT"}
                )
                assert reset.status == 200, (node_id, reset.body)
                assert reset.json()["status"] == "Accepted", (node_id, reset.body)

            async def journaled() -> bool:
                for charger_id in on.values():
                    got = await http("GET", f"{base}/v1/chargers/{charger_id}/messages")
                    if got.status != 200 or b"Reset" not in got.body:
                        return False
                return True

            await eventually(journaled)
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGINT)
        status = await asyncio.wait_for(proc.wait(), 60 * UNIT)
        await registry.aclose()
    assert status == 0
    assert not [pid for pid in children if _alive(pid)]


async def test_two_nodes_without_redis_is_a_configuration_error(tmp_path: Path) -> None:
    """EMBEDDED_NODES=2 without REDIS_URL exits 2 with an error naming both settings, and
    starts nothing."""
    env = _env(tmp_path, EMBEDDED_NODES="2", NODE_PORT=str(free_port()), GATEWAY_ENABLED="false")
    env.pop("REDIS_URL", None)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services.embedded",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60 * UNIT)
    assert proc.returncode == 2
    assert "EMBEDDED_NODES=2 needs REDIS_URL" in err.decode()
    assert "Press Ctrl+C" not in out.decode()
    assert not (tmp_path / "csms.sqlite3").exists()


async def test_a_taken_port_for_the_second_node_stops_the_start(
    tmp_path: Path, redis_server_url: str, redis_prefix: str
) -> None:
    """When NODE_PORT + 1 is taken by another program, the embedded process does not take
    that program for its second node: it stops with status 1 and names the port."""
    ws_port = free_port()
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", ws_port + 1))
        squatter.listen()
        env = _env(
            tmp_path,
            EMBEDDED_NODES="2",
            NODE_PORT=str(ws_port),
            REDIS_URL=redis_server_url,
            REGISTRY_PREFIX=redis_prefix,
            GATEWAY_ENABLED="false",
        )
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "services.embedded",
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(proc.communicate(), 60 * UNIT)
    assert proc.returncode == 1
    assert f"port {ws_port + 1} for node process embedded-2 (NODE_PORT + 1) is in use" in (
        err.decode()
    )
    assert "Press Ctrl+C" not in out.decode()
