"""Running pieces of the real system inside a test: manager, nodes, chargers.

Chargers are played by the `ocpp` library's ChargePoint (a client we did not
write) over real websockets; manager and nodes talk real gRPC over loopback.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import grpc
import websockets
from ocpp.routing import on
from ocpp.v16 import ChargePoint as ChargePoint16
from ocpp.v16 import call as call16
from ocpp.v16 import call_result as result16
from ocpp.v201 import ChargePoint as ChargePoint201
from ocpp.v201 import call as call201
from ocpp.v201 import call_result as result201
from websockets.asyncio.client import ClientConnection
from websockets.typing import Subprotocol

from services.common._mesh import bearer_metadata, mesh_metadata, metadata_channel_interceptors
from services.journal import JournalSettings
from services.manager import Manager, ManagerSettings
from services.manager._data_transfer import VendorHandler
from services.node import Node, NodeSettings
from services.registry import Registry

UNIT = 0.5  # seconds; test timeouts are multiples of it
ROOT = Path(__file__).resolve().parent.parent  # where `python -m services.*` runs

#: The mesh secret every test manager, node and registry service shares.
MESH_SECRET = "test-mesh-secret-0123456789abcdef"
#: CSMS_ADMIN_TOKEN of every test manager: tests call the API as admin unless they test roles.
ADMIN_TOKEN = "test-admin-token-0123456789abcdef"

T = TypeVar("T")


@contextlib.asynccontextmanager
async def running_manager(
    registry: Registry,
    database_url: str,
    *,
    port: int = 0,
    auto_register: bool = True,
    auto_register_status: str = "Accepted",
    task_timeout: float = 4 * UNIT,
    vendor_handlers: Mapping[str, VendorHandler] | None = None,
    ca_files: tuple[Path, Path] | None = None,
    allow_unsecured: bool = True,
) -> AsyncIterator[Manager]:
    """A manager on loopback. `ca_files`: the CA (certificate, key) that signs chargers'
    CSRs; None = no CA. `allow_unsecured` (profile 0 chargers admitted) is on, as in
    `make run`, so tests of other features connect chargers without credentials."""
    settings = ManagerSettings(
        host="127.0.0.1",
        port=port,
        database_url=database_url,
        auto_register=auto_register,
        auto_register_status=auto_register_status,
        task_timeout=task_timeout,
        flush_interval=0.05,
        sweep_interval=UNIT,
        shutdown_grace=UNIT,
        mesh_secret=MESH_SECRET,
        admin_token=ADMIN_TOKEN,
        ca_cert_file=str(ca_files[0]) if ca_files else "",
        ca_key_file=str(ca_files[1]) if ca_files else "",
        allow_unsecured=allow_unsecured,
    )
    async with Manager(settings, registry, vendor_handlers=vendor_handlers) as manager:
        yield manager


@contextlib.asynccontextmanager
async def running_node(
    registry: Registry,
    manager_port: int,
    node_id: str,
    *,
    call_timeout: float = 4 * UNIT,
    max_frame_bytes: int = 65_536,
    lease_seconds: float = 2 * UNIT,
    tls: tuple[str, str, str] | None = None,
    journal: JournalSettings | None = None,
) -> AsyncIterator[Node]:
    """A node on loopback; `tls` = (server cert, key, client CA) PEM paths opens its wss://
    port too (``node.tls_port``); `journal` = its frame journal (None: off)."""
    settings = NodeSettings(
        node_id=node_id,
        host="127.0.0.1",
        port=0,
        grpc_host="127.0.0.1",
        grpc_port=0,
        advertise_host="127.0.0.1",
        manager_address=f"127.0.0.1:{manager_port}",
        call_timeout=call_timeout,
        task_timeout=4 * UNIT,
        drain_timeout=UNIT,
        close_timeout=UNIT,
        max_frame_bytes=max_frame_bytes,
        lease_seconds=lease_seconds,
        mesh_secret=MESH_SECRET,
        journal=journal if journal is not None else JournalSettings(url="off"),
    )
    if tls is not None:
        settings.tls_port = 0
        settings.tls_cert, settings.tls_key, settings.tls_client_ca = tls
    async with Node(settings, registry) as node:
        yield node


def api_channel(
    target: str, token: str = ADMIN_TOKEN, *, options: list[tuple[str, Any]] | None = None
) -> grpc.aio.Channel:
    """A gRPC channel to the public API (`target` = host:port) whose every call carries
    ``authorization: Bearer <token>``."""
    return grpc.aio.insecure_channel(
        target,
        options=options,
        interceptors=metadata_channel_interceptors(bearer_metadata(token)),
    )


def mesh_channel(target: str, secret: str = MESH_SECRET) -> grpc.aio.Channel:
    """A gRPC channel whose every call carries the mesh secret (internal RPCs)."""
    return grpc.aio.insecure_channel(
        target, interceptors=metadata_channel_interceptors(mesh_metadata(secret))
    )


def charger_url(node: Node, charger_id: str) -> str:
    return f"ws://127.0.0.1:{node.ws_port}/ocpp/{charger_id}"


class Charger16(ChargePoint16):
    """A 1.6 charger that accepts resets and knows one configuration key."""

    resets: list[str]

    def __init__(self, charger_id: str, connection: ClientConnection) -> None:
        super().__init__(charger_id, connection, response_timeout=30 * UNIT)
        self.resets = []

    @on("Reset")
    def on_reset(self, type: str, **_: Any) -> result16.Reset:
        self.resets.append(type)
        return result16.Reset(status="Accepted")

    @on("GetConfiguration")
    def on_get_configuration(
        self, key: list[str] | None = None, **_: Any
    ) -> result16.GetConfiguration:
        known = {"HeartbeatInterval": "300"}
        asked = key or list(known)
        return result16.GetConfiguration(
            configuration_key=[
                {"key": k, "readonly": False, "value": known[k]} for k in asked if k in known
            ],
            unknown_key=[k for k in asked if k not in known],
        )

    @on("ChangeConfiguration")
    def on_change_configuration(
        self, key: str, value: str, **_: Any
    ) -> result16.ChangeConfiguration:
        return result16.ChangeConfiguration(
            status="Accepted" if key == "HeartbeatInterval" else "NotSupported"
        )

    @on("TriggerMessage")
    def on_trigger(self, requested_message: str, **_: Any) -> result16.TriggerMessage:
        return result16.TriggerMessage(status="Accepted")

    async def boot(self) -> Any:
        return await self.call(
            call16.BootNotification(charge_point_model="Wallbox-1", charge_point_vendor="Acme")
        )

    async def status(self, connector_id: int, status: str, error_code: str = "NoError") -> Any:
        return await self.call(
            call16.StatusNotification(
                connector_id=connector_id, error_code=error_code, status=status
            )
        )

    async def heartbeat(self) -> Any:
        return await self.call(call16.Heartbeat())


class Charger201(ChargePoint201):
    """A 2.0.1 charger that accepts resets and knows one variable."""

    resets: list[str]

    def __init__(self, charger_id: str, connection: ClientConnection) -> None:
        super().__init__(charger_id, connection, response_timeout=30 * UNIT)
        self.resets = []
        self.variables = {("OCPPCommCtrlr", "HeartbeatInterval"): "300"}

    @on("Reset")
    def on_reset(self, type: str, **_: Any) -> result201.Reset:
        self.resets.append(type)
        return result201.Reset(status="Accepted")

    @on("GetVariables")
    def on_get_variables(
        self, get_variable_data: list[dict[str, Any]], **_: Any
    ) -> result201.GetVariables:
        results = []
        for item in get_variable_data:
            key = (item["component"]["name"], item["variable"]["name"])
            if key in self.variables:
                results.append(
                    {
                        "attribute_status": "Accepted",
                        "attribute_value": self.variables[key],
                        "component": item["component"],
                        "variable": item["variable"],
                    }
                )
            else:
                results.append(
                    {
                        "attribute_status": "UnknownVariable",
                        "component": item["component"],
                        "variable": item["variable"],
                    }
                )
        return result201.GetVariables(get_variable_result=results)

    @on("SetVariables")
    def on_set_variables(
        self, set_variable_data: list[dict[str, Any]], **_: Any
    ) -> result201.SetVariables:
        results = []
        for item in set_variable_data:
            key = (item["component"]["name"], item["variable"]["name"])
            known = key in self.variables
            if known:
                self.variables[key] = item["attribute_value"]
            results.append(
                {
                    "attribute_status": "Accepted" if known else "UnknownVariable",
                    "component": item["component"],
                    "variable": item["variable"],
                }
            )
        return result201.SetVariables(set_variable_result=results)

    async def boot(self) -> Any:
        return await self.call(
            call201.BootNotification(
                charging_station={"model": "Station-2", "vendor_name": "Volt"}, reason="PowerUp"
            )
        )

    async def status(self, evse_id: int, connector_id: int, status: str) -> Any:
        return await self.call(
            call201.StatusNotification(
                timestamp="2026-11-24T10:00:00Z",
                connector_status=status,
                evse_id=evse_id,
                connector_id=connector_id,
            )
        )

    async def heartbeat(self) -> Any:
        return await self.call(call201.Heartbeat())


C = TypeVar("C", bound=ChargePoint16 | ChargePoint201)


@contextlib.asynccontextmanager
async def connected(
    cls: type[C],
    url: str,
    charger_id: str,
    subprotocol: str | None = None,
    *,
    node: Node | None = None,
    **options: Any,
) -> AsyncIterator[C]:
    """A charger of class `cls` connected to `url`, its receive loop running; `options` go
    to ``websockets.connect`` (``additional_headers`` for Basic auth, ``ssl`` for wss).

    With `node` (the node at `url`), returned only once that node holds the charger: it
    claims it in the registry after the handshake, so a command sent as soon as the
    handshake is done could still find the charger offline (a test that boots first
    needs no `node`: the boot's answer comes after the claim)."""
    proto = subprotocol or ("ocpp1.6" if issubclass(cls, Charger16) else "ocpp2.0.1")
    async with websockets.connect(
        url, subprotocols=[Subprotocol(proto)], open_timeout=4 * UNIT, **options
    ) as ws:
        cp = cls(charger_id, ws)
        task = asyncio.create_task(cp.start())
        try:
            if node is not None:
                held = node

                async def claimed() -> bool:
                    return charger_id in held.connections

                await eventually(claimed)
            yield cp
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, websockets.ConnectionClosed):
                await task


