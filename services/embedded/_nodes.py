"""The extra node processes of ``make run`` (EMBEDDED_NODES=N): one ``python -m services.node``
child per extra core, kept and stopped with the embedded process.

Each child gets its own NODE_ID (``<NODE_ID>-2``, ``-3`` ...), the websocket port NODE_PORT + i
(NODE_TLS_PORT + i for wss://), any free gRPC port on loopback (advertised through the
registry), and the parent's manager address, mesh secret and journal. The registry they
share is Redis (REDIS_URL): the in-process registry cannot be shared between processes.
Like Envoy, each child gets a parent-death signal, so a parent killed with SIGKILL leaves
no orphan node.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Self

from services.common._children import die_with_parent, stop_child
from services.common._env import ConfigError
from services.node import NodeSettings

log = logging.getLogger("services.embedded")


def check_nodes(count: int, redis_url: str | None) -> None:
    """ConfigError unless `count` node processes can share a registry."""
    if count > 1 and not redis_url:
        raise ConfigError(
            f"EMBEDDED_NODES={count} needs REDIS_URL: node processes share the registry "
            "(charger -> node) only through Redis; set REDIS_URL (e.g. redis://127.0.0.1:6379/0) "
            "or EMBEDDED_NODES=1"
        )


@dataclass(frozen=True, slots=True)
class ChildNode:
    """One extra node process: its id and the ports the gateway sends chargers to."""

    node_id: str
    offset: int  # its ports are the parent's + offset (1, 2, ...)
    ws_port: int
    tls_port: int | None


def plan(parent: NodeSettings, ws_port: int, tls_port: int | None, count: int) -> list[ChildNode]:
    """The `count` - 1 children beside the parent's node (listening on `ws_port`)."""
    return [
        ChildNode(
            node_id=f"{parent.node_id}-{i + 1}",
            offset=i,
            ws_port=ws_port + i,
            tls_port=tls_port + i if tls_port else None,
        )
        for i in range(1, count)
    ]


class NodeProcesses:
    """``async with NodeProcesses(...)``: start the children, wait until each listens
    (up to `start_timeout`); on exit SIGTERM them, SIGKILL after `stop_timeout`."""

    def __init__(
        self,
        children: Sequence[ChildNode],
        *,
        parent: NodeSettings,
        manager_address: str,
        mesh_secret: str,
        start_timeout: float = 30.0,
        stop_timeout: float = 20.0,
    ) -> None:
        self.children = tuple(children)
        self._parent = parent
        self._manager_address = manager_address
        self._mesh_secret = mesh_secret
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self._procs: list[asyncio.subprocess.Process] = []

    @property
    def pids(self) -> list[int]:
        return [proc.pid for proc in self._procs]

    def _env(self, child: ChildNode) -> dict[str, str]:
        parent = self._parent
        env = dict(os.environ)
        env.pop("METRICS_PORT", None)  # the parent's /metrics port; children serve none
        # What only the manager reads stays with it (a node needs no admin token).
        for name in ("CSMS_ADMIN_TOKEN", "DATABASE_URL", "CA_KEY_FILE"):
            env.pop(name, None)
        env.update(
            NODE_ID=child.node_id,
            NODE_HOST=parent.host,
            NODE_PORT=str(child.ws_port),
            NODE_GRPC_HOST="127.0.0.1",
            NODE_GRPC_PORT="0",
            NODE_ADVERTISE_HOST="127.0.0.1",
            MANAGER_ADDRESS=self._manager_address,
            MESH_SECRET=self._mesh_secret,
            JOURNAL_URL=parent.journal.url if parent.journal.enabled else "off",
            NODE_TRUSTED_PROXIES=",".join(parent.trusted_proxies),
        )
        if child.tls_port:
            env["NODE_TLS_PORT"] = str(child.tls_port)
        return env

    def _check_free(self, child: ChildNode) -> None:
        """NodeStartError when something already listens on a port the child needs: a
        connect would then succeed while the child itself failed to bind."""
        for port, name in ((child.ws_port, "NODE_PORT"), (child.tls_port, "NODE_TLS_PORT")):
            if not port:
                continue
            with socket.socket() as probe:
                try:
                    probe.bind((self._parent.host, port))
                except OSError as exc:
                    raise NodeStartError(
                        f"port {port} for node process {child.node_id} ({name} + "
                        f"{child.offset}) is in use ({exc.strerror}): "
                        "free it, or set another NODE_PORT / NODE_TLS_PORT or EMBEDDED_NODES"
                    ) from None

    async def __aenter__(self) -> Self:
        try:
            for child in self.children:
                self._check_free(child)
            for child in self.children:
                proc = await asyncio.create_subprocess_exec(
                    *die_with_parent(),
                    sys.executable,
                    "-m",
                    "services.node",
                    env=self._env(child),
                    stdin=asyncio.subprocess.DEVNULL,
                )
                self._procs.append(proc)
            for child, proc in zip(self.children, self._procs, strict=True):
                await self._wait_listening(child, proc)
        except BaseException:
            await self.aclose()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def _wait_listening(self, child: ChildNode, proc: asyncio.subprocess.Process) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.start_timeout
        while True:
            if proc.returncode is not None:
                raise NodeStartError(
                    f"node process {child.node_id} exited with status {proc.returncode} "
                    "before listening (see its log above)"
                )
            with contextlib.suppress(OSError):
                _, writer = await asyncio.open_connection("127.0.0.1", child.ws_port)
                writer.close()
                with contextlib.suppress(OSError):
                    await writer.wait_closed()
                return
            if loop.time() >= deadline:
                raise NodeStartError(
                    f"node process {child.node_id} did not listen on port {child.ws_port} "
                    f"within {self.start_timeout:g} s (EMBEDDED_NODE_START_TIMEOUT)"
                )
            await asyncio.sleep(0.1)

    async def aclose(self) -> None:
        """Stop every child: SIGTERM (they close their chargers with 1001), SIGKILL the
        ones still running after `stop_timeout`. Idempotent."""
        procs, self._procs = self._procs, []
        await asyncio.gather(
            *(stop_child(proc, self.stop_timeout, f"node process {proc.pid}") for proc in procs)
        )


class NodeStartError(Exception):
    """An extra node process exited or did not listen in time."""
