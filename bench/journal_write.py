"""What one journaled exchange costs on PostgreSQL: the writer's CPU and the server's.

    python -m bench.journal_write [--exchanges 100000] [--batch 1000]

Writes heartbeat exchanges through `SqlJournal` into a scratch database (BENCH_PG_DSN's
server) and reads the CPU time of this process and of every postgres process around it
(/proc), so the figure is CPU per exchange, which the machine's noise moves far less than
a throughput. The server's share includes whatever else PostgreSQL did meanwhile: run it
on a quiet machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from pathlib import Path

import asyncpg

from services.journal import Direction, Exchange, Outcome
from services.journal._sql import SqlJournal

PG_ADMIN_DSN = os.environ.get("BENCH_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
DATABASE = "csms_bench_journal_write"


def postgres_cpu_seconds() -> float:
    """CPU time (user + system) of every process named postgres, so far."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().split()
        except OSError:  # gone meanwhile
            continue
        if fields[1] == "(postgres)":
            ticks += int(fields[13]) + int(fields[14])
    return ticks / os.sysconf("SC_CLK_TCK")


def heartbeats(count: int) -> list[Exchange]:
    message_id = "0d3f1b2c-aaaa-bbbb-cccc-0123456789ab"
    call = f'[2,"{message_id}","Heartbeat",{{}}]'
    answer = f'[3,"{message_id}",{{"currentTime":"2026-12-03T20:00:00.000Z"}}]'
    return [
        Exchange(
            charger_id=f"CP-{i % 1000:05d}",
            node_id="node-1",
            epoch=17,
            direction=Direction.CHARGER,
            outcome=Outcome.RESULT,
            action="Heartbeat",
            message_id=message_id,
            at_ms=1_764_000_000_000 + i,
            call=call,
            answer=answer,
            answered_at_ms=1_764_000_000_003 + i,
            latency_ms=2.5,
        )
        for i in range(count)
    ]


async def main(exchanges: int, batch_size: int) -> None:
    admin = await asyncpg.connect(PG_ADMIN_DSN)
    await admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    await admin.execute(f'CREATE DATABASE "{DATABASE}"')
    host_part = PG_ADMIN_DSN.removeprefix("postgresql://").rsplit("/", 1)[0]
    journal = SqlJournal(f"postgresql+asyncpg://{host_part}/{DATABASE}")
    try:
        await journal.open()
        batch = heartbeats(batch_size)
        batches = max(1, exchanges // batch_size)
        cpu, server, wall = time.process_time(), postgres_cpu_seconds(), time.perf_counter()
        for _ in range(batches):
            await journal.write(batch)
        cpu = time.process_time() - cpu
        server = postgres_cpu_seconds() - server
        wall = time.perf_counter() - wall
        written = batches * batch_size
        print(
            f"{written:,} exchanges in batches of {batch_size:,}: {written / wall:,.0f}/s; "
            f"CPU per exchange: writer {cpu / written * 1e6:.1f} µs, "
            f"postgres {server / written * 1e6:.1f} µs"
        )
    finally:
        await journal.aclose()
        await admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--exchanges", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1_000)
    args = parser.parse_args()
    asyncio.run(main(args.exchanges, args.batch))
