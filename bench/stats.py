"""Latency histograms that merge across processes, and the summaries we report."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

# Log-spaced buckets, 1 % wide, from 1 µs: bounded memory whatever the call count,
# percentiles exact to within 1 %.
_RATIO = 1.01
_LOG_RATIO = math.log(_RATIO)
_BUCKETS = 2400  # 1 µs * 1.01**2400 ≈ 23 000 s


@dataclass
class Histogram:
    """Counts of latencies (seconds) in 1 %-wide log buckets, plus the exact maximum."""

    counts: list[int] = field(default_factory=lambda: [0] * _BUCKETS)
    total: int = 0
    maximum: float = 0.0

    def add(self, seconds: float) -> None:
        """Record one latency."""
        micros = seconds * 1e6
        index = int(math.log(micros) / _LOG_RATIO) if micros > 1.0 else 0
        self.counts[min(index, _BUCKETS - 1)] += 1
        self.total += 1
        if seconds > self.maximum:
            self.maximum = seconds

    def merge(self, other: Histogram) -> None:
        """Add another histogram's counts to this one."""
        for i, n in enumerate(other.counts):
            if n:
                self.counts[i] += n
        self.total += other.total
        self.maximum = max(self.maximum, other.maximum)

    def percentile(self, q: float) -> float:
        """The q-th percentile (0 < q ≤ 100) in seconds; 0 when empty."""
        if self.total == 0:
            return 0.0
        rank = math.ceil(self.total * q / 100)
        seen = 0
        for i, n in enumerate(self.counts):
            seen += n
            if seen >= rank:
                # the geometric middle of the bucket, never above the observed maximum
                return min(_RATIO ** (i + 0.5) / 1e6, self.maximum)
        return self.maximum

    def to_wire(self) -> dict[str, Any]:
        """A compact picklable form (only non-empty buckets)."""
        return {
            "buckets": {i: n for i, n in enumerate(self.counts) if n},
            "total": self.total,
            "maximum": self.maximum,
        }

    @classmethod
    def from_wire(cls, wire: dict[str, Any]) -> Histogram:
        h = cls()
        for i, n in wire["buckets"].items():
            h.counts[int(i)] = n
        h.total = wire["total"]
        h.maximum = wire["maximum"]
        return h

    def summary_ms(self) -> dict[str, float]:
        """p50/p90/p99/max in milliseconds, rounded for the report."""
        return {
            "p50_ms": round(self.percentile(50) * 1000, 2),
            "p90_ms": round(self.percentile(90) * 1000, 2),
            "p99_ms": round(self.percentile(99) * 1000, 2),
            "max_ms": round(self.maximum * 1000, 2),
        }
