"""``python -m bench.run [--full]``: every scenario of issue 4, ours next to the baseline
and the limit, in one run on one machine. Writes bench/results/latest.json, latest.md and
throughput.png.

Scenarios: (1) heartbeat throughput, 1,000 chargers, node + manager (PostgreSQL, Redis);
(2) the same through the embedded default; (3) charging-session mix; (4) idle node
memory per connection at 10,000 chargers; (5) connection storm of 10,000; (6) Reset
latency while (1) runs; (7) throughput at 100, 1,000 and 10,000 chargers. Also the
status mix and OCPP 2.0.1 heartbeats.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import os
import platform
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

import grpc
import orjson

from bench import commands, report
from bench.loadgen import OCPP16, OCPP201, ConnectSpec, RunSpec, worker_main
from bench.stats import Histogram
from bench.sut import ADMIN_TOKEN, REPO, System, api_channel, cpu_seconds, rss_bytes, running

RESULTS = REPO / "bench" / "results"


@dataclass(frozen=True)
class Profile:
    """How long and how big: ``short`` (make bench, < 5 min) or ``full`` (make bench-full)."""

    name: str
    warmup: float  # seconds of load before measuring
    duration: float  # seconds measured per point
    big: int  # the "10,000 chargers" of scenarios 4 and 7
    storm: int  # the "10,000 chargers" of scenario 5
    scaling: tuple[int, ...]  # charger counts of scenario 7 (ours); the largest is ``big``
    compare_scaling: tuple[int, ...]  # the same for the baseline and the limit
    compare_storm: bool  # storm the baseline and the limit too
    ramp: int = 200  # connections opening at once, over all workers (not in the storm)
    storm_timeout: float = 150.0


# The short profile keeps make bench under 5 minutes: the mesh connects and boots about
# 140 chargers/s (see docs/benchmarks.md), so its "10,000" scenarios use 3,000 and 2,000.
SHORT = Profile("short", 1.5, 6.0, 3_000, 2_000, (100, 1_000, 3_000), (100, 1_000), False)
FULL = Profile("full", 5.0, 30.0, 10_000, 10_000, (100, 1_000, 10_000), (100, 1_000, 10_000), True)


# -- the load workers --------------------------------------------------------------


class Fleet:
    """The load-generator processes; each plays a share of the chargers."""

    def __init__(self, processes: int) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._pipes: list[Connection] = []
        self._procs: list[BaseProcess] = []
        for _ in range(processes):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=worker_main, args=(child,), daemon=True)
            proc.start()
            child.close()
            self._pipes.append(parent)
            self._procs.append(proc)

    @property
    def size(self) -> int:
        return len(self._procs)

    async def _each(self, commands: list[dict[str, Any]], timeout: float) -> list[Any]:
        loop = asyncio.get_running_loop()
        for pipe, command in zip(self._pipes, commands, strict=True):
            pipe.send(command)

        async def answer(pipe: Connection) -> Any:
            if not await loop.run_in_executor(None, pipe.poll, timeout):
                raise TimeoutError(f"a load worker did not answer {commands[0]['op']}")
            return pipe.recv()

        return list(await asyncio.gather(*(answer(p) for p in self._pipes)))

    async def connect(
        self, url: str, ids: list[str], subprotocol: str, ramp: int | None, start_at: float
    ) -> list[dict[str, Any]]:
        n = self.size
        specs = [
            ConnectSpec(
                url=url,
                ids=ids[i::n],
                subprotocol=subprotocol,
                ramp=max(1, ramp // n) if ramp else None,
                start_at=start_at,
            )
            for i in range(n)
        ]
        return await self._each([{"op": "connect", "spec": s} for s in specs], timeout=300)

    async def run(self, spec: RunSpec) -> list[dict[str, Any]]:
        timeout = spec.start_at - time.monotonic() + spec.warmup + spec.duration + 60
        return await self._each([{"op": "run", "spec": spec}] * self.size, timeout=timeout)

    async def close(self) -> None:
        await self._each([{"op": "close"}] * self.size, timeout=120)

    def stop(self) -> None:
        for pipe in self._pipes:
            with contextlib.suppress(OSError):
                pipe.send({"op": "exit"})
        for proc in self._procs:
            proc.join(timeout=10)
            if proc.is_alive():
                proc.kill()


# -- measuring -------------------------------------------------------------------


def _merge_connects(parts: list[dict[str, Any]]) -> dict[str, Any]:
    hist = Histogram()
    reasons: dict[str, int] = {}
    for p in parts:
        hist.merge(Histogram.from_wire(p["connect_hist"]))
        for k, v in p["failure_reasons"].items():
            reasons[k] = reasons.get(k, 0) + v
    connected = sum(p["connected"] for p in parts)
    first = min(p["first_start"] for p in parts)
    last = max(p["last_booted"] for p in parts)
    span = max(last - first, 1e-9)
    return {
        "connected": connected,
        "failed": sum(p["failed"] for p in parts),
        "attempts_failed": sum(p["attempts_failed"] for p in parts),
        "failure_reasons": reasons,
        "boot_errors": sum(p["boot_errors"] for p in parts),
        "seconds": round(span, 3),
        "per_s": round(connected / span, 1),
        "connect_boot_ms": hist.summary_ms(),
        "_first": first,
        "_last": last,
    }


def _merge_runs(parts: list[dict[str, Any]], duration: float) -> dict[str, Any]:
    total = Histogram()
    per_action: dict[str, Histogram] = {}
    codes: dict[str, int] = {}
    for p in parts:
        for action, wire in p["per_action"].items():
            h = Histogram.from_wire(wire)
            per_action.setdefault(action, Histogram()).merge(h)
            total.merge(h)
        for k, v in p["error_codes"].items():
            codes[k] = codes.get(k, 0) + v
    results = sum(p["results"] for p in parts)
    return {
        "rt_per_s": round(results / duration, 1),
        "results": results,
        "errors": sum(p["errors"] for p in parts),
        "error_codes": codes,
        "timeouts": sum(p["timeouts"] for p in parts),
        "disconnects": sum(p["disconnects"] for p in parts),
        "commands_answered": sum(p["commands_answered"] for p in parts),
        **total.summary_ms(),
        "per_action": {a: {"count": h.total, **h.summary_ms()} for a, h in per_action.items()},
        "client_cpu_percent": round(100 * sum(p["cpu_seconds"] for p in parts) / duration, 1),
    }


async def _sut_cpu(system: System, window: tuple[float, float]) -> dict[str, float]:
    """CPU % of each system process over the window (100 % = one core)."""
    await asyncio.sleep(max(0.0, window[0] - time.monotonic()))
    pids = {n: p.pid for n, p in system.processes.items()} | system.extra_pids
    before = {n: cpu_seconds(pid) for n, pid in pids.items()}
    await asyncio.sleep(max(0.0, window[1] - time.monotonic()))
    after = {n: cpu_seconds(pid) for n, pid in pids.items()}
    span = window[1] - window[0]
    return {n: round(100 * (after[n] - before[n]) / span, 1) for n in before}


async def measure_points(
    fleet: Fleet,
    system: System,
    profile: Profile,
    *,
    label: str,
    chargers: int,
    runs: tuple[str, ...] = ("heartbeat",),
    subprotocol: str = OCPP16,
    commands_during: str | None = None,
) -> list[dict[str, Any]]:
    """Connect ``chargers`` (ramped), note idle memory, play each mix of ``runs`` in turn
    on the same connections, close. One point per mix; ``commands_during`` names the mix
    during which Resets are sent (scenario 6)."""
    ids = [f"{label}-{i:05d}" for i in range(chargers)]
    pid = system.node_pid
    assert pid is not None
    rss_before = rss_bytes(pid)
    connect = _merge_connects(
        await fleet.connect(system.ws_url, ids, subprotocol, profile.ramp, time.monotonic())
    )
    await asyncio.sleep(1.0)  # let the connect-time garbage go before reading idle memory
    rss_idle = rss_bytes(pid)
    points = []
    for mix in runs:
        start_at = time.monotonic() + 0.3
        window = (start_at + profile.warmup, start_at + profile.warmup + profile.duration)
        spec = RunSpec(mix=mix, start_at=start_at, warmup=profile.warmup, duration=profile.duration)
        journal_before = await system.journal_counts()
        cpu_task = asyncio.create_task(_sut_cpu(system, window))
        command_task = None
        if commands_during == mix and system.manager_address:
            command_task = asyncio.create_task(_commands(system, ids, window))
        run = _merge_runs(await fleet.run(spec), profile.duration)
        point_label = label if mix == "heartbeat" else mix
        point: dict[str, Any] = {
            "label": point_label,
            "system": system.name,
            "protocol": subprotocol,
            "mix": mix,
            "chargers": chargers,
            **run,
            "connect": {k: v for k, v in connect.items() if not k.startswith("_")},
            "rss_before_mib": round(rss_before / 2**20, 1),
            "rss_idle_mib": round(rss_idle / 2**20, 1),
            "idle_kib_per_charger": round((rss_idle - rss_before) / 1024 / max(1, chargers), 2),
            "sut_cpu_percent": await cpu_task,
        }
        if command_task is not None:
            point.update(await command_task)
        journal_after = await system.journal_counts()
        if journal_before is not None and journal_after is not None:
            point["journal"] = {k: journal_after[k] - journal_before[k] for k in journal_after}
        points.append(point)
        _say(
            f"  {system.name:8} {point_label:8} {subprotocol:9} {mix:9} {chargers:6} chargers: "
            f"{run['rt_per_s']:>7,.0f} rt/s  p50 {run['p50_ms']:7.1f}  p99 {run['p99_ms']:7.1f} ms  "
            f"err {run['errors']} to {run['timeouts']}  connects {connect['per_s']:,.0f}/s  "
            f"idle {point['idle_kib_per_charger']:.1f} KiB  cpu {point['sut_cpu_percent']} "
            f"load {run['client_cpu_percent']}%"
        )
    await fleet.close()
    return points


async def _commands(system: System, ids: list[str], window: tuple[float, float]) -> dict[str, Any]:
    """Scenario 6: Resets through Envoy's JSON API (``commands``) and, alongside on other
    chargers, straight to the manager's gRPC API (``commands_grpc``), so the gateway's
    share of the latency shows."""
    assert system.manager_address is not None
    async with api_channel(system.manager_address) as channel:
        await channel.channel_ready()
        direct = commands.measure(commands.GrpcPath(channel), ids[50:100], window)
        if system.gateway is None:
            return {"commands": await direct}
        http = commands.HttpPath(*system.gateway, token=ADMIN_TOKEN)
        try:
            via_envoy, via_grpc = await asyncio.gather(
                commands.measure(http, ids[:50], window), direct
            )
        finally:
            await http.aclose()
        return {"commands": via_envoy, "commands_grpc": via_grpc}


async def measure_storm(fleet: Fleet, system: System, profile: Profile) -> dict[str, Any]:
    """Scenario 5: ``profile.big`` chargers connect and boot at once (no ramp); the time
    until all are booted (client side) and registered (the registry's node count)."""
    n = profile.storm
    ids = [f"storm-{i:05d}" for i in range(n)]
    start_at = time.monotonic() + 1.0
    registered_at: float | None = None
    registered = 0

    async def watch_registry() -> None:
        nonlocal registered_at, registered
        await asyncio.sleep(max(0.0, start_at - time.monotonic()))
        while time.monotonic() < start_at + profile.storm_timeout:
            with contextlib.suppress(grpc.aio.AioRpcError):
                registered = await system.registered_chargers()
            if registered >= n:
                registered_at = time.monotonic()
                return
            await asyncio.sleep(0.1)

    watcher = asyncio.create_task(watch_registry()) if system.manager_address is not None else None
    connect = _merge_connects(await fleet.connect(system.ws_url, ids, OCPP16, None, start_at))
    if watcher is not None:
        await watcher
    result = {
        "system": system.name,
        "chargers": n,
        "booted": connect["connected"],
        "boot_errors": connect["boot_errors"],
        "failed": connect["failed"],
        "attempts_failed": connect["attempts_failed"],
        "failure_reasons": connect["failure_reasons"],
        "all_booted_s": round(connect["_last"] - start_at, 2),
        "connect_boot_ms": connect["connect_boot_ms"],
        "registered": registered if watcher is not None else None,
        "all_registered_s": round(registered_at - start_at, 2)
        if registered_at is not None
        else None,
    }
    await fleet.close()
    _say(
        f"  {system.name:8} storm      {n} chargers: booted {result['booted']} in "
        f"{result['all_booted_s']} s; registered {result['registered']} in "
        f"{result['all_registered_s']} s; failed attempts {result['attempts_failed']}"
    )
    return result


# -- the scenarios -----------------------------------------------------------------


# The mesh's scenario groups, for ``--scenarios`` (a quick before/after of one of them).
MESH_SCENARIOS = ("big", "storm", "hb100", "hb1000", "hb201", "nojournal")


async def scenarios(
    profile: Profile,
    client_procs: int,
    only: set[str] | None,
    mesh_scenarios: set[str] | None = None,
    mixes: tuple[str, ...] = ("heartbeat", "status", "session"),
) -> dict[str, Any]:
    """Every scenario, system by system (one system runs at a time)."""
    fleet = Fleet(client_procs)
    points: list[dict[str, Any]] = []
    storms: list[dict[str, Any]] = []

    def wanted(system: str) -> bool:
        return only is None or system in only

    def scenario(name: str) -> bool:
        return mesh_scenarios is None or name in mesh_scenarios

    try:
        if wanted("mesh"):
            _say("mesh: python -m services.manager + python -m services.node, PostgreSQL, Redis")
            async with running("mesh", gateway=scenario("hb1000")) as mesh:
                # (4) idle memory, then (7) the same chargers under load
                if scenario("big"):
                    points += await measure_points(
                        fleet, mesh, profile, label="big", chargers=profile.big
                    )
                if scenario("storm"):
                    storms.append(await measure_storm(fleet, mesh, profile))  # (5)
                if scenario("hb100"):
                    points += await measure_points(
                        fleet, mesh, profile, label="hb100", chargers=100
                    )
                # (1) with (6) alongside, the status mix, and (3), on the same 1,000 chargers
                if scenario("hb1000"):
                    points += await measure_points(
                        fleet, mesh, profile, label="hb1000", chargers=1000,
                        runs=mixes, commands_during="heartbeat",
                    )  # fmt: skip
                if scenario("hb201"):
                    points += await measure_points(
                        fleet, mesh, profile, label="hb201", chargers=1000, subprotocol=OCPP201
                    )
        if wanted("mesh") and scenario("nojournal"):
            # (8) what the journal costs: (1) again, Resets of (6) alongside as there, on a
            # mesh that journals nothing; the journal is the only difference
            _say("mesh without its journal (JOURNAL_URL=off)")
            async with running("mesh", gateway=True, journal=False) as bare:
                points += await measure_points(
                    fleet, bare, profile, label="hb1000-nojournal", chargers=1000,
                    commands_during="heartbeat",
                )  # fmt: skip
        if wanted("embedded"):
            _say("embedded: python -m services.embedded, SQLite, in-process registry")
            async with running("embedded") as embedded:  # (2)
                points += await measure_points(
                    fleet, embedded, profile, label="hb1000", chargers=1000
                )
        for name in ("baseline", "limit"):
            if not wanted(name):
                continue
            _say(
                f"{name}: {'ocpp library ChargePoint on websockets' if name == 'baseline' else 'bare OCPP-J answering server'}"
            )
            async with running(name) as system:
                # the largest first: a fresh process gives the idle memory per charger
                for n in sorted(profile.compare_scaling, reverse=True):
                    points += await measure_points(
                        fleet, system, profile, label=f"hb{n}", chargers=n,
                        runs=("heartbeat", "status", "session") if n == 1000 else ("heartbeat",),
                    )  # fmt: skip
                points += await measure_points(
                    fleet, system, profile, label="hb201", chargers=1000, subprotocol=OCPP201
                )
                if profile.compare_storm:
                    storms.append(await measure_storm(fleet, system, profile))
    finally:
        fleet.stop()
    return {"points": points, "storms": storms}


# -- metadata and output -------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_kib = 0
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    return {
        "nproc": os.cpu_count(),
        "cpu_model": cpu,
        "memory_gib": round(mem_kib / 2**20, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
    }


def git_commit() -> dict[str, Any]:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=REPO, capture_output=True, text=True, check=False
        ).stdout.strip()

    return {
        "commit": git("rev-parse", "--short=12", "HEAD"),
        "dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
    }


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _say(text: str) -> None:
    print(text, flush=True)


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    profile = FULL if args.full else SHORT
    if args.duration:
        profile = Profile(**{**profile.__dict__, "duration": args.duration})
    only = set(args.only.split(",")) if args.only else None
    began = time.monotonic()
    load_before = os.getloadavg()[0]  # other work on the machine skews every figure
    if args.big or args.storm:
        profile = Profile(
            **{
                **profile.__dict__,
                "big": args.big or profile.big,
                "storm": args.storm or profile.storm,
            }
        )
    mesh_scenarios = set(args.scenarios.split(",")) if args.scenarios else None
    if mesh_scenarios is not None and not mesh_scenarios <= set(MESH_SCENARIOS):
        raise SystemExit(f"--scenarios: choose from {', '.join(MESH_SCENARIOS)}")
    mixes = tuple(args.mixes.split(",")) if args.mixes else ("heartbeat", "status", "session")
    data = await scenarios(profile, args.client_procs, only, mesh_scenarios, mixes)
    meta = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        **git_commit(),
        "machine": {
            **machine(),
            "load_average_1min_before": load_before,
            "load_average_1min_after": os.getloadavg()[0],
        },
        "profile": profile.__dict__,
        "client_processes": args.client_procs,
        "command": "make bench-full" if args.full else "make bench",
        "wall_seconds": round(time.monotonic() - began, 1),
    }
    return {"meta": meta, **data}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--full", action="store_true", help="the long version (make bench-full)")
    parser.add_argument("--client-procs", type=int, default=2, help="load-generator processes")
    parser.add_argument("--duration", type=float, default=0.0, help="override seconds per point")
    parser.add_argument("--only", default="", help="systems to run, e.g. mesh,limit")
    parser.add_argument(
        "--scenarios",
        default="",
        help=f"mesh scenario groups to run, e.g. hb1000,storm (of {', '.join(MESH_SCENARIOS)})",
    )
    parser.add_argument(
        "--mixes", default="", help="mixes of the hb1000 group, e.g. heartbeat (default: all three)"
    )
    parser.add_argument("--big", type=int, default=0, help="override the idle/scaling count")
    parser.add_argument("--storm", type=int, default=0, help="override the storm's count")
    parser.add_argument("--out", default=str(RESULTS), help="results directory")
    parser.add_argument("--max-seconds", type=int, default=3600, help="hard wall-time limit")
    args = parser.parse_args()
    signal.alarm(args.max_seconds)  # SIGALRM ends us; children follow (PDEATHSIG, daemon)
    signal.signal(signal.SIGTERM, _interrupt)  # clean up (processes, database, keys) as on ^C
    import uvloop

    data = uvloop.run(main_async(args))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    data["summary"] = report.summarise(data)
    (out / "latest.json").write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2))
    (out / "latest.md").write_text(report.markdown(data))
    try:
        report.plot(data, out / "throughput.png")
        plotted = ", throughput.png"
    except ImportError:  # matplotlib comes with the bench extra (make bench installs it)
        plotted = " (no plot: install the bench extra for matplotlib)"
    _say(f"\n{report.markdown(data)}\nwrote {out}/latest.json, latest.md{plotted}")


if __name__ == "__main__":
    sys.exit(main())
