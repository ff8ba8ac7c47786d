"""Systems under test as real processes: the mesh (manager + node, PostgreSQL, Redis),
the embedded default (one process, SQLite, in-process registry), the ``ocpp``-library
baseline and the bare limit server. Each ``async with`` cleans up its processes, its
database and its Redis keys, also on failure; every child also gets SIGTERM from the
kernel if the bench process dies (PR_SET_PDEATHSIG).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import asyncpg
import grpc
import redis.asyncio as aioredis
from csms.v1 import registry_pb2, registry_pb2_grpc
from prometheus_client.parser import text_string_to_metric_families

from bench._lifetime import die_with_parent
from services.common._mesh import bearer_metadata, metadata_channel_interceptors, new_secret

REPO = Path(__file__).resolve().parent.parent
PG_ADMIN_DSN = os.environ.get("BENCH_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
_TICKS = os.sysconf("SC_CLK_TCK")
#: The mesh secret and admin API token of the processes this run starts (fresh per run).
MESH_SECRET = new_secret()
ADMIN_TOKEN = "csms_" + new_secret()


def api_channel(address: str) -> grpc.aio.Channel:
    """A channel to the manager's API whose calls carry the run's admin token."""
    return grpc.aio.insecure_channel(
        address, interceptors=metadata_channel_interceptors(bearer_metadata(ADMIN_TOKEN))
    )


def free_port() -> int:
    """A TCP port free on loopback right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def rss_bytes(pid: int) -> int:
    """Resident set size of a process (VmRSS in /proc/<pid>/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise LookupError(f"no VmRSS for pid {pid}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


async def wait_tcp(port: int, timeout: float, proc: subprocess.Popen[bytes]) -> None:
    """Wait until something accepts on 127.0.0.1:port (or the process died)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args!r} exited with {proc.returncode}")
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        except OSError:
            await asyncio.sleep(0.1)
    raise TimeoutError(f"nothing listens on port {port} after {timeout:g} s")


@dataclass
class Process:
    """A started child process and where its output goes."""

    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


@dataclass
class System:
    """A running system under test: where chargers connect and which processes to watch."""

    name: str  # mesh | embedded | baseline | limit
    ws_url: str  # ws://127.0.0.1:PORT/ocpp
    processes: dict[str, Process] = field(default_factory=dict)
    manager_address: str | None = None  # gRPC API (mesh, embedded)
    node_id: str | None = None
    node_pid: int | None = None  # the process holding the websockets
    node_metrics_port: int | None = None  # the node's /metrics (mesh), on loopback
    gateway: tuple[str, int] | None = None  # Envoy's JSON API (host, port), when started
    extra_pids: dict[str, int] = field(default_factory=dict)  # watched too (Envoy)
    _workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="csms-bench-")))
    _cleanups: list[Any] = field(default_factory=list)

    def start(self, name: str, args: list[str], env: dict[str, str]) -> Process:
        log_path = self._workdir / f"{name}.log"
        with log_path.open("wb") as log:
            popen = subprocess.Popen(
                args,
                cwd=REPO,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=die_with_parent,
            )
        process = Process(name, popen, log_path)
        self.processes[name] = process
        return process

    async def registered_chargers(self) -> int:
        """Chargers the registry files under our node (manager's Registry.ListNodes)."""
        assert self.manager_address is not None
        async with api_channel(self.manager_address) as channel:
            stub = registry_pb2_grpc.RegistryStub(channel)
            answer = await stub.ListNodes(registry_pb2.ListNodesRequest(), timeout=5)
        return sum(n.charger_count for n in answer.nodes if n.node_id == self.node_id)

    async def journal_counts(self) -> dict[str, float] | None:
        """The node's journal counters (``csms_journal_*`` on its /metrics): exchanges
        written and dropped so far; None where the system has no such node."""
        if self.node_metrics_port is None:
            return None
        url = f"http://127.0.0.1:{self.node_metrics_port}/metrics"

        def scrape() -> str:
            with urllib.request.urlopen(url, timeout=5) as response:
                return str(response.read().decode())

        counts = {"written": 0.0, "dropped": 0.0}
        for family in text_string_to_metric_families(await asyncio.to_thread(scrape)):
            for sample in family.samples:
                if sample.name in ("csms_journal_written_total", "csms_journal_dropped_total"):
                    key = sample.name.removeprefix("csms_journal_").removesuffix("_total")
                    counts[key] += sample.value
        return counts

    async def stop(self) -> None:
        """SIGTERM (graceful shutdown), then SIGKILL after 10 s; then the cleanups."""
        for process in reversed(list(self.processes.values())):
            if process.popen.poll() is None:
                process.popen.terminate()
        for process in reversed(list(self.processes.values())):
            try:
                await asyncio.to_thread(process.popen.wait, 10)
            except subprocess.TimeoutExpired:
                process.popen.kill()
                await asyncio.to_thread(process.popen.wait)
        for cleanup in reversed(self._cleanups):
            try:
                await cleanup()
            except Exception as exc:  # report, and go on cleaning up the rest
                print(f"cleanup of {self.name} failed: {exc}", file=sys.stderr)
        shutil.rmtree(self._workdir, ignore_errors=True)

    async def __aenter__(self) -> System:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is not None:
            for process in self.processes.values():
                print(f"--- last lines of {process.name} ---\n{process.tail()}", file=sys.stderr)
        await self.stop()


