"""Command latency (scenario 6): operator commands to chargers while they are under load.

A ``CommandPath`` sends one command and returns when the charger's answer is back: the
issue's path is Envoy's JSON API (``POST /v1/chargers/{id}:reset``, transcoded to the
manager's ``csms.v1.ChargerService.Reset``), ``HttpPath``; ``GrpcPath`` calls the manager's
gRPC API directly (the gateway-less comparison). ``measure`` works with either.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import urllib.parse
from typing import Any, Protocol

import grpc
from csms.v1 import chargers_pb2, chargers_pb2_grpc

from bench.stats import Histogram


class CommandPath(Protocol):
    """One way of sending a Reset to a charger."""

    label: str

    async def reset(self, charger_id: str, timeout: float) -> None:
        """Send a soft Reset; raise on any failure."""
        ...


class GrpcPath:
    """``ChargerService.Reset`` on the manager's gRPC port."""

    label = "gRPC ChargerService.Reset (manager directly)"

    def __init__(self, channel: grpc.aio.Channel) -> None:
        self._stub = chargers_pb2_grpc.ChargerServiceStub(channel)

    async def reset(self, charger_id: str, timeout: float) -> None:
        await self._stub.Reset(
            chargers_pb2.ResetRequest(charger_id=charger_id, kind=chargers_pb2.RESET_KIND_SOFT),
            timeout=timeout,
        )


class HttpError(Exception):
    """The gateway answered with a status other than 200."""


class HttpPath:
    """``POST /v1/chargers/{id}:reset`` through Envoy's JSON gateway, on one kept-alive
    HTTP/1.1 connection (a UI or script would hold one too). Only what the gateway's
    answers need: a status line, headers, a body by Content-Length or chunked."""

    label = "Envoy JSON API POST /v1/chargers/{id}:reset"

    def __init__(self, host: str, port: int, *, token: str) -> None:
        self._host = host
        self._port = port
        self._token = token  # the API token, sent as Authorization: Bearer
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def reset(self, charger_id: str, timeout: float) -> None:
        async with asyncio.timeout(timeout):
            try:
                status, body = await self._post(
                    f"/v1/chargers/{urllib.parse.quote(charger_id, safe='')}:reset",
                    b'{"kind":"RESET_KIND_SOFT"}',
                )
            except BaseException:
                await self.aclose()  # a half-read answer would poison the next request
                raise
        if status != 200:
            raise HttpError(f"HTTP {status}: {body[:200].decode(errors='replace')}")

    async def _post(self, target: str, body: bytes) -> tuple[int, bytes]:
        if self._streams is None:
            self._streams = await asyncio.open_connection(self._host, self._port)
        reader, writer = self._streams
        writer.write(
            f"POST {target} HTTP/1.1\r\nHost: {self._host}:{self._port}\r\n"
            f"Authorization: Bearer {self._token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        await writer.drain()
        status = int((await reader.readline()).split(b" ", 2)[1])
        headers: dict[bytes, bytes] = {}
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
            chunks = []
            while size := int((await reader.readline()).strip().split(b";")[0], 16):
                chunks.append(await reader.readexactly(size))
                await reader.readexactly(2)
            await reader.readline()
            payload = b"".join(chunks)
        else:
            payload = await reader.readexactly(int(headers.get(b"content-length", b"0")))
        if headers.get(b"connection", b"").lower() == b"close":
            await self.aclose()
        return status, payload

    async def aclose(self) -> None:
        streams, self._streams = self._streams, None
        if streams is not None:
            streams[1].close()
            with contextlib.suppress(OSError):
                await streams[1].wait_closed()


async def measure(
    path: CommandPath,
    charger_ids: list[str],
    window: tuple[float, float],
    interval: float = 0.05,
    timeout: float = 5.0,
) -> dict[str, Any]:
    """Send Resets one after another (``interval`` apart) to ``charger_ids`` in turn during
    the monotonic ``window``; latency of each from request to answer."""
    start, end = window
    hist = Histogram()
    errors: dict[str, int] = {}
    await asyncio.sleep(max(0.0, start - time.monotonic()))
    i = 0
    while time.monotonic() < end:
        charger_id = charger_ids[i % len(charger_ids)]
        i += 1
        began = time.monotonic()
        try:
            await path.reset(charger_id, timeout)
            hist.add(time.monotonic() - began)
        except grpc.aio.AioRpcError as exc:
            errors[exc.code().name] = errors.get(exc.code().name, 0) + 1
        except Exception as exc:
            errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
        await asyncio.sleep(interval)
    return {"path": path.label, "sent": i, "answered": hist.total, "errors": errors} | {
        **hist.summary_ms()
    }
