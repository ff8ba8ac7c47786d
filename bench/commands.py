"""Command latency (scenario 6): operator commands to chargers while they are under load.

A ``CommandPath`` sends one command and returns when the charger's answer is back. Today
the path is the manager's gRPC API (``csms.v1.ChargerService.Reset``); Envoy's JSON
gateway (issue 5) will add an HTTP path (``POST /v1/chargers/{id}:reset``) implementing
the same protocol, and ``measure`` works with either.
"""

from __future__ import annotations

import asyncio
import time
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

    label = "gRPC ChargerService.Reset (Envoy gateway pending, issue 5)"

    def __init__(self, channel: grpc.aio.Channel) -> None:
        self._stub = chargers_pb2_grpc.ChargerServiceStub(channel)

    async def reset(self, charger_id: str, timeout: float) -> None:
        await self._stub.Reset(
            chargers_pb2.ResetRequest(charger_id=charger_id, kind=chargers_pb2.RESET_KIND_SOFT),
            timeout=timeout,
        )


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