def _service_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "REGISTRY_PREFIX", "NODE_ID"}
    }
    env.update(
        LOG_LEVEL="WARNING",
        PYTHONPATH=f"{REPO / 'gen'}:{REPO}",
        MESH_SECRET=MESH_SECRET,
        CSMS_ADMIN_TOKEN=ADMIN_TOKEN,
    )
    env.update(extra)
    return env


async def start_gateway(system: System, node_ports: list[int]) -> None:
    """Envoy (``services.gateway``, the deployment's front door) in front of the system's
    manager and nodes: the JSON API that scenario 6 sends its Resets through, and the
    websocket door that balances chargers over the nodes (``bench.nodes``)."""
    from services.gateway import Envoy, GatewaySettings

    assert system.manager_address is not None
    port = free_port()
    envoy = Envoy(
        GatewaySettings(
            manager_address=system.manager_address,
            node_addresses=tuple(f"127.0.0.1:{port}" for port in node_ports),
            listen_host="127.0.0.1",
            listen_port=port,
            admin_port=0,
            ui_dir=None,
            openapi=None,
            concurrency=1,
        )
    )
    system._cleanups.append(envoy.aclose)  # idempotent; also after a failed start
    await envoy.start()
    system.gateway = ("127.0.0.1", port)
    if envoy.pid is not None:
        system.extra_pids["envoy"] = envoy.pid


async def start_mesh(
    *, gateway: bool = False, journal: bool = True, nodes: int = 1, via_gateway: bool = False
) -> System:
    """``python -m services.manager`` + ``python -m services.node`` on a fresh PostgreSQL
    database and a unique Redis prefix; both are removed again by ``stop``. With
    ``gateway``, Envoy's JSON API in front of the manager too. The node journals every
    frame to that database (a deployment journals everything; `journal=False` measures
    what that costs). ``nodes`` node processes (one per core; the first is the one whose
    memory and journal are read); ``via_gateway``: chargers connect through Envoy, which
    balances them over the nodes (implies ``gateway``)."""
    gateway = gateway or via_gateway
    tag = f"{os.getpid()}_{uuid.uuid4().hex[:8]}"
    database = f"csms_bench_{tag}"
    prefix = f"csms-bench-{tag}:"
    manager_port, node_port, node_grpc_port = free_port(), free_port(), free_port()
    metrics_port = free_port()
    node_id = f"bench-node-{tag}"
    system = System("mesh", f"ws://127.0.0.1:{node_port}/ocpp", node_id=node_id)
    system.manager_address = f"127.0.0.1:{manager_port}"

    admin = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await admin.execute(f'CREATE DATABASE "{database}"')
    finally:
        await admin.close()

    async def drop_database() -> None:
        conn = await asyncpg.connect(PG_ADMIN_DSN)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        finally:
            await conn.close()

    async def delete_keys() -> None:
        client = aioredis.from_url(REDIS_URL)
        try:
            batch: list[bytes] = []
            async for key in client.scan_iter(match=f"{prefix}*", count=1000):
                batch.append(key)
                if len(batch) >= 1000:
                    await client.delete(*batch)
                    batch = []
            if batch:
                await client.delete(*batch)
        finally:
            await client.aclose()

    system._cleanups += [drop_database, delete_keys]
    # The manager and the node authenticate each other with it; a fresh one per run.
    common = {
        "REDIS_URL": REDIS_URL,
        "REGISTRY_PREFIX": prefix,
        "MESH_SECRET": secrets.token_urlsafe(32),
        "JOURNAL_URL": f"postgresql+asyncpg://postgres@127.0.0.1/{database}" if journal else "off",
    }
    try:
        manager = system.start(
            "manager",
            [sys.executable, "-m", "services.manager"],
            _service_env(
                DATABASE_URL=f"postgresql+asyncpg://postgres@127.0.0.1/{database}",
                AUTO_REGISTER="true",
                ALLOW_UNSECURED_CHARGERS="true",  # simulated chargers carry no credentials
                MANAGER_HOST="127.0.0.1",
                MANAGER_PORT=str(manager_port),
                **common,
            ),
        )
        await wait_tcp(manager_port, 60, manager.popen)
        node = system.start(
            "node",
            [sys.executable, "-m", "services.node"],
            _service_env(
                NODE_ID=node_id,
                NODE_HOST="127.0.0.1",
                NODE_PORT=str(node_port),
                NODE_GRPC_HOST="127.0.0.1",
                NODE_GRPC_PORT=str(node_grpc_port),
                NODE_ADVERTISE_HOST="127.0.0.1",
                MANAGER_ADDRESS=system.manager_address,
                METRICS_PORT=str(metrics_port),  # loopback: the journal's counters
                **common,
            ),
        )
        await wait_tcp(node_port, 60, node.popen)
        system.node_pid = node.pid
        system.node_metrics_port = metrics_port
        node_ports = [node_port]
        for i in range(2, nodes + 1):
            port = free_port()
            extra = system.start(
                f"node-{i}",
                [sys.executable, "-m", "services.node"],
                _service_env(
                    NODE_ID=f"{node_id}-{i}",
                    NODE_HOST="127.0.0.1",
                    NODE_PORT=str(port),
                    NODE_GRPC_HOST="127.0.0.1",
                    NODE_GRPC_PORT=str(free_port()),
                    NODE_ADVERTISE_HOST="127.0.0.1",
                    MANAGER_ADDRESS=system.manager_address,
                    **common,
                ),
            )
            await wait_tcp(port, 60, extra.popen)
            node_ports.append(port)
        if gateway:
            await start_gateway(system, node_ports)
        if via_gateway:
            assert system.gateway is not None
            system.ws_url = f"ws://127.0.0.1:{system.gateway[1]}/ocpp"
        await asyncio.sleep(0.5)  # the node's event stream to the manager comes up
    except BaseException:
        await system.stop()
        raise
    return system


