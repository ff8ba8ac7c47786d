"""A manager that stalls past the node's call deadline (SIGSTOP, as a long GC pause or an
overloaded host would) and resumes: the charger got InternalError and resent its
MeterValues, and the manager applies the original AND the retry. Item 18c of issue 10.
The manager runs as its own process (``tests.test_resilience.manager_process``)."""

from __future__ import annotations

import asyncio
import signal

import asyncpg
import orjson
import websockets
from websockets.asyncio.client import ClientConnection
from websockets.typing import Subprotocol

from services.registry import RedisRegistry
from tests.harness import UNIT, free_port, running_node
from tests.test_resilience import manager_process

SAMPLES = 24


async def _call(
    ws: ClientConnection, message_id: str, action: str, payload: object
) -> list[object]:
    """Send a CALL and return the charger's answer to it (a CallResult or CallError)."""
    await ws.send(orjson.dumps([2, message_id, action, payload]).decode())
    answer: list[object] = orjson.loads(await asyncio.wait_for(ws.recv(), 20 * UNIT))
    assert answer[1] == message_id, answer
    return answer


async def test_a_retry_of_calls_a_stalled_manager_applies_late_stores_nothing_twice(
    registry: RedisRegistry, postgres_url: str, redis_server_url: str, redis_prefix: str
) -> None:
    """MeterValues answered InternalError while the manager was stopped, resent by the
    charger under a new message id, store each sample once when the manager resumes and
    applies both copies."""
    port = free_port()
    async with (
        manager_process(port, postgres_url, redis_server_url, redis_prefix) as manager,
        running_node(registry, port, "stall", call_timeout=2 * UNIT) as node,
        websockets.connect(
            f"ws://127.0.0.1:{node.ws_port}/ocpp/STALL-1", subprotocols=[Subprotocol("ocpp1.6")]
        ) as ws,
    ):
        boot = {"chargePointVendor": "Acme", "chargePointModel": "M1"}
        assert (await _call(ws, "b", "BootNotification", boot))[0] == 3
        start = {
            "connectorId": 1,
            "idTag": "CARD-1",
            "meterStart": 1000,
            "timestamp": "2026-11-24T10:00:00Z",
        }
        started = await _call(ws, "s", "StartTransaction", start)
        assert started[0] == 3, started
        tid = started[2]["transactionId"]  # type: ignore[index]
        meter = {
            "connectorId": 1,
            "transactionId": tid,
            "meterValue": [
                {
                    "timestamp": f"2026-11-24T10:{m:02d}:00Z",
                    "sampledValue": [{"value": str(1000 + 10 * m)}],
                }
                for m in range(1, SAMPLES + 1)
            ],
        }
        manager.send_signal(signal.SIGSTOP)
        try:
            for attempt in ("m-1", "m-2"):  # the original, then the charger's retry
                answer = await _call(ws, attempt, "MeterValues", meter)
                assert answer[:3] == [4, attempt, "InternalError"], answer
        finally:
            manager.send_signal(signal.SIGCONT)
        # Once the manager answers again, the copies sent before are applied too (the
        # manager handles events concurrently: give them a generous bound).
        again = await _call(ws, "m-3", "MeterValues", meter)
        assert again[0] == 3, again
        await asyncio.sleep(4 * UNIT)
    conn = await asyncpg.connect(postgres_url.replace("+asyncpg", ""))
    try:
        rows = await conn.fetchval("SELECT count(*) FROM meter_values WHERE charger_id = 'STALL-1'")
    finally:
        await conn.close()
    assert rows == SAMPLES
