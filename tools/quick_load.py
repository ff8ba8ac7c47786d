"""A quick load check (not the benchmark harness): N raw OCPP 1.6 chargers send
Heartbeats back to back for a while; prints round trips/s and latency percentiles.

    python tools/quick_load.py --url ws://127.0.0.1:9000/ocpp --chargers 1000 --seconds 10 --procs 1
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import time

import orjson
import uvloop
import websockets
from websockets.typing import Subprotocol


async def _charger(
    url: str,
    charger_id: str,
    until: float,
    latencies: list[float],
    ready: asyncio.Event,
    ramp: asyncio.Semaphore,
) -> int:
    async with ramp:  # connect and boot a bounded number at a time
        ws = await websockets.connect(
            f"{url}/{charger_id}", subprotocols=[Subprotocol("ocpp1.6")], open_timeout=60
        )
        await ws.send(
            orjson.dumps(
                [2, "b", "BootNotification", {"chargePointVendor": "Load", "chargePointModel": "Q"}]
            ).decode()
        )
        await ws.recv()
    async with ws:
        await ready.wait()
        n = 0
        while time.monotonic() < until:
            n += 1
            started = time.perf_counter()
            await ws.send(f'[2,"{n}","Heartbeat",{{}}]')
            await ws.recv()
            latencies.append(time.perf_counter() - started)
        return n


async def _run(
    url: str, first: int, count: int, seconds: float, warmup: float
) -> tuple[int, list[float]]:
    latencies: list[float] = []
    ready = asyncio.Event()
    ramp = asyncio.Semaphore(100)
    start_at = time.monotonic() + warmup
    until = start_at + seconds
    tasks = [
        asyncio.create_task(_charger(url, f"LOAD-{i:05d}", until, latencies, ready, ramp))
        for i in range(first, first + count)
    ]
    await asyncio.sleep(max(0.0, start_at - time.monotonic()))
    ready.set()
    counts = await asyncio.gather(*tasks)
    return sum(counts), latencies


def _proc(args: tuple[str, int, int, float, float]) -> tuple[int, list[float]]:
    return uvloop.run(_run(*args))


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--url", default="ws://127.0.0.1:9000/ocpp")
    p.add_argument("--chargers", type=int, default=1000)
    p.add_argument("--seconds", type=float, default=10)
    p.add_argument("--procs", type=int, default=1)
    p.add_argument(
        "--warmup", type=float, default=8.0, help="seconds to connect and boot before measuring"
    )
    a = p.parse_args()
    per = a.chargers // a.procs
    jobs = [(a.url, i * per, per, a.seconds, a.warmup) for i in range(a.procs)]
    with multiprocessing.Pool(a.procs) as pool:
        results = pool.map(_proc, jobs)
    total = sum(r[0] for r in results)
    lat = sorted(x for r in results for x in r[1])
    q = statistics.quantiles(lat, n=100)
    print(
        f"{a.chargers} chargers, {a.seconds:g} s: {total / a.seconds:,.0f} round trips/s; "
        f"p50 {q[49] * 1000:.1f} ms, p90 {q[89] * 1000:.1f} ms, p99 {q[98] * 1000:.1f} ms, max {lat[-1] * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