async def start_embedded() -> System:
    """``python -m services.embedded`` with a temporary SQLite file, in-process registry."""
    manager_port, node_port = free_port(), free_port()
    system = System("embedded", f"ws://127.0.0.1:{node_port}/ocpp", node_id="embedded")
    system.manager_address = f"127.0.0.1:{manager_port}"
    try:
        process = system.start(
            "embedded",
            [sys.executable, "-m", "services.embedded"],
            _service_env(
                DATABASE_URL=f"sqlite+aiosqlite:///{system._workdir / 'csms.sqlite3'}",
                MANAGER_HOST="127.0.0.1",
                MANAGER_PORT=str(manager_port),
                NODE_HOST="127.0.0.1",
                NODE_PORT=str(node_port),
            ),
        )
        await wait_tcp(node_port, 60, process.popen)
        system.node_pid = process.pid
        await asyncio.sleep(0.5)
    except BaseException:
        await system.stop()
        raise
    return system


async def start_script(name: str, module: str) -> System:
    """One of our single-process comparison servers (baseline, limit)."""
    port = free_port()
    system = System(name, f"ws://127.0.0.1:{port}/ocpp")
    try:
        process = system.start(
            name,
            [
                sys.executable,
                "-m",
                module,
                "--port",
                str(port),
                "--parent-pid",
                str(os.getpid()),
            ],
            _service_env(),
        )
        await wait_tcp(port, 30, process.popen)
        system.node_pid = process.pid
    except BaseException:
        await system.stop()
        raise
    return system


async def start_system(name: str, *, gateway: bool = False, journal: bool = True) -> System:
    """Start the named system under test (``gateway``: Envoy in front of the mesh;
    ``journal=False``: the mesh without its frame journal)."""
    if name == "mesh":
        return await start_mesh(gateway=gateway, journal=journal)
    if name == "embedded":
        return await start_embedded()
    if name == "baseline":
        return await start_script("baseline", "bench.baseline_ocpp_lib")
    if name == "limit":
        return await start_script("limit", "bench.limit_server")
    raise ValueError(f"unknown system {name!r}")


@contextlib.asynccontextmanager
async def running(name: str, *, gateway: bool = False, journal: bool = True) -> Any:
    """``async with running("mesh") as system:`` — started, and stopped whatever happens."""
    system = await start_system(name, gateway=gateway, journal=journal)
    async with system:
        yield system