async def eventually(
    check: Callable[[], Awaitable[T]], *, timeout: float = 8 * UNIT, interval: float = 0.05
) -> T:
    """Poll `check` until it returns a truthy value; fail with the last value after `timeout`."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await check()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout} s; last value: {value!r}")
        await asyncio.sleep(interval)


# Answers a simulated 1.6 charger gives to each CSMS-initiated message (ocpp library
# call_result fields, snake_case). Tests change `station.answers[action]` to script
# failure flows; every request is recorded in `station.received` as (action, kwargs).
DEFAULT_ANSWERS_16: dict[str, dict[str, Any]] = {
    "RemoteStartTransaction": {"status": "Accepted"},
    "RemoteStopTransaction": {"status": "Accepted"},
    "UnlockConnector": {"status": "Unlocked"},
    "ChangeAvailability": {"status": "Accepted"},
    "ClearCache": {"status": "Accepted"},
    "DataTransfer": {"status": "Accepted", "data": "pong"},
    "GetDiagnostics": {"file_name": "diagnostics-0001.zip"},
    "UpdateFirmware": {},
    "ReserveNow": {"status": "Accepted"},
    "CancelReservation": {"status": "Accepted"},
    "SendLocalList": {"status": "Accepted"},
    "GetLocalListVersion": {"list_version": 0},
    "SetChargingProfile": {"status": "Accepted"},
    "ClearChargingProfile": {"status": "Accepted"},
    "GetCompositeSchedule": {
        "status": "Accepted",
        "connector_id": 1,
        "schedule_start": "2026-11-24T10:00:00Z",
        "charging_schedule": {
            "duration": 3600,
            "charging_rate_unit": "W",
            "charging_schedule_period": [
                {"start_period": 0, "limit": 11000.0},
                {"start_period": 1800, "limit": 7400.0},
            ],
        },
    },
    "ExtendedTriggerMessage": {"status": "Accepted"},
    "GetLog": {"status": "Accepted", "filename": "security.log"},
    "SignedUpdateFirmware": {"status": "Accepted"},
    "InstallCertificate": {"status": "Accepted"},
    "DeleteCertificate": {"status": "Accepted"},
    "GetInstalledCertificateIds": {
        "status": "Accepted",
        "certificate_hash_data": [
            {
                "hash_algorithm": "SHA256",
                "issuer_name_hash": "a1b2c3",
                "issuer_key_hash": "d4e5f6",
                "serial_number": "01ab",
            }
        ],
    },
    "CertificateSigned": {"status": "Accepted"},
}


class Station16(Charger16):
    """A 1.6 charger (Core + every feature profile + security extension) that answers
    each CSMS-initiated message from `answers` and records it in `received`."""

    answers: dict[str, dict[str, Any]]
    received: list[tuple[str, dict[str, Any]]]

    def __init__(self, charger_id: str, connection: ClientConnection) -> None:
        super().__init__(charger_id, connection)
        self.answers = {k: dict(v) for k, v in DEFAULT_ANSWERS_16.items()}
        self.received = []

    def requests(self, action: str) -> list[dict[str, Any]]:
        """The payloads (snake_case) of every `action` the CSMS sent, oldest first."""
        return [kwargs for name, kwargs in self.received if name == action]


def _scripted(action: str) -> Callable[..., Any]:
    def handler(self: Station16, **kwargs: Any) -> Any:
        self.received.append((action, kwargs))
        return getattr(result16, action)(**self.answers[action])

    handler.__name__ = f"on_{action}"
    decorated: Callable[..., Any] = on(action)(handler)
    return decorated


for _action in DEFAULT_ANSWERS_16:
    setattr(Station16, f"on_{_action}", _scripted(_action))


# Answers a simulated 2.0.1 charger gives to each CSMS-initiated message (ocpp library
# v201 call_result fields, snake_case). As for Station16: change `station.answers[action]`
# to script failure flows; every request is recorded in `station.received`.
DEFAULT_ANSWERS_201: dict[str, dict[str, Any]] = {
    "RequestStartTransaction": {"status": "Accepted"},
    "RequestStopTransaction": {"status": "Accepted"},
    "Reset": {"status": "Accepted"},
    "UnlockConnector": {"status": "Unlocked"},
    "ChangeAvailability": {"status": "Accepted"},
    "GetVariables": {"get_variable_result": []},
    "SetVariables": {"set_variable_result": []},
    "GetBaseReport": {"status": "Accepted"},
    "GetReport": {"status": "Accepted"},
    "SetVariableMonitoring": {"set_monitoring_result": []},
    "ClearVariableMonitoring": {"clear_monitoring_result": []},
    "TriggerMessage": {"status": "Accepted"},
    "ClearCache": {"status": "Accepted"},
    "SendLocalList": {"status": "Accepted"},
    "GetLocalListVersion": {"version_number": 0},
    "ReserveNow": {"status": "Accepted"},
    "CancelReservation": {"status": "Accepted"},
    "SetChargingProfile": {"status": "Accepted"},
    "ClearChargingProfile": {"status": "Accepted"},
    "GetChargingProfiles": {"status": "Accepted"},
    "GetCompositeSchedule": {"status": "Rejected"},
    "UpdateFirmware": {"status": "Accepted"},
    "GetLog": {"status": "Accepted", "filename": "security.log"},
    "InstallCertificate": {"status": "Accepted"},
    "DeleteCertificate": {"status": "Accepted"},
    "GetInstalledCertificateIds": {"status": "NotFound"},
    "CertificateSigned": {"status": "Accepted"},
    "GetTransactionStatus": {"messages_in_queue": False},
    "SetNetworkProfile": {"status": "Accepted"},
    "DataTransfer": {"status": "Accepted", "data": "pong"},
    "SetDisplayMessage": {"status": "Accepted"},
    "GetDisplayMessages": {"status": "Accepted"},
    "ClearDisplayMessage": {"status": "Accepted"},
    "CustomerInformation": {"status": "Accepted"},
}


class Station201(ChargePoint201):
    """A 2.0.1 charging station that answers each CSMS-initiated message from `answers`
    and records it in `received`, with helpers for the messages it sends."""

    answers: dict[str, dict[str, Any]]
    received: list[tuple[str, dict[str, Any]]]

    def __init__(self, charger_id: str, connection: ClientConnection) -> None:
        super().__init__(charger_id, connection, response_timeout=30 * UNIT)
        self.answers = {k: dict(v) for k, v in DEFAULT_ANSWERS_201.items()}
        self.received = []

    def requests(self, action: str) -> list[dict[str, Any]]:
        """The payloads (snake_case) of every `action` the CSMS sent, oldest first."""
        return [kwargs for name, kwargs in self.received if name == action]

    async def boot(self, reason: str = "PowerUp") -> Any:
        return await self.call(
            call201.BootNotification(
                charging_station={"model": "Station-2", "vendor_name": "Volt"}, reason=reason
            )
        )

    async def status(self, evse_id: int, connector_id: int, status: str) -> Any:
        return await self.call(
            call201.StatusNotification(
                timestamp="2026-11-24T10:00:00Z",
                connector_status=status,
                evse_id=evse_id,
                connector_id=connector_id,
            )
        )


def _scripted_201(action: str) -> Callable[..., Any]:
    def handler(self: Station201, **kwargs: Any) -> Any:
        self.received.append((action, kwargs))
        return getattr(result201, action)(**self.answers[action])

    handler.__name__ = f"on_{action}"
    decorated: Callable[..., Any] = on(action)(handler)
    return decorated


for _action in DEFAULT_ANSWERS_201:
    setattr(Station201, f"on_{_action}", _scripted_201(_action))


# --- services as their own processes (so a test can kill, stop or restart them) -------


#: free_port hands out ports below the kernel's ephemeral range (32768-60999 by default),
#: so an outgoing connection (to Redis, PostgreSQL, a node) cannot take a port between
#: free_port returning it and the process it was meant for binding it; each pytest-xdist
#: worker (PYTEST_XDIST_WORKER=gw0, gw1, ...) has a block of its own, so two workers
#: never hand out the same port.
PORT_BLOCK_START = 20_000
PORT_BLOCK_SIZE = 1_000
_port_offsets: dict[int, int] = {}


def _worker_number() -> int:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    digits = worker.removeprefix("gw")
    return int(digits) if digits.isdigit() else 0


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now, from this worker's block,
    not one handed out in the last PORT_BLOCK_SIZE calls."""
    block = PORT_BLOCK_START + (_worker_number() % 12) * PORT_BLOCK_SIZE
    offset = _port_offsets.setdefault(block, os.getpid() % PORT_BLOCK_SIZE)
    for _ in range(PORT_BLOCK_SIZE):
        offset = (offset + 1) % PORT_BLOCK_SIZE
        port = block + offset
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _port_offsets[block] = offset
        return port
    raise RuntimeError(f"no free port in 127.0.0.1:{block}-{block + PORT_BLOCK_SIZE - 1}")


