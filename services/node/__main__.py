"""``python -m services.node``: one node process of a deployment (registry in Redis)."""

from __future__ import annotations

import asyncio
import logging
import signal

import uvloop

from services.common import env_float, env_str
from services.node import Node, NodeSettings
from services.registry import RedisRegistry

log = logging.getLogger("services.node")


async def main() -> None:
    settings = NodeSettings.from_env()
    registry = RedisRegistry.from_url(
        env_str("REDIS_URL", "redis://127.0.0.1:6379/0"),
        prefix=env_str("REGISTRY_PREFIX", "csms:"),
        lease_seconds=env_float("LEASE_SECONDS", 15.0, minimum=0.5),
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        async with Node(settings, registry) as node:
            log.info(
                "node %s: chargers connect to ws://%s:%d/ocpp/<charger-id>; Node.Send on %s; "
                "manager at %s",
                settings.node_id,
                settings.host,
                node.ws_port,
                node.address,
                settings.manager_address,
            )
            await stop.wait()
            log.info("shutting down: closing chargers with 1001 so they reconnect elsewhere")
    finally:
        await registry.aclose()


if __name__ == "__main__":
    logging.basicConfig(
        level=env_str("LOG_LEVEL", "INFO"), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    uvloop.run(main())
