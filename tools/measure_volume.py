"""Volume check of the transaction and id tag lists on PostgreSQL (not a unit test).

Migrates the database at URL, bulk-loads 100,000 id tags, 1,000 chargers, 50,000
transactions and 1,000,000 meter-value rows with COPY, runs ANALYZE, then times the list
queries through the real stores (median of several runs) and prints each query's
``EXPLAIN (ANALYZE, BUFFERS)``. Use a scratch database: it must be empty.

    psql -h 127.0.0.1 -U postgres -c 'create database csms_volume'
    python tools/measure_volume.py postgresql://postgres@127.0.0.1/csms_volume
    psql -h 127.0.0.1 -U postgres -c 'drop database csms_volume'
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from sqlalchemy import event

from services.manager.store import SqlIdTagStore, SqlTransactionStore, create_engine, migrate
from services.manager.store._keyset import encode_keyset

T0 = datetime(2025, 1, 1, tzinfo=UTC)
STATUSES = ("Accepted", "Accepted", "Accepted", "Blocked", "Expired", "Invalid")


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="postgresql://user@host/db of an empty scratch database")
    parser.add_argument("--tags", type=int, default=100_000)
    parser.add_argument("--chargers", type=int, default=1_000)
    parser.add_argument("--transactions", type=int, default=50_000)
    parser.add_argument("--values-per-transaction", type=int, default=20)
    parser.add_argument("--runs", type=int, default=9, help="timed runs per query (median)")
    return parser.parse_args()


async def _load(conn: asyncpg.Connection, args: argparse.Namespace) -> tuple[float, list[str]]:
    rng = random.Random(42)
    started = time.perf_counter()
    charger_ids = [f"CP-{i:05d}" for i in range(args.chargers)]
    await conn.copy_records_to_table(
        "chargers",
        records=[(cid, "1.6", T0) for cid in charger_ids],
        columns=["id", "ocpp_version", "registered_at"],
    )
    tags = [f"TAG{rng.getrandbits(48):012X}" for _ in range(args.tags)]
    tags = sorted(set(tags))
    groups = tags[:100]
    await conn.copy_records_to_table(
        "id_tags",
        records=[(t, "Accepted", None, None, 0, T0, T0) for t in groups]
        + [
            (t, rng.choice(STATUSES), None, rng.choice(groups) if i % 4 == 0 else None, 0, T0, T0)
            for i, t in enumerate(tags[100:])
        ],
        columns=[
            "id_tag",
            "status",
            "expiry_date",
            "parent_id_tag",
            "max_active_transactions",
            "created_at",
            "updated_at",
        ],
    )
    # Transactions spread over a year; each charger's newest one is still active.
    span = 365 * 24 * 3600
    rows: list[tuple[int, str, int, str, str, int, int, datetime]] = []
    newest: dict[str, int] = {}
    for tid in range(1, args.transactions + 1):
        cid = charger_ids[rng.randrange(len(charger_ids))]
        started_at = T0 + timedelta(seconds=span * tid / args.transactions)
        newest[cid] = tid
        rows.append((tid, cid, 1, rng.choice(tags), "Accepted", 0, 30_000, started_at))
    active = set(newest.values())
    records = [
        (
            tid,
            cid,
            conn_id,
            tag,
            status,
            None if tid in active else tag,
            meter_start,
            None if tid in active else meter_stop,
            started_at,
            None if tid in active else started_at + timedelta(hours=2),
            "" if tid in active else "Local",
            None,
            None,
            None,
            f"{cid}|{conn_id}|{tag}|{started_at.isoformat()}|{meter_start}|{tid}",
        )
        for tid, cid, conn_id, tag, status, meter_start, meter_stop, started_at in rows
    ]
    await conn.copy_records_to_table(
        "transactions",
        records=records,
        columns=[
            "id",
            "charger_id",
            "connector_id",
            "id_tag",
            "id_tag_status",
            "stop_id_tag",
            "meter_start",
            "meter_stop",
            "started_at",
            "stopped_at",
            "stop_reason",
            "reservation_id",
            "last_energy_wh",
            "last_energy_at",
            "start_key",
        ],
    )
    await conn.execute(
        "SELECT setval(pg_get_serial_sequence('transactions', 'id'), $1)", args.transactions
    )
    n = args.values_per_transaction
    values = (
        ((tid - 1) * n + k + 1, cid, 1, tid, started_at + timedelta(minutes=6 * k), str(1500 * k))
        for tid, cid, _, _, _, _, _, started_at in rows
        for k in range(n)
    )
    await conn.copy_records_to_table(
        "meter_values",
        records=values,
        columns=["id", "charger_id", "connector_id", "transaction_id", "timestamp", "value"],
    )
    await conn.execute("ANALYZE")
    return time.perf_counter() - started, tags


async def _main() -> None:
    args = _args()
    url = args.url.replace("postgresql://", "postgresql+asyncpg://", 1)
    engine = create_engine(url)
    statements: list[tuple[str, Any]] = []

    def capture(_c: Any, _cur: Any, statement: str, params: Any, _ctx: Any, _many: bool) -> None:
        statements.append((statement, params))

    event.listen(engine.sync_engine, "before_cursor_execute", capture)
    raw = await asyncpg.connect(args.url.replace("postgresql+asyncpg://", "postgresql://", 1))
    try:
        await migrate(engine)
        seconds, tags = await _load(raw, args)
        total = args.transactions * args.values_per_transaction
        print(
            f"loaded {len(tags):,} id tags, {args.chargers:,} chargers, "
            f"{args.transactions:,} transactions, {total:,} meter values in {seconds:.1f} s "
            "(COPY), then ANALYZE"
        )
        id_tag_store = SqlIdTagStore(engine)
        transactions = SqlTransactionStore(engine)
        busy_tag = await raw.fetchval(
            "SELECT id_tag FROM transactions GROUP BY id_tag ORDER BY count(*) DESC LIMIT 1"
        )
        deep_tag = tags[int(len(tags) * 0.9)]
        deep_token = encode_keyset("id_tags", [deep_tag], {"status": None, "parent_id_tag": None})
        one_charger = "CP-00500"
        one_transaction = args.transactions // 2
        month = (T0 + timedelta(days=180), T0 + timedelta(days=210))
        cases: list[tuple[str, Callable[[], Awaitable[Any]]]] = [
            ("ListIdTags first page", lambda: id_tag_store.list(page_size=100)),
            (
                "ListIdTags deep page (after 90%)",
                lambda: id_tag_store.list(page_size=100, page_token=deep_token),
            ),
            (
                "ListIdTags status=Blocked",
                lambda: id_tag_store.list(page_size=100, status="Blocked"),
            ),
            ("ListTransactions newest first", lambda: transactions.list(page_size=100)),
            (
                f"ListTransactions charger={one_charger}",
                lambda: transactions.list(page_size=100, charger_id=one_charger),
            ),
            (
                f"ListTransactions id_tag={busy_tag}",
                lambda: transactions.list(page_size=100, id_tag=busy_tag),
            ),
            (
                "ListTransactions one month",
                lambda: transactions.list(
                    page_size=100, started_after=month[0], started_before=month[1]
                ),
            ),
            ("ListTransactions active only", lambda: transactions.list(page_size=100, active=True)),
            (
                f"ListMeterValues transaction {one_transaction}",
                lambda: transactions.list_meter_values(one_transaction, page_size=100),
            ),
        ]
        results = []
        for name, call in cases:
            await call()  # warm the pool and the cache
            timings = []
            for _ in range(args.runs):
                statements.clear()
                begun = time.perf_counter()
                await call()
                timings.append((time.perf_counter() - begun) * 1000)
            statement, params = next(
                (s, p) for s, p in statements if s.lstrip().upper().startswith("SELECT")
            )
            plan = await raw.fetch("EXPLAIN (ANALYZE, BUFFERS) " + statement, *params)
            results.append((name, statistics.median(timings), [r[0] for r in plan]))
        print(f"\nmedian of {args.runs} runs through the store (page_size 100):")
        for name, ms, _ in results:
            print(f"  {name:<45} {ms:7.2f} ms")
        for name, _, plan in results:
            print(f"\n== {name}")
            for line in plan:
                print("   " + line)
    finally:
        await raw.close()
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(_main())