async def accepts(port: int) -> bool:
    """Whether something accepts TCP connections on the loopback port."""
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return False
    writer.close()
    await writer.wait_closed()
    return True


async def spawn_manager(
    port: int,
    database_url: str,
    redis_url: str,
    prefix: str,
    *,
    lease_seconds: float = 2 * UNIT,
    log_level: str = "WARNING",
    ready_timeout: float = 30 * UNIT,
    poll_interval: float = 0.05,
) -> asyncio.subprocess.Process:
    """`python -m services.manager` as its own process, returned once it listens on `port`."""
    env = {
        **os.environ,
        "MANAGER_HOST": "127.0.0.1",
        "MANAGER_PORT": str(port),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "REGISTRY_PREFIX": prefix,
        "LEASE_SECONDS": str(lease_seconds),
        "AUTO_REGISTER": "true",
        "FLUSH_INTERVAL": "0.05",
        "LOG_LEVEL": log_level,
        "MESH_SECRET": MESH_SECRET,
        "CSMS_ADMIN_TOKEN": ADMIN_TOKEN,
        "ALLOW_UNSECURED_CHARGERS": "true",
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.manager", cwd=ROOT, env=env
    )
    try:
        await eventually(lambda: accepts(port), timeout=ready_timeout, interval=poll_interval)
    except BaseException:
        await stop_process(proc, signal.SIGKILL)
        raise
    return proc


