"""``python -m bench.nodes``: heartbeats at 1,000 chargers through Envoy, on a mesh with 1
and then 2 node processes behind it (ADR 0015: one node process per core). Prints one
line per point and writes ``bench/results/nodes.json``.

    .venv/bin/python -m bench.nodes [--chargers 1000] [--duration 6] [--nodes 1,2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from dataclasses import replace
from typing import Any

from bench.run import RESULTS, SHORT, Fleet, git_commit, machine, measure_points
from bench.sut import start_mesh


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    profile = replace(SHORT, duration=args.duration)
    fleet = Fleet(args.client_procs)
    points: list[dict[str, Any]] = []
    load_before = os.getloadavg()[0]
    try:
        for nodes in (int(n) for n in args.nodes.split(",")):
            system = await start_mesh(nodes=nodes, via_gateway=True)
            async with system:
                points += await measure_points(
                    fleet, system, profile, label=f"nodes{nodes}", chargers=args.chargers
                )
    finally:
        fleet.stop()
    meta = {
        **git_commit(),
        "machine": {**machine(), "load_average_1min_before": load_before},
        "command": "python -m bench.nodes "
        f"--chargers {args.chargers} --duration {args.duration} --nodes {args.nodes}",
    }
    return {"meta": meta, "points": points}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.nodes", description=__doc__)
    parser.add_argument("--chargers", type=int, default=1000)
    parser.add_argument("--duration", type=float, default=6.0, help="seconds measured per point")
    parser.add_argument("--nodes", default="1,2", help="node process counts, in turn")
    parser.add_argument("--client-procs", type=int, default=2, help="load-generator processes")
    args = parser.parse_args()
    data = asyncio.run(main_async(args))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "nodes.json").write_text(json.dumps(data, indent=1))


if __name__ == "__main__":
    main()
