"""Prometheus metrics: every service's /metrics parses as Prometheus text and moves under a
real load (ocpp chargers through real node, manager and registry processes), no label
carries a charger id, the token is enforced, and an exposed listener needs one."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import grpc
import pytest
import websockets
from csms.v1 import chargers_pb2, chargers_pb2_grpc, registry_pb2, registry_pb2_grpc
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from websockets.typing import Subprotocol

from services import metrics
from services.common._env import ConfigError
from services.metrics import MetricsListener, MetricsSettings
from services.registry import RedisRegistry, RegistryUnavailable
from tests.harness import (
    ADMIN_TOKEN,
    MESH_SECRET,
    ROOT,
    UNIT,
    Charger16,
    Charger201,
    accepts,
    api_channel,
    connected,
    eventually,
    free_port,
    mesh_channel,
    spawn_manager,
    spawn_node,
    stop_process,
)

TOKEN = "metrics-token-0123456789abcdef"

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(port: int, token: str | None = None, path: str = "/metrics") -> tuple[int, str]:
    """GET http://127.0.0.1:port/path: (status, body)."""

    def get() -> tuple[int, str]:
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=8 * UNIT) as response:
                return int(response.status), response.read().decode()
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.read().decode()

    return await asyncio.to_thread(get)


def parse(text: str) -> Samples:
    """Every sample of a Prometheus text exposition (raises if it does not parse)."""
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    """The sum of `name`'s samples whose labels include `labels` (0 when there are none)."""
    wanted = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and wanted <= ls)


def label_values(samples: Samples) -> set[str]:
    return {v for (_, labels) in samples for _, v in labels}


async def metrics_of(port: int, token: str | None = None) -> Samples:
    status, body = await scrape(port, token)
    assert status == 200, body
    return parse(body)


async def metrics_when(port: int, ready: Callable[[Samples], bool]) -> Samples:
    """The metrics of `port` once `ready` holds for them (what happens after a charger's
    answer, a disconnection or a flush, is waited for, not assumed)."""

    async def check() -> Samples | None:
        samples = await metrics_of(port)
        return samples if ready(samples) else None

    result = await eventually(check)
    assert result is not None
    return result


@contextlib.asynccontextmanager
async def registry_process(
    redis_url: str, prefix: str, metrics_port: int
) -> AsyncIterator[tuple[asyncio.subprocess.Process, int]]:
    """`python -m services.registry` with its /metrics behind TOKEN; (process, gRPC port)."""
    port = free_port()
    env = {
        **os.environ,
        "REDIS_URL": redis_url,
        "REGISTRY_PREFIX": prefix,
        "REGISTRY_HOST": "127.0.0.1",
        "REGISTRY_PORT": str(port),
        "MESH_SECRET": MESH_SECRET,
        "METRICS_PORT": str(metrics_port),
        "METRICS_TOKEN": TOKEN,
        "LOG_LEVEL": "WARNING",
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.registry", cwd=ROOT, env=env
    )
    try:
        await eventually(lambda: accepts(port), timeout=30 * UNIT)
        yield proc, port
    finally:
        await stop_process(proc)


