"""``python -m bench.readme``: put the headline of ``bench/results/latest.md`` (run line,
ratio note, scenario table) into README.md's Benchmarks section, so the README always
shows the latest committed run. ``make bench`` calls it after the run."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START = "[plot](bench/results/throughput.png)):\n\n"
END = "\n\nWhere targets are missed"
POINTS = "\n\nEvery measured point"


def headline(latest_md: str) -> str:
    """The part of latest.md before the table of every point."""
    end = latest_md.find(POINTS)
    if end < 0:
        raise ValueError("latest.md has no 'Every measured point' section")
    return latest_md[:end].strip()


def update(readme: str, latest_md: str) -> str:
    start = readme.find(START)
    end = readme.find(END, start)
    if start < 0 or end < 0:
        raise ValueError("README.md's Benchmarks section has lost its markers")
    return readme[: start + len(START)] + headline(latest_md) + readme[end:]


def main() -> int:
    readme = ROOT / "README.md"
    latest = ROOT / "bench" / "results" / "latest.md"
    try:
        readme.write_text(update(readme.read_text(), latest.read_text()))
    except (OSError, ValueError) as exc:
        print(f"bench.readme: {exc}", file=sys.stderr)
        return 1
    print("README.md: Benchmarks table updated from bench/results/latest.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
