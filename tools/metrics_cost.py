"""What the metrics cost on the hot path (a micro-benchmark, not a test): the per-frame
calls the node makes (one per frame in, one per answer out), against a bare function
call and against prometheus-client's own child ``inc()`` and ``labels().inc()``.

    python tools/metrics_cost.py [--rounds 5] [--number 1000000]

Prints the best of `rounds` per call in nanoseconds (the best run is the least disturbed
by other processes on a shared machine).
"""

from __future__ import annotations

import argparse
import timeit

from services import metrics
from services.metrics._defs import MANAGER_TASK_SECONDS, NODE_HANDSHAKES

_RESULT = b'[3,"6f1c",{"currentTime":"2026-12-03T19:00:00.000Z"}]'


def _noop(action: str) -> None:
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--number", type=int, default=1_000_000)
    args = parser.parse_args()
    child = NODE_HANDSHAKES.labels("admitted")
    histogram = MANAGER_TASK_SECONDS.labels("Reset", "answered")
    cases = {
        "bare function call (baseline)": lambda: _noop("Heartbeat"),
        "frame_in_call (a call read)": lambda: metrics.frame_in_call("Heartbeat"),
        "frame_out_answer (its answer)": lambda: metrics.frame_out_answer("Heartbeat", _RESULT),
        "prometheus-client child.inc()": child.inc,
        "prometheus-client labels().inc()": lambda: NODE_HANDSHAKES.labels("admitted").inc(),
        "prometheus-client histogram observe()": lambda: histogram.observe(0.012),
    }
    for name, call in cases.items():
        best = min(timeit.repeat(call, number=args.number, repeat=args.rounds))
        print(f"{name:40s} {best / args.number * 1e9:7.0f} ns")


if __name__ == "__main__":
    main()
