"""``python -m bench.profile``: where the node and the manager spend their time under
scenario 1 (1,000 chargers, heartbeats back to back), sampled with py-spy.

Writes bench/results/profile-{node,manager}.txt (collapsed stacks, flamegraph input) and
prints the top functions by own time and by inclusive time for each process.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from bench.loadgen import OCPP16, RunSpec
from bench.run import RESULTS, Fleet, _merge_runs
from bench.sut import running


def summarise(collapsed: Path, top: int = 15) -> str:
    """Top frames by own samples and by inclusive samples, from py-spy's raw output."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        total += count
        frames = [f.split(" (")[0] + " (" + f.split(" (")[-1] for f in stack.split(";")]
        own[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    if not total:
        return "no samples"
    lines = [f"{total} samples", "own time:"]
    lines += [f"  {100 * n / total:5.1f}%  {f}" for f, n in own.most_common(top)]
    lines.append("inclusive:")
    lines += [f"  {100 * n / total:5.1f}%  {f}" for f, n in inclusive.most_common(top)]
    return "\n".join(lines)


async def main(
    seconds: float, chargers: int, client_procs: int, mix: str, out: Path = RESULTS
) -> None:
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    fleet = Fleet(client_procs)
    try:
        async with running("mesh") as mesh:
            ids = [f"prof-{i:05d}" for i in range(chargers)]
            await fleet.connect(mesh.ws_url, ids, OCPP16, 200, time.monotonic())
            start_at = time.monotonic() + 0.5
            spec = RunSpec(mix, start_at, warmup=2.0, duration=seconds)
            load = asyncio.create_task(fleet.run(spec))
            await asyncio.sleep(2.5)
            spies = {
                name: subprocess.Popen(  # noqa: ASYNC220 (starting py-spy is instant)
                    [
                        py_spy,
                        "record",
                        "--pid",
                        str(proc.pid),
                        "--duration",
                        str(int(seconds) - 1),
                        "--rate",
                        "200",
                        "--format",
                        "raw",
                        "--nonblocking",
                        "--output",
                        str(out / f"profile-{mix}-{name}.txt"),
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                for name, proc in mesh.processes.items()
            }
            run = _merge_runs(await load, seconds)
            for spy in spies.values():
                await asyncio.to_thread(spy.wait, 60)
            await fleet.close()
            print(f"under profile: {run['rt_per_s']:,.0f} rt/s, p99 {run['p99_ms']} ms")
            for name in spies:
                print(f"\n== {name} ==\n{summarise(out / f'profile-{mix}-{name}.txt')}")
    finally:
        fleet.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--chargers", type=int, default=1000)
    parser.add_argument("--client-procs", type=int, default=2)
    parser.add_argument("--mix", default="heartbeat", help="heartbeat | status | session")
    parser.add_argument("--out", default=str(RESULTS), help="directory for the profiles")
    args = parser.parse_args()
    import uvloop

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    uvloop.run(main(args.seconds, args.chargers, args.client_procs, args.mix, out))
