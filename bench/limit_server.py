"""The limit: a bare websocket server answering each OCPP-J call without any logic.

Parses each frame with orjson and answers ``[3, id, {"currentTime": ...}]`` to
Heartbeat and BootNotification (with ``status``/``interval``), ``{"transactionId": n,
...}`` to StartTransaction, ``{}`` to anything else. Same ``websockets`` library as the
node, so the gap between this and our figures is what the CSMS itself costs.

    python -m bench.limit_server --port 9200 [--parent-pid PID] [--max-seconds 900]
"""

from __future__ import annotations

import argparse
import itertools
import time
from datetime import UTC, datetime

import orjson
import uvloop
import websockets
from websockets.asyncio.server import ServerConnection
from websockets.typing import Subprotocol

from bench._lifetime import exit_with_parent

_ids = itertools.count(1)
_now_second = -1
_now_text = ""


def _now() -> str:
    global _now_second, _now_text
    second = int(time.time())
    if second != _now_second:
        _now_second = second
        _now_text = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return _now_text


async def handler(ws: ServerConnection) -> None:
    """Answer every call of one connection, immediately."""
    try:
        async for frame in ws:
            message = orjson.loads(frame)
            if message[0] != 2:
                continue
            action = message[2]
            if action == "Heartbeat":
                payload: dict[str, object] = {"currentTime": _now()}
            elif action == "BootNotification":
                payload = {"currentTime": _now(), "interval": 300, "status": "Accepted"}
            elif action == "StartTransaction":
                payload = {"transactionId": next(_ids), "idTagInfo": {"status": "Accepted"}}
            else:
                payload = {}
            await ws.send(orjson.dumps([3, message[1], payload]).decode())
    except websockets.ConnectionClosed:
        pass


async def main(port: int, parent_pid: int | None, max_seconds: float) -> None:
    async with websockets.serve(
        handler,
        "127.0.0.1",
        port,
        subprotocols=[Subprotocol("ocpp1.6"), Subprotocol("ocpp2.0.1")],
        compression=None,
    ):
        print(f"limit server listening on {port}", flush=True)
        await exit_with_parent(parent_pid, max_seconds)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--parent-pid", type=int, default=None)
    parser.add_argument("--max-seconds", type=float, default=900.0)
    args = parser.parse_args()
    uvloop.run(main(args.port, args.parent_pid, args.max_seconds))