async def test_metrics_of_node_manager_and_registry_processes_move_under_load(
    postgres_url: str,
    redis_server_url: str,
    redis_prefix: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Chargers booting, beating, sending a malformed frame and answering a Reset through a
    node and a manager process move their /metrics (and the registry API's, behind its
    token); all three parse as Prometheus text and no label names a charger."""
    manager_port, manager_metrics, node_metrics, registry_metrics = (free_port() for _ in range(4))
    monkeypatch.setenv("METRICS_PORT", str(manager_metrics))
    manager = await spawn_manager(manager_port, postgres_url, redis_server_url, redis_prefix)
    monkeypatch.setenv("METRICS_PORT", str(node_metrics))
    node, ws_port = await spawn_node("metrics-node", manager_port, redis_server_url, redis_prefix)
    try:
        async with registry_process(redis_server_url, redis_prefix, registry_metrics) as (_, rport):
            await eventually(lambda: accepts(ws_port), timeout=30 * UNIT)
            await eventually(lambda: accepts(node_metrics))
            before = {
                "node": await metrics_of(node_metrics),
                "manager": await metrics_of(manager_metrics),
                "registry": await metrics_of(registry_metrics, TOKEN),
            }
            assert value(before["node"], "csms_node_frames_total") == 0

            url = f"ws://127.0.0.1:{ws_port}/ocpp/"
            async with (
                connected(Charger16, url + "MET-16", "MET-16") as cp16,
                connected(Charger201, url + "MET-201", "MET-201") as cp201,
            ):
                assert (await cp16.boot()).status == "Accepted"
                assert (await cp201.boot()).status == "Accepted"
                for _ in range(3):
                    await cp16.heartbeat()
                    await cp201.heartbeat()
                await cp16.status(1, "Available")
                async with api_channel(f"127.0.0.1:{manager_port}") as channel:
                    api = chargers_pb2_grpc.ChargerServiceStub(channel)
                    answer = await api.Reset(
                        chargers_pb2.ResetRequest(
                            charger_id="MET-16", kind=chargers_pb2.RESET_KIND_HARD
                        )
                    )
                    assert answer.status == "Accepted"
                async with api_channel(f"127.0.0.1:{manager_port}", "not-a-token-at-all") as bad:
                    with pytest.raises(grpc.aio.AioRpcError) as refused:
                        await chargers_pb2_grpc.ChargerServiceStub(bad).ListChargers(
                            chargers_pb2.ListChargersRequest()
                        )
                    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
                async with mesh_channel(f"127.0.0.1:{rport}") as channel:
                    nodes = await registry_pb2_grpc.RegistryStub(channel).ListNodes(
                        registry_pb2.ListNodesRequest()
                    )
                    assert [n.node_id for n in nodes.nodes] == ["metrics-node"]
                # A malformed frame: the node answers it with a CallError itself.
                async with websockets.connect(
                    url + "MET-RAW", subprotocols=[Subprotocol("ocpp1.6")]
                ) as raw:
                    await raw.send("this is not OCPP-J")
                    assert '"FormationViolation"' in str(await raw.recv())

                node_now = await metrics_of(node_metrics)
                connections = value(node_now, "csms_node_connections", node="metrics-node")
                assert connections >= 2
                assert value(node_now, "csms_node_connections", ocpp_version="2.0.1") == 1

            after = {
                # the node has seen every charger go; the manager has flushed the heartbeats
                "node": await metrics_when(
                    node_metrics,
                    lambda s: value(s, "csms_node_connections", node="metrics-node") == 0,
                ),
                "manager": await metrics_when(
                    manager_metrics,
                    lambda s: value(s, "csms_manager_write_behind_flush_seconds_count") >= 1,
                ),
                "registry": await metrics_of(registry_metrics, TOKEN),
            }
    finally:
        await stop_process(node)
        await stop_process(manager)

    node_m, manager_m, registry_m = after["node"], after["manager"], after["registry"]

    def moved(service: str, name: str, **labels: str) -> float:
        return value(after[service], name, **labels) - value(before[service], name, **labels)

    # node: frames by direction, type and action; CallErrors; handshakes; tasks; the stream
    frames = "csms_node_frames_total"
    assert (
        moved("node", frames, direction="in", message_type="call", action="BootNotification") == 2
    )
    assert moved("node", frames, direction="in", message_type="call", action="Heartbeat") == 6
    assert (
        moved("node", frames, direction="out", message_type="callresult", action="Heartbeat") == 6
    )
    assert moved("node", frames, direction="out", message_type="call", action="Reset") == 1
    assert moved("node", frames, direction="in", message_type="callresult", action="Reset") == 1
    assert moved("node", frames, direction="in", message_type="invalid", action="other") == 1
    code = {"code": "FormationViolation", "direction": "sent"}
    assert moved("node", "csms_node_call_errors_total", **code) == 1
    assert moved("node", "csms_node_handshakes_total", outcome="admitted") == 3
    assert moved("node", "csms_node_tasks_total", outcome="answered") == 1
    assert moved("node", "csms_node_event_batch_size_count") >= 1
    assert value(node_m, "csms_node_event_stream_up", node="metrics-node") == 1
    assert value(node_m, "csms_node_connections", node="metrics-node") == 0  # all closed
    send = {"server": "node", "method": "Send", "code": "OK"}
    assert moved("node", "csms_grpc_server_handled_total", **send) == 1
    assert moved("node", "csms_registry_operations_total", operation="claim") == 3
    # manager: event stream, task latency, API calls by method and code, registry lookups
    assert moved("manager", "csms_manager_events_total") >= 11  # calls + connection events
    assert moved("manager", "csms_manager_event_batches_total") >= 1
    assert moved("manager", "csms_manager_event_lag_seconds_count") >= 1
    task = {"action": "Reset", "outcome": "answered"}
    assert moved("manager", "csms_manager_task_seconds_count", **task) == 1
    reset = {"server": "manager", "method": "Reset", "code": "OK"}
    assert moved("manager", "csms_grpc_server_handled_total", **reset) == 1
    refused_call = {"method": "ListChargers", "code": "UNAUTHENTICATED"}
    assert moved("manager", "csms_grpc_server_handled_total", **refused_call) == 1
    assert moved("manager", "csms_grpc_server_handled_total", method="Admit", code="OK") == 3
    assert moved("manager", "csms_registry_operations_total", operation="lookup") >= 1
    assert moved("manager", "csms_manager_write_behind_flush_seconds_count") >= 1
    assert "csms_manager_write_behind_pending" in {name for name, _ in manager_m}
    # registry API
    nodes_ok = {"server": "registry", "method": "ListNodes", "code": "OK"}
    assert moved("registry", "csms_grpc_server_handled_total", **nodes_ok) == 1
    assert moved("registry", "csms_registry_operations_total", operation="list_nodes") == 1
    # bounded labels: no charger id anywhere
    for samples in (node_m, manager_m, registry_m):
        assert not label_values(samples) & {"MET-16", "MET-201", "MET-RAW"}


async def test_the_embedded_process_serves_one_metrics_for_node_manager_and_registry(
    tmp_path: Path,
) -> None:
    """`python -m services.embedded` serves node, manager and registry metrics on its one
    /metrics port (METRICS_PORT), and they move when a charger boots."""
    ws_port, grpc_port, metrics_port = free_port(), free_port(), free_port()
    env = {
        **os.environ,
        "NODE_PORT": str(ws_port),
        "MANAGER_PORT": str(grpc_port),
        "METRICS_PORT": str(metrics_port),
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'csms.sqlite3'}",
        "JOURNAL_URL": f"sqlite+aiosqlite:///{tmp_path / 'journal.sqlite'}",
        "GATEWAY_ENABLED": "false",
        "LOG_LEVEL": "WARNING",
        "CSMS_ADMIN_TOKEN": ADMIN_TOKEN,
    }
    env.pop("REDIS_URL", None)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services.embedded",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
    )
    try:
        await eventually(lambda: accepts(ws_port), timeout=40 * UNIT)
        url = f"ws://127.0.0.1:{ws_port}/ocpp/EMB-M1"
        async with connected(Charger16, url, "EMB-M1") as cp:
            assert (await cp.boot()).status == "Accepted"
            await cp.heartbeat()

            async def journaled() -> Samples | None:  # written in batches, 0.2 s apart
                scraped = await metrics_of(metrics_port)
                return scraped if value(scraped, "csms_journal_written_total") >= 2 else None

            samples = await eventually(journaled)
            assert samples is not None
    finally:
        await stop_process(proc)
    frames = {"direction": "in", "message_type": "call", "action": "BootNotification"}
    assert value(samples, "csms_node_frames_total", **frames) == 1
    assert value(samples, "csms_node_connections", node="embedded", ocpp_version="1.6") == 1
    assert value(samples, "csms_manager_events_total") >= 3
    assert value(samples, "csms_registry_operations_total", operation="claim") == 1
    admit = {"server": "manager", "method": "Admit", "code": "OK"}
    assert value(samples, "csms_grpc_server_handled_total", **admit) == 1
    assert value(samples, "process_resident_memory_bytes") > 0
    assert value(samples, "csms_journal_dropped_total") == 0  # the boot and the heartbeat
    assert "EMB-M1" not in label_values(samples)


async def test_metrics_need_the_bearer_token_when_one_is_set() -> None:
    """With METRICS_TOKEN, /metrics answers 401 without it or with another one, 200 with
    it; any other path is 404."""
    async with MetricsListener(MetricsSettings(port=0, token=TOKEN)) as listener:
        status, body = await scrape(listener.port)
        assert status == 401
        assert "Bearer" in body
        assert (await scrape(listener.port, "metrics-token-but-not-the-right-one"))[0] == 401
        status, body = await scrape(listener.port, TOKEN)
        assert status == 200
        assert any(f.name == "csms_node_frames" for f in text_string_to_metric_families(body))
        assert (await scrape(listener.port, TOKEN, path="/other"))[0] == 404


async def test_metrics_without_a_token_answer_on_loopback() -> None:
    """Without METRICS_TOKEN, a loopback listener serves /metrics to anyone local."""
    async with MetricsListener(MetricsSettings(port=0)) as listener:
        status, body = await scrape(listener.port)
    assert status == 200
    parse(body)


@pytest.mark.parametrize("host", ["0.0.0.0", "10.1.2.3", "::", "metrics.example.com"])
def test_a_listener_beyond_loopback_without_a_token_is_a_config_error(
    host: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """METRICS_HOST other than loopback without METRICS_TOKEN: ConfigError naming both."""
    monkeypatch.setenv("METRICS_PORT", "9464")
    monkeypatch.setenv("METRICS_HOST", host)
    monkeypatch.delenv("METRICS_TOKEN", raising=False)
    with pytest.raises(ConfigError, match="METRICS_HOST") as error:
        MetricsSettings.from_env()
    assert "METRICS_TOKEN" in str(error.value)
    monkeypatch.setenv("METRICS_TOKEN", TOKEN)
    assert MetricsSettings.from_env().host == host


@pytest.mark.parametrize(
    ("variable", "raw"), [("METRICS_PORT", "nine"), ("METRICS_PORT", "70000"), ("METRICS_TOKEN", "short")]
)  # fmt: skip
def test_bad_metrics_settings_are_config_errors(
    variable: str, raw: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A port that is not one, or a token too short to protect anything: ConfigError naming it."""
    monkeypatch.setenv("METRICS_PORT", "9464")
    monkeypatch.setenv(variable, raw)
    with pytest.raises(ConfigError, match=variable):
        MetricsSettings.from_env()


def test_metrics_port_unset_means_no_listener(monkeypatch: pytest.MonkeyPatch) -> None:
    """A service alone has no listener unless METRICS_PORT is set; the embedded default is 9464."""
    monkeypatch.delenv("METRICS_PORT", raising=False)
    assert MetricsSettings.from_env().port is None
    assert MetricsSettings.from_env(default_port=9464).port == 9464


def test_the_token_is_never_in_the_settings_repr() -> None:
    """The settings' repr (what a log line would show) never contains the token."""
    assert TOKEN not in repr(MetricsSettings(port=1, token=TOKEN))


async def test_a_node_exposed_without_a_token_refuses_to_start() -> None:
    """`python -m services.node` with METRICS_HOST=0.0.0.0 and no METRICS_TOKEN exits with
    status 2 and a message naming both variables, and no traceback."""
    env = {k: v for k, v in os.environ.items() if k != "METRICS_TOKEN"}
    env.update(
        MESH_SECRET=MESH_SECRET,
        METRICS_PORT=str(free_port()),
        METRICS_HOST="0.0.0.0",
        REDIS_URL="redis://127.0.0.1:1/0",  # nothing listens: it must not get that far
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services.node",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(proc.communicate(), 30 * UNIT)
    assert proc.returncode == 2, stderr.decode()
    assert b"METRICS_HOST" in stderr
    assert b"METRICS_TOKEN" in stderr
    assert b"Traceback" not in stderr


# --- label bounds and the journal writer's collector (in-process) --------------------------


def current() -> Samples:
    return parse(generate_latest(metrics.REGISTRY).decode())


def test_unknown_actions_and_error_codes_count_as_other() -> None:
    """An action outside the OCPP set or an error code outside OCPP-J's is counted as
    `other`, so a charger cannot add label values."""
    before = current()
    metrics.frame_in_answer("NoSuchAction-XYZ", "MadeUpCode-XYZ")
    metrics.task_finished("NoSuchAction-XYZ", "answered", 0.01)
    after = current()
    assert "NoSuchAction-XYZ" not in label_values(after)
    assert "MadeUpCode-XYZ" not in label_values(after)
    errors = {"code": "other", "direction": "received"}
    assert (
        value(after, "csms_node_call_errors_total", **errors)
        - value(before, "csms_node_call_errors_total", **errors)
        == 1
    )


class _Writer:
    """Has what services.journal.JournalWriter exposes."""

    def __init__(self) -> None:
        self.depth = 7
        self.dropped = 2
        self.written = 40
        self.failed_batches = 1
        self.last_flush_seconds = 0.25


def test_a_registered_journal_writer_is_exposed() -> None:
    """register_journal_writer exposes the writer's depth, drops and writes as csms_journal_*,
    read at each scrape; an object without those attributes is refused."""
    writer = _Writer()
    metrics.register_journal_writer(writer)
    try:
        samples = current()
        assert value(samples, "csms_journal_queue_depth") == 7
        assert value(samples, "csms_journal_dropped_total") == 2
        assert value(samples, "csms_journal_written_total") == 40
        assert value(samples, "csms_journal_failed_batches_total") == 1
        writer.written = 41
        assert value(current(), "csms_journal_written_total") == 41
    finally:
        metrics.unregister_journal_writer(writer)
    assert value(current(), "csms_journal_written_total") == 0
    with pytest.raises(TypeError, match="written"):
        metrics.register_journal_writer(object())


async def test_a_busy_metrics_port_is_a_config_error() -> None:
    """A METRICS_PORT another listener holds: ConfigError naming METRICS_PORT (the process
    exits with that message, not a traceback)."""
    async with MetricsListener(MetricsSettings(port=0)) as first:
        with pytest.raises(ConfigError, match="METRICS_PORT"):
            async with MetricsListener(MetricsSettings(port=first.port)):
                pass


class _Link:
    outbox_depth = 0
    connected = True


class _Store:
    pending = 0
    dropped = 0


def test_the_readme_lists_every_metric() -> None:
    """Every csms_* family the process can expose (the ones read from live objects
    included) is named in the README's Metrics section."""
    link, store, writer = _Link(), _Store(), _Writer()
    metrics.watch_manager_link("readme-check", link)
    metrics.watch_write_behind(store)
    metrics.register_journal_writer(writer)
    try:
        text = generate_latest(metrics.REGISTRY).decode()
    finally:
        metrics.forget_manager_link("readme-check", link)
        metrics.forget_write_behind(store)
        metrics.unregister_journal_writer(writer)
    names = {
        family.name + ("_total" if family.type == "counter" else "")
        for family in text_string_to_metric_families(text)
        if family.name.startswith("csms_")
    }
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(names) >= 25
    assert {name for name in names if f"`{name}`" not in readme} == set()


async def test_the_metrics_token_is_never_logged(redis_server_url: str, redis_prefix: str) -> None:
    """`python -m services.registry` with METRICS_TOKEN logs where its metrics are (at
    DEBUG, scraped with and without the token), never the token."""
    metrics_port = free_port()
    env = {
        **os.environ,
        "REDIS_URL": redis_server_url,
        "REGISTRY_PREFIX": redis_prefix,
        "REGISTRY_HOST": "127.0.0.1",
        "REGISTRY_PORT": str(free_port()),
        "MESH_SECRET": MESH_SECRET,
        "METRICS_PORT": str(metrics_port),
        "METRICS_TOKEN": TOKEN,
        "LOG_LEVEL": "DEBUG",
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.registry", cwd=ROOT, env=env, stderr=asyncio.subprocess.PIPE
    )
    assert proc.stderr is not None
    logged = ""
    try:
        while "registry API on" not in logged:
            line = await asyncio.wait_for(proc.stderr.readline(), 20 * UNIT)
            assert line, f"the registry exited early; logged: {logged!r}"
            logged += line.decode()
        assert (await scrape(metrics_port))[0] == 401
        assert (await scrape(metrics_port, TOKEN))[0] == 200
    finally:
        proc.terminate()
        rest, _ = await asyncio.wait_for(proc.communicate(), 20 * UNIT)
        logged += (rest or b"").decode()
    assert f"Prometheus metrics at http://127.0.0.1:{metrics_port}/metrics" in logged
    assert TOKEN not in logged


async def test_registry_errors_are_counted_by_operation_and_error() -> None:
    """A registry operation Redis cannot answer counts in csms_registry_operations_total
    and, by its error class, in csms_registry_errors_total."""
    labels = {"operation": "lookup", "error": "RegistryUnavailable"}
    before = current()
    async with RedisRegistry.from_url("redis://127.0.0.1:1/0") as registry:  # nothing there
        with pytest.raises(RegistryUnavailable):
            await registry.lookup("CP-ANY")
    after = current()
    for name, wanted in (
        ("csms_registry_errors_total", labels),
        ("csms_registry_operations_total", {"operation": "lookup"}),
    ):
        assert value(after, name, **wanted) - value(before, name, **wanted) == 1