async def spawn_node(
    node_id: str,
    manager_port: int,
    redis_url: str,
    prefix: str,
    *,
    lease_seconds: float = 2 * UNIT,
) -> tuple[asyncio.subprocess.Process, int]:
    """`python -m services.node` as its own process, and its websocket port (not waited for:
    the caller waits with `accepts` when it needs the node listening)."""
    ws_port, grpc_port = free_port(), free_port()
    env = {
        **os.environ,
        "REDIS_URL": redis_url,
        "REGISTRY_PREFIX": prefix,
        "LEASE_SECONDS": str(lease_seconds),
        "MANAGER_ADDRESS": f"127.0.0.1:{manager_port}",
        "NODE_ID": node_id,
        "NODE_HOST": "127.0.0.1",
        "NODE_PORT": str(ws_port),
        "NODE_GRPC_HOST": "127.0.0.1",
        "NODE_GRPC_PORT": str(grpc_port),
        "NODE_ADVERTISE_HOST": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
        "MESH_SECRET": MESH_SECRET,
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.node", cwd=ROOT, env=env
    )
    return proc, ws_port


async def stop_process(
    proc: asyncio.subprocess.Process, sig: int = signal.SIGTERM, *, timeout: float = 20 * UNIT
) -> None:
    """Send `sig` (after SIGCONT, in case the test stopped it) and wait; SIGKILL after
    `timeout`. Nothing happens to a process that has already exited."""
    if proc.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGCONT)
            proc.send_signal(sig)
        try:
            await asyncio.wait_for(proc.wait(), timeout)
        except TimeoutError:
            proc.kill()
            await proc.wait()
